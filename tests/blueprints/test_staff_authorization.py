"""The route-by-route authorisation test: every staff page (``organiser.*``) and every staff API
endpoint (``staff_api.*``), for anonymous, citizen, reviewer inside the entry's area, reviewer
outside it, judge and admin.

:data:`EXPECTED` is the explicit table. A route that exists without a row in it fails
:func:`test_the_table_covers_every_staff_route`: whoever adds a staff route decides here who may
use it. Rows were filled from each view's ``roles_required(...)`` (and, for per-entry routes, its
area check), then confirmed by the calls below.

Outcomes: a page refuses an anonymous caller with a redirect to the login page and a signed-in
caller without the role with 403; the API answers 401 without a valid bearer token and 403 for a
role (or area) that may not. Who gets through gets the row's ``ok`` status for a GET or a minimal
POST (a CSRF token on pages, and the fields listed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from contest import clock
from contest.domain.announcements import create_announcement
from contest.domain.likes import record_snapshot
from contest.domain.staff_tokens import issue_token
from contest.integrations.evidence import EvidenceStore
from contest.extensions import db
from contest.models import EntryStatus, LikeFlag, Role, SnapshotSource, User
from contest.models.awards import AwardKind, AwardList, AwardStatus
from contest.models.objection import Objection
from tests.conftest import build_entry, csrf_from

IN_WINDOW = "2020-06-25T12:00:00+08:00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40

CALLERS = ["anonymous", "citizen", "reviewer_in", "reviewer_out", "judge", "admin"]

ADMIN = frozenset({"admin"})
REVIEWERS = frozenset({"admin", "reviewer_in", "reviewer_out"})  # admins and reviewers, any area
IN_AREA = frozenset({"admin", "reviewer_in"})  # admins and reviewers of the entry's area
JUDGES = frozenset({"judge"})
JUDGES_AND_ADMINS = frozenset({"judge", "admin"})
STAFF = frozenset({"admin", "reviewer_in", "reviewer_out", "judge"})


@dataclass(frozen=True)
class Row:
    who: frozenset[str]  # the callers who get through
    path: str  # {pending} {approved} {flag} {announcement} {evidence} {objection} {me} are filled in per scene
    ok: int | dict[str, int]  # the status for those who get through (per caller when it differs)
    data: dict = field(default_factory=dict)  # a POST's fields (pages: form, plus a CSRF token; API: JSON)


# Calls run in this order within one scene: GETs first, then the POSTs, the destructive ones last.
EXPECTED: dict[tuple[str, str], Row] = {
    # --- review (contest/blueprints/organiser/review.py: reviewers_only; per entry: can_review) ---
    ("organiser.queue", "GET"): Row(REVIEWERS, "/staff/", 200),
    ("organiser.review_entry", "GET"): Row(IN_AREA, "/staff/entries/{pending}", 200),
    # --- likes and flags (views.py: admins and reviewers; per entry and flag: their areas) ---
    ("organiser.entry_likes", "GET"): Row(IN_AREA, "/staff/entries/{approved}/likes", 200),
    ("organiser.evidence", "GET"): Row(REVIEWERS, "/staff/evidence/{evidence}", 200),
    ("organiser.flags", "GET"): Row(REVIEWERS, "/staff/flags", 200),
    ("organiser.tally_correction", "GET"): Row(ADMIN, "/staff/entries/{approved}/tally-corrections", 200),
    # --- judging (judging.py) ---
    ("organiser.judging", "GET"): Row(JUDGES_AND_ADMINS, "/staff/judging", 200),
    ("organiser.score_entry", "GET"): Row(JUDGES, "/staff/judging/{approved}", 200),  # judges only, not admins
    ("organiser.judging_progress", "GET"): Row(ADMIN, "/staff/judging/progress", 200),
    # No original kept for the world's entry: those who get through learn only that (docs/rules.md §8).
    ("organiser.judging_video", "GET"): Row(JUDGES_AND_ADMINS, "/staff/judging/{approved}/video", 404),
    ("organiser.rubric", "GET"): Row(ADMIN, "/staff/rubric", 200),
    ("organiser.contests_list", "GET"): Row(ADMIN, "/staff/contests", 200),
    ("organiser.contest_new", "GET"): Row(ADMIN, "/staff/contests/new", 200),
    ("organiser.contest_edit", "GET"): Row(ADMIN, "/staff/contests/{contest}", 200),
    ("organiser.contest_new", "POST"): Row(ADMIN, "/staff/contests/new", 400),  # nothing filled in
    ("organiser.contest_edit", "POST"): Row(ADMIN, "/staff/contests/{contest}", 400),
    # --- awards and announcements (awards.py) ---
    ("organiser.awards", "GET"): Row(REVIEWERS, "/staff/awards", 200),  # admins_and_reviewers
    ("organiser.export_scores", "GET"): Row(ADMIN, "/staff/exports/scores.csv", 200),
    ("organiser.export_winners", "GET"): Row(ADMIN, "/staff/exports/winners.xlsx", 200),
    ("organiser.announcements", "GET"): Row(REVIEWERS, "/staff/announcements", 200),
    ("organiser.edit_announcement", "GET"): Row(REVIEWERS, "/staff/announcements/{announcement}/edit", 200),
    # --- objections (objections.py): reviewers read, admins answer ---
    ("organiser.objections", "GET"): Row(REVIEWERS, "/staff/objections", 200),
    # --- admin pages (admin.py) ---
    ("organiser.audit", "GET"): Row(ADMIN, "/staff/audit", 200),
    ("organiser.dashboard", "GET"): Row(REVIEWERS, "/staff/dashboard", 200),
    # --- platform health (health.py): reviewers read, admins mark an alarm handled ---
    ("organiser.platform_health_page", "GET"): Row(REVIEWERS, "/staff/platform-health", 200),
    ("organiser.export_entries", "GET"): Row(ADMIN, "/staff/exports/entries.csv", 200),
    ("organiser.export_tallies", "GET"): Row(ADMIN, "/staff/exports/tallies.xlsx", 200),
    ("organiser.evidence_pack", "GET"): Row(ADMIN, "/staff/exports/evidence/{approved}.zip", 200),
    ("organiser.tokens", "GET"): Row(STAFF, "/staff/tokens", 200),
    # In its window: the confirmation pages send an admin back to the awards page with the reason.
    ("organiser.confirm_draft", "GET"): Row(ADMIN, "/staff/awards/draft", 302),
    ("organiser.confirm_publish", "GET"): Row(ADMIN, "/staff/awards/publish", 302),
    ("organiser.users", "GET"): Row(ADMIN, "/staff/users", 200),
    # --- the staff API (contest/blueprints/staff_api/views.py): bearer token only ---
    ("staff_api.list_entries", "GET"): Row(REVIEWERS, "/api/v1/staff/entries", 200),  # filtered to the areas
    ("staff_api.show_entry", "GET"): Row(IN_AREA, "/api/v1/staff/entries/{pending}", 200),
    ("staff_api.show_standings", "GET"): Row(REVIEWERS, "/api/v1/staff/standings", 200),
    ("staff_api.show_platform_health", "GET"): Row(REVIEWERS, "/api/v1/staff/platform-health", 200),
    # --- POSTs ---
    ("organiser.decide_entry", "POST"): Row(IN_AREA, "/staff/entries/{pending}/review", 422),  # no decision
    ("organiser.bulk_approve", "POST"): Row(REVIEWERS, "/staff/bulk-approve", 302),  # nothing ticked
    ("organiser.record_likes", "POST"): Row(IN_AREA, "/staff/entries/{approved}/likes", 422),  # no screenshot
    ("organiser.prove_owner", "POST"): Row(IN_AREA, "/staff/entries/{pending}/owner", 422),  # no screenshot
    ("organiser.decide_flag", "POST"): Row(IN_AREA, "/staff/flags/{flag}/decide", 302),  # no note: flashed
    ("organiser.correct_likes", "POST"): Row(ADMIN, "/staff/entries/{approved}/tally-corrections", 422),  # no fields
    ("organiser.score_entry", "POST"): Row(JUDGES, "/staff/judging/{approved}", 422),  # no scores
    ("organiser.declare_conflict", "POST"): Row(JUDGES, "/staff/judging/{approved}/conflict", 302),  # no reason
    ("organiser.rubric", "POST"): Row(ADMIN, "/staff/rubric", 422),  # no criteria
    ("organiser.draft_awards", "POST"): Row(ADMIN, "/staff/awards/draft", 302),
    ("organiser.disqualify_entry", "POST"): Row(ADMIN, "/staff/awards/disqualify", 302),
    ("organiser.publish_awards", "POST"): Row(ADMIN, "/staff/awards/publish", 302),
    ("organiser.correct_awards", "POST"): Row(ADMIN, "/staff/awards/correct", 302),
    ("organiser.uphold_objection", "POST"): Row(ADMIN, "/staff/objections/{objection}/uphold", 302),  # no reply
    ("organiser.dismiss_objection", "POST"): Row(ADMIN, "/staff/objections/{objection}/dismiss", 302),  # no reply
    ("organiser.create_announcement", "POST"): Row(REVIEWERS, "/staff/announcements", 422),  # no title
    ("organiser.edit_announcement", "POST"): Row(REVIEWERS, "/staff/announcements/{announcement}/edit", 422),
    ("organiser.publish_announcement", "POST"): Row(REVIEWERS, "/staff/announcements/{announcement}/publish", 302),
    ("organiser.unpublish_announcement", "POST"): Row(REVIEWERS, "/staff/announcements/{announcement}/unpublish", 302),
    ("organiser.delete_announcement", "POST"): Row(REVIEWERS, "/staff/announcements/{announcement}/delete", 302),
    ("organiser.close_platform_alarm", "POST"): Row(ADMIN, "/staff/platform-health/alarms/999999/close", 302),  # none
    ("organiser.tokens", "POST"): Row(STAFF, "/staff/tokens", 200, {"action": "issue", "name": "授权测试"}),
    ("organiser.users", "POST"): Row(ADMIN, "/staff/users", 302, {"user_id": "{me}", "role": "admin"}),
    ("organiser.add_staff_member", "POST"): Row(ADMIN, "/staff/users/new", 302, {"phone": "1", "role": "judge"}),
    # --- the contest switcher (contest/blueprints/organiser/switcher.py: any_staff) ---
    ("organiser.choose_contest", "POST"): Row(STAFF, "/staff/contest", 302, {"contest": ""}),
    ("staff_api.record_likes", "POST"): Row(IN_AREA, "/api/v1/staff/entries/{approved}/likes", 201, {"likes": 7}),
    # Admins only; this scene is in its window, so an admin's correction is refused as not closed yet.
    ("staff_api.correct_likes", "POST"): Row(ADMIN, "/api/v1/staff/entries/{approved}/tally-corrections", 409, {
        "likes": 7, "observed_at": "2020-06-25T10:00:00+08:00", "reason": "核实截图"}),
    ("staff_api.decide_entry", "POST"): Row(IN_AREA, "/api/v1/staff/entries/{pending}/review", 200, {
        "decision": "approve", "checklist": {"slogan": True, "theme": True, "content": True}}),
}

DUMMY = {"pending": 1, "approved": 2, "flag": 3, "announcement": 4, "me": 5, "objection": 6, "contest": 7,
         "evidence": "2020/06/25/" + "0" * 32 + ".png"}


def staff_rules(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(("organiser.", "staff_api.")) for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_table_covers_every_staff_route(app):
    routes = staff_rules(app)
    assert sorted(routes - set(EXPECTED)) == [], "staff routes without a row in EXPECTED: decide who may use them"
    assert sorted(set(EXPECTED) - routes) == [], "rows in EXPECTED for routes that no longer exist"
    adapter = app.url_map.bind("localhost")
    for (endpoint, method), row in EXPECTED.items():
        assert adapter.match(row.path.format(**DUMMY), method=method)[0] == endpoint, (endpoint, row.path)


# --- one scene per caller -------------------------------------------------------------

@pytest.fixture
def staff_scene(app, make_contest, freeze, tmp_path):
    """A contest in its window; a pending and an approved entry in 荷塘区 (hetang), a like flag,
    a manual reading with a screenshot, a draft announcement, an open objection."""
    app.config["CONTEST_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    freeze(IN_WINDOW)
    contest = make_contest()
    organiser = User(nickname="组织者", role=Role.ADMIN, active=True)
    author = User(nickname="作者", role=Role.CITIZEN, active=True)
    db.session.add_all([organiser, author])
    now = clock.now()
    entries = {}
    for n, status in enumerate([EntryStatus.PENDING, EntryStatus.APPROVED], start=1):
        entries[status] = build_entry(contest, author, video_id=str(6_840_000_000_000_000_000 + n), area="hetang",
                                      status=status, at=now, submitted_text="x", caption="x")
    db.session.flush()
    approved = entries[EntryStatus.APPROVED]
    evidence = EvidenceStore(tmp_path / "evidence").save(io.BytesIO(PNG), now=now)
    record_snapshot(approved, observed_at=now, likes=10, source=SnapshotSource.MANUAL, recorded_by=organiser,
                    evidence_path=evidence)
    flag = LikeFlag(entry_id=approved.id, kind="burst", window_start=now, window_end=now, message="2 小时内新增 900 赞。")
    db.session.add(flag)
    announcement = create_announcement(contest, title="开赛", body="欢迎参赛。", kind="other", staff=organiser, now=now)
    award_list = AwardList(contest_id=contest.id, kind=AwardKind.POPULARITY, version=1, status=AwardStatus.NOTICE,
                           notice_starts_at=now, notice_ends_at=now, created_at=now)
    db.session.add(award_list)
    db.session.flush()
    objection = Objection(contest_id=contest.id, award_list_id=award_list.id, entry_id=approved.id, user_id=author.id,
                          reference_hash="0" * 64, reason="异议", created_at=now)
    db.session.add(objection)
    db.session.commit()
    return {"contest": contest.id, "pending": entries[EntryStatus.PENDING].id, "approved": approved.id, "flag": flag.id,
            "announcement": announcement.id, "evidence": evidence, "objection": objection.id}


def sign_in(caller: str, make_user, login) -> User | None:
    """Sign ``caller`` in on the client (pages) and return them; None for anonymous."""
    if caller == "anonymous":
        return None
    role = {"reviewer_in": "reviewer", "reviewer_out": "reviewer"}.get(caller, caller)
    user = make_user(role=role, nickname=caller)
    user.area_keys = {"reviewer_in": ["hetang"], "reviewer_out": ["liling"]}.get(caller, [])
    db.session.commit()
    login(user)
    return user


def api_headers(user: User | None) -> dict:
    """A bearer token for ``user``; a citizen's is one issued while they were staff (a demotion)."""
    if user is None:
        return {}
    role = user.role
    if role is Role.CITIZEN:
        user.role = Role.REVIEWER
    _, plain = issue_token(user, name="授权测试", now=clock.now())
    user.role = role
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def expected(caller: str, endpoint: str, row: Row, path: str) -> tuple[int, str | None]:
    """(status, Location) the table promises."""
    api = endpoint.startswith("staff_api.")
    if caller in row.who:
        status = row.ok[caller] if isinstance(row.ok, dict) else row.ok
        return status, None
    if caller == "anonymous":
        return (401, None) if api else (302, "/accounts/login?" + urlencode({"next": path}))
    return 403, None


@pytest.mark.parametrize("caller", CALLERS)
def test_every_staff_route_for_each_caller(client, staff_scene, make_user, login, caller):
    user = sign_in(caller, make_user, login)
    headers = api_headers(user)
    csrf_token = csrf_from(client, "/" if user else "/accounts/login")  # a signed-out home page has no token
    values = dict(staff_scene, me=user.id if user else 0)
    wrong = []
    for (endpoint, method), row in EXPECTED.items():
        path = row.path.format(**values)
        if endpoint.startswith("staff_api."):
            response = client.open(path, method=method, headers=headers,
                                   json={k: v for k, v in row.data.items()} if method == "POST" else None)
        elif method == "POST":
            data = {k: v.format(**values) if isinstance(v, str) else v for k, v in row.data.items()}
            response = client.post(path, data={**data, "csrf_token": csrf_token})
        else:
            response = client.get(path)
        status, location = expected(caller, endpoint, row, path)
        got = (response.status_code, response.headers.get("Location") if location else None)
        if got != (status, location):
            wrong.append((endpoint, method, got, (status, location)))
    assert wrong == []


def test_the_api_ignores_a_session_cookie(client, staff_scene, make_user, login):
    """A signed-in admin without a token: every API route is 401, including the POSTs (no CSRF there)."""
    sign_in("admin", make_user, login)
    for (endpoint, method), row in EXPECTED.items():
        if endpoint.startswith("staff_api."):
            response = client.open(row.path.format(**staff_scene), method=method, json=row.data if method == "POST" else None)
            assert (endpoint, response.status_code, response.get_json()) == (
                endpoint, 401, {"error": "需要有效的访问令牌。"})


def test_page_posts_still_need_a_csrf_token(client, staff_scene, make_user, login):
    """The API's exemption from CSRF does not leak to the pages."""
    sign_in("admin", make_user, login)
    for (endpoint, method), row in EXPECTED.items():
        if method == "POST" and endpoint.startswith("organiser."):
            response = client.post(row.path.format(**staff_scene, me=0), data={})
            assert (endpoint, response.status_code) == (endpoint, 400)
