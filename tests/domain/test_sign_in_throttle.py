"""Growing delays after failed sign-ins, per phone number, kept in the database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.domain import accounts, sign_in_throttle
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import SignInThrottle
from tests.conftest import count

PHONE = "13812345678"
UNKNOWN = "13912345678"
T0 = "2020-06-20T10:00:00+08:00"
BAD = "手机号或密码错误。"


def attempt(phone: str, password: str, now) -> str:
    """One sign-in, committed as the view does (also when refused); its message, or "ok"."""
    try:
        accounts.sign_in(phone, password, now=now)
    except DomainError as exc:
        db.session.commit()
        return exc.message
    db.session.commit()
    return "ok"


def row(phone: str = PHONE) -> tuple | None:
    db.session.expire_all()
    throttle = db.session.get(SignInThrottle, (phone, ""))
    return throttle and (throttle.failures, throttle.last_failed_at, throttle.locked_until)


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password hash was checked (a spy; the check itself still runs)."""
    calls = []
    real = accounts.check_password_hash

    def spy(pwhash, password):
        calls.append(password)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return calls


def test_sign_in_wait_is_none_for_two_failures_then_doubles_from_one_minute_up_to_fifteen():
    waits = [sign_in_throttle.sign_in_wait(n) for n in range(0, 10)]
    assert waits == [timedelta(0)] * 3 + [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]
    assert sign_in_throttle.sign_in_wait(10_000) == timedelta(minutes=15)


def test_wait_text_rounds_up_to_seconds_then_minutes():
    assert [accounts.wait_text(timedelta(seconds=s)) for s in (0.2, 1, 59, 59.5, 60, 61, 899)] == [
        "1 秒", "1 秒", "59 秒", "1 分钟", "1 分钟", "2 分钟", "15 分钟"]


def test_third_failure_in_a_row_starts_a_one_minute_wait(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    assert attempt(PHONE, "wrong-pass-1", now) == BAD
    assert attempt(PHONE, "wrong-pass-2", now + timedelta(seconds=5)) == BAD
    assert row() == (2, now + timedelta(seconds=5), None)
    third = now + timedelta(seconds=10)
    assert attempt(PHONE, "wrong-pass-3", third) == BAD + "已连续失败多次，请 1 分钟后再试。"
    assert row() == (3, third, third + timedelta(minutes=1))


def test_attempts_during_the_wait_are_refused_unchecked_and_do_not_extend_it(app, make_user, freeze,
                                                                            password_checks):
    user = make_user(phone=PHONE)
    now = freeze(T0)
    for _ in range(3):
        attempt(PHONE, "wrong-pass-1", now)
    assert len(password_checks) == 3
    locked = row()
    # The right password is refused too, without being checked, and the wait stays put.
    assert attempt(PHONE, "secret-pass-1", now + timedelta(seconds=30)) == "登录失败次数过多，请 30 秒后再试。"
    assert attempt(PHONE, "wrong-pass-1", now + timedelta(seconds=59)) == "登录失败次数过多，请 1 秒后再试。"
    assert len(password_checks) == 3 and row() == locked
    # Once the wait is over the right password signs in and the count is gone.
    assert attempt(PHONE, "secret-pass-1", now + timedelta(minutes=1)) == "ok"
    assert len(password_checks) == 4 and row() is None and count(SignInThrottle) == 0
    assert accounts.sign_in(PHONE, "secret-pass-1", now=now + timedelta(minutes=1)).id == user.id


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    for _ in range(2):
        attempt(PHONE, "wrong-pass-1", now)
    messages, waits = [], []
    for failures in range(3, 10):
        messages.append(attempt(PHONE, "wrong-pass-1", now))
        failures_now, last, until = row()
        assert (failures_now, last) == (failures, now)
        waits.append(until - now)
        now = until  # the earliest moment the next attempt is allowed
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]
    assert messages == [f"{BAD}已连续失败多次，请 {m} 分钟后再试。" for m in (1, 2, 4, 8, 15, 15, 15)]


def test_a_success_resets_the_count(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    attempt(PHONE, "wrong-pass-1", now)
    attempt(PHONE, "wrong-pass-1", now)
    assert attempt(PHONE, "secret-pass-1", now) == "ok"
    assert row() is None
    # Two more failures start no wait: the run begins again.
    assert [attempt(PHONE, "wrong-pass-1", now) for _ in range(2)] == [BAD, BAD]
    assert row() == (2, now, None)


def test_an_unregistered_phone_is_throttled_exactly_like_a_registered_one(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    seen = {}
    for phone in (PHONE, UNKNOWN):
        seen[phone] = [attempt(phone, "wrong-pass-1", now + timedelta(seconds=s)) for s in (0, 1, 2, 30, 62)]
        seen[phone].append(row(phone))
    assert seen[PHONE] == seen[UNKNOWN]
    assert seen[UNKNOWN][3] == "登录失败次数过多，请 32 秒后再试。"
    assert seen[UNKNOWN][-1] == (4, now + timedelta(seconds=62), now + timedelta(seconds=62, minutes=2))


def test_a_run_of_failures_a_day_old_is_forgotten(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    for _ in range(3):
        attempt(PHONE, "wrong-pass-1", now)
    later = now + timedelta(days=1)
    assert attempt(PHONE, "wrong-pass-1", later) == BAD
    assert row() == (1, later, None)


def test_the_phone_is_counted_in_its_normal_form_and_a_malformed_one_not_at_all(app, make_user, freeze):
    make_user(phone=PHONE)
    now = freeze(T0)
    for typed in ("138 1234 5678", "+86 138-1234-5678", "１３８１２３４５６７８"):
        attempt(typed, "wrong-pass-1", now)
    assert row() == (3, now, now + timedelta(minutes=1))
    assert attempt("12345", "wrong-pass-1", now) == "请输入正确的 11 位手机号"
    assert count(SignInThrottle) == 1


def test_an_inactive_account_with_the_right_password_still_counts(app, make_user, freeze):
    user = make_user(phone=PHONE)
    user.active = False
    db.session.commit()
    now = freeze(T0)
    assert attempt(PHONE, "secret-pass-1", now) == "账号已停用，请联系主办方。"
    assert row() == (1, now, None)


def test_concurrent_guesses_get_no_more_tries_than_sequential_ones(app, make_user, freeze, password_checks):
    make_user(phone=PHONE)
    now = freeze(T0)
    threads_n = 12
    barrier = threading.Barrier(threads_n)
    outcomes = []

    def guess(n: int):
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(attempt(PHONE, f"wrong-pass-{n}", now))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted([BAD, BAD, BAD + "已连续失败多次，请 1 分钟后再试。"]
                                      + ["登录失败次数过多，请 1 分钟后再试。"] * (threads_n - 3))
    assert len(password_checks) == 3
    assert row() == (3, now, now + timedelta(minutes=1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInThrottle)) == 1


def attempt_from(source: str, password: str, now) -> str:
    try:
        accounts.sign_in(PHONE, password, now=now, source=source)
    except DomainError as exc:
        db.session.commit()
        return exc.message
    db.session.commit()
    return "ok"


def test_a_stranger_s_failures_never_keep_the_owner_out(app, make_user, freeze):
    """Issue 23, item 8: failures are counted per phone *and* source; the right password from
    another source is never refused, and a source's own wait is a delay that ends."""
    make_user(phone=PHONE)
    now = freeze(T0)
    stranger, owner = sign_in_throttle.sign_in_source("203.0.113.9"), sign_in_throttle.sign_in_source("198.51.100.7")
    assert [attempt_from(stranger, "wrong-pass-1", now) for _ in range(4)] == [
        BAD, BAD, BAD + "已连续失败多次，请 1 分钟后再试。", "登录失败次数过多，请 1 分钟后再试。"]
    assert attempt_from(stranger, "secret-pass-1", now + timedelta(seconds=30)) == "登录失败次数过多，请 30 秒后再试。"
    assert attempt_from(owner, "secret-pass-1", now + timedelta(seconds=30)) == "ok"
    assert count(SignInThrottle) == 0  # a success forgets the phone's counts from everywhere
    for n in range(12):  # one wrong try every 15 minutes from the stranger, for three hours
        attempt_from(stranger, "wrong-pass-1", now + timedelta(minutes=15 * n))
        assert attempt_from(owner, "secret-pass-1", now + timedelta(minutes=15 * n, seconds=1)) == "ok"
    for n in range(5):
        attempt_from(stranger, "wrong-pass-1", now + timedelta(hours=4, minutes=n))
    later = now + timedelta(hours=4, minutes=4) + sign_in_throttle.MAX_WAIT
    assert attempt_from(stranger, "secret-pass-1", later) == "ok"  # never longer than MAX_WAIT


@pytest.mark.parametrize(("address", "source"), [
    ("203.0.113.9", "203.0.113.9"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"), ("::ffff:203.0.113.9", "203.0.113.9"), (None, ""), ("x", ""),
])
def test_a_source_is_an_ipv4_address_or_an_ipv6_64(address, source):
    assert sign_in_throttle.sign_in_source(address) == source


def test_the_login_page_counts_per_client_address(client, make_user, freeze):
    from tests.conftest import csrf_from

    make_user(phone=PHONE)
    freeze(T0)

    def post(address: str, password: str) -> int:
        token = csrf_from(client, "/accounts/login")
        return client.post("/accounts/login", data={"phone": PHONE, "password": password, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": address}).status_code

    assert [post("203.0.113.9", "wrong-pass-1") for _ in range(4)] == [422] * 4
    assert post("203.0.113.9", "secret-pass-1") == 422  # this source waits
    assert post("198.51.100.7", "secret-pass-1") == 302  # the owner, elsewhere, signs in
