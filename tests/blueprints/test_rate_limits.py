"""Abuse limits: each limited route answers 429 right after its allowance, with the wait in Chinese
and ``Retry-After``; code requests are also counted per phone; counters in Redis are shared
between instances. And the page side of the growing delays after failed sign-ins."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import requests
from redis import Redis

from contest import create_app
from contest.config import ConfigError, load_config
from contest.extensions import db
from contest.models import PhoneCode, SignInThrottle
from tests.conftest import CSRF_META, count, csrf_from, make_environ
from tests.support.rate_limits import TOO_MANY, assert_names_the_wait, assert_page_429

PHONE = "13812345678"
OTHER_PHONE = "13812345679"
IN_WINDOW = "2020-06-25T12:00:00+08:00"


def assert_json_429(response) -> None:
    body = response.get_json()
    assert set(body) == {"error"}
    assert_names_the_wait(response, body["error"])


def sign_up_phone(client, phone: str, **environ):
    token = csrf_from(client, "/accounts/signup")
    return client.post("/accounts/signup", data={"phone": phone, "csrf_token": token}, environ_base=environ)


# --- the settings ----------------------------------------------------------------------

def test_limits_have_defaults_and_a_malformed_one_stops_the_start(tmp_path):
    config = load_config({}, str(tmp_path))
    assert [config[f"CONTEST_{name}_LIMIT"] for name in ("LOGIN", "SIGNUP", "OTP", "ENTRY", "PREFLIGHT")] == [
        "10/minute", "10/minute", "5/minute;30/hour", "20/minute", "30/minute"]
    assert load_config({"CONTEST_OTP_LIMIT": " 3/hour;10/day "}, str(tmp_path))["CONTEST_OTP_LIMIT"] == "3/hour;10/day"
    with pytest.raises(ConfigError, match="CONTEST_LOGIN_LIMIT is not a rate limit such as 10/minute: 'often'"):
        load_config({"CONTEST_LOGIN_LIMIT": "often"}, str(tmp_path))


# --- each limited route --------------------------------------------------------------

def test_sign_in_answers_429_after_its_allowance(limited, make_user):
    make_user(phone=PHONE)
    client = limited(CONTEST_LOGIN_LIMIT="2/minute")
    token = csrf_from(client)
    data = {"phone": PHONE, "password": "wrong-pass-1", "csrf_token": token}
    assert [client.post("/accounts/login", data=data).status_code for _ in range(2)] == [422, 422]
    refused = client.post("/accounts/login", data={**data, "password": "secret-pass-1"})
    assert_page_429(refused)
    assert client.get("/accounts/login").status_code == 200  # only POSTs count
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_the_two_sign_up_forms_share_one_allowance(limited, freeze):
    freeze(IN_WINDOW)
    client = limited(CONTEST_SIGNUP_LIMIT="3/minute")
    assert sign_up_phone(client, PHONE).status_code == 302
    token = csrf_from(client, "/accounts/signup/confirm")
    data = {"code": "000000", "nickname": "小明", "password": "secret-pass-1", "password_again": "secret-pass-1",
            "csrf_token": token}
    statuses = [client.post("/accounts/signup/confirm", data=data).status_code for _ in range(2)]
    assert statuses == [422, 422]
    assert_page_429(client.post("/accounts/signup/confirm", data=data))
    assert_page_429(sign_up_phone(client, OTHER_PHONE))
    assert count(PhoneCode) == 1


def test_code_requests_are_limited_per_address_across_sign_up_and_resend(limited, freeze):
    freeze(IN_WINDOW)
    client = limited(CONTEST_OTP_LIMIT="2/minute", CONTEST_OTP_RESEND_SECONDS="0")
    assert sign_up_phone(client, PHONE).status_code == 302
    resend = client.post("/accounts/signup/resend", data={"csrf_token": csrf_from(client, "/accounts/signup/confirm")})
    assert resend.status_code == 302
    assert_page_429(sign_up_phone(client, OTHER_PHONE))
    assert count(PhoneCode) == 2


def test_code_requests_for_one_phone_are_limited_across_addresses(limited, freeze):
    freeze(IN_WINDOW)
    client = limited(CONTEST_OTP_LIMIT="2/minute", CONTEST_OTP_RESEND_SECONDS="0")
    first, second = {"REMOTE_ADDR": "10.0.0.1"}, {"REMOTE_ADDR": "10.0.0.2"}
    assert [sign_up_phone(client, PHONE, **first).status_code for _ in range(2)] == [302, 302]
    # Another address, the same phone: refused; the same address with another phone: fine.
    assert_page_429(sign_up_phone(client, "138 1234 5678", **second))
    assert sign_up_phone(client, OTHER_PHONE, **second).status_code == 302
    assert count(PhoneCode) == 3


def test_preflight_answers_json_429_after_its_allowance(limited, make_contest, freeze):
    freeze(IN_WINDOW)
    make_contest()
    client = limited(CONTEST_PREFLIGHT_LIMIT="2/minute")
    statuses = [client.post("/api/v1/preflight", json={"text": "no link"}).status_code for _ in range(2)]
    assert statuses == [200, 200]
    assert_json_429(client.post("/api/v1/preflight", json={"text": "no link"}))


def test_entry_submission_shares_one_allowance_between_the_page_and_the_api(limited, make_contest, make_user,
                                                                           freeze):
    freeze(IN_WINDOW)
    make_contest()
    user = make_user(phone=PHONE)
    client = limited(CONTEST_ENTRY_LIMIT="2/minute")
    token = csrf_from(client)
    assert client.post("/accounts/login", data={"phone": user.phone, "password": "secret-pass-1",
                                                "csrf_token": token}).status_code == 302
    token = CSRF_META.search(client.get("/entries/new").get_data(as_text=True)).group(1)
    page = client.post("/entries/new", data={"text": "no link", "theme": "life", "csrf_token": token})
    api = client.post("/api/v1/entries", json={"text": "no link", "theme": "life"}, headers={"X-CSRFToken": token})
    assert (page.status_code, api.status_code) == (422, 422)
    assert_json_429(client.post("/api/v1/entries", json={"text": "no link"}, headers={"X-CSRFToken": token}))
    assert_page_429(client.post("/entries/new", data={"text": "no link", "csrf_token": token}))
    assert client.get("/entries/new").status_code == 200


# --- counters shared through Redis ----------------------------------------------------

SERVE = """
import sys
from werkzeug.serving import make_server
from contest import create_app

app = create_app(test_config={"RATELIMIT_KEY_PREFIX": sys.argv[1]})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def redis_url(worker_redis_url):
    # The worker's Redis database; keys under a prefix of this test's own, removed afterwards,
    # so nothing else in that database is touched.
    url = worker_redis_url
    prefix = f"test-limits-{uuid.uuid4().hex}"
    yield url, prefix
    redis = Redis.from_url(url)
    for key in redis.scan_iter(f"{prefix}*"):
        redis.delete(key)


@pytest.mark.parametrize("storage, shared", [("redis", True), ("memory", False)])
def test_two_instances_share_their_counters_through_redis(app, database_url, sandbox, make_contest, redis_url,
                                                          storage, shared):
    make_contest()
    url, prefix = redis_url
    env = make_environ(database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true", CONTEST_PREFLIGHT_LIMIT="3/minute",
                       CONTEST_RATELIMIT_STORAGE_URI=url if storage == "redis" else "memory://")
    one = create_app(environ=env, test_config={"RATELIMIT_KEY_PREFIX": prefix}).test_client()
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")} | env
    other = subprocess.Popen([sys.executable, "-c", SERVE, prefix], env=process_env, stdout=subprocess.PIPE, text=True)
    try:
        port = other.stdout.readline().strip()
        assert port.isdecimal(), "the second instance did not start (its log is above)"
        base = f"http://127.0.0.1:{port}"
        http = requests.Session()
        http.trust_env = False
        body = {"text": "no link"}
        # Two requests through this instance, one through the other: the allowance of 3 is used up
        # in both only when they count together.
        statuses = [one.post("/api/v1/preflight", json=body).status_code for _ in range(2)]
        statuses.append(http.post(f"{base}/api/v1/preflight", json=body, timeout=10).status_code)
        statuses.append(http.post(f"{base}/api/v1/preflight", json=body, timeout=10).status_code)
        statuses.append(one.post("/api/v1/preflight", json=body).status_code)
        assert statuses == ([200, 200, 200, 429, 429] if shared else [200, 200, 200, 200, 200])
        if shared:
            assert TOO_MANY.fullmatch(http.post(f"{base}/api/v1/preflight", json=body, timeout=10).json()["error"])
    finally:
        other.terminate()
        other.wait(timeout=10)


# --- the page side of the growing delays --------------------------------------------------

def post_login(client, phone: str, password: str):
    return client.post("/accounts/login", data={"phone": phone, "password": password, "csrf_token": csrf_from(client)})


def test_sign_in_page_says_how_long_to_wait_and_refuses_during_the_wait(client, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(IN_WINDOW)
    pages = [post_login(client, PHONE, "wrong-pass-1") for _ in range(3)]
    assert [p.status_code for p in pages] == [422, 422, 422]
    assert ('<p class="flash flash-error" role="alert">手机号或密码错误。已连续失败多次，请 1 分钟后再试。</p>'
            in pages[2].get_data(as_text=True))
    freeze(now + timedelta(seconds=20))
    refused = post_login(client, PHONE, "secret-pass-1")
    assert refused.status_code == 422
    assert ('<p class="flash flash-error" role="alert">登录失败次数过多，请 40 秒后再试。</p>'
            in refused.get_data(as_text=True))
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    freeze(now + timedelta(minutes=1))
    assert post_login(client, PHONE, "secret-pass-1").headers["Location"] == "/"
    db.session.expire_all()
    assert count(SignInThrottle) == 0
