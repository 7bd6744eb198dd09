"""Staff like pages (/staff): readings, manual counts with a screenshot, evidence files and
flags; and the author's own like history (/entries/<id>/likes)."""

import base64
import html
import io
import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.likes import record_snapshot
from contest.integrations.evidence import EvidenceStore
from contest.extensions import db
from contest.models import EntryTally, FlagStatus, LikeFlag, Snapshot, SnapshotSource
from tests.conftest import count
def chart(page: str) -> dict:
    """The data of the page's likes chart (what static/js/charts.js draws)."""
    return json.loads(html.unescape(re.search(r'data-chart="([^"]*)"', page).group(1)))


from tests.support.staff_likes import EVIDENCE_NAME, LIKES_ENTRIES, PNG, files_in, record, rows, token

pytestmark = LIKES_ENTRIES

AFTER_CLOSE = "2020-07-20T09:00:00+08:00"
UTC = clock.UTC
MiB = 1024 * 1024


# An 8×8 baseline JFIF (a browser's screenshot, its colour profile stripped).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8t"
    "MC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAAR"
    "CAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAA"
    "BQf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCbgDVnf//Z")
# A 1×1 lossless WebP.
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

WRONG_TYPE = "只能上传图片格式的截图（手机截图或照片）。"
CSRF_REFUSED = "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。"


@pytest.fixture(autouse=True)
def _evidence_in_tmp(evidence_dir):
    return evidence_dir


@pytest.fixture
def reviewer(sign_in):
    return sign_in("reviewer")


@pytest.fixture
def stored(evidence_dir):
    """A screenshot already in the evidence store; returns its name."""
    return EvidenceStore(evidence_dir).save(io.BytesIO(PNG), filename="shot.png")


def make_flag(entry, *, kind="burst", start="2020-06-24T01:00:00+08:00", hours=2, message="2 小时内新增 900 赞，远高于同期作品。",
              created=None) -> LikeFlag:
    window_start = datetime.fromisoformat(start)
    flag = LikeFlag(entry_id=entry.id, kind=kind, window_start=window_start,
                    window_end=window_start + timedelta(hours=hours), message=message, numbers={"gain": 900},
                    created_at=datetime.fromisoformat(created) if created else clock.now())
    db.session.add(flag)
    db.session.commit()
    return flag


def decide(client, flag, *, csrf=True, **fields):
    data = {"decision": "clear", "note": "核实为作者在微信群里转发，正常增长。", "next": "/staff/flags?contest=zhuzhou-2020"}
    data.update(fields)
    if csrf:
        data["csrf_token"] = token(client)
    return client.post(f"/staff/flags/{flag.id}/decide", data={k: v for k, v in data.items() if v is not None})


def snapshots() -> list[Snapshot]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Snapshot).order_by(Snapshot.id)))


# --- who may see what ---------------------------------------------------------------

ROUTES = ["entry_likes", "record_likes", "evidence", "flags", "decide_flag"]


def call(client, route, entry, flag, stored):
    """One request to each staff route; the POSTs carry a valid CSRF token and valid data."""
    if route == "entry_likes":
        return client.get(f"/staff/entries/{entry.id}/likes")
    if route == "record_likes":
        return record(client, entry)
    if route == "evidence":
        return client.get(f"/staff/evidence/{stored}")
    if route == "flags":
        return client.get("/staff/flags?contest=zhuzhou-2020")
    return decide(client, flag)


@pytest.mark.parametrize("route", ROUTES)
def test_staff_routes_send_anonymous_visitors_to_sign_in(client, entry, stored, route):
    flag = make_flag(entry)
    response = call(client, route, entry, flag, stored)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=%2Fstaff%2F")
    assert count(Snapshot) == 0 and db.session.get(LikeFlag, flag.id).status is FlagStatus.OPEN


@pytest.mark.parametrize("role", ["citizen", "judge"])
@pytest.mark.parametrize("route", ROUTES)
def test_staff_routes_refuse_citizens_and_judges(client, entry, stored, sign_in, route, role):
    # Judges do not see likes (docs/rules.md §8), so they are refused like any citizen.
    sign_in(role)
    flag = make_flag(entry)
    response = call(client, route, entry, flag, stored)
    assert response.status_code == 403
    assert "你没有权限进行这个操作。" in response.get_data(as_text=True)
    assert count(Snapshot) == 0
    db.session.expire_all()
    assert db.session.get(LikeFlag, flag.id).status is FlagStatus.OPEN


@pytest.mark.parametrize("role", ["reviewer", "admin"])
@pytest.mark.parametrize("route", ROUTES)
def test_staff_routes_serve_reviewers_and_admins(client, entry, stored, sign_in, route, role):
    sign_in(role)
    flag = make_flag(entry)
    response = call(client, route, entry, flag, stored)
    if route == "record_likes":
        assert response.status_code == 302 and count(Snapshot) == 1
    elif route == "decide_flag":
        assert (response.status_code, response.headers["Location"]) == (302, "/staff/flags?contest=zhuzhou-2020")
    else:
        assert response.status_code == 200


def test_staff_record_a_manual_count_with_a_screenshot(client, entry, reviewer, evidence_dir):
    response = record(client, entry)
    (snap,) = snapshots()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/entries/{entry.id}/likes#snapshot-{snap.id}"
    assert (snap.entry_id, snap.source, snap.recorded_by_id, snap.likes, snap.comments, snap.shares, snap.plays,
            snap.sweep_id, snap.note) == (entry.id, SnapshotSource.MANUAL, reviewer.id, 120, 5, 2, 3000, None,
                                          "截图来自作者微信")
    # 10:30 Beijing time is 02:30 UTC.
    assert snap.observed_at == datetime(2020, 6, 25, 2, 30, tzinfo=UTC)
    assert EVIDENCE_NAME.fullmatch(snap.evidence_path) and snap.evidence_path.endswith(".png")
    assert files_in(evidence_dir) == [evidence_dir / snap.evidence_path]
    assert (evidence_dir / snap.evidence_path).read_bytes() == PNG

    tally = db.session.get(EntryTally, entry.id)
    assert (tally.likes, tally.observed_at, tally.source, tally.reached_at) == (
        120, snap.observed_at, SnapshotSource.MANUAL, snap.observed_at)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已记录人工读数：120 赞，读数时间 2020-06-25 10:30。" in page
    assert rows(page) == {snap.id: "2020-06-25 10:30 120 5 2 3000 人工记录 记录人：审核员小张 查看截图 备注：截图来自作者微信 计入"}
    assert f'href="/staff/evidence/{snap.evidence_path}"' in page


@pytest.mark.parametrize("name, content, content_type, ext", [
    ("shot.jpg", JPEG, "image/jpeg", "jpg"),
    ("shot.webp", WEBP, "image/webp", "webp"),
    # The bytes decide, not the name or the client's content type.
    ("shot.txt", PNG, "text/plain", "png"),
], ids=["jpeg", "webp", "png-named-txt"])
def test_jpeg_webp_and_misnamed_png_are_stored_by_their_bytes(client, entry, reviewer, evidence_dir, name, content,
                                                              content_type, ext):
    response = record(client, entry, file=(name, content, content_type))
    (snap,) = snapshots()
    assert response.status_code == 302
    assert snap.evidence_path.endswith("." + ext)
    assert (evidence_dir / snap.evidence_path).read_bytes() == content


@pytest.mark.parametrize("changes, message", [
    ({"file": ("shot.gif", GIF, "image/gif")}, WRONG_TYPE),
    ({"file": ("shot.png", b"just some text, not an image\n", "image/png")}, WRONG_TYPE),
    ({"file": ("notes.txt", b"hello", "text/plain")}, WRONG_TYPE),
    ({"file": ("shot.png", PNG[:8] + b"\x00" * (5 * MiB - 7), "image/png")}, "截图不能超过 5 MB。"),
    ({"file": None}, "请上传截图。"),
    ({"file": ("", b"", "application/octet-stream")}, "请上传截图。"),
    ({"likes": "-1"}, "点赞数必须是不小于 0 的整数。"),
    ({"likes": "abc"}, "请填写整数。"),
    ({"likes": ""}, "请填写点赞数。"),
    ({"plays": "-3"}, "播放数必须是不小于 0 的整数。"),
    ({"observed_at": "2020-06-25T12:01"}, "读数时间不能晚于现在。"),
    ({"observed_at": ""}, "请填写读数时间。"),
    ({"observed_at": "昨天"}, "请按“年-月-日 时:分”填写时间。"),
], ids=["gif", "text-named-png", "text", "over-5-mib", "no-file", "empty-file", "negative-likes", "likes-not-a-number",
        "no-likes", "negative-plays", "future", "no-time", "bad-time"])
def test_refused_manual_counts_keep_nothing(client, entry, reviewer, evidence_dir, changes, message):
    response = record(client, entry, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有保存，请修改以下问题：" in page and message in page
    assert count(Snapshot) == 0 and db.session.get(EntryTally, entry.id) is None
    assert files_in(evidence_dir) == []
    # What was typed is kept (not the file).
    typed_likes = changes.get("likes", "120")
    assert f'value="{typed_likes}"' in page and "截图来自作者微信</textarea>" in page


def test_every_problem_is_reported_at_once(client, entry, reviewer):
    response = record(client, entry, likes="-1", file=("shot.gif", GIF, "image/gif"))
    errors = re.search(r'<div class="problems" role="alert">(.*?)</div>', response.get_data(as_text=True), re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", errors) == ["点赞数必须是不小于 0 的整数。", WRONG_TYPE]
    assert count(Snapshot) == 0


def test_a_reading_taken_this_minute_is_not_the_future(client, entry, reviewer):
    assert record(client, entry, observed_at="2020-06-25T12:00").status_code == 302
    assert snapshots()[0].observed_at == datetime(2020, 6, 25, 4, 0, tzinfo=UTC)


def test_a_body_far_over_the_limit_is_refused_with_413(client, entry, reviewer, evidence_dir):
    response = record(client, entry, file=("big.png", PNG[:8] + b"\x00" * (7 * MiB), "image/png"))
    assert response.status_code == 413
    assert "提交的内容太大。" in response.get_data(as_text=True)
    assert count(Snapshot) == 0 and files_in(evidence_dir) == []


def test_recording_needs_a_csrf_token(client, entry, reviewer, evidence_dir):
    response = record(client, entry, csrf=False)
    assert response.status_code == 400
    assert CSRF_REFUSED in response.get_data(as_text=True)
    assert count(Snapshot) == 0 and files_in(evidence_dir) == []


def test_recording_for_a_missing_entry_is_404(client, contest, reviewer):
    response = client.post("/staff/entries/999/likes", data={"csrf_token": token(client)})
    assert response.status_code == 404
    assert "没有找到这个作品。" in response.get_data(as_text=True)


def test_evidence_settings_default_under_the_instance_folder():
    from contest.config import load_config
    config = load_config({}, "/srv/contest/instance")
    assert (config["CONTEST_EVIDENCE_DIR"], config["CONTEST_EVIDENCE_MAX_BYTES"]) == ("/srv/contest/instance/evidence", 5 * MiB)
    assert config["MAX_CONTENT_LENGTH"] == 5 * MiB + 512 * 1024
    # The request limit is the larger of the evidence limit and a slogan-check chunk, plus room for the form.
    small = load_config({"CONTEST_EVIDENCE_MAX_BYTES": "1048576", "CONTEST_EVIDENCE_DIR": "/data/evidence",
                         "CONTEST_SLOGAN_CHUNK_BYTES": "524288"}, "/x")
    assert (small["CONTEST_EVIDENCE_DIR"], small["CONTEST_EVIDENCE_MAX_BYTES"], small["MAX_CONTENT_LENGTH"]) == (
        "/data/evidence", MiB, MiB + 512 * 1024)
    big_chunks = load_config({"CONTEST_EVIDENCE_MAX_BYTES": "1048576"}, "/x")
    assert big_chunks["MAX_CONTENT_LENGTH"] == 4 * MiB + 512 * 1024


# --- evidence files ------------------------------------------------------------------

def test_evidence_is_served_to_staff_with_its_type(client, entry, reviewer):
    record(client, entry, file=("shot.jpg", JPEG, "image/jpeg"))
    (snap,) = snapshots()
    response = client.get(f"/staff/evidence/{snap.evidence_path}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in answer (contest.web.signed_in)
    assert response.data == JPEG


@pytest.mark.parametrize("name", [
    "../secret.png",
    "../../etc/passwd",
    "2020/06/25/../../../secret.png",
    "%2E%2E/secret.png",
    "%2Fetc%2Fpasswd",
    "2020/06/25/" + "0" * 32 + ".png",      # the right shape, but never stored
    "2020/06/25/" + "0" * 32 + ".png.part",  # a half-written upload
    "2020/06/25/" + "A" * 32 + ".PNG",
])
def test_evidence_refuses_path_tricks(client, entry, reviewer, tmp_path, name):
    (tmp_path / "secret.png").write_bytes(PNG)
    response = client.get(f"/staff/evidence/{name}", follow_redirects=True)
    assert response.status_code == 404
    assert response.data != PNG


def test_evidence_store_open_accepts_only_generated_names(tmp_path):
    store = EvidenceStore(tmp_path / "evidence")
    name = store.save(io.BytesIO(PNG), filename="../../x.png", now=datetime(2020, 6, 25, 4, tzinfo=UTC))
    assert EVIDENCE_NAME.fullmatch(name)
    with store.open(name) as fh:
        assert fh.read() == PNG
    (tmp_path / "outside.png").write_bytes(PNG)
    from contest.domain.errors import NotFound
    for bad in ["/etc/passwd", str(tmp_path / "outside.png"), "../outside.png", name.replace("/", "\\"), ""]:
        with pytest.raises(NotFound):
            store.open(bad)


# --- the staff page: platform and manual, counted and not ----------------------------

def test_the_page_tells_platform_from_manual_readings(client, entry, reviewer):
    platform = record_snapshot(entry, observed_at=datetime.fromisoformat("2020-06-24T20:00:00+08:00"), likes=90,
                               source=SnapshotSource.PLATFORM, comments=4, shares=1, plays=2500)
    manual = record_snapshot(entry, observed_at=datetime.fromisoformat("2020-06-25T09:00:00+08:00"), likes=130,
                             source=SnapshotSource.MANUAL, recorded_by=reviewer, evidence_path="2020/06/25/" + "a" * 32 + ".png")
    db.session.commit()
    page = client.get(f"/staff/entries/{entry.id}/likes").get_data(as_text=True)
    assert rows(page) == {
        platform.id: "2020-06-24 20:00 90 4 1 2500 抖音平台 计入",
        manual.id: "2020-06-25 09:00 130 — — — 人工记录 记录人：审核员小张 查看截图 计入",
    }
    assert 'class="source-platform"' in page and 'class="source-manual"' in page
    assert "株洲的早晨 #动力株洲文旅通 @株洲足迹" in page and "已通过" in page
    assert "未授权抖音（或授权已失效），点赞数需人工记录" in page
    tally = re.search(r'<dl class="tally">(.*?)</dl>', page, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", tally).split()) == "计入的点赞数 130 读数时间 2020-06-25 09:00 来源 人工记录"
    assert [[p[2] for p in series["points"]] for series in chart(page)["series"]] == [["platform", "manual"]]


def test_readings_after_the_close_are_shown_but_not_counted(client, entry, reviewer, freeze):
    inside = record_snapshot(entry, observed_at=datetime.fromisoformat("2020-07-17T23:59:59+08:00"), likes=1370,
                             source=SnapshotSource.PLATFORM)
    freeze(AFTER_CLOSE)
    late = record_snapshot(entry, observed_at=datetime.fromisoformat("2020-07-18T08:00:00+08:00"), likes=1500,
                           source=SnapshotSource.PLATFORM)
    db.session.commit()
    page = client.get(f"/staff/entries/{entry.id}/likes").get_data(as_text=True)
    assert rows(page)[inside.id].endswith("抖音平台 计入")
    assert rows(page)[late.id].endswith("抖音平台 不计入")
    tally = db.session.get(EntryTally, entry.id)
    assert (tally.likes, tally.latest_likes) == (1370, 1500)
    assert "最新读数 1500（2020-07-18 08:00，截止后读数不计入）" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "活动已截止，排名已冻结。" in page
    spec = chart(page)
    assert spec["cutoff"] is not None and [len(series["points"]) for series in spec["series"]] == [1, 2]
    assert spec["series"][1] == {"name": "截止后（不计入）", "muted": True, "points": [
        spec["series"][0]["points"][-1], [spec["series"][1]["points"][1][0], 1500, "platform"]]}
    # Frozen: no manual form any more; a reviewer is told that only an admin corrects.
    assert 'id="record-heading"' not in page
    assert "截止后排行榜冻结，只有管理员可以附理由公开更正点赞数。" in page


# --- flags ---------------------------------------------------------------------------

def test_flags_page_lists_open_flags_newest_first(client, entry, make_entry, reviewer):
    other = make_entry(caption="醴陵瓷器 #动力株洲文旅通 @株洲足迹")
    older = make_flag(entry, kind="night_surge", message="凌晨新增 600 赞。", created="2020-06-24T08:00:00+08:00")
    newer = make_flag(other, kind="ratio", message="赞播比 0.9，远高于同期作品。", created="2020-06-25T08:00:00+08:00")
    decided = make_flag(entry, kind="drop", start="2020-06-23T01:00:00+08:00")
    decided.status = FlagStatus.CLEARED
    db.session.commit()
    page = client.get("/staff/flags?contest=zhuzhou-2020").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'<article class="flag flag-open" id="flag-(\d+)"', page)]
    assert ids == [newer.id, older.id]
    assert "赞播比异常" in page and "深夜激增" in page and "赞数骤降" not in page
    assert "赞播比 0.9，远高于同期作品。" in page and "醴陵瓷器" in page
    assert f'href="/staff/entries/{other.id}/likes"' in page
    assert page.count(f'action="/staff/flags/{newer.id}/decide"') == 1
    assert page.count('value="/staff/flags?contest=zhuzhou-2020"') == 2
    assert page.count('name="csrf_token"') >= 2


@pytest.mark.parametrize("decision, status, flashed", [
    ("clear", FlagStatus.CLEARED, "已排除这条异常标记。"),
    ("confirm", FlagStatus.CONFIRMED, "已确认这条异常标记。"),
])
def test_staff_decide_a_flag_with_a_note(client, entry, reviewer, decision, status, flashed):
    flag = make_flag(entry)
    response = decide(client, flag, decision=decision)
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/flags?contest=zhuzhou-2020")
    db.session.expire_all()
    flag = db.session.get(LikeFlag, flag.id)
    assert (flag.status, flag.decided_by_id, flag.decided_at, flag.decision_note) == (
        status, reviewer.id, datetime(2020, 6, 25, 4, 0, tzinfo=UTC), "核实为作者在微信群里转发，正常增长。")
    page = client.get("/staff/flags?contest=zhuzhou-2020").get_data(as_text=True)
    assert flashed in page and "没有待处理的异常标记。" in page
    # The entry page keeps the decision on record.
    entry_page = client.get(f"/staff/entries/{entry.id}/likes").get_data(as_text=True)
    assert f"审核员小张 于 2020-06-25 12:00 {status.label}：核实为作者在微信群里转发，正常增长。" in entry_page


@pytest.mark.parametrize("note", [None, "", "   "])
def test_deciding_a_flag_needs_a_note(client, entry, reviewer, note):
    flag = make_flag(entry)
    response = decide(client, flag, note=note, next=f"/staff/entries/{entry.id}/likes")
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/entries/{entry.id}/likes")
    db.session.expire_all()
    assert db.session.get(LikeFlag, flag.id).status is FlagStatus.OPEN
    assert "请填写处理说明。" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_decided_flag_cannot_be_decided_again(client, entry, reviewer):
    flag = make_flag(entry)
    decide(client, flag, decision="confirm")
    response = decide(client, flag, decision="clear")
    db.session.expire_all()
    assert db.session.get(LikeFlag, flag.id).status is FlagStatus.CONFIRMED
    assert "该标记已处理（已确认），不能再次处理。" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", None])
def test_deciding_a_flag_never_redirects_off_site(client, entry, reviewer, next_url):
    flag = make_flag(entry)
    response = decide(client, flag, next=next_url)
    assert response.headers["Location"] == "/staff/flags?contest=zhuzhou-2020"


def test_deciding_a_flag_needs_a_csrf_token(client, entry, reviewer):
    flag = make_flag(entry)
    response = decide(client, flag, csrf=False)
    assert response.status_code == 400
    assert CSRF_REFUSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LikeFlag, flag.id).status is FlagStatus.OPEN


def test_the_entry_page_offers_its_open_flags(client, entry, reviewer):
    flag = make_flag(entry, kind="burst")
    page = client.get(f"/staff/entries/{entry.id}/likes").get_data(as_text=True)
    assert "异常标记（1）" in page and "异常激增" in page
    assert f'action="/staff/flags/{flag.id}/decide"' in page
    assert f'name="next" value="/staff/entries/{entry.id}/likes"' in page


# --- the author's own history --------------------------------------------------------

def test_the_author_sees_their_entry_history(client, entry, author, login, freeze):
    record_snapshot(entry, observed_at=datetime.fromisoformat("2020-06-24T20:00:00+08:00"), likes=90,
                    source=SnapshotSource.PLATFORM)
    db.session.commit()
    login(author)
    mine = client.get("/entries/mine?contest=zhuzhou-2020").get_data(as_text=True)
    assert f'<a href="/entries/{entry.id}/likes">点赞记录</a>' in mine
    response = client.get(f"/entries/{entry.id}/likes")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [len(series["points"]) for series in chart(page)["series"]] == [1]
    assert '<table class="visually-hidden">' in page
    assert "计入的点赞数" in page and "<strong class=\"tally-likes\">90</strong>" in page
    assert "查看截图" not in page and "/staff/" not in page


def test_the_author_history_is_private(client, entry, sign_in):
    sign_in("citizen")
    response = client.get(f"/entries/{entry.id}/likes")
    assert response.status_code == 404
    assert "没有找到这个作品。" in response.get_data(as_text=True)


def test_the_author_history_needs_sign_in(client, entry):
    response = client.get(f"/entries/{entry.id}/likes")
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/accounts/login?next=%2Fentries%2F{entry.id}%2Flikes")
