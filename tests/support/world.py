"""``world``: the seeded world of the API's description tests and the fuzzers: a contest in its window,
entries in several states with like readings, both award lists, a signed-in citizen who linked Douyin
(with videos in the sandbox), and an admin's API token; and the schemathesis helpers that drive the
app with it. (Registered in tests/conftest.py.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from contest import clock
from contest.domain.likes import record_snapshot
from contest.domain.staff_tokens import issue_token
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from contest.models.awards import AwardKind, AwardList, AwardPlace, AwardStatus
from tests.support.douyin import OPEN_ID, sign_in
from tests.conftest import build_entry, csrf_from

IN_WINDOW = "2020-06-25T12:00:00+08:00"
SLUG = "zhuzhou-2020"
TAGGED = "神农城夜景 #动力株洲文旅通 @株洲足迹"


@dataclass
class World:
    app: object
    entry_ids: list[int]
    fresh_video_id: str  # the citizen's own good video, not entered yet
    citizen_cookies: dict = field(default_factory=dict)
    citizen_headers: dict = field(default_factory=dict)
    staff_headers: dict = field(default_factory=dict)

    def credentials(self, caller: str) -> tuple[dict, dict]:
        """Headers and cookies for ``caller``; anonymous callers send what was generated."""
        return {"citizen": (self.citizen_headers, self.citizen_cookies),
                "staff": (self.staff_headers, {})}.get(caller, ({}, {}))


def _award(contest, kind: AwardKind, status: AwardStatus, places, now: datetime) -> AwardList:
    """One award list, published (its notice over) or in its notice (four days to go)."""
    published = status is AwardStatus.PUBLISHED
    award = AwardList(contest_id=contest.id, kind=kind, version=1, status=status,
                      notice_starts_at=now - timedelta(days=6),
                      notice_ends_at=now + timedelta(days=-1 if published else 4),
                      published_at=now if published else None)
    award.places = [AwardPlace(scope=scope, rank=rank, entry=entry, value=value)
                    for scope, rank, entry, value in places]
    db.session.add(award)
    return award


@pytest.fixture
def world(app, client, sandbox, freeze, make_contest, make_user, login, publish) -> World:
    now = freeze(IN_WINDOW)
    # The sandbox's clock matches the site's, so Douyin token lifetimes agree.
    sandbox.control("clock", {"now": int(now.timestamp())})
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    contest = make_contest(slug=SLUG)
    citizen = make_user(nickname="小李爱株洲", phone="13900000004")
    login(citizen)
    sign_in(client, sandbox)  # links Douyin with every scope
    fresh = publish("2020-06-20T12:00:00+08:00", open_id=OPEN_ID, title=TAGGED)
    entered = publish("2020-06-21T12:00:00+08:00", open_id=OPEN_ID, title=TAGGED)
    publish("2020-06-22T12:00:00+08:00", open_id=OPEN_ID, title="没有标签")

    others = [make_user(nickname="张三丰"), make_user(nickname="李四")]
    fields = dict(submitted_text=TAGGED, caption=TAGGED,
                  published_at=datetime.fromisoformat("2020-06-19T20:00:00+08:00"),
                  fact_sources={"caption": "embed", "published_at": "video_id"},
                  checks=[{"code": "video", "passed": True, "label": "抖音视频链接有效", "provisional": False}])
    rows = [
        (citizen, entered, "life", "hetang", EntryStatus.PENDING, None),
        (citizen, "6840000000000000011", "village", "liling", EntryStatus.APPROVED, 120),
        (others[0], "6840000000000000012", "life", "tianyuan", EntryStatus.APPROVED, 300),
        (others[1], "6840000000000000013", "talent", "hetang", EntryStatus.APPROVED, 500),
        (others[0], "6840000000000000014", "life", "hetang", EntryStatus.PENDING, None),
        (others[1], "6840000000000000015", "talent", "liling", EntryStatus.NEEDS_FIX, None),
    ]
    entries = []
    for user, video_id, theme, area, status, likes in rows:
        entry = build_entry(contest, user, video_id=video_id, theme=theme, area=area, status=status,
                            show_nickname=user is citizen, **fields)
        db.session.flush()
        if likes is not None:
            record_snapshot(entry, observed_at=now - timedelta(hours=2), likes=likes // 2,
                            source=SnapshotSource.PLATFORM)
            record_snapshot(entry, observed_at=now - timedelta(hours=1), likes=likes, source=SnapshotSource.PLATFORM)
        entries.append(entry)
    approved = [e for e in entries if e.status is EntryStatus.APPROVED]
    _award(contest, AwardKind.POPULARITY, AwardStatus.PUBLISHED,
           [("overall", 1, approved[2], 500.0), ("overall", 2, approved[1], 300.0), ("life", 1, approved[1], 300.0)],
           now)
    _award(contest, AwardKind.EXCELLENCE, AwardStatus.NOTICE, [("overall", 1, approved[0], 1.25)], now)
    admin = make_user(role="admin", nickname="管理员小周")
    _, token = issue_token(admin, name="schemathesis", now=now)
    db.session.commit()

    csrf_token = csrf_from(client, "/entries/new")  # read before the cookie: it goes into the session
    return World(
        app=app, entry_ids=[e.id for e in entries], fresh_video_id=fresh,
        citizen_cookies={"zzcontest_session": client.get_cookie("zzcontest_session").value},
        # The test client's user agent: Flask-Login ties the session to it.
        citizen_headers={"X-CSRFToken": csrf_token, "User-Agent": client.environ_base["HTTP_USER_AGENT"]},
        staff_headers={"Authorization": f"Bearer {token}"},
    )


def checks() -> tuple:
    """What every answer must pass (schemathesis is imported here, not by every test run)."""
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                     status_code_conformance)
    return not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance


def load_schema(app, **options):
    """The document as the site serves it, driving the app in-process (WSGI)."""
    import schemathesis

    raw = app.test_client().get("/api/v1/openapi.json").get_json()
    return schemathesis.from_dict(raw, app=app, validate_schema=True, **options)


def call(world: World, case, caller: str):
    """Send ``case`` as ``caller`` (anonymous, citizen or staff) and run the checks on the answer."""
    headers, cookies = world.credentials(caller)
    # A fresh app context per request, as in production: the test holds one open, and a
    # request that reused it would share ``g`` (the signed-in user) with the previous one.
    with world.app.app_context():
        response = case.call(headers=headers, cookies=cookies)
    case.validate_response(response, checks=checks())
    return response
