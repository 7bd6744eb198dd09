"""The account pages: sign-up with a code, sign-in, sign-out, and what they refuse."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from contest import create_app
from contest.extensions import db
from contest.models import PhoneCode, User
from tests.conftest import count, csrf_from, make_environ
from tests.support.accounts import PHONE, DEMO_CODE, html, ask_code, demo_code, confirm, post_login

T0 = "2020-06-20T10:00:00+08:00"
CSRF_MESSAGE = "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。"


@pytest.fixture
def home(make_contest):
    """``/`` needs a contest to render."""
    return make_contest()


def signed_in_id(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("_user_id")


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- sign-up ------------------------------------------------------------------------

def test_signup_page_asks_for_a_phone_for_mobile_keyboards(client):
    response = client.get("/accounts/signup")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>用手机号注册</h1>" in page
    phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    for attribute in ('type="tel"', 'inputmode="numeric"', 'autocomplete="tel-national"', "required"):
        assert attribute in phone_input
    assert 'name="csrf_token"' in page
    assert "<script>" not in page and "style=" not in page


def test_signup_flow_creates_the_account_and_signs_in(client, home, freeze, caplog):
    freeze(T0)
    with caplog.at_level(logging.INFO, logger="contest.integrations.sms"):
        response = ask_code(client, phone="138 1234 5678")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/signup/confirm"
    [record] = [r for r in caplog.records if r.name == "contest.integrations.sms"]
    assert record.getMessage().startswith("SMS to 138****5678: 【株洲抖音生活秀】您的验证码是 ")
    assert PHONE not in caplog.text

    page = html(client.get("/accounts/signup/confirm"))
    assert "验证码已发送到 138****5678，10 分钟内有效。" in page
    code = DEMO_CODE.search(page).group(1)
    assert f"您的验证码是 {code}，" in record.getMessage()
    assert "<strong>138****5678</strong>" in page and PHONE not in page
    assert "重新获取验证码" in page
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in code_input and 'autocomplete="one-time-code"' in code_input

    freeze("2020-06-20T10:02:00+08:00")
    with client.session_transaction() as sess:
        sess["marker"] = "from before sign-in"
    response = confirm(client, code)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    user = db.session.scalars(sa.select(User)).one()
    assert (user.phone, user.nickname) == (PHONE, "小明")
    assert check_password_hash(user.password_hash, "secret-pass-1") and user.password_hash != "secret-pass-1"
    assert db.session.scalars(sa.select(PhoneCode.used_at)).one() is not None
    assert signed_in_id(client) == str(user.id)
    with client.session_transaction() as sess:
        assert "marker" not in sess and "signup_phone" not in sess  # a fresh session

    page = html(client.get("/"))
    assert "注册成功，欢迎你，小明！" in page
    assert "退出（小明）" in page


def test_signup_carries_a_local_next_to_the_end(client, freeze):
    freeze(T0)
    response = ask_code(client, path="/accounts/signup?next=/entries/mine")
    assert response.headers["Location"] == "/accounts/signup/confirm?next=/entries/mine"
    code = demo_code(client, "/accounts/signup/confirm?next=/entries/mine")
    response = confirm(client, code, path="/accounts/signup/confirm?next=/entries/mine")
    assert response.status_code == 302
    assert response.headers["Location"] == "/entries/mine"


def test_signup_drops_a_foreign_next(client, freeze):
    freeze(T0)
    response = ask_code(client, path="/accounts/signup?next=//evil.com")
    assert response.headers["Location"] == "/accounts/signup/confirm"
    code = demo_code(client)
    response = confirm(client, code, path="/accounts/signup/confirm?next=https://evil.com")
    assert response.headers["Location"] == "/"


def test_signup_without_demo_mode_shows_no_code(app, client, freeze, caplog):
    app.config["CONTEST_DEMO_MODE"] = False
    freeze(T0)
    with caplog.at_level(logging.INFO, logger="contest.integrations.sms"):
        ask_code(client)
    page = html(client.get("/accounts/signup/confirm"))
    assert "验证码已发送到 138****5678，10 分钟内有效。" in page
    assert "演示模式" not in page
    assert re.search(r"您的验证码是 [0-9]{6}", caplog.text)  # development: the log has it


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "abc", "+1 13812345678"])
def test_signup_refuses_a_bad_phone(client, phone):
    response = ask_code(client, phone=phone)
    assert response.status_code == 422
    page = html(response)
    assert '<p class="error" id="phone-error">请输入正确的 11 位手机号</p>' in page
    assert count(PhoneCode) == 0


def test_signup_refuses_an_empty_phone(client):
    response = ask_code(client, phone="")
    assert response.status_code == 422
    assert "请输入手机号。" in html(response)


def test_signup_refuses_a_registered_phone(client, make_user):
    make_user(phone=PHONE)
    response = ask_code(client)
    assert response.status_code == 422
    assert "这个手机号已经注册，请直接登录。" in html(response)
    assert count(PhoneCode) == 0


def test_signup_again_within_the_interval_explains_the_wait(client, freeze):
    freeze(T0)
    ask_code(client)
    freeze("2020-06-20T10:00:20+08:00")
    response = ask_code(client)
    assert response.status_code == 422
    page = html(response)
    assert "验证码已发送，请 40 秒后再试。" in page
    assert 'href="/accounts/signup/confirm"' in page  # the way back to the code already sent
    assert count(PhoneCode) == 1


def test_signup_confirm_needs_a_phone_first(client):
    response = client.get("/accounts/signup/confirm")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/signup"
    assert "请先填写手机号，获取验证码。" in html(client.get("/accounts/signup"))


def test_signup_confirm_with_a_wrong_code_keeps_the_count(client, freeze):
    freeze(T0)
    ask_code(client)
    code = demo_code(client)
    response = confirm(client, other_code(code))
    assert response.status_code == 422
    assert '<p class="flash flash-error" role="alert">验证码错误。</p>' in html(response)
    assert db.session.scalars(sa.select(PhoneCode.attempts)).one() == 1
    assert count(User) == 0 and signed_in_id(client) is None

    response = confirm(client, code)
    assert response.headers["Location"] == "/"
    assert count(User) == 1


def test_signup_confirm_burns_the_code_after_five_wrong_guesses(client, freeze):
    freeze(T0)
    ask_code(client)
    code = demo_code(client)
    for _ in range(5):
        confirm(client, other_code(code))
    response = confirm(client, code)
    assert response.status_code == 422
    assert "验证码错误次数过多，请重新获取。" in html(response)
    assert count(User) == 0


def test_signup_confirm_after_expiry(client, freeze):
    start = freeze(T0)
    ask_code(client)
    code = demo_code(client)
    freeze(start + timedelta(minutes=10))
    response = confirm(client, code)
    assert response.status_code == 422
    assert "验证码已过期，请重新获取。" in html(response)
    assert count(User) == 0


def test_signup_confirm_mismatched_passwords_keep_the_code(client, freeze):
    freeze(T0)
    ask_code(client)
    code = demo_code(client)
    response = confirm(client, code, again="secret-pass-2")
    assert response.status_code == 422
    assert '<p class="error" id="password_again-error">两次输入的密码不一致。</p>' in html(response)
    assert db.session.scalars(sa.select(PhoneCode.used_at)).one() is None

    assert confirm(client, code).headers["Location"] == "/"


def test_signup_confirm_short_password(client, freeze):
    freeze(T0)
    ask_code(client)
    response = confirm(client, demo_code(client), password="short")
    assert response.status_code == 422
    assert "密码需要 8 到 128 位。" in html(response)
    assert count(User) == 0


def test_signup_resend_waits_then_sends_a_new_code(client, freeze):
    start = freeze(T0)
    ask_code(client)
    first = demo_code(client)

    token = csrf_from(client, "/accounts/signup/confirm")
    response = client.post("/accounts/signup/resend", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/signup/confirm"
    page = html(client.get("/accounts/signup/confirm"))
    assert '<p class="flash flash-error">验证码已发送，请 60 秒后再试。</p>' in page
    assert count(PhoneCode) == 1

    freeze(start + timedelta(seconds=61))
    response = client.post("/accounts/signup/resend?next=/entries/mine", data={"csrf_token": token})
    assert response.headers["Location"] == "/accounts/signup/confirm?next=/entries/mine"
    second = demo_code(client)
    assert count(PhoneCode) == 2
    if first != second:
        assert confirm(client, first).status_code == 422
    assert confirm(client, second).headers["Location"] == "/"


def test_signup_resend_is_a_post(client):
    assert client.get("/accounts/signup/resend").status_code == 405


def test_signup_resend_without_a_pending_phone(client):
    token = csrf_from(client, "/accounts/signup")
    response = client.post("/accounts/signup/resend", data={"csrf_token": token})
    assert response.headers["Location"] == "/accounts/signup"
    assert count(PhoneCode) == 0


def test_signup_daily_limit_through_the_pages(app, client, freeze):
    app.config["CONTEST_OTP_DAILY_LIMIT"] = 2
    start = freeze(T0)
    ask_code(client)
    freeze(start + timedelta(minutes=2))
    ask_code(client)
    freeze(start + timedelta(minutes=4))
    response = ask_code(client)
    assert response.status_code == 422
    assert "这个手机号今天获取验证码的次数已达上限，请明天再试。" in html(response)
    assert count(PhoneCode) == 2


def test_signup_gateway_failure_is_shown_not_a_500(app, client, freeze):
    app.config.update(CONTEST_SMS_BACKEND="http", CONTEST_SMS_GATEWAY_URL="http://127.0.0.1:9/send",
                      CONTEST_SMS_GATEWAY_KEY="k")
    freeze(T0)
    response = ask_code(client)
    assert response.status_code == 422
    assert "短信发送失败，请稍后再试。" in html(response)
    assert count(PhoneCode) == 0


# --- sign-in ------------------------------------------------------------------------

def test_login_page_fields(client):
    page = html(client.get("/accounts/login"))
    phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert 'type="tel"' in phone_input and 'inputmode="numeric"' in phone_input
    assert 'type="password"' in password_input and 'autocomplete="current-password"' in password_input


def test_login_signs_in_and_renews_the_session(client, make_user, home):
    user = make_user(phone=PHONE, nickname="小红")
    with client.session_transaction() as sess:
        sess["marker"] = "anonymous"
    response = post_login(client, "138 1234 5678")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_id(client) == str(user.id)
    with client.session_transaction() as sess:
        assert "marker" not in sess
    assert "欢迎回来，小红！" in html(client.get("/"))


@pytest.mark.parametrize("phone, password", [
    (PHONE, "wrong-pass-1"),
    ("13900000000", "secret-pass-1"),
])
def test_login_failure_rerenders_with_the_message_and_the_typed_phone(client, make_user, phone, password):
    make_user(phone=PHONE)
    typed = phone[:3] + " " + phone[3:]
    response = post_login(client, typed, password)
    assert response.status_code == 422
    page = html(response)
    assert '<p class="flash flash-error" role="alert">手机号或密码错误。</p>' in page
    assert f'value="{typed}"' in page
    assert signed_in_id(client) is None


def test_login_refuses_an_inactive_account(client, make_user):
    user = make_user(phone=PHONE)
    user.active = False
    db.session.commit()
    response = post_login(client, PHONE)
    assert response.status_code == 422
    assert "账号已停用，请联系主办方。" in html(response)
    assert signed_in_id(client) is None


def test_login_refuses_a_malformed_phone(client):
    response = post_login(client, "12345")
    assert response.status_code == 422
    assert "请输入正确的 11 位手机号" in html(response)


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)",
                                    "http:/evil.com", "/%0a/evil.com\n"])
def test_login_ignores_a_foreign_next(client, make_user, target):
    user = make_user(phone=PHONE)
    response = client.post("/accounts/login", query_string={"next": target},
                           data={"phone": user.phone, "password": "secret-pass-1", "csrf_token": csrf_from(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_honours_a_local_next(client, make_user):
    user = make_user(phone=PHONE)
    response = client.post("/accounts/login?next=/entries/mine",
                           data={"phone": user.phone, "password": "secret-pass-1", "csrf_token": csrf_from(client)})
    assert response.headers["Location"] == "/entries/mine"


def test_login_required_page_round_trips_through_login(client, make_user, make_contest):
    make_contest()
    user = make_user(phone=PHONE)
    response = client.get("/entries/mine")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login?next=%2Fentries%2Fmine"
    page = html(client.get(response.headers["Location"]))
    assert 'action="/accounts/login?next=/entries/mine"' in page
    response = post_login(client, user.phone, path=response.headers["Location"])
    assert response.headers["Location"] == "/entries/mine"


# --- sign-out and CSRF ----------------------------------------------------------------

def test_logout_needs_post_and_the_csrf_token(client, make_user, login, home):
    login(make_user(phone=PHONE))
    assert client.get("/accounts/logout").status_code == 405

    response = client.post("/accounts/logout")
    assert response.status_code == 400
    assert CSRF_MESSAGE in html(response)
    assert signed_in_id(client) is not None

    response = client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_id(client) is None
    page = html(client.get("/"))
    assert "你已退出登录。" in page and "退出（" not in page


@pytest.mark.parametrize("path, data", [
    ("/accounts/login", {"phone": PHONE, "password": "secret-pass-1"}),
    ("/accounts/signup", {"phone": PHONE}),
    ("/accounts/signup/resend", {}),
])
def test_posts_without_csrf_token_are_refused(client, make_user, path, data):
    make_user(phone=PHONE)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html(response)
    assert signed_in_id(client) is None and count(PhoneCode) == 0


def test_posts_with_a_forged_csrf_token_are_refused(client, make_user):
    make_user(phone=PHONE)
    response = client.post("/accounts/login", data={"phone": PHONE, "password": "secret-pass-1", "csrf_token": "forged"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in html(response)


# --- rate limits --------------------------------------------------------------------

@pytest.fixture
def limited_client(app, database_url, sandbox):
    """A client of an app with the rate limiter on (built after ``app``, which turned it off)."""
    limited = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true"))
    yield limited.test_client()


def test_login_is_rate_limited_after_ten_posts_a_minute(limited_client, make_user):
    make_user(phone=PHONE)
    token = csrf_from(limited_client)
    statuses = [
        limited_client.post("/accounts/login", data={"phone": PHONE, "password": "wrong-pass-1", "csrf_token": token}).status_code
        for _ in range(10)
    ]
    assert statuses == [422] * 10
    response = limited_client.post("/accounts/login", data={"phone": PHONE, "password": "secret-pass-1", "csrf_token": token})
    assert response.status_code == 429
    assert re.search(r"操作太频繁，请 \d+ 秒后再试。", html(response))
    assert limited_client.get("/accounts/login").status_code == 200  # only POSTs count


def test_signup_is_rate_limited_after_five_posts_a_minute(limited_client):
    token = csrf_from(limited_client, "/accounts/signup")
    statuses = [
        limited_client.post("/accounts/signup", data={"phone": f"1391234567{i}", "csrf_token": token}).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert count(PhoneCode) == 5


# --- privacy --------------------------------------------------------------------------

def test_no_page_shows_another_users_full_phone(client, make_user, login, make_contest):
    make_contest()
    other = make_user(phone="13712345678", nickname="别人")
    me = make_user(phone=PHONE, nickname="我")
    pages = ["/", "/accounts/login", "/accounts/signup", "/entries/mine", "/entries/new"]

    for path in pages:
        assert other.phone not in html(client.get(path)), path
    login(me)
    for path in pages:
        page = html(client.get(path))
        assert other.phone not in page, path
        assert other.phone[:3] + "****" + other.phone[-4:] not in page, path
    # A failed sign-in with someone's number shows only what was typed, and nothing else about them.
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    page = html(post_login(client, "137 1234 5678", "wrong-pass-1"))
    assert other.phone not in page and "别人" not in page
