"""Account rules: phones, passwords, one-time codes, and the SMS senders."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from contest.config import ConfigError
from contest.domain import accounts, one_time_codes
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import PhoneCode, Role, User
from contest.integrations.sms import HttpSender, LogSender, SmsError, sender_from_config
from tests.conftest import count
from tests.support.sms import RecordingSender, Gateway

SECRET = "test-secret"
PHONE = "13812345678"
T0 = "2020-06-20T10:00:00+08:00"


class FailingSender:
    def send(self, phone: str, message: str) -> None:
        raise SmsError("短信发送失败，请稍后再试。")


@pytest.fixture
def sender():
    return RecordingSender()


@pytest.fixture
def send_code(app, sender):
    """``send_code(now)`` requests a sign-up code with the default settings and commits."""
    def _send(now, phone=PHONE, **overrides):
        settings = dict(purpose=accounts.SIGNUP, now=now, sender=sender, secret=SECRET,
                        ttl_seconds=600, resend_seconds=60, daily_limit=10)
        settings.update(overrides)
        code = accounts.request_code(phone, **settings)
        db.session.commit()
        return code
    return _send


def verify(code, now, phone=PHONE):
    return accounts.verify_code(phone, code, purpose=accounts.SIGNUP, now=now, secret=SECRET)


def codes(phone=PHONE) -> list[PhoneCode]:
    return list(db.session.scalars(sa.select(PhoneCode).where(PhoneCode.phone == phone).order_by(PhoneCode.id)))


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- phone numbers -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "13812345678", " 13812345678 ", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
    "+8613812345678", "8613812345678", "86-138-1234-5678", "１３８１２３４５６７８",
])
def test_normalise_phone_accepts_common_spellings(text):
    assert accounts.normalise_phone(text) == "13812345678"


@pytest.mark.parametrize("text", [
    "", None, "   ", "12812345678", "10012345678", "23812345678", "1381234567", "138123456789",
    "1381234567a", "+1 13812345678", "+86 12812345678", "861381234567", "138.1234.5678", "０１３８１２３４５６７",
])
def test_normalise_phone_refuses_anything_else(text):
    with pytest.raises(DomainError) as err:
        accounts.normalise_phone(text)
    assert err.value.message == "请输入正确的 11 位手机号"


# --- creating accounts and signing in ------------------------------------------------

def test_create_user_stores_a_hash_not_the_password(app, freeze):
    now = freeze(T0)
    user = accounts.create_user(phone="138 1234 5678", nickname="  小明  ", password="secret-pass-1", now=now)
    db.session.commit()

    row = db.session.scalars(sa.select(User)).one()
    assert row.id == user.id
    assert (row.phone, row.nickname, row.role, row.active) == ("13812345678", "小明", Role.CITIZEN, True)
    assert row.phone_verified_at == now and row.created_at == now
    assert row.password_hash != "secret-pass-1" and "secret-pass-1" not in row.password_hash
    assert check_password_hash(row.password_hash, "secret-pass-1")
    assert not check_password_hash(row.password_hash, "secret-pass-2")


def test_new_passwords_use_the_hash_method_the_factory_configured(app, freeze):
    assert app.config["CONTEST_PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"
    user = accounts.create_user(phone="13812345678", nickname="小明", password="secret-pass-1", now=freeze(T0))
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    accounts.use_hash_method("pbkdf2:sha256:2000")
    try:
        accounts.set_password(user, "secret-pass-2", now=freeze(T0))
    finally:
        accounts.use_hash_method(app.config["CONTEST_PASSWORD_HASH_METHOD"])
    assert user.password_hash.startswith("pbkdf2:sha256:2000$")
    assert check_password_hash(user.password_hash, "secret-pass-2")


def test_create_user_keeps_the_given_role(app, freeze):
    user = accounts.create_user(phone=PHONE, nickname="审核员甲", password="secret-pass-1", role=Role.REVIEWER,
                                now=freeze(T0))
    db.session.commit()
    assert db.session.get(User, user.id).role is Role.REVIEWER


def test_create_user_refuses_a_taken_phone(app, freeze, make_user):
    make_user(phone=PHONE)
    with pytest.raises(DomainError) as err:
        accounts.create_user(phone="+86 138 1234 5678", nickname="另一个", password="secret-pass-1", now=freeze(T0))
    assert err.value.message == "这个手机号已经注册，请直接登录。"
    db.session.rollback()
    assert count(User) == 1


@pytest.mark.parametrize("nickname, password, message", [
    ("", "secret-pass-1", "请填写昵称。"),
    ("   ", "secret-pass-1", "请填写昵称。"),
    ("字" * 21, "secret-pass-1", "昵称最多 20 个字。"),
    ("小明", "short12", "密码至少需要 8 位。"),
    ("小明", "", "密码至少需要 8 位。"),
    ("小明", "x" * 129, "密码最多 128 位。"),
])
def test_create_user_refuses_bad_nickname_or_password(app, freeze, nickname, password, message):
    with pytest.raises(DomainError) as err:
        accounts.create_user(phone=PHONE, nickname=nickname, password=password, now=freeze(T0))
    assert err.value.message == message
    assert count(User) == 0


def test_create_user_accepts_limits_exactly(app, freeze):
    user = accounts.create_user(phone=PHONE, nickname="字" * 20, password="12345678", now=freeze(T0))
    assert user.nickname == "字" * 20


def test_authenticate_returns_the_user(app, make_user):
    user = make_user(phone=PHONE)
    assert accounts.authenticate("138-1234-5678", "secret-pass-1").id == user.id


@pytest.mark.parametrize("phone, password", [
    (PHONE, "wrong-pass-1"),      # wrong password
    ("13900000001", "secret-pass-1"),  # unknown phone
    (PHONE, ""),
])
def test_authenticate_gives_one_message_for_every_failure(app, make_user, phone, password):
    make_user(phone=PHONE)
    with pytest.raises(DomainError) as err:
        accounts.authenticate(phone, password)
    assert err.value.message == "手机号或密码错误。"


def test_authenticate_refuses_an_account_without_password(app, make_user):
    user = make_user(phone=PHONE)
    user.password_hash = None
    db.session.commit()
    with pytest.raises(DomainError) as err:
        accounts.authenticate(PHONE, "secret-pass-1")
    assert err.value.message == "手机号或密码错误。"


def test_authenticate_refuses_an_inactive_account_only_with_the_right_password(app, make_user):
    user = make_user(phone=PHONE)
    user.active = False
    db.session.commit()
    with pytest.raises(DomainError) as err:
        accounts.authenticate(PHONE, "secret-pass-1")
    assert err.value.message == "账号已停用，请联系主办方。"
    with pytest.raises(DomainError) as err:
        accounts.authenticate(PHONE, "wrong-pass-1")
    assert err.value.message == "手机号或密码错误。"


# --- one-time codes ------------------------------------------------------------------

def test_request_code_sends_six_digits_and_stores_only_an_hmac(app, freeze, sender, send_code):
    now = freeze(T0)
    code = send_code(now, phone="+86 138 1234 5678")

    assert re.fullmatch(r"[0-9]{6}", code)
    assert sender.sent == [(PHONE, f"【株洲抖音生活秀】您的验证码是 {code}，10 分钟内有效。请勿告诉他人。")]
    [row] = codes()
    expected = hmac.new(SECRET.encode(), f"{PHONE}\x00signup\x00{code}".encode(), hashlib.sha256).hexdigest()
    assert row.code_hash == expected and code not in row.code_hash
    assert (row.purpose, row.created_at, row.expires_at, row.used_at, row.attempts) == (
        "signup", now, now + timedelta(seconds=600), None, 0)


def test_request_code_names_the_minutes_of_validity(app, freeze, sender, send_code):
    code = send_code(freeze(T0), ttl_seconds=300)
    assert sender.sent[0][1] == f"【株洲抖音生活秀】您的验证码是 {code}，5 分钟内有效。请勿告诉他人。"


def test_request_code_waits_for_the_resend_interval(app, freeze, sender, send_code):
    send_code(freeze(T0))
    later = freeze("2020-06-20T10:00:30+08:00")
    with pytest.raises(DomainError) as err:
        send_code(later)
    assert err.value.message == "验证码已发送，请 30 秒后再试。"
    db.session.rollback()

    almost = freeze("2020-06-20T10:00:59.500000+08:00")
    with pytest.raises(DomainError) as err:
        send_code(almost)
    assert err.value.message == "验证码已发送，请 1 秒后再试。"
    db.session.rollback()

    send_code(freeze("2020-06-20T10:01:00+08:00"))
    assert len(codes()) == 2 and len(sender.sent) == 2


def test_request_code_interval_is_per_phone(app, freeze, send_code):
    now = freeze(T0)
    send_code(now)
    send_code(now, phone="13912345678")
    assert count(PhoneCode) == 2


def test_request_code_stops_at_the_daily_limit(app, freeze, sender, send_code):
    start = freeze(T0)
    for minute in range(3):
        send_code(start + timedelta(minutes=minute), daily_limit=3)
    with pytest.raises(DomainError) as err:
        send_code(start + timedelta(minutes=3), daily_limit=3)
    assert err.value.message == "这个手机号今天获取验证码的次数已达上限，请明天再试。"
    db.session.rollback()
    assert len(sender.sent) == 3

    # 24 hours after the first code, only two codes remain in the window.
    send_code(start + timedelta(hours=24), daily_limit=3)
    assert len(codes()) == 4


def test_request_code_refuses_a_registered_phone_for_signup(app, freeze, sender, send_code, make_user):
    make_user(phone=PHONE)
    with pytest.raises(DomainError) as err:
        send_code(freeze(T0))
    assert err.value.message == "这个手机号已经注册，请直接登录。"
    assert sender.sent == [] and count(PhoneCode) == 0


def test_request_code_keeps_nothing_when_the_sender_fails(app, freeze):
    with pytest.raises(DomainError) as err:
        accounts.request_code(PHONE, purpose=accounts.SIGNUP, now=freeze(T0), sender=FailingSender(),
                              secret=SECRET, ttl_seconds=600, resend_seconds=60, daily_limit=10)
    assert err.value.message == "短信发送失败，请稍后再试。"
    assert count(PhoneCode) == 0


def test_request_code_refuses_a_bad_phone(app, freeze, sender, send_code):
    with pytest.raises(DomainError) as err:
        send_code(freeze(T0), phone="12345")
    assert err.value.message == "请输入正确的 11 位手机号"
    assert sender.sent == []


def test_verify_code_spends_the_code_once(app, freeze, send_code):
    code = send_code(freeze(T0))
    used = freeze("2020-06-20T10:03:00+08:00")
    verify(f" {code} ", used)
    db.session.commit()
    assert codes()[0].used_at == used

    with pytest.raises(DomainError) as err:
        verify(code, freeze("2020-06-20T10:04:00+08:00"))
    assert err.value.message == "验证码已使用，请重新获取。"


def test_verify_code_expires_after_the_ttl(app, freeze, send_code):
    code = send_code(freeze(T0))
    with pytest.raises(DomainError) as err:
        verify(code, freeze("2020-06-20T10:10:00+08:00"))
    assert err.value.message == "验证码已过期，请重新获取。"
    assert codes()[0].used_at is None


def test_verify_code_is_good_until_just_before_expiry(app, freeze, send_code):
    code = send_code(freeze(T0))
    verify(code, freeze("2020-06-20T10:09:59+08:00"))
    assert codes()[0].used_at is not None


def test_verify_code_counts_wrong_guesses_and_burns_the_code_at_five(app, freeze, send_code):
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:01:00+08:00")
    for attempt in range(1, 5):
        with pytest.raises(DomainError) as err:
            verify(other_code(code), now)
        db.session.commit()
        assert err.value.message == "验证码错误。"
        assert codes()[0].attempts == attempt

    with pytest.raises(DomainError) as err:
        verify(other_code(code), now)
    db.session.commit()
    assert err.value.message == "验证码错误次数过多，请重新获取。"

    with pytest.raises(DomainError) as err:
        verify(code, now)  # even the right code is no good now
    assert err.value.message == "验证码错误次数过多，请重新获取。"
    [row] = codes()
    assert (row.attempts, row.used_at) == (5, None)


def test_verify_code_right_after_four_wrong_guesses_still_works(app, freeze, send_code):
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:01:00+08:00")
    for _ in range(4):
        with pytest.raises(DomainError):
            verify(other_code(code), now)
    verify(code, now)
    assert codes()[0].used_at == now


def test_verify_code_only_the_latest_code_counts(app, freeze, send_code):
    first = send_code(freeze(T0))
    second = send_code(freeze("2020-06-20T10:01:00+08:00"))
    now = freeze("2020-06-20T10:02:00+08:00")
    if first != second:
        with pytest.raises(DomainError) as err:
            verify(first, now)
        assert err.value.message == "验证码错误。"
    verify(second, now)
    assert [c.used_at for c in codes()] == [None, now]


def test_verify_code_without_any_code(app, freeze):
    with pytest.raises(DomainError) as err:
        verify("123456", freeze(T0))
    assert err.value.message == "请先获取验证码。"


def test_verify_code_is_bound_to_the_phone(app, freeze, send_code):
    code = send_code(freeze(T0))
    theirs = send_code(freeze(T0), phone="13912345678")
    if theirs == code:  # one chance in a million
        pytest.skip("both phones drew the same code")
    with pytest.raises(DomainError) as err:
        verify(code, freeze("2020-06-20T10:01:00+08:00"), phone="13912345678")
    assert err.value.message == "验证码错误。"


def test_signup_verifies_then_creates_the_user(app, freeze, send_code):
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:02:00+08:00")
    user = accounts.signup(phone=PHONE, code=code, nickname="小明", password="secret-pass-1", now=now, secret=SECRET)
    db.session.commit()

    row = db.session.scalars(sa.select(User)).one()
    assert (row.id, row.phone, row.nickname, row.phone_verified_at) == (user.id, PHONE, "小明", now)
    assert codes()[0].used_at == now


def test_signup_with_a_wrong_code_creates_nobody(app, freeze, send_code):
    code = send_code(freeze(T0))
    with pytest.raises(DomainError) as err:
        accounts.signup(phone=PHONE, code=other_code(code), nickname="小明", password="secret-pass-1",
                        now=freeze("2020-06-20T10:02:00+08:00"), secret=SECRET)
    db.session.commit()
    assert err.value.message == "验证码错误。"
    assert count(User) == 0 and codes()[0].attempts == 1


def test_signup_checks_the_password_before_spending_the_code(app, freeze, send_code):
    code = send_code(freeze(T0))
    with pytest.raises(DomainError) as err:
        accounts.signup(phone=PHONE, code=code, nickname="小明", password="short",
                        now=freeze("2020-06-20T10:02:00+08:00"), secret=SECRET)
    assert err.value.message == "密码至少需要 8 位。"
    [row] = codes()
    assert (row.used_at, row.attempts) == (None, 0)


# --- SMS senders ---------------------------------------------------------------------

def test_log_sender_logs_the_masked_phone_and_the_message(caplog):
    with caplog.at_level(logging.INFO, logger="contest.integrations.sms"):
        LogSender().send(PHONE, "您的验证码是 123456")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("contest.integrations.sms", logging.INFO, "SMS to 138****5678: 您的验证码是 123456"),
    ]
    assert PHONE not in caplog.text


@pytest.fixture
def gateway():
    live = Gateway()
    yield live
    live.stop()


def test_http_sender_posts_json_with_the_bearer_key(gateway):
    HttpSender(gateway.url, "gw-key-1", timeout=5).send(PHONE, "您的验证码是 123456")
    assert gateway.received == [{
        "json": {"phone": PHONE, "message": "您的验证码是 123456"},
        "authorization": "Bearer gw-key-1",
        "content_type": "application/json",
    }]


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_http_sender_maps_an_error_answer_to_one_message(gateway, status):
    gateway.status = status
    with pytest.raises(DomainError) as err:
        HttpSender(gateway.url, "gw-key-1", timeout=5).send(PHONE, "您的验证码是 123456")
    assert err.value.message == "短信发送失败，请稍后再试。"
    assert len(gateway.received) == 1


def test_http_sender_gives_up_after_its_timeout(gateway):
    gateway.delay = 1.0
    started = time.monotonic()
    with pytest.raises(DomainError) as err:
        HttpSender(gateway.url, "gw-key-1", timeout=0.2).send(PHONE, "您的验证码是 123456")
    assert err.value.message == "短信发送失败，请稍后再试。"
    assert time.monotonic() - started < 0.9


def test_http_sender_reports_an_unreachable_gateway(gateway):
    url = gateway.url
    gateway.stop()
    gateway.server.server_close()
    with pytest.raises(DomainError) as err:
        HttpSender(url, "gw-key-1", timeout=2).send(PHONE, "您的验证码是 123456")
    assert err.value.message == "短信发送失败，请稍后再试。"


def test_sender_from_config_defaults_to_the_log():
    assert isinstance(sender_from_config({}), LogSender)
    assert isinstance(sender_from_config({"CONTEST_SMS_BACKEND": "log"}), LogSender)


def test_sender_from_config_builds_the_http_sender():
    sender = sender_from_config({"CONTEST_SMS_BACKEND": "http", "CONTEST_SMS_GATEWAY_URL": "https://sms.example/send",
                                 "CONTEST_SMS_GATEWAY_KEY": "k"})
    assert isinstance(sender, HttpSender)
    assert (sender.url, sender.key, sender.timeout) == ("https://sms.example/send", "k", 5.0)


@pytest.mark.parametrize("config, message", [
    ({"CONTEST_SMS_BACKEND": "http", "CONTEST_SMS_GATEWAY_KEY": "k"},
     "CONTEST_SMS_BACKEND=http needs CONTEST_SMS_GATEWAY_URL and CONTEST_SMS_GATEWAY_KEY"),
    ({"CONTEST_SMS_BACKEND": "http", "CONTEST_SMS_GATEWAY_URL": "https://sms.example/send"},
     "CONTEST_SMS_BACKEND=http needs CONTEST_SMS_GATEWAY_URL and CONTEST_SMS_GATEWAY_KEY"),
    ({"CONTEST_SMS_BACKEND": "pigeon"}, "CONTEST_SMS_BACKEND must be log or http, not 'pigeon'"),
])
def test_sender_from_config_refuses_an_incomplete_setup(config, message):
    with pytest.raises(ConfigError) as err:
        sender_from_config(config)
    assert str(err.value) == message


# --- counting checks atomically ------------------------------------------------------

def test_verify_code_counts_the_right_code_as_a_check_too(app, freeze, send_code):
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:01:00+08:00")
    verify(code, now)
    db.session.commit()
    [row] = codes()
    assert (row.attempts, row.used_at) == (1, now)


def test_verify_code_claims_its_check_in_the_database_not_from_what_it_read(app, freeze, send_code, monkeypatch):
    """A guess that read the row before five other guesses were counted is still refused: the
    claim (attempts < 5) is checked by the UPDATE itself, on the row as it is now."""
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:01:00+08:00")
    stale = codes()[0]
    db.session.expunge(stale)  # what this request read
    db.session.execute(sa.update(PhoneCode).values(attempts=accounts.MAX_ATTEMPTS))  # five guesses meanwhile
    monkeypatch.setattr(one_time_codes, "_latest_code", lambda phone, purpose: stale)
    assert stale.attempts == 0
    with pytest.raises(DomainError) as err:
        verify(code, now)
    assert err.value.message == "验证码错误次数过多，请重新获取。"
    db.session.commit()
    db.session.expire_all()
    assert (codes()[0].attempts, codes()[0].used_at) == (5, None)


def test_verify_code_spends_a_right_code_once_even_when_read_twice(app, freeze, send_code, monkeypatch):
    code = send_code(freeze(T0))
    now = freeze("2020-06-20T10:01:00+08:00")
    stale = codes()[0]
    db.session.expunge(stale)  # what a request that read the row a moment earlier still sees
    verify(code, now)
    monkeypatch.setattr(one_time_codes, "_latest_code", lambda phone, purpose: stale)
    with pytest.raises(DomainError) as err:
        verify(code, now)
    assert err.value.message == "验证码已使用，请重新获取。"


# --- password reset ------------------------------------------------------------------

def reset_code(send_code, now, phone=PHONE):
    return send_code(now, phone=phone, purpose=accounts.RESET)


def test_a_reset_code_goes_only_to_a_registered_phone(app, freeze, sender, send_code, make_user):
    make_user(phone=PHONE)
    now = freeze(T0)
    code = reset_code(send_code, now)
    assert sender.sent == [(PHONE, f"【株洲抖音生活秀】您的验证码是 {code}，10 分钟内有效。请勿告诉他人。")]
    assert reset_code(send_code, now, phone="13812345679") is None
    assert len(sender.sent) == 1
    # Stored all the same, so that the resend wait answers as for a registered phone.
    assert [(c.phone, c.purpose) for c in codes("13812345679")] == [("13812345679", "reset")]
    for phone in (PHONE, "13812345679"):
        with pytest.raises(DomainError) as err:
            reset_code(send_code, freeze("2020-06-20T10:00:30+08:00"), phone=phone)
        assert err.value.message == "验证码已发送，请 30 秒后再试。"


def test_a_sign_up_code_does_not_reset_a_password(app, freeze, send_code, make_user):
    code = send_code(freeze(T0))  # sent while the phone had no account
    make_user(phone=PHONE)
    with pytest.raises(DomainError) as err:
        accounts.reset_password(phone=PHONE, code=code, password="new-secret-2", now=freeze(T0), secret=SECRET)
    assert err.value.message == "请先获取验证码。"


def test_reset_password_sets_the_new_one_and_ends_every_session(app, freeze, send_code, make_user):
    from contest.domain import sessions
    from contest.models import AuditEvent, SignInThrottle, UserSession

    user = make_user(phone=PHONE)
    now = freeze(T0)
    for _ in range(2):
        sessions.start_session(user, now=now)
    db.session.add(SignInThrottle(phone=PHONE, failures=4, last_failed_at=now, locked_until=now + timedelta(hours=1)))
    code = reset_code(send_code, now)
    assert accounts.reset_password(phone="138 1234 5678", code=code, password="new-secret-2", now=now,
                                   secret=SECRET) is user
    db.session.commit()
    assert check_password_hash(user.password_hash, "new-secret-2")
    assert count(UserSession) == 0 and count(SignInThrottle) == 0
    assert accounts.sign_in(PHONE, "new-secret-2", now=now) is user
    assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["user.password"]


def test_reset_password_checks_the_password_before_spending_the_code(app, freeze, send_code, make_user):
    make_user(phone=PHONE)
    now = freeze(T0)
    code = reset_code(send_code, now)
    with pytest.raises(DomainError) as err:
        accounts.reset_password(phone=PHONE, code=code, password="short", now=now, secret=SECRET)
    assert err.value.message == "密码至少需要 8 位。"
    assert (codes()[0].attempts, codes()[0].used_at) == (0, None)


def test_reset_password_for_a_phone_without_account_is_a_wrong_code(app, freeze, send_code, make_user):
    make_user(phone=PHONE)
    now = freeze(T0)
    for phone in (PHONE, "13812345679"):
        reset_code(send_code, now, phone=phone)
        with pytest.raises(DomainError) as err:
            accounts.reset_password(phone=phone, code="000000", password="new-secret-2", now=now, secret=SECRET)
        assert err.value.message == "验证码错误。"


def test_set_password_refuses_a_short_one_and_keeps_the_sessions(app, freeze, make_user):
    from contest.domain import sessions
    from contest.models import UserSession

    user = make_user(phone=PHONE)
    sessions.start_session(user, now=freeze(T0))
    with pytest.raises(DomainError):
        accounts.set_password(user, "short", now=freeze(T0))
    assert count(UserSession) == 1
    assert check_password_hash(user.password_hash, "secret-pass-1")
