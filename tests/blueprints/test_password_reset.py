"""Password reset at /accounts/reset: a one-time code to the account's phone, a new password, every
session of the account ended; the pages never tell whether a phone has an account."""

from __future__ import annotations

import re

import pytest
from werkzeug.security import check_password_hash

from contest import create_app
from contest.extensions import db
from contest.models import PhoneCode
from tests.support.accounts import confirm as signup_confirm
from tests.support.rate_limits import assert_page_429
from tests.conftest import FreshContextClient, count, csrf_from, make_environ

PHONE = "13812345678"
STRANGER = "13899995678"  # no account; masked the same as PHONE
T0 = "2020-06-20T10:00:00+08:00"
DEMO_CODE = re.compile(r"演示模式：验证码是 ([0-9]{6})")


@pytest.fixture
def citizen(make_user, make_contest):
    make_contest()
    return make_user(phone=PHONE, nickname="小李")


def html(response) -> str:
    return response.get_data(as_text=True)


def ask(client, phone=PHONE, path="/accounts/reset"):
    return client.post(path, data={"phone": phone, "csrf_token": csrf_from(client, "/accounts/reset")})


def confirm(client, code, **kwargs):
    return signup_confirm(client, code, password="new-secret-2", path="/accounts/reset/confirm", **kwargs)


def post_login(client, password, phone=PHONE):
    return client.post("/accounts/login", data={"phone": phone, "password": password, "csrf_token": csrf_from(client)})


def test_the_reset_page_asks_for_a_phone(client):
    response = client.get("/accounts/reset")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>找回密码</h1>" in page
    phone_input = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    for attribute in ('type="tel"', 'inputmode="numeric"', 'autocomplete="tel-national"', "required"):
        assert attribute in phone_input
    assert '<form method="post" action="/accounts/reset">' in page
    assert "<script>" not in page and "style=" not in page


def test_the_sign_in_page_links_to_the_reset(client):
    assert '<p><a href="/accounts/reset">忘记密码？</a></p>' in html(client.get("/accounts/login"))
    assert ('<a href="/accounts/reset?next=/entries/mine">忘记密码？</a>'
            in html(client.get("/accounts/login?next=/entries/mine")))


def test_a_citizen_resets_the_password_and_every_session_ends(app, client, citizen, freeze):
    freeze(T0)
    elsewhere = app.test_client()
    assert post_login(elsewhere, "secret-pass-1").status_code == 302
    response = ask(client, "138 1234 5678")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/reset/confirm")
    page = html(client.get("/accounts/reset/confirm"))
    assert "如果 138****5678 已注册，验证码已发送到这个手机，10 分钟内有效。" in page
    assert "<h1>设置新密码</h1>" in page and "<strong>138****5678</strong>" in page and PHONE not in page
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    assert 'autocomplete="one-time-code"' in code_input
    assert 'autocomplete="new-password"' in re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    code = DEMO_CODE.search(page).group(1)

    mismatch = confirm(client, code, again="other-secret-3")
    assert mismatch.status_code == 422 and "两次输入的密码不一致。" in html(mismatch)
    response = confirm(client, code)
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login")
    assert "密码已重新设置，所有设备上的登录已退出。请用新密码登录。" in html(client.get("/accounts/login"))

    db.session.expire_all()
    assert check_password_hash(citizen.password_hash, "new-secret-2")
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert post_login(client, "secret-pass-1").status_code == 422
    assert post_login(client, "new-secret-2").headers["Location"] == "/"
    assert client.get("/api/v1/me").get_json()["id"] == citizen.id
    with client.session_transaction() as sess:
        assert "reset_phone" not in sess
    assert client.get("/accounts/reset/confirm").headers["Location"] == "/accounts/reset"  # nothing pending


def test_a_signed_in_citizen_who_resets_is_signed_out_too(client, citizen, login, freeze):
    freeze(T0)
    login(citizen)
    ask(client)
    code = DEMO_CODE.search(html(client.get("/accounts/reset/confirm"))).group(1)
    assert confirm(client, code).headers["Location"] == "/accounts/login"
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_codes_burn_the_reset_code_at_five(client, citizen, freeze):
    freeze(T0)
    ask(client)
    code = DEMO_CODE.search(html(client.get("/accounts/reset/confirm"))).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = [re.search(r'role="alert">([^<]+)<', html(confirm(client, wrong))).group(1) for _ in range(5)]
    assert messages == ["验证码错误。"] * 4 + ["验证码错误次数过多，请重新获取。"]
    refused = confirm(client, code)
    assert refused.status_code == 422 and "验证码错误次数过多，请重新获取。" in html(refused)
    db.session.expire_all()
    assert check_password_hash(citizen.password_hash, "secret-pass-1")


def test_the_code_page_without_a_phone_sends_back_to_the_first_step(client):
    response = client.get("/accounts/reset/confirm")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/reset")
    assert "请先填写手机号，获取验证码。" in html(client.get("/accounts/reset"))


def test_resend_waits_for_the_interval(client, citizen, freeze):
    freeze(T0)
    ask(client)
    response = client.post("/accounts/reset/resend", data={"csrf_token": csrf_from(client, "/accounts/reset/confirm")})
    assert response.headers["Location"] == "/accounts/reset/confirm"
    assert "验证码已发送，请 60 秒后再试。" in html(client.get("/accounts/reset/confirm"))
    assert count(PhoneCode) == 1


def test_a_bad_phone_is_refused_on_the_page(client):
    response = ask(client, "12345")
    assert response.status_code == 422
    assert "请输入正确的 11 位手机号" in html(response)


@pytest.fixture
def production_like(app, database_url, sandbox):
    """A client of the site with demo mode off, as in production (no code on the page)."""
    quiet = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_DEMO_MODE="false"))
    quiet.test_client_class = FreshContextClient
    return quiet.test_client


def test_the_pages_never_tell_whether_a_phone_has_an_account(citizen, production_like, freeze):
    freeze(T0)
    def same(page: str) -> str:  # without the per-session tokens
        return re.sub(r'(value|content)="[^"]+"', "", page)

    seen = []
    for phone in (PHONE, STRANGER):
        client = production_like()
        first = ask(client, phone)
        page = html(client.get("/accounts/reset/confirm"))
        again = ask(client, phone)
        guess = confirm(client, "000000")
        seen.append((first.status_code, first.headers["Location"], same(page),
                     again.status_code, same(html(again)), guess.status_code, same(html(guess))))
    assert seen[0] == seen[1]
    assert "验证码已发送，请 60 秒后再试。" in seen[0][4]
    assert "验证码错误。" in seen[0][6]


def test_reset_shares_the_sign_up_limits(citizen, freeze, database_url, sandbox):
    freeze(T0)
    limited = create_app(environ=make_environ(
        database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true", CONTEST_RATELIMIT_STORAGE_URI="memory://",
        CONTEST_OTP_LIMIT="2/minute", CONTEST_SIGNUP_LIMIT="2/minute"))
    limited.test_client_class = FreshContextClient
    client = limited.test_client()
    token = csrf_from(client, "/accounts/signup")
    # One code budget per phone for sign-up and reset: the sign-up form spends one (refused: taken).
    assert client.post("/accounts/signup", data={"phone": PHONE, "csrf_token": token}).status_code == 422
    assert client.post("/accounts/reset", data={"phone": PHONE, "csrf_token": token}).status_code == 302
    assert_page_429(client.post("/accounts/reset/resend", data={"csrf_token": token}))
    # And the forms' budget, which the two forms above spent.
    assert_page_429(client.post("/accounts/reset/confirm", data={"code": "000000", "csrf_token": token}))
    assert client.get("/accounts/reset").status_code == 200  # only POSTs count
