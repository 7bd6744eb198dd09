"""Objections (异议) during the public notice: who may file, when and against what; upholding
one disqualifies the entry and moves the next in line up; dismissing; the audit trail, the
objector's inbox, the counts, looking one up, and publication waiting for every answer."""

from datetime import timedelta

import re

import pytest
import sqlalchemy as sa

from contest.domain import accounts, awards
from contest.domain.award_lists import ObjectionCounts, objection_counts
from contest.domain import objections as rules
from contest.domain.errors import Conflict, DomainError
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus
from contest.models.awards import AwardKind, Disqualification
from contest.models.notification import Notification
from contest.models.objection import Objection, ObjectionStatus
from tests.support.sms import RecordingSender
from tests.support.objections import DRAFT, NOTICE_CONTEST, NOTICE_ENDS

pytestmark = NOTICE_CONTEST

DURING = DRAFT + timedelta(days=1)
SECRET = "test-secret"
PHONE = "13812345678"


@pytest.fixture
def objector(make_user):
    return make_user(nickname="热心市民", phone="13900000099")


def overall(award_list) -> list[str]:
    return [db.session.get(Entry, p.entry_id).caption for p in sorted(award_list.places, key=lambda p: p.rank)]


def actions() -> list[str]:
    return db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.like("objection.%") | AuditEvent.action.like("awards.d%")).order_by(AuditEvent.id)).all()


def send_code(now, phone=PHONE) -> str:
    code = accounts.request_code(phone, purpose=accounts.OBJECTION, now=now, sender=RecordingSender(), secret=SECRET,
                                 ttl_seconds=600, resend_seconds=60, daily_limit=10)
    db.session.commit()
    return code


def test_a_signed_in_citizen_files_an_objection(on_notice, objector):
    popularity, entries = on_notice
    filed = rules.file_objection(popularity, entries["E1"], reason=" 视频是搬运的 ", now=DURING, user=objector,
                                 evidence_path="2020/07/19/" + "a" * 32 + ".png")
    db.session.commit()
    o = filed.objection
    assert (o.contest_id, o.award_list_id, o.entry_id, o.user_id, o.phone, o.reason, o.status, o.reply,
            o.handled_at, o.created_at) == (
        popularity.contest_id, popularity.id, entries["E1"].id, objector.id, None, "视频是搬运的",
        ObjectionStatus.OPEN, None, None, DURING)
    assert re.fullmatch(r"[0-9]{8}", filed.reference) and o.reference_hash == rules.reference_hash(filed.reference)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "objection.file"))
    assert (event.actor_id, event.target_type, event.target_id, event.contest_id, event.changes) == (
        objector.id, "objection", o.id, popularity.contest_id,
        {"award_list_id": popularity.id, "kind": "popularity", "entry_id": entries["E1"].id, "by_code": False,
         "evidence": True})
    with pytest.raises(Conflict, match="你已对这件作品提出过异议，正在处理中"):
        rules.file_objection(popularity, entries["E1"], reason="再说一次", now=DURING, user=objector)


def test_filing_only_during_the_notice_and_against_a_listed_entry(on_notice, objector):
    popularity, entries = on_notice
    with pytest.raises(DomainError, match="这件作品不在该获奖名单上"):
        rules.file_objection(popularity, entries["E3"], reason="x", now=DURING, user=objector)
    with pytest.raises(DomainError, match="只能在获奖名单公示期内提出异议"):
        rules.file_objection(popularity, entries["E1"], reason="x", now=NOTICE_ENDS, user=objector)
    with pytest.raises(DomainError, match="只能在获奖名单公示期内提出异议"):
        rules.file_objection(popularity, entries["E1"], reason="x", now=DRAFT - timedelta(seconds=1), user=objector)
    with pytest.raises(DomainError, match="请填写异议理由"):
        rules.file_objection(popularity, entries["E1"], reason="  ", now=DURING, user=objector)
    with pytest.raises(DomainError, match="异议理由最多 1000 个字"):
        rules.file_objection(popularity, entries["E1"], reason="长" * 1001, now=DURING, user=objector)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 0


def test_without_an_account_the_phone_is_proven_with_a_code(on_notice, objector):
    popularity, entries = on_notice
    with pytest.raises(DomainError, match="请先获取验证码"):
        rules.file_objection(popularity, entries["E2"], reason="刷赞", now=DURING, phone=PHONE, code="123456",
                             secret=SECRET)
    code = send_code(DURING)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(DomainError, match="验证码错误"):
        rules.file_objection(popularity, entries["E2"], reason="刷赞", now=DURING, phone=PHONE, code=wrong,
                             secret=SECRET)
    db.session.commit()
    # A problem with the objection itself does not spend the code.
    with pytest.raises(DomainError, match="请填写异议理由"):
        rules.file_objection(popularity, entries["E2"], reason="", now=DURING, phone=PHONE, code=code, secret=SECRET)
    filed = rules.file_objection(popularity, entries["E2"], reason="刷赞", now=DURING, phone="+86 138-1234-5678",
                                 code=code, secret=SECRET)
    db.session.commit()
    assert (filed.objection.user_id, filed.objection.phone) == (None, PHONE)
    with pytest.raises(DomainError, match="验证码已使用"):
        rules.file_objection(popularity, entries["E1"], reason="又一条", now=DURING, phone=PHONE, code=code,
                             secret=SECRET)
    # A proven phone that has an account files under that account.
    code = send_code(DURING, phone=objector.phone)
    filed = rules.file_objection(popularity, entries["E1"], reason="抄袭", now=DURING, phone=objector.phone,
                                 code=code, secret=SECRET)
    db.session.commit()
    assert (filed.objection.user_id, filed.objection.phone) == (objector.id, objector.phone)


def test_upholding_disqualifies_the_entry_and_the_next_moves_up(on_notice, objector, admin):
    popularity, entries = on_notice
    first = rules.file_objection(popularity, entries["E1"], reason="搬运", now=DURING, user=objector).objection
    code = send_code(DURING)
    second = rules.file_objection(popularity, entries["E1"], reason="同一作品", now=DURING, phone=PHONE, code=code,
                                  secret=SECRET).objection
    db.session.commit()
    assert overall(popularity) == ["E1", "E2"]

    at = DURING + timedelta(hours=2)
    with pytest.raises(DomainError, match="请填写答复"):
        rules.uphold(first, reply=" ", staff=admin, now=at)
    rules.uphold(first, reply="经核实系搬运他人作品", staff=admin, now=at)
    db.session.commit()
    assert (first.status, first.reply, first.handled_by_id, first.handled_at) == (
        ObjectionStatus.UPHELD, "经核实系搬运他人作品", admin.id, at)
    assert entries["E1"].status is EntryStatus.REJECTED
    assert overall(popularity) == ["E2", "E3"]
    row = db.session.scalar(sa.select(Disqualification))
    assert (row.entry_id, row.reason, row.by_id) == (entries["E1"].id, "经核实系搬运他人作品", admin.id)
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == objector.id))
    assert (note.kind, note.title, note.body, note.entry_id) == (
        "objection.upheld", "你的异议已处理：成立",
        f"你对人气奖名单中作品（编号 {entries['E1'].id}）提出的异议已处理。"
        "经核实，异议成立，该作品已被取消获奖资格，名单已顺延。答复：经核实系搬运他人作品", None)

    # The same entry again: already disqualified, so only the objection is answered.
    rules.uphold(second, reply="同上", staff=admin, now=at)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Disqualification)) == 1
    assert overall(popularity) == ["E2", "E3"]
    with pytest.raises(Conflict, match="这条异议已经处理过了"):
        rules.dismiss(second, reply="改主意", staff=admin, now=at)
    assert actions() == ["awards.draft", "awards.draft", "objection.file", "objection.file", "awards.disqualify",
                         "objection.uphold", "objection.uphold"]
    upheld = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "objection.uphold"))
    assert (upheld.actor_id, upheld.target_id, upheld.note, upheld.changes) == (
        admin.id, first.id, "经核实系搬运他人作品",
        {"status": ["open", "upheld"], "entry_id": entries["E1"].id, "disqualification_id": row.id})
    assert objection_counts(entries["E1"].contest)["popularity"] == ObjectionCounts(received=2, handled=2)


def test_dismissing_leaves_the_lists_and_publication_waits_for_every_answer(on_notice, objector, admin):
    popularity, entries = on_notice
    contest = entries["E1"].contest
    objection = rules.file_objection(popularity, entries["E2"], reason="不喜欢", now=DURING, user=objector).objection
    db.session.commit()
    assert objection_counts(contest) == {"popularity": ObjectionCounts(1, 0), "excellence": ObjectionCounts(0, 0)}
    with pytest.raises(DomainError, match="还有 1 条异议没有答复，答复后才能发布获奖名单"):
        awards.publish_awards(contest, staff=admin, now=NOTICE_ENDS)
    rules.dismiss(objection, reply="个人喜好不是取消资格的理由", staff=admin, now=NOTICE_ENDS)
    db.session.commit()
    assert (objection.status, entries["E2"].status, overall(popularity)) == (
        ObjectionStatus.DISMISSED, EntryStatus.APPROVED, ["E1", "E2"])
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == objector.id))
    assert (note.kind, note.title) == ("objection.dismissed", "你的异议已处理：不成立")
    assert "经核实，异议不成立，获奖名单不变。答复：个人喜好不是取消资格的理由" in note.body
    awards.publish_awards(contest, staff=admin, now=NOTICE_ENDS)
    db.session.commit()
    assert objection_counts(contest)["popularity"] == ObjectionCounts(1, 1)
    assert actions()[-1] == "objection.dismiss"


def test_an_objection_filed_in_time_can_be_upheld_after_the_notice_until_publication(on_notice, objector, admin):
    popularity, entries = on_notice
    objection = rules.file_objection(popularity, entries["E1"], reason="搬运", now=DURING, user=objector).objection
    db.session.commit()
    # Staff disqualifying on their own after the period: a correction is the way.
    with pytest.raises(DomainError, match="公示期已结束"):
        awards.disqualify(entries["E1"].contest, entries["E1"], "成立", staff=admin, now=NOTICE_ENDS)
    rules.uphold(objection, reply="经核实系搬运", staff=admin, now=NOTICE_ENDS + timedelta(hours=1))
    awards.publish_awards(entries["E1"].contest, staff=admin, now=NOTICE_ENDS + timedelta(hours=1))
    db.session.commit()
    assert (objection.status, entries["E1"].status, overall(popularity)) == (
        ObjectionStatus.UPHELD, EntryStatus.REJECTED, ["E2", "E3"])


def test_looking_up_needs_the_reference_and_the_phone(on_notice, objector):
    popularity, entries = on_notice
    code = send_code(DURING)
    anonymous = rules.file_objection(popularity, entries["E1"], reason="搬运", now=DURING, phone=PHONE, code=code,
                                     secret=SECRET)
    signed_in = rules.file_objection(popularity, entries["E2"], reason="刷赞", now=DURING, user=objector)
    db.session.commit()
    assert rules.look_up(anonymous.reference, "138 1234 5678").id == anonymous.objection.id
    # As shown (4821 7730), or typed with stray spaces: the same code.
    assert rules.grouped(anonymous.reference) == anonymous.reference[:4] + " " + anonymous.reference[4:]
    for typed in (rules.grouped(anonymous.reference), f" {anonymous.reference[:2]} {anonymous.reference[2:]} "):
        assert rules.look_up(typed, PHONE).id == anonymous.objection.id
    assert rules.look_up(signed_in.reference, objector.phone).id == signed_in.objection.id
    # A wrong reference: the real one with its first character changed (never the same by chance).
    wrong = ("y" if anonymous.reference[0] == "x" else "x") + anonymous.reference[1:]
    for reference, phone in ((anonymous.reference, objector.phone), (signed_in.reference, PHONE),
                             (wrong, PHONE), ("", PHONE), (anonymous.reference, "12")):
        with pytest.raises(DomainError, match="^没有找到这条异议，请核对查询码和手机号。$"):
            rules.look_up(reference, phone)
    assert [o.id for o in rules.objections_of(objector)] == [signed_in.objection.id]
    assert [o.id for o in rules.queue(entries["E1"].contest, ObjectionStatus.OPEN)] == [
        anonymous.objection.id, signed_in.objection.id]
    assert rules.queue(entries["E1"].contest, ObjectionStatus.UPHELD) == []
    assert AwardKind(anonymous.objection.award_list.kind) is AwardKind.POPULARITY
