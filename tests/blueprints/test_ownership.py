"""Ownership through the pages: "作者身份待验证" for the entrant and the reviewer, the approval
gate on the review page and in bulk, the staff proof from evidence, and the rules page."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import ownership
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus, OwnerProof
from tests.support.review import audits, bulk, decide, flashes, fresh, text, token
from tests.support.staff_likes import EVIDENCE_NAME, PNG

LABEL = "作者身份待验证"
TICKED = {"slogan": "y", "theme": "y", "content": "y"}


@pytest.fixture(autouse=True)
def _evidence_in_tmp(evidence_dir):
    return evidence_dir


@pytest.fixture
def unproven(make_entry):
    entry = make_entry()
    entry.owner_verified_at, entry.owner_proof = None, None
    entry.fact_sources = {k: v for k, v in entry.fact_sources.items() if k != "owner"}
    db.session.commit()
    return entry


def test_my_entries_say_unproven_and_lead_to_douyin(unproven, make_entry, author, signed_in):
    proven = make_entry()
    page = signed_in(author).get("/entries/mine").get_data(as_text=True)
    mine = text(page)
    assert mine.count(LABEL) == 1 and ownership.WHY_LINK in mine
    unproven_item = page.split(f'id="entry-{unproven.id}"')[1].split("</li>")[0]
    assert LABEL in unproven_item and "/auth/douyin?next=/entries/mine" in unproven_item
    assert LABEL not in page.split(f'id="entry-{proven.id}"')[1].split("</li>")[0]


def test_the_entry_page_says_why_a_phone_account_should_link_douyin(contest, author, signed_in):
    page = text(signed_in(author).get("/entries/new").get_data(as_text=True))
    assert ownership.WHY_LINK in page


def test_the_reviewer_sees_unproven_and_cannot_approve(unproven, reviewer, signed_in):
    client = signed_in(reviewer)
    assert LABEL in text(client.get(f"/staff/entries/{unproven.id}").get_data(as_text=True))
    assert LABEL in text(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True))
    response = decide(client, unproven, decision="approve", **TICKED)
    assert response.status_code == 409
    assert f"没有保存： {ownership.UNPROVEN_APPROVAL}" in text(response.get_data(as_text=True))
    assert fresh(unproven).status is EntryStatus.PENDING and audits() == []


def test_bulk_approval_skips_an_unproven_entry_with_the_reason(unproven, make_entry, reviewer, signed_in):
    good = make_entry()
    client = signed_in(reviewer)
    queue = client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)
    assert f'value="{good.id}:{good.version}"' in queue and f'value="{unproven.id}:' not in queue
    response = bulk(client, [good, unproven])
    assert response.status_code == 302
    assert flashes(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == [
        f"已批量通过 1 个作品（{good.id}），已通知参赛者。",
        f"作品 {unproven.id} 没有批量通过：{ownership.UNPROVEN_APPROVAL}",
    ]
    assert (fresh(good).status, fresh(unproven).status) == (EntryStatus.APPROVED, EntryStatus.PENDING)


def prove(client, entry, *, note="抖音创作者中心截图，作品在参赛者本人账号下", file=("shot.png", PNG)):
    data = {"csrf_token": token(client), "note": note}
    if file:
        data["screenshot"] = (io.BytesIO(file[1]), file[0], "image/png")
    return client.post(f"/staff/entries/{entry.id}/owner", data=data, content_type="multipart/form-data")


def test_a_reviewer_records_the_proof_from_evidence_then_approves(unproven, reviewer, signed_in, evidence_dir):
    client = signed_in(reviewer)
    response = prove(client, unproven)
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/entries/{unproven.id}#owner")
    entry = fresh(unproven)
    assert (entry.owner_proof, entry.owner_verified_at) == (OwnerProof.STAFF, clock.now())
    assert EVIDENCE_NAME.fullmatch(entry.owner_evidence_path)
    assert (evidence_dir / entry.owner_evidence_path).read_bytes() == PNG
    [event] = audits()
    assert (event.actor_id, event.action, event.target_id, event.changes, event.note) == (
        reviewer.id, "entry.owner_verified", entry.id,
        {"owner_proof": [None, "staff"], "evidence": entry.owner_evidence_path}, "抖音创作者中心截图，作品在参赛者本人账号下")
    page = client.get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert LABEL not in text(page) and "已确认：工作人员核实证据" in text(page)
    assert f"/staff/evidence/{entry.owner_evidence_path}" in page
    assert decide(client, entry, decision="approve", **TICKED).status_code == 302
    assert fresh(entry).status is EntryStatus.APPROVED


@pytest.mark.parametrize("note, file, message", [
    ("", ("shot.png", PNG), "请写明核实了什么证据。"),
    ("截图", None, "请上传截图。"),
    ("截图", ("shot.png", b"not an image"), "只能上传图片格式的截图（手机截图或照片）。"),
])
def test_a_proof_needs_a_note_and_a_screenshot(unproven, reviewer, signed_in, evidence_dir, note, file, message):
    response = prove(signed_in(reviewer), unproven, note=note, file=file)
    assert response.status_code == 422 and message in text(response.get_data(as_text=True))
    assert fresh(unproven).owner_verified_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
    assert not evidence_dir.exists() or not any(p.is_file() for p in evidence_dir.rglob("*"))


def test_a_judge_may_not_record_a_proof(unproven, staff, signed_in):
    assert prove(signed_in(staff("judge")), unproven).status_code == 403
    assert fresh(unproven).owner_verified_at is None


def test_the_rules_page_states_the_ownership_rule(client, contest):
    page = text(client.get("/rules").get_data(as_text=True))
    assert "作品归属：只有作者本人可以参赛" in page
    assert "别人拿你的视频报名，不会挡住你" in page
    assert "确实无法进行抖音授权的作者，可以向主办方提供证据" in page


def test_entering_from_a_phone_account_says_the_author_is_unproven(client, make_contest, freeze, make_user, login,
                                                                   publish):
    from tests.support.entries import form

    freeze("2020-06-25T12:00:00+08:00")
    make_contest()
    login(make_user(nickname="小李"))
    video_id = publish()
    response = client.post("/entries/new", data=form(client, text=f"https://www.douyin.com/video/{video_id}"))
    assert response.status_code == 302
    assert flashes(client.get("/entries/mine").get_data(as_text=True)) == [
        "报名成功！作品正在等待审核，审核结果会在“我的作品”中显示。", f"{LABEL}。{ownership.WHY_LINK}"]
