"""Server-side sessions: a copied session cookie stops working once its session ends (sign-out,
sign out everywhere, a new password, a new role, a deleted account); every sign-in starts a
session row; ``Cache-Control: no-store`` on what a signed-in visitor sees and on JSON about a person."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login.utils import encode_cookie

from contest import clock
from contest.domain import accounts
from contest.extensions import db
from contest.models import AuditEvent, Role, UserSession
from tests.support.douyin import OPEN_ID
from tests.support.douyin import sign_in as douyin_sign_in
from tests.conftest import count, csrf_from

COOKIE = "zzcontest_session"
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN")
LOGIN_PAGE = "/accounts/login?next=%2Faccounts%2Fprivacy"


pytestmark = pytest.mark.contest(frozen_at=None)  # the clock runs


@pytest.fixture
def citizen(make_user, contest):
    return make_user(phone="13812345678", nickname="小李")


def cookie_of(client) -> str:
    return client.get_cookie(COOKIE).value


def replay(app, cookie: str):
    """A second browser holding a copy of ``cookie``."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def assert_signed_out(client) -> None:
    """The JSON API answers 401 and a page asks to sign in."""
    me = client.get("/api/v1/me")
    assert (me.status_code, me.get_json()) == (401, {"error": "请先登录。"})
    page = client.get("/accounts/privacy")
    assert (page.status_code, page.headers["Location"]) == (302, LOGIN_PAGE)


def assert_signed_in_as(client, user) -> None:
    me = client.get("/api/v1/me")
    assert (me.status_code, me.get_json()["id"]) == (200, user.id)


def sign_in_elsewhere(app, user, password="secret-pass-1"):
    """Another browser, signed in through the login form."""
    other = app.test_client()
    token = csrf_from(other)
    response = other.post("/accounts/login", data={"phone": user.phone, "password": password, "csrf_token": token})
    assert response.status_code == 302
    return other


def sessions_of(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.id)))


# --- a session is a row ------------------------------------------------------------------

def test_sign_in_starts_a_session_row_that_stores_only_a_hash(app, client, citizen, freeze):
    now = freeze("2020-06-20T10:00:00+08:00")
    token = csrf_from(client)
    client.post("/accounts/login", data={"phone": citizen.phone, "password": "secret-pass-1", "csrf_token": token},
                headers={"User-Agent": PHONE_UA})
    [row] = sessions_of(citizen)
    with client.session_transaction() as sess:
        plain = sess["_session_token"]
        assert sess["_user_id"] == str(citizen.id)
    assert len(plain) >= 43  # 256 random bits
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert (row.created_at, row.last_seen_at, row.device) == (now, now, "微信 · iPhone")
    assert plain not in repr(row)


def test_a_session_records_when_it_was_last_seen_every_five_minutes(client, citizen, login, freeze):
    start = freeze("2020-06-20T10:00:00+08:00")
    login(citizen)
    freeze(start + timedelta(minutes=4, seconds=59))
    assert_signed_in_as(client, citizen)
    assert sessions_of(citizen)[0].last_seen_at == start
    later = freeze(start + timedelta(minutes=5))
    assert_signed_in_as(client, citizen)
    assert sessions_of(citizen)[0].last_seen_at == later


def test_each_sign_in_is_its_own_session(app, client, citizen, login):
    login(citizen)
    sign_in_elsewhere(app, citizen)
    assert len(sessions_of(citizen)) == 2


def test_signing_in_again_ends_the_session_this_browser_had(app, client, citizen, make_user, login):
    other = make_user(phone="13812345679")
    login(citizen)
    copied = cookie_of(client)
    login(other)
    assert_signed_out(replay(app, copied))
    assert_signed_in_as(client, other)
    assert (sessions_of(citizen), len(sessions_of(other))) == ([], 1)


def test_a_session_unused_for_ninety_days_has_ended(app, client, citizen, login, freeze):
    start = freeze("2020-06-20T10:00:00+08:00")
    login(citizen)
    freeze(start + timedelta(days=89, hours=23))
    assert_signed_in_as(client, citizen)  # and seen again now
    seen = start + timedelta(days=89, hours=23)
    freeze(seen + timedelta(days=90))
    assert_signed_out(client)
    assert len(sessions_of(citizen)) == 1
    sign_in_elsewhere(app, citizen)  # the idle row goes at the next sign-in
    assert [s.created_at for s in sessions_of(citizen)] == [seen + timedelta(days=90)]


def test_douyin_sign_in_starts_a_session_too(app, client, contest, sandbox, freeze):
    freeze("2020-06-25T12:00:00+08:00")
    sandbox.control("clock", {"now": int(clock.now().timestamp())})
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    assert douyin_sign_in(client, sandbox).status_code == 302
    [row] = db.session.scalars(sa.select(UserSession)).all()
    me = client.get("/api/v1/me").get_json()
    assert (me["id"], me["nickname"]) == (row.user_id, "小李爱株洲")
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    assert count(UserSession) == 0


def test_a_cookie_without_a_session_row_signs_nobody_in(app, client, citizen):
    with client.session_transaction() as sess:
        sess["_user_id"] = str(citizen.id)  # what Flask-Login alone used to trust
    assert_signed_out(client)
    with client.session_transaction() as sess:
        sess["_session_token"] = "made-up"
    assert_signed_out(client)


def test_a_session_of_another_account_does_not_sign_in_as_this_one(app, client, citizen, make_user, login):
    other = make_user(phone="13812345679")
    login(citizen)
    with client.session_transaction() as sess:
        sess["_user_id"] = str(other.id)
    assert_signed_out(client)


def test_a_remember_me_cookie_never_signs_anyone_in(app, client, citizen):
    with app.test_request_context():
        remembered = encode_cookie(str(citizen.id))  # signed with the site's key: only a token row counts
    client.set_cookie("zzcontest_remember", remembered)
    assert_signed_out(client)


# --- what ends a session --------------------------------------------------------------

def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, citizen, login):
    login(citizen)
    copied = cookie_of(client)
    assert_signed_in_as(replay(app, copied), citizen)
    response = client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert count(UserSession) == 0
    assert_signed_out(replay(app, copied))
    assert_signed_out(client)


def test_sign_out_ends_only_this_browsers_session(app, client, citizen, login):
    login(citizen)
    other = sign_in_elsewhere(app, citizen)
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    assert_signed_in_as(other, citizen)
    assert len(sessions_of(citizen)) == 1


def test_sign_out_everywhere_ends_every_session_of_the_account(app, client, citizen, make_user, login):
    bystander = make_user(phone="13812345670")
    login(citizen)
    copied = cookie_of(client)
    other = sign_in_elsewhere(app, citizen)
    theirs = sign_in_elsewhere(app, bystander)
    page = client.get("/accounts/privacy").get_data(as_text=True)
    assert '<form method="post" action="/accounts/logout/everywhere">' in page
    assert "退出所有设备</button>" in page

    response = client.post("/accounts/logout/everywhere", data={"csrf_token": csrf_from(client, "/accounts/privacy")})
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login")
    assert "已退出所有设备上的登录（包括这台设备），请重新登录。" in client.get("/accounts/login").get_data(as_text=True)
    for browser in (client, other, replay(app, copied)):
        assert_signed_out(browser)
    assert sessions_of(citizen) == []
    assert_signed_in_as(theirs, bystander)


def test_sign_out_everywhere_needs_the_csrf_token_and_a_session(app, client, citizen, login):
    login(citizen)
    refused = client.post("/accounts/logout/everywhere")
    assert refused.status_code == 400
    assert len(sessions_of(citizen)) == 1
    anonymous = app.test_client()
    response = anonymous.post("/accounts/logout/everywhere", data={"csrf_token": csrf_from(anonymous)})
    assert (response.status_code, response.headers["Location"]) == (
        302, "/accounts/login?next=%2Faccounts%2Flogout%2Feverywhere")
    assert len(sessions_of(citizen)) == 1


def test_the_privacy_page_lists_the_signed_in_devices(client, citizen, freeze):
    freeze("2020-06-20T10:00:00+08:00")
    token = csrf_from(client)
    client.post("/accounts/login", data={"phone": citizen.phone, "password": "secret-pass-1", "csrf_token": token},
                headers={"User-Agent": PHONE_UA})
    page = client.get("/accounts/privacy").get_data(as_text=True)
    assert "<li>微信 · iPhone：2020-06-20 10:00 登录，最近使用 2020-06-20 10:00</li>" in page


def test_a_new_password_ends_every_session_of_the_account(app, client, citizen, login, freeze):
    now = freeze("2020-06-20T10:00:00+08:00")
    login(citizen)
    copied = cookie_of(client)
    accounts.set_password(citizen, "new-secret-2", now=now)
    db.session.commit()
    assert_signed_out(replay(app, copied))
    assert_signed_out(client)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.password"))
    assert (event.actor_id, event.target_type, event.target_id, event.at, event.changes) == (
        citizen.id, "user", citizen.id, now, {})
    assert_signed_in_as(sign_in_elsewhere(app, citizen, "new-secret-2"), citizen)


def test_a_role_changed_on_the_users_page_ends_the_accounts_sessions(app, client, citizen, make_user, login):
    admin = make_user("admin", phone="13800000001")
    login(admin)
    theirs = sign_in_elsewhere(app, citizen)
    data = {"user_id": str(citizen.id), "role": "reviewer", "csrf_token": csrf_from(client, "/staff/users")}
    assert client.post("/staff/users", data=data).headers["Location"] == "/staff/users"
    assert_signed_out(theirs)
    assert sessions_of(citizen) == []
    assert len(sessions_of(admin)) == 1  # the admin's own session goes on
    assert_signed_in_as(client, admin)
    again = sign_in_elsewhere(app, citizen)
    assert again.get("/api/v1/me").get_json()["role"] == "reviewer"


def test_the_same_role_again_keeps_the_sessions(app, client, citizen, make_user, login):
    admin = make_user("admin", phone="13800000001")
    login(admin)
    theirs = sign_in_elsewhere(app, citizen)
    data = {"user_id": str(citizen.id), "role": "citizen", "csrf_token": csrf_from(client, "/staff/users")}
    client.post("/staff/users", data=data)
    assert_signed_in_as(theirs, citizen)


def test_a_role_changed_by_set_role_ends_the_accounts_sessions(app, runner, citizen):
    theirs = sign_in_elsewhere(app, citizen)
    result = runner.invoke(args=["set-role", "--phone", citizen.phone, "--role", "judge"])
    assert result.exit_code == 0, result.output
    assert_signed_out(theirs)
    db.session.expire_all()
    assert citizen.role is Role.JUDGE


def test_a_deleted_account_is_signed_out_on_every_device(app, client, citizen, login):
    login(citizen)
    copied = cookie_of(client)
    other = sign_in_elsewhere(app, citizen)
    token = csrf_from(client, "/accounts/privacy")
    response = client.post("/accounts/delete", data={"confirmation": "注销账号", "csrf_token": token})
    assert response.headers["Location"] == "/accounts/deleted"
    for browser in (client, other, replay(app, copied)):
        assert_signed_out(browser)
    assert count(UserSession) == 0


def test_a_deactivated_account_is_signed_out(app, client, citizen, login):
    login(citizen)
    citizen.active = False
    db.session.commit()
    assert_signed_out(client)


# --- Cache-Control: no-store ------------------------------------------------------------

SIGNED_IN_ANSWERS = ["/", "/entries/mine", "/entries/new", "/accounts/privacy", "/accounts/data", "/privacy",
                     "/gallery", "/leaderboards", "/api/v1/me", "/api/v1/me/entries", "/api/v1/contest",
                     "/accounts/login"]


@pytest.mark.parametrize("path", SIGNED_IN_ANSWERS)
def test_everything_a_signed_in_visitor_gets_is_no_store(client, citizen, login, path):
    login(citizen)
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path, status", [
    ("/api/v1/me", 401), ("/api/v1/me/entries", 401), ("/api/v1/me/videos", 401), ("/accounts/data", 302),
    ("/api/v1/staff/entries", 401), ("/api/v1/staff/standings", 401),
])
def test_json_about_a_person_is_no_store_even_when_refused(client, contest, path, status):
    response = client.get(path)
    assert (response.status_code, response.headers["Cache-Control"]) == (status, "no-store")


def test_the_staff_api_answers_no_store(client, contest, make_user, runner):
    make_user("admin", phone="13800000001")
    result = runner.invoke(args=["create-token", "--phone", "13800000001", "--name", "脚本"])
    token = next(word for word in result.output.split() if word.startswith("zzst_"))
    response = client.get("/api/v1/staff/entries", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store")


@pytest.mark.parametrize("path", ["/", "/gallery", "/leaderboards", "/privacy", "/accounts/login",
                                  "/api/v1/contest", "/static/css/site.css"])
def test_anonymous_public_answers_are_not_marked_no_store(client, contest, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers.get("Cache-Control") != "no-store"
    assert count(UserSession) == 0  # no session started for a visitor
    with client.session_transaction() as sess:
        assert "_session_token" not in sess
