"""The staff JSON API (/api/v1/staff): bearer tokens only, roles and areas, exact JSON."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.likes import record_snapshot
from contest.domain.ownership import UNPROVEN_APPROVAL
from contest.domain.staff_tokens import issue_token
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, Role, Snapshot, SnapshotSource, User
from tests.conftest import count

IN_WINDOW = "2020-06-25T12:00:00+08:00"
NEED_TOKEN = {"error": "需要有效的访问令牌。"}
FORBIDDEN = {"error": "你没有权限进行这个操作。"}
CHECKS = [{"code": "video", "passed": True, "label": "抖音视频链接有效", "provisional": False}]
ALL_TICKED = {"slogan": True, "theme": True, "content": True}


# make_entry(): entries whose caption and publication time the embed page and the id gave (provisional facts).
pytestmark = pytest.mark.entries(video_base=6_840_000_000_000_000_000,
                                 published_at=datetime.fromisoformat("2020-06-24T20:00:00+08:00"),
                                 facts={"caption": "embed", "published_at": "video_id"}, checks=CHECKS, event=False)


def api_user(role: str, nickname: str, areas=()) -> User:
    """A staff account for API calls only: no password (hashing one is slow and not needed here)."""
    user = User(phone=None, nickname=nickname, role=Role(role), area_keys=list(areas), active=True)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def staff(contest):
    """Tokens for each kind of caller: key -> (user, Authorization header)."""
    people = {}
    for key, role, areas in [("admin", "admin", []), ("reviewer", "reviewer", []), ("hetang", "reviewer", ["hetang"]),
                             ("liling", "reviewer", ["liling"]), ("judge", "judge", []), ("citizen", "reviewer", [])]:
        user = api_user(role, f"{key}用户", areas)
        _, plain = issue_token(user, name="测试", now=clock.now())
        people[key] = (user, {"Authorization": f"Bearer {plain}"})
    people["citizen"][0].role = Role.CITIZEN  # demoted after the token was issued
    db.session.commit()
    return people


def auth(staff, who="admin") -> dict:
    return staff[who][1]


def reading(entry, when, likes, source=SnapshotSource.PLATFORM, **kwargs):
    snapshot = record_snapshot(entry, observed_at=datetime.fromisoformat(when), likes=likes, source=source, **kwargs)
    db.session.commit()
    return snapshot


# --- the list ---------------------------------------------------------------------------

def test_list_entries_exact_json(client, staff, make_entry):
    first = make_entry(owner_verified_at=None)
    second = make_entry(area="liling", theme="village", status=EntryStatus.APPROVED, caption="醴陵瓷器")
    reading(second, "2020-06-25T09:00:00+08:00", 88)
    response = client.get("/api/v1/staff/entries", headers=auth(staff))
    assert response.status_code == 200
    assert response.get_json() == {"contest": "zhuzhou-2020", "next_after": None, "entries": [
        {"id": first.id, "video_id": "6840000000000000001", "status": "pending", "theme": "life", "area": "hetang",
         "submitted_at": "2020-06-25T12:00:00+08:00", "caption": "株洲的早晨 #动力株洲文旅通 @株洲足迹", "version": 1,
         "likes": None, "owner_proof": None},
        {"id": second.id, "video_id": "6840000000000000002", "status": "approved", "theme": "village",
         "area": "liling", "submitted_at": "2020-06-25T12:00:00+08:00", "caption": "醴陵瓷器", "version": 1,
         "likes": 88, "owner_proof": "platform"},
    ]}


@pytest.mark.parametrize("query, expected", [
    ("status=approved", [2]), ("status=pending", [1, 3]), ("theme=village", [2]), ("area=hetang", [1, 3]),
    ("area=hetang&status=pending&theme=talent", [3]), ("contest=zhuzhou-2020&area=liling", [2]),
    ("limit=2", [1, 2]), ("after=1", [2, 3]),
])
def test_list_entries_filters(client, staff, make_entry, query, expected):
    made = [make_entry(), make_entry(area="liling", theme="village", status=EntryStatus.APPROVED),
            make_entry(theme="talent")]
    body = client.get(f"/api/v1/staff/entries?{query}", headers=auth(staff)).get_json()
    assert [e["id"] for e in body["entries"]] == [made[i - 1].id for i in expected]


def test_list_entries_pages_with_next_after(client, staff, make_entry):
    made = [make_entry() for _ in range(3)]
    body = client.get("/api/v1/staff/entries?limit=2", headers=auth(staff)).get_json()
    assert body["next_after"] == made[1].id
    rest = client.get(f"/api/v1/staff/entries?limit=2&after={body['next_after']}", headers=auth(staff)).get_json()
    assert ([e["id"] for e in rest["entries"]], rest["next_after"]) == ([made[2].id], None)


@pytest.mark.parametrize("query, status, message", [
    ("status=winner", 400, "参数 status 的值无效：winner"),
    ("theme=cooking", 400, "参数 theme 的值无效：cooking"),
    ("area=mars", 400, "参数 area 的值无效：mars"),
    ("limit=0", 400, "参数 limit 的值无效：0"),
    ("limit=abc", 400, "参数 limit 的值无效：abc"),
    ("after=-1", 400, "参数 after 的值无效：-1"),
    ("contest=nope", 404, "没有找到活动“nope”。"),
])
def test_list_entries_bad_queries(client, staff, make_entry, query, status, message):
    response = client.get(f"/api/v1/staff/entries?{query}", headers=auth(staff))
    assert (response.status_code, response.get_json()) == (status, {"error": message})


def test_a_reviewer_lists_only_their_areas(client, staff, make_entry):
    inside = make_entry(area="hetang")
    make_entry(area="liling")
    body = client.get("/api/v1/staff/entries", headers=auth(staff, "hetang")).get_json()
    assert [e["id"] for e in body["entries"]] == [inside.id]
    response = client.get("/api/v1/staff/entries?area=liling", headers=auth(staff, "hetang"))
    assert (response.status_code, response.get_json()) == (403, {"error": "你只能查看所负责区县的作品。"})
    everyone = client.get("/api/v1/staff/entries", headers=auth(staff, "reviewer")).get_json()
    assert len(everyone["entries"]) == 2


# --- one entry ------------------------------------------------------------------------

def test_entry_detail_with_every_snapshot_and_whether_it_counts(client, staff, make_entry, freeze):
    entry = make_entry(status=EntryStatus.APPROVED)
    reading(entry, "2020-06-25T09:00:00+08:00", 40)
    freeze("2020-07-18T09:00:00+08:00")
    reading(entry, "2020-07-17T23:59:59+08:00", 300)
    reading(entry, "2020-07-18T00:00:00+08:00", 310)
    response = client.get(f"/api/v1/staff/entries/{entry.id}", headers=auth(staff, "hetang"))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": entry.id, "video_id": "6840000000000000001", "status": "approved", "theme": "life", "area": "hetang",
        "submitted_at": "2020-06-25T12:00:00+08:00", "caption": "株洲的早晨 #动力株洲文旅通 @株洲足迹", "version": 1,
        "likes": 300, "owner_proof": "platform", "published_at": "2020-06-24T20:00:00+08:00", "status_reason": None,
        "checks": CHECKS,
        "fact_sources": {"caption": "embed", "published_at": "video_id"},
        "snapshots": [
            {"observed_at": "2020-06-25T09:00:00+08:00", "likes": 40, "source": "platform", "counted": True},
            {"observed_at": "2020-07-17T23:59:59+08:00", "likes": 300, "source": "platform", "counted": True},
            {"observed_at": "2020-07-18T00:00:00+08:00", "likes": 310, "source": "platform", "counted": False},
        ],
    }


def test_entry_detail_outside_a_reviewers_areas_is_403(client, staff, make_entry):
    entry = make_entry(area="hetang")
    response = client.get(f"/api/v1/staff/entries/{entry.id}", headers=auth(staff, "liling"))
    assert (response.status_code, response.get_json()) == (403, {"error": "你只能查看和处理所负责区县的作品。"})


def test_unknown_entry_is_404_json(client, staff):
    response = client.get("/api/v1/staff/entries/999", headers=auth(staff))
    assert (response.status_code, response.get_json()) == (404, {"error": "没有找到这个作品。"})


# --- review -----------------------------------------------------------------------------

def review(client, entry, headers, **body):
    payload = {"decision": "approve", "checklist": dict(ALL_TICKED)}
    payload.update(body)
    return client.post(f"/api/v1/staff/entries/{entry.id}/review", json=payload, headers=headers)


def test_review_approves_without_csrf(client, staff, make_entry):
    entry = make_entry()
    response = review(client, entry, auth(staff, "hetang"), version=1)
    assert (response.status_code, response.get_json()) == (200, {"id": entry.id, "status": "approved", "version": 2})
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.APPROVED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.approve"))
    assert (event.actor_id, event.target_id, event.changes["status"]) == (
        staff["hetang"][0].id, entry.id, ["pending", "approved"])


@pytest.mark.parametrize("decision, status", [("reject", "rejected"), ("request_fix", "needs_fix")])
def test_review_rejects_or_asks_for_a_fix_with_a_reason(client, staff, make_entry, decision, status):
    entry = make_entry()
    response = review(client, entry, auth(staff), decision=decision, checklist={}, reason="口号没有说清楚")
    assert (response.status_code, response.get_json()) == (200, {"id": entry.id, "status": status, "version": 2})
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status_reason == "口号没有说清楚"


def test_review_without_a_version_is_accepted(client, staff, make_entry):
    entry = make_entry()
    assert review(client, entry, auth(staff)).get_json() == {"id": entry.id, "status": "approved", "version": 2}


def test_a_stale_version_is_409(client, staff, make_entry):
    entry = make_entry()
    assert review(client, entry, auth(staff), decision="request_fix", reason="请补字幕", version=1).status_code == 200
    response = review(client, entry, auth(staff, "reviewer"), decision="reject", reason="不符合主题", version=1)
    assert response.status_code == 409
    assert response.get_json() == {"error": "这个作品刚被其他审核员处理过（版本 2），请刷新后再审。"}
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.NEEDS_FIX


def test_approval_needs_every_checklist_item(client, staff, make_entry):
    entry = make_entry()
    response = review(client, entry, auth(staff), checklist={"slogan": True, "theme": False})
    assert (response.status_code, response.get_json()) == (
        400, {"error": "通过前请逐项确认：还没有确认符合主题、内容适宜。"})
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.PENDING
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action.like("entry.%"))) is None


@pytest.mark.parametrize("body, message", [
    ({"decision": "maybe"}, "字段 decision 必须是 approve、reject、request_fix 之一。"),
    ({"decision": None}, "字段 decision 必须是 approve、reject、request_fix 之一。"),
    ({"checklist": ["slogan"]}, "字段 checklist 必须是对象，每一项为 true 或 false。"),
    ({"checklist": {"slogan": "yes"}}, "字段 checklist 必须是对象，每一项为 true 或 false。"),
    ({"reason": 5}, "字段 reason 必须是字符串。"),
    ({"version": "1"}, "字段 version 必须是 1 到 2147483647 之间的整数。"),
    ({"version": True}, "字段 version 必须是 1 到 2147483647 之间的整数。"),
    ({"version": 10**30}, "字段 version 必须是 1 到 2147483647 之间的整数。"),
    ({"decision": "reject", "checklist": {}}, "不通过或退回修改时，请选择或填写原因（参赛者会看到）。"),
])
def test_review_bad_bodies_are_400(client, staff, make_entry, body, message):
    entry = make_entry()
    response = review(client, entry, auth(staff), **body)
    assert (response.status_code, response.get_json()) == (400, {"error": message})


@pytest.mark.parametrize("data, content_type", [("not json", "application/json"), ("[1, 2]", "application/json"),
                                                ("decision=approve", "application/x-www-form-urlencoded")])
def test_review_needs_a_json_object(client, staff, make_entry, data, content_type):
    entry = make_entry()
    response = client.post(f"/api/v1/staff/entries/{entry.id}/review", data=data, content_type=content_type,
                           headers=auth(staff))
    assert (response.status_code, response.get_json()) == (400, {"error": "请求体必须是 JSON 对象。"})


def test_review_outside_a_reviewers_areas_is_403(client, staff, make_entry):
    entry = make_entry(area="hetang")
    response = review(client, entry, auth(staff, "liling"))
    assert (response.status_code, response.get_json()) == (403, {"error": "你只能查看和处理所负责区县的作品。"})


def test_a_session_cookie_alone_is_401_even_with_a_csrf_token(client, login, make_user, staff, make_entry, csrf):
    entry = make_entry()
    login(make_user(role="admin"))
    token = csrf(client, "/staff/tokens")
    response = client.post(f"/api/v1/staff/entries/{entry.id}/review", json={"decision": "approve",
                           "checklist": ALL_TICKED}, headers={"X-CSRFToken": token})
    assert (response.status_code, response.get_json()) == (401, NEED_TOKEN)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/staff/entries").status_code == 401
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.PENDING


# --- manual counts --------------------------------------------------------------------

def test_record_a_manual_count(client, staff, make_entry):
    entry = make_entry(area="hetang", status=EntryStatus.APPROVED)
    response = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff, "hetang"),
                           json={"likes": 120, "observed_at": "2020-06-25T10:30:00+08:00", "note": "作者截图"})
    assert response.status_code == 201
    (snap,) = db.session.scalars(sa.select(Snapshot)).all()
    assert response.get_json() == {"id": snap.id, "entry_id": entry.id, "observed_at": "2020-06-25T10:30:00+08:00",
                                   "likes": 120, "source": "manual", "counted": True, "note": "[api] 作者截图"}
    assert (snap.source, snap.recorded_by_id, snap.evidence_path) == (SnapshotSource.MANUAL, staff["hetang"][0].id, None)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "likes.manual"))
    assert (event.actor_id, event.target_id, event.note) == (staff["hetang"][0].id, entry.id, "[api] 作者截图")


def test_a_manual_count_defaults_to_now_and_naive_times_are_beijing(client, staff, make_entry):
    entry = make_entry()
    now = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff), json={"likes": 5}).get_json()
    naive = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff),
                        json={"likes": 6, "observed_at": "2020-06-25T08:00:00"}).get_json()
    assert (now["observed_at"], now["note"]) == ("2020-06-25T12:00:00+08:00", "[api]")
    assert naive["observed_at"] == "2020-06-25T08:00:00+08:00"


MANUAL_CLOSED = {"error": "活动已截止，排行榜已冻结，不能再人工记录点赞数。如计入的点赞数有误，请由管理员提交附理由的公开更正（点赞数更正）。"}


@pytest.mark.parametrize("body", [
    {"likes": 500, "observed_at": "2020-07-17T23:59:59+08:00"},  # backdated into the window
    {"likes": 900},  # now: after the close
    {"likes": -1},  # refused for the close before the body is even read
])
def test_a_manual_count_after_the_close_is_409_and_changes_nothing(client, staff, make_entry, freeze, body):
    entry = make_entry(status=EntryStatus.APPROVED)
    reading(entry, "2020-07-17T20:00:00+08:00", 300)
    freeze("2020-07-18T08:00:00+08:00")
    response = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff), json=body)
    assert (response.status_code, response.get_json()) == (409, MANUAL_CLOSED)
    detail = client.get(f"/api/v1/staff/entries/{entry.id}", headers=auth(staff)).get_json()
    assert detail["likes"] == 300
    assert [(s["likes"], s["source"], s["counted"]) for s in detail["snapshots"]] == [(300, "platform", True)]
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("likes.%"))).all() == []


@pytest.mark.parametrize("body, message", [
    ({}, "缺少字段 likes（整数）。"),
    ({"likes": -1}, "字段 likes 必须是 0 到 2000000000 之间的整数。"),
    ({"likes": "12"}, "字段 likes 必须是 0 到 2000000000 之间的整数。"),
    ({"likes": 1.5}, "字段 likes 必须是 0 到 2000000000 之间的整数。"),
    ({"likes": 10**12}, "字段 likes 必须是 0 到 2000000000 之间的整数。"),
    ({"likes": 1, "comments": -3}, "字段 comments 必须是 0 到 2000000000 之间的整数。"),
    ({"likes": 1, "observed_at": "yesterday"}, "字段 observed_at 必须是 ISO 8601 时间字符串，例如 2020-06-25T10:30:00+08:00。"),
    ({"likes": 1, "observed_at": 1593050000}, "字段 observed_at 必须是 ISO 8601 时间字符串，例如 2020-06-25T10:30:00+08:00。"),
    ({"likes": 1, "observed_at": "2020-06-25T12:01:00+08:00"}, "读数时间不能晚于现在。"),
    ({"likes": 1, "note": "x" * 1001}, "字段 note 太长（最多 1000 个字符）。"),
])
def test_manual_count_bad_bodies_are_400(client, staff, make_entry, body, message):
    entry = make_entry()
    response = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff), json=body)
    assert (response.status_code, response.get_json()) == (400, {"error": message})
    assert count(Snapshot) == 0


def test_a_manual_count_outside_a_reviewers_areas_is_403(client, staff, make_entry):
    entry = make_entry(area="hetang")
    response = client.post(f"/api/v1/staff/entries/{entry.id}/likes", headers=auth(staff, "liling"), json={"likes": 1})
    assert response.status_code == 403 and count(Snapshot) == 0


# --- standings ------------------------------------------------------------------------

def test_standings_exact_json(client, staff, make_entry, freeze):
    a = make_entry(status=EntryStatus.APPROVED)
    b = make_entry(area="liling", status=EntryStatus.APPROVED)
    make_entry(status=EntryStatus.PENDING)
    reading(a, "2020-06-25T09:00:00+08:00", 70)
    reading(b, "2020-06-25T08:00:00+08:00", 70)  # reached 70 first: ranks first
    response = client.get("/api/v1/staff/standings?contest=zhuzhou-2020", headers=auth(staff, "liling"))
    assert response.get_json() == {"contest": "zhuzhou-2020", "as_of": "2020-06-25T12:00:00+08:00", "frozen": False,
                                   "entries": [
        {"rank": 1, "entry_id": b.id, "video_id": b.video_id, "likes": 70, "observed_at": "2020-06-25T08:00:00+08:00",
         "reached_at": "2020-06-25T08:00:00+08:00", "corrected": False},
        {"rank": 2, "entry_id": a.id, "video_id": a.video_id, "likes": 70, "observed_at": "2020-06-25T09:00:00+08:00",
         "reached_at": "2020-06-25T09:00:00+08:00", "corrected": False},
    ]}
    freeze("2020-07-18T00:00:00+08:00")
    reading(a, "2020-07-18T00:00:00+08:00", 999)
    after = client.get("/api/v1/staff/standings", headers=auth(staff)).get_json()
    assert (after["frozen"], [e["likes"] for e in after["entries"]]) == (True, [70, 70])


# --- who may call what ----------------------------------------------------------------

CALLS = [
    ("GET", "/api/v1/staff/entries", None),
    ("GET", "/api/v1/staff/entries/{id}", None),
    ("POST", "/api/v1/staff/entries/{id}/review", {"decision": "approve", "checklist": ALL_TICKED}),
    ("POST", "/api/v1/staff/entries/{id}/likes", {"likes": 3}),
    ("GET", "/api/v1/staff/standings", None),
]


@pytest.mark.parametrize("method, path, body", CALLS)
@pytest.mark.parametrize("who, expected", [
    (None, 401), ("citizen", 403), ("judge", 403), ("liling", 403), ("hetang", "ok"), ("reviewer", "ok"),
    ("admin", "ok"),
])
def test_who_may_call_what(client, staff, make_entry, method, path, body, who, expected):
    entry = make_entry(area="hetang")
    url = path.format(id=entry.id)
    response = client.open(url, method=method, json=body, headers=auth(staff, who) if who else {})
    if expected == "ok":
        assert response.status_code == (201 if url.endswith("/likes") else 200)
    elif who == "liling" and path in {"/api/v1/staff/entries", "/api/v1/staff/standings"}:
        # Not per entry: an area reviewer lists their own areas (none here) and sees the standings.
        assert response.status_code == 200
        if path == "/api/v1/staff/entries":
            assert response.get_json()["entries"] == []
    else:
        assert response.status_code == expected
        assert response.get_json() == (NEED_TOKEN if expected == 401 else
                                       FORBIDDEN if who in {"citizen", "judge"} else
                                       {"error": "你只能查看和处理所负责区县的作品。"})


def test_the_api_is_rate_limited_per_token(staff, database_url, sandbox):
    from contest import create_app
    from tests.conftest import FreshContextClient, make_environ

    limited = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true"))
    limited.test_client_class = FreshContextClient
    client = limited.test_client()
    try:
        statuses = [client.get("/api/v1/staff/standings", headers=auth(staff)).status_code for _ in range(121)]
        assert statuses == [200] * 120 + [429]
        response = client.get("/api/v1/staff/standings", headers=auth(staff))
        assert re.fullmatch(r"操作太频繁，请 \d+ 秒后再试。", response.get_json()["error"]) and len(response.get_json()) == 1
        # Another token has its own allowance.
        assert client.get("/api/v1/staff/standings", headers=auth(staff, "reviewer")).status_code == 200
    finally:
        from contest.extensions import limiter

        limiter.reset()


def test_approving_an_unproven_entry_is_a_409_with_the_reason(client, make_entry, staff):
    entry = make_entry(owner_verified_at=None)
    response = client.post(f"/api/v1/staff/entries/{entry.id}/review", headers=auth(staff),
                           json={"decision": "approve", "checklist": {"slogan": True, "theme": True, "content": True}})
    assert (response.status_code, response.get_json()) == (409, {"error": UNPROVEN_APPROVAL})
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.PENDING
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("entry.%"))).all() == []
