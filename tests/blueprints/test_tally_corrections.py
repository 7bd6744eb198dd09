"""A frozen board changes only by an explicit, public correction: after the close the manual
count (page and API) answers 409 and changes nothing; an admin corrects a tally with a reason
(POST /api/v1/staff/entries/<id>/tally-corrections, or the page with an evidence screenshot),
audited and shown on the board, its JSON and the exports; refused once the awards are published."""

import csv
import io
import json
import threading
import zipfile
from datetime import datetime

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from contest import clock
from contest.domain import award_lists, awards
from contest.domain.errors import Conflict, DomainError
from contest.domain.likes import record_snapshot, standings
from contest.domain.review import Forbidden
from contest.domain.staff_tokens import issue_token
from contest.domain.tally_corrections import AWARDS_PUBLISHED, NOT_CLOSED, UNCHANGED, correct_tally
from contest.extensions import db
from contest.models import AuditEvent, EntryTally, Snapshot, SnapshotSource, TallyCorrection
from contest.models.awards import AwardKind
from tests.support.world import World, call, load_schema
from tests.support.staff_likes import LIKES_ENTRIES, PNG, files_in, record, token
from tests.conftest import count

pytestmark = [pytest.mark.usefixtures("evidence_dir"), LIKES_ENTRIES]  # screenshots in a temporary folder

AFTER_CLOSE = "2020-07-20T09:00:00+08:00"
MANUAL_CLOSED = ("活动已截止，排行榜已冻结，不能再人工记录点赞数。"
                 "如计入的点赞数有误，请由管理员提交附理由的公开更正（点赞数更正）。")
REASON = "平台漏读了截止前最后一小时的点赞，依据作者提供的截图更正。"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def reading(entry, when: str, likes: int):
    record_snapshot(entry, observed_at=at(when), likes=likes, source=SnapshotSource.PLATFORM)
    db.session.commit()


@pytest.fixture
def pair(make_entry, freeze):
    """Two approved entries with platform readings; then the contest has closed.
    a: 100 → 300 (reached 07-10); b: 250 (reached 07-15)."""
    a, b = make_entry(), make_entry()
    reading(a, "2020-06-25T10:00:00+08:00", 100)
    reading(a, "2020-07-10T10:00:00+08:00", 300)
    reading(b, "2020-07-15T10:00:00+08:00", 250)
    freeze(AFTER_CLOSE)
    return a, b


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", nickname="管理员小刘")


def tally_of(entry) -> tuple:
    db.session.expire_all()
    t = db.session.get(EntryTally, entry.id)
    return t.likes, t.observed_at, t.reached_at, t.source, t.correction_id


def correct(entry, admin, likes, when, reason=REASON, **kwargs):
    found = correct_tally(entry, likes=likes, observed_at=at(when), reason=reason, admin=admin, now=clock.now(),
                          **kwargs)
    db.session.commit()
    return found


# --- the rule -------------------------------------------------------------------------

def test_a_correction_sets_the_tally_exactly_and_is_audited(pair, admin):
    a, _ = pair
    found = correct(a, admin, 280, "2020-07-17T20:00:00+08:00")
    corrected = at("2020-07-17T20:00:00+08:00")
    assert tally_of(a) == (280, corrected, corrected, SnapshotSource.MANUAL, found.id)
    assert (found.likes, found.observed_at, found.reason, found.previous_likes, found.previous_observed_at,
            found.previous_reached_at, found.corrected_by_id, found.corrected_at) == (
        280, corrected, REASON, 300, at("2020-07-10T10:00:00+08:00"), at("2020-07-10T10:00:00+08:00"), admin.id,
        at(AFTER_CLOSE))
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "likes.correct")).all()
    assert (event.actor_id, event.target_type, event.target_id, event.note, event.changes) == (
        admin.id, "entry", a.id, REASON, {
            "correction_id": found.id, "likes": [300, 280],
            "observed_at": ["2020-07-10T02:00:00+00:00", "2020-07-17T12:00:00+00:00"],
            "reached_at": ["2020-07-10T02:00:00+00:00", "2020-07-17T12:00:00+00:00"], "evidence_path": None})
    assert count(Snapshot) == 3  # the readings stay as they were


def test_the_tie_rule_uses_the_corrected_observed_at_and_the_latest_correction(pair, admin):
    a, b = pair
    correct(a, admin, 250, "2020-07-12T10:00:00+08:00")  # reached 250 before b did (07-15)
    assert [(s.entry.id, s.likes) for s in standings(a.contest)] == [(a.id, 250), (b.id, 250)]
    correct(a, admin, 250, "2020-07-16T10:00:00+08:00", reason="核对截图时间后再次更正")  # after b: b first
    assert [(s.entry.id, s.likes, s.correction_id is not None) for s in standings(a.contest)] == [
        (b.id, 250, False), (a.id, 250, True)]
    assert count(TallyCorrection) == 2


def test_an_entry_without_any_reading_can_be_corrected(pair, admin, make_entry, freeze):
    freeze("2020-07-01T12:00:00+08:00")
    c = make_entry()
    freeze(AFTER_CLOSE)
    found = correct(c, admin, 40, "2020-07-17T20:00:00+08:00")
    corrected = at("2020-07-17T20:00:00+08:00")
    assert tally_of(c) == (40, corrected, corrected, SnapshotSource.MANUAL, found.id)
    assert (found.previous_likes, found.previous_observed_at, found.previous_reached_at) == (None, None, None)


def test_a_reading_that_arrives_later_never_undoes_a_correction(pair, admin):
    a, _ = pair
    found = correct(a, admin, 280, "2020-07-17T20:00:00+08:00")
    reading(a, "2020-07-17T23:00:00+08:00", 900)  # a delayed sweep's reading from before the close
    corrected = at("2020-07-17T20:00:00+08:00")
    assert tally_of(a) == (280, corrected, corrected, SnapshotSource.MANUAL, found.id)
    assert db.session.get(EntryTally, a.id).latest_likes == 900


@pytest.mark.parametrize("likes, when, reason, error, message", [
    (280, "2020-07-18T00:00:00+08:00", REASON, DomainError, "读数时间必须在活动时间内（不晚于截止时间）。"),
    (280, "2020-06-17T23:59:59+08:00", REASON, DomainError, "读数时间必须在活动时间内（不晚于截止时间）。"),
    (280, "2020-07-17T20:00:00+08:00", "  ", DomainError, "请填写更正原因。"),
    (280, "2020-07-17T20:00:00+08:00", "x" * 501, DomainError, "更正原因最多 500 个字。"),
    (-1, "2020-07-17T20:00:00+08:00", REASON, DomainError, "点赞数必须是 0 到 2000000000 之间的整数。"),
    (300, "2020-07-10T10:00:00+08:00", REASON, Conflict, UNCHANGED),
])
def test_refused_corrections_change_nothing(pair, admin, likes, when, reason, error, message):
    a, _ = pair
    with pytest.raises(error) as refused:
        correct(a, admin, likes, when, reason)
    assert type(refused.value) is error and refused.value.message == message
    db.session.rollback()
    assert count(TallyCorrection) == 0 and tally_of(a)[0] == 300


def test_only_admins_correct_and_only_after_the_close(pair, admin, make_user, freeze):
    a, _ = pair
    with pytest.raises(Forbidden):
        correct(a, make_user(role="reviewer"), 280, "2020-07-17T20:00:00+08:00")
    freeze("2020-07-17T23:59:59+08:00")
    with pytest.raises(Conflict, match=NOT_CLOSED):
        correct(a, admin, 280, "2020-07-17T20:00:00+08:00")


def test_a_correction_moves_the_lists_in_their_notice_and_is_refused_once_published(pair, admin, freeze):
    a, b = pair
    contest = a.contest
    awards.draft_awards(contest, staff=admin, now=clock.now(), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    correct(b, admin, 400, "2020-07-17T20:00:00+08:00")
    notice = award_lists.notice_awards(contest, AwardKind.POPULARITY)
    assert [(p.scope, p.rank, p.entry_id, p.value) for p in notice.places if p.scope == "overall"] == [
        ("overall", 1, b.id, 400.0), ("overall", 2, a.id, 300.0)]
    assert db.session.scalar(sa.select(AuditEvent.note).where(AuditEvent.action == "awards.refresh")) == \
        f"点赞数更正（作品 {b.id}）：{REASON}"
    awards.publish_awards(contest, staff=admin, now=freeze(notice.notice_ends_at))
    db.session.commit()
    with pytest.raises(Conflict, match=AWARDS_PUBLISHED):
        correct(a, admin, 500, "2020-07-17T20:00:00+08:00")
    db.session.rollback()
    assert count(TallyCorrection) == 1


# --- the staff API ---------------------------------------------------------------------

@pytest.fixture
def bearer(admin, make_user):
    """Authorization headers: admin, reviewer."""
    reviewer = make_user(role="reviewer", nickname="审核员小张")
    headers = {who: {"Authorization": f"Bearer {issue_token(user, name='测试', now=clock.now())[1]}"}
               for who, user in (("admin", admin), ("reviewer", reviewer))}
    db.session.commit()
    return headers


BODY = {"likes": 280, "observed_at": "2020-07-17T20:00:00+08:00", "reason": REASON}


def test_the_api_corrects_with_the_documented_answer(app, pair, bearer):
    a, _ = pair
    schema = load_schema(app)
    case = schema["/api/v1/staff/entries/{entry_id}/tally-corrections"]["POST"].make_case(
        path_parameters={"entry_id": a.id}, body=BODY)
    world = World(app=app, entry_ids=[a.id], fresh_video_id="", staff_headers=bearer["admin"])
    response = call(world, case, "staff")  # checked against the OpenAPI document
    found = db.session.scalar(sa.select(TallyCorrection))
    assert (response.status_code, response.json) == (201, {
        "id": found.id, "entry_id": a.id, "likes": 280, "observed_at": "2020-07-17T20:00:00+08:00", "reason": REASON,
        "previous_likes": 300, "previous_observed_at": "2020-07-10T10:00:00+08:00",
        "at": "2020-07-20T09:00:00+08:00", "evidence_path": None})


@pytest.mark.parametrize("who, body, status, error", [
    ("reviewer", BODY, 403, "你没有权限进行这个操作。"),
    ("admin", {"likes": 280, "reason": REASON}, 400, "缺少字段 observed_at（ISO 8601 时间字符串）。"),
    ("admin", {**BODY, "reason": None}, 400, "请填写更正原因。"),
    ("admin", {**BODY, "likes": "280"}, 400, "字段 likes 必须是 0 到 2000000000 之间的整数。"),
    ("admin", {**BODY, "observed_at": "2020-07-18T08:00:00+08:00"}, 400, "读数时间必须在活动时间内（不晚于截止时间）。"),
])
def test_the_api_refuses_with_json(client, pair, bearer, who, body, status, error):
    a, _ = pair
    response = client.post(f"/api/v1/staff/entries/{a.id}/tally-corrections", headers=bearer[who], json=body)
    assert (response.status_code, response.get_json()) == (status, {"error": error})
    assert count(TallyCorrection) == 0


def test_the_api_refuses_before_the_close_with_409(client, pair, bearer, freeze):
    a, _ = pair
    freeze("2020-07-17T23:00:00+08:00")
    response = client.post(f"/api/v1/staff/entries/{a.id}/tally-corrections", headers=bearer["admin"], json=BODY)
    assert (response.status_code, response.get_json()) == (409, {"error": NOT_CLOSED})


def test_the_popularity_json_shows_the_correction_at_once(client, pair, bearer):
    a, b = pair
    url = "/api/v1/leaderboards/popularity?contest=zhuzhou-2020"
    before = client.get(url).get_json()  # stored by the public response cache
    assert [(e["entry_id"], e["likes"], e["corrected"], e["correction"]) for e in before["entries"]] == [
        (a.id, 300, False, None), (b.id, 250, False, None)]
    client.post(f"/api/v1/staff/entries/{a.id}/tally-corrections", headers=bearer["admin"],
                json={**BODY, "likes": 200})
    after = client.get(url).get_json()
    assert after["frozen"] is True
    assert [(e["entry_id"], e["likes"], e["corrected"], e["correction"]) for e in after["entries"]] == [
        (b.id, 250, False, None),
        (a.id, 200, True, {"at": "2020-07-20T09:00:00+08:00", "reason": REASON, "previous_likes": 300,
                           "observed_at": "2020-07-17T20:00:00+08:00"})]
    staff = client.get("/api/v1/staff/standings", headers=bearer["admin"]).get_json()
    assert [(e["entry_id"], e["corrected"]) for e in staff["entries"]] == [(b.id, False), (a.id, True)]


# --- the pages ------------------------------------------------------------------------

def correct_on_page(client, entry, *, file=("shot.png", PNG, "image/png"), csrf=True, **fields):
    data = {"likes": "280", "observed_at": "2020-07-17T20:00", "reason": REASON}
    data.update(fields)
    if csrf:
        data["csrf_token"] = token(client)
    if file is not None:
        data["screenshot"] = (io.BytesIO(file[1]), file[0], file[2])
    return client.post(f"/staff/entries/{entry.id}/tally-corrections",
                       data={k: v for k, v in data.items() if v is not None}, content_type="multipart/form-data")


def test_the_manual_count_page_answers_409_after_the_close_and_keeps_nothing(client, pair, sign_in, evidence_dir):
    a, _ = pair
    sign_in("reviewer")
    response = record(client, a, likes="5000", observed_at="2020-07-17T23:00")  # backdated into the window
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert MANUAL_CLOSED in page
    assert (count(Snapshot), files_in(evidence_dir), tally_of(a)[0]) == (3, [], 300)


@pytest.mark.parametrize("role, status", [("reviewer", 403), ("judge", 403), ("citizen", 403), ("admin", 200)])
def test_the_correction_page_is_for_admins(client, pair, sign_in, role, status):
    a, _ = pair
    sign_in(role)
    response = client.get(f"/staff/entries/{a.id}/tally-corrections")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert 'name="csrf_token"' in page and 'name="screenshot"' in page
        assert 'value="2020-07-17T23:59"' in page  # the close, as the default instant
    assert correct_on_page(client, a).status_code == (302 if status == 200 else 403)


def test_an_admin_corrects_on_the_page_with_evidence(client, pair, sign_in, evidence_dir):
    a, _ = pair
    admin = sign_in("admin")
    response = correct_on_page(client, a)
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/entries/{a.id}/likes#corrections")
    found = db.session.scalar(sa.select(TallyCorrection))
    assert (found.likes, found.reason, found.corrected_by_id) == (280, REASON, admin.id)
    assert files_in(evidence_dir) == [evidence_dir / found.evidence_path]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已公开更正点赞数：300 赞 → 280 赞。" in page
    assert f'id="correction-{found.id}"' in page and f'href="/staff/evidence/{found.evidence_path}"' in page
    assert "截止后由管理员更正" in page and f"理由：{REASON}" in page


@pytest.mark.parametrize("fields, file, message", [
    ({"reason": ""}, ("shot.png", PNG, "image/png"), "请填写更正原因。"),
    ({}, None, "请上传证据截图。"),
    ({"observed_at": "2020-07-18T10:00"}, ("shot.png", PNG, "image/png"), "读数时间必须在活动时间内（不晚于截止时间）。"),
])
def test_refused_corrections_on_the_page_keep_nothing(client, pair, sign_in, evidence_dir, fields, file, message):
    a, _ = pair
    sign_in("admin")
    response = correct_on_page(client, a, file=file, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (count(TallyCorrection), files_in(evidence_dir)) == (0, [])


def test_the_page_needs_a_csrf_token(client, pair, sign_in):
    a, _ = pair
    sign_in("admin")
    response = correct_on_page(client, a, csrf=False)
    assert response.status_code == 400 and count(TallyCorrection) == 0


def test_the_page_answers_409_once_the_awards_are_published(client, pair, sign_in, freeze, evidence_dir):
    a, _ = pair
    admin = sign_in("admin")
    awards.draft_awards(a.contest, staff=admin, now=clock.now(), short_reason="名额多于参评作品（测试）。")
    notice = award_lists.notice_awards(a.contest, AwardKind.POPULARITY)
    awards.publish_awards(a.contest, staff=admin, now=freeze(notice.notice_ends_at))
    db.session.commit()
    response = correct_on_page(client, a)
    assert response.status_code == 409
    assert AWARDS_PUBLISHED in response.get_data(as_text=True)
    assert (count(TallyCorrection), files_in(evidence_dir)) == (0, [])


def test_the_public_board_and_the_rules_say_so(client, pair, admin):
    a, _ = pair
    correct(a, admin, 200, "2020-07-17T20:00:00+08:00")
    page = " ".join(client.get("/leaderboards").get_data(as_text=True).split())
    assert ("<strong>已更正</strong>：2020-07-20 09:00 由管理员更正（原为 300 赞），按 2020-07-17 20:00:00 的点赞数计。"
            f"理由：{REASON}") in page
    assert "截止后只有管理员可以附理由公开更正" in page
    rules = client.get("/rules").get_data(as_text=True)
    assert "截止后排行榜冻结，只有管理员可以附理由公开更正" in rules
    entry_page = " ".join(client.get(f"/gallery/{a.id}").get_data(as_text=True).split())
    assert ("截止后于 2020-07-20 09:00 由管理员公开更正（原为 300 赞），按 2020-07-17 20:00:00 的点赞数计。"
            f"理由：{REASON}") in entry_page
    assert "由管理员公开更正" not in client.get(f"/gallery/{pair[1].id}").get_data(as_text=True)


def test_the_exports_show_the_correction(client, pair, sign_in, evidence_dir):
    a, b = pair
    sign_in("admin")
    correct_on_page(client, a)
    found = db.session.scalar(sa.select(TallyCorrection))
    header, *rows = list(csv.reader(io.StringIO(
        client.get("/staff/exports/entries.csv").get_data().decode("utf-8-sig"))))
    cells = {row[0]: dict(zip(header, row)) for row in rows}
    assert [cells[str(a.id)][k] for k in ("计入赞数", "更正前赞数", "更正时间", "更正原因")] == [
        "280", "300", "2020-07-20 09:00:00", REASON]
    assert [cells[str(b.id)][k] for k in ("计入赞数", "更正前赞数", "更正时间", "更正原因")] == ["250", "", "", ""]
    pack = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/exports/evidence/{a.id}.zip").get_data()))
    assert f"evidence/{found.evidence_path}" in pack.namelist()
    record_ = json.loads(pack.read("entry.json"))
    assert record_["tally"]["corrected"] is True
    assert record_["corrections"] == [{
        "id": found.id, "likes": 280, "observed_at": "2020-07-17T20:00:00+08:00", "reason": REASON,
        "previous_likes": 300, "previous_observed_at": "2020-07-10T10:00:00+08:00",
        "at": "2020-07-20T09:00:00+08:00", "by": "管理员小刘", "evidence_path": found.evidence_path}]


# --- over real HTTP -------------------------------------------------------------------

@pytest.fixture
def live(app):
    """The app under test served over real HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    http = requests.Session()
    http.trust_env = False
    yield f"http://127.0.0.1:{server.server_port}", http
    server.shutdown()


def test_a_backdated_count_after_the_close_is_refused_over_http(live, pair, bearer):
    base, http = live
    a, b = pair
    board = f"{base}/api/v1/leaderboards/popularity?contest=zhuzhou-2020"
    before = http.get(board, timeout=5).json()
    response = http.post(f"{base}/api/v1/staff/entries/{b.id}/likes", headers=bearer["admin"], timeout=5,
                         json={"likes": 5000, "observed_at": "2020-07-17T23:59:00+08:00", "note": "补记"})
    assert (response.status_code, response.json()) == (409, {"error": MANUAL_CLOSED})
    assert http.get(board, timeout=5).json() == before
    assert [(e["entry_id"], e["likes"]) for e in before["entries"]] == [(a.id, 300), (b.id, 250)]

    response = http.post(f"{base}/api/v1/staff/entries/{b.id}/tally-corrections", headers=bearer["admin"], timeout=5,
                         json={"likes": 5000, "observed_at": "2020-07-17T23:59:00+08:00", "reason": REASON})
    assert response.status_code == 201
    after = http.get(board, timeout=5).json()
    assert [(e["entry_id"], e["likes"], e["corrected"]) for e in after["entries"]] == [
        (b.id, 5000, True), (a.id, 300, False)]
    assert after["entries"][0]["correction"]["reason"] == REASON
