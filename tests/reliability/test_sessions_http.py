"""Sessions and one-time codes over real HTTP: a copied session cookie replayed after sign-out, and
bursts of concurrent wrong codes (threads against the live site) that get at most five checks."""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
import requests
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from contest.extensions import db
from contest.models import PhoneCode, User, UserSession
from tests.conftest import CSRF_META, count

PHONE = "13812345678"
T0 = "2020-06-20T10:00:00+08:00"
DEMO_CODE = re.compile(r"演示模式：验证码是 ([0-9]{6})")
ALERT = re.compile(r'<p class="flash flash-error" role="alert">([^<]+)</p>')
WRONG, BURNED = "验证码错误。", "验证码错误次数过多，请重新获取。"


def browser() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


def csrf(http: requests.Session, url: str) -> str:
    return CSRF_META.search(http.get(url, timeout=30).text).group(1)


def test_a_cookie_copied_before_sign_out_gets_401_and_the_sign_in_page_after(live_site, make_contest, make_user):
    make_contest()
    user = make_user(phone=PHONE)
    http = browser()
    signed_in = http.post(f"{live_site}/accounts/login", data={
        "phone": PHONE, "password": "secret-pass-1", "csrf_token": csrf(http, f"{live_site}/accounts/login")},
        allow_redirects=False, timeout=30)
    assert signed_in.status_code == 302
    copied = http.cookies.get("zzcontest_session")
    thief = browser()
    thief.cookies.set("zzcontest_session", copied)
    assert thief.get(f"{live_site}/api/v1/me", timeout=30).json()["id"] == user.id

    out = http.post(f"{live_site}/accounts/logout", data={"csrf_token": csrf(http, f"{live_site}/")},
                    allow_redirects=False, timeout=30)
    assert (out.status_code, out.headers["Location"]) == (302, "/")
    db.session.expire_all()
    assert count(UserSession) == 0

    me = thief.get(f"{live_site}/api/v1/me", timeout=30)
    assert (me.status_code, me.json(), me.headers["Cache-Control"]) == (401, {"error": "请先登录。"}, "no-store")
    page = thief.get(f"{live_site}/entries/mine", timeout=30)
    assert page.url == f"{live_site}/accounts/login?next=%2Fentries%2Fmine"
    assert page.status_code == 200 and "<h1>登录</h1>" in page.text


def code_page(live_site: str, flow: str, phone: str) -> tuple[requests.Session, str, str]:
    """A browser that asked for a ``flow`` code (signup or reset): it, the code and the code page's CSRF token."""
    http = browser()
    asked = http.post(f"{live_site}/accounts/{flow}", data={
        "phone": phone, "csrf_token": csrf(http, f"{live_site}/accounts/{flow}")}, allow_redirects=False, timeout=30)
    assert asked.status_code == 302, asked.text
    page = http.get(f"{live_site}/accounts/{flow}/confirm", timeout=30).text
    return http, DEMO_CODE.search(page).group(1), CSRF_META.search(page).group(1)


@pytest.mark.parametrize("flow, guesses", [("signup", 8), ("signup", 16), ("reset", 16)])
def test_concurrent_wrong_codes_get_at_most_five_checks(live_site, make_contest, make_user, freeze, flow, guesses):
    freeze(T0)
    make_contest()
    if flow == "reset":
        make_user(phone=PHONE)
    http, code, token = code_page(live_site, flow, PHONE)
    form = {"nickname": "小明", "password": "new-secret-2", "password_again": "new-secret-2", "csrf_token": token}
    cookie = http.cookies.get("zzcontest_session")
    barrier = threading.Barrier(guesses)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        try:
            same_browser = browser()
            same_browser.cookies.set("zzcontest_session", cookie)
            wrong = f"{(int(code) + n) % 1_000_000:06d}"
            barrier.wait(timeout=60)
            response = same_browser.post(f"{live_site}/accounts/{flow}/confirm", data={**form, "code": wrong},
                                         allow_redirects=False, timeout=60)
            answers.append((response.status_code, ALERT.search(response.text).group(1)))
        except BaseException as exc:  # reported below, with the others' answers
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(1, guesses + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(answers) == Counter({(422, WRONG): 4, (422, BURNED): guesses - 4})

    right = http.post(f"{live_site}/accounts/{flow}/confirm", data={**form, "code": code}, allow_redirects=False,
                      timeout=30)
    assert (right.status_code, ALERT.search(right.text).group(1)) == (422, BURNED)
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(PhoneCode)).all()
    assert (row.attempts, row.used_at) == (5, None)
    users = db.session.scalars(sa.select(User)).all()
    if flow == "signup":
        assert users == []
    else:
        assert [check_password_hash(u.password_hash, "secret-pass-1") for u in users] == [True]
