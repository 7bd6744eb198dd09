"""Citizen accounts: phone numbers, passwords and one-time codes.

Plain functions over models; the caller commits. Every refusal is a :class:`DomainError`
whose message is shown to the user as is.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from contest.domain import audit
from contest.domain.errors import DomainError
from contest.domain.sessions import end_sessions
from contest.extensions import db
from contest.models import PhoneCode, Role, SignInThrottle, User

PHONE_RE = re.compile(r"1[3-9][0-9]{9}")
NICKNAME_MAX = 20
PASSWORD_MIN = 8
PASSWORD_MAX = 128  # hashing is deliberately slow; refuse essay-length "passwords"
CODE_DIGITS = 6
MAX_ATTEMPTS = 5  # checks a code ever gets: the 5th wrong guess burns it

SIGNUP = "signup"
RESET = "reset"  # a forgotten password (and a staff account's first one)
OBJECTION = "objection"  # an objector without an account proves their phone (contest.domain.objections)
ADD_PHONE = "add_phone"  # a Douyin-only account proves a phone (contest.domain.phone_link)
PURPOSES = frozenset({SIGNUP, RESET, OBJECTION, ADD_PHONE})

BAD_PHONE = "请输入正确的 11 位手机号"
PHONE_TAKEN = "这个手机号已经注册，请直接登录。"
BAD_LOGIN = "手机号或密码错误。"
INACTIVE = "账号已停用，请联系主办方。"
WRONG_CODE = "验证码错误。"
CODE_EXPIRED = "验证码已过期，请重新获取。"
CODE_USED = "验证码已使用，请重新获取。"
CODE_BURNED = "验证码错误次数过多，请重新获取。"
NO_CODE = "请先获取验证码。"


_hash_method = "scrypt"


def use_hash_method(method: str) -> None:
    """Hash new passwords with Werkzeug's ``method``: the factory passes ``CONTEST_PASSWORD_HASH_METHOD``
    (scrypt unless configured; the tests use a cheap method so that hundreds of sign-ins stay fast)."""
    global _hash_method
    if method != _hash_method:
        _hash_method = method
        _dummy_hash.cache_clear()


def _hash(password: str) -> str:
    return generate_password_hash(password, method=_hash_method)


@functools.cache
def _dummy_hash() -> str:
    """Checked when the phone is unknown, so that a wrong phone costs the same time as a
    wrong password (no account enumeration by timing)."""
    return _hash("not-a-real-password")


class Sender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


def normalise_phone(text: str | None) -> str:
    """A mainland mobile number as 11 ASCII digits.

    Accepts spaces and dashes, full-width digits (Chinese input methods) and a
    ``+86``/``86`` prefix: ``+86 138-1234-5678`` → ``13812345678``.
    """
    value = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or ""))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not PHONE_RE.fullmatch(value):
        raise DomainError(BAD_PHONE)
    return value


def _clean_nickname(nickname: str | None) -> str:
    value = (nickname or "").strip()
    if not value:
        raise DomainError("请填写昵称。")
    if len(value) > NICKNAME_MAX:
        raise DomainError(f"昵称最多 {NICKNAME_MAX} 个字。")
    return value


def _check_password(password: str | None) -> str:
    value = password or ""
    if len(value) < PASSWORD_MIN:
        raise DomainError(f"密码至少需要 {PASSWORD_MIN} 位。")
    if len(value) > PASSWORD_MAX:
        raise DomainError(f"密码最多 {PASSWORD_MAX} 位。")
    return value


def _user_by_phone(phone: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.phone == phone))


def find_by_phone(text: str) -> User | None:
    """The account with the mobile number ``text`` (as typed: normalised first), or None.
    Raises :class:`DomainError` when ``text`` is not a mobile number."""
    return _user_by_phone(normalise_phone(text))


def _check_phone_free(phone: str) -> None:
    if _user_by_phone(phone) is not None:
        raise DomainError(PHONE_TAKEN)


def create_user(*, phone: str, nickname: str, password: str, role: Role = Role.CITIZEN, now: datetime) -> User:
    """Add an account whose phone counts as confirmed at ``now`` (the caller confirmed it)."""
    phone = normalise_phone(phone)
    nickname = _clean_nickname(nickname)
    password = _check_password(password)
    _check_phone_free(phone)
    user = User(
        phone=phone, nickname=nickname, password_hash=_hash(password),
        role=role, active=True, phone_verified_at=now, created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(phone: str, password: str) -> User:
    """The user with this phone and password.

    Unknown phone, wrong password and an account without a password all get the same
    message; a deactivated account is named only once the password was right.
    """
    user = _user_by_phone(normalise_phone(phone))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        raise DomainError(BAD_LOGIN)
    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(BAD_LOGIN)
    if not user.active:
        raise DomainError(INACTIVE)
    return user


# Growing delays after failed sign-ins, per phone number and source (docs/operations.md, "Sign-in throttling").
FREE_FAILURES = 3  # failures in a row before the first wait
MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # a run of failures this old no longer counts
CLAIM_TRIES = 5


def sign_in_wait(failures: int) -> timedelta:
    """The wait after ``failures`` failed sign-ins in a row: none before the third, then
    1, 2, 4, 8 … minutes, at most :data:`MAX_WAIT`."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(minutes=2 ** min(failures - FREE_FAILURES, 10)), MAX_WAIT)


def wait_text(wait: timedelta) -> str:
    """``45 秒`` or ``3 分钟``, rounded up so that nobody is told to come back too early."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def _insert_ignoring_conflict(table: sa.Table, **values) -> sa.Executable:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    return insert(table).values(**values).on_conflict_do_nothing()


def sign_in_source(address: str | None) -> str:
    """The source a failed sign-in is counted against: the client's IPv4 address, or its IPv6
    /64 (one household or phone gets a whole /64, so counting single addresses would count
    nothing); ``""`` when unknown."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _count_attempt(phone: str, source: str, now: datetime) -> timedelta:
    """Count this sign-in attempt as a failure before its password is checked; return the wait
    it starts. Refused (password unchecked, nothing changed) while an earlier wait lasts.

    Counting first, with a compare-and-set on ``failures``, is what makes concurrent attempts
    see each other: of parallel guesses at one phone, each gets its own count, so a burst gets
    no more tries than the same guesses one after another. :func:`sign_in` forgets the row on
    a success.
    """
    table = SignInThrottle.__table__
    key = (table.c.phone == phone) & (table.c.source == source)
    for _ in range(CLAIM_TRIES):
        row = db.session.execute(
            sa.select(table.c.failures, table.c.last_failed_at, table.c.locked_until).where(key)
        ).first()
        if row is not None and row.locked_until is not None and now < row.locked_until:
            raise DomainError(f"登录失败次数过多，请 {wait_text(row.locked_until - now)}后再试。")
        recent = row is not None and row.last_failed_at is not None and now - row.last_failed_at < FORGET_AFTER
        failures = (row.failures if recent else 0) + 1
        wait = sign_in_wait(failures)
        values = dict(failures=failures, last_failed_at=now, locked_until=now + wait if wait else None)
        if row is None:
            claim = _insert_ignoring_conflict(table, phone=phone, source=source, **values)
        else:
            claim = table.update().where(key, table.c.failures == row.failures).values(**values)
        # RETURNING says whether this statement wrote the row (an INSERT's rowcount isn't reliable on every driver).
        if db.session.execute(claim.returning(table.c.phone)).first() is not None:
            return wait
    # Lost the race every time: many attempts at this phone at once.
    raise DomainError("登录尝试太频繁，请稍后再试。")


def sign_in(phone: str, password: str, *, now: datetime, source: str = "") -> User:
    """:func:`authenticate`, with growing delays after failed attempts at one phone number
    from one ``source`` (:func:`sign_in_source` of the client's address).

    After :data:`FREE_FAILURES` failures in a row from a source, each further attempt from it
    must wait :func:`sign_in_wait` since the last failure (at most :data:`MAX_WAIT`: a delay,
    never a lock); attempts during the wait are refused without checking the password and do
    not extend it. Failures from one source never hold back another, so a stranger guessing
    cannot keep the owner out. Every well-formed phone is counted, registered or not, so the
    waits reveal nothing; a success resets the phone's counts everywhere. The caller commits
    **also when this raises**, or the count is lost.
    """
    phone = normalise_phone(phone)
    wait = _count_attempt(phone, source, now)
    try:
        user = authenticate(phone, password)
    except DomainError as exc:
        if wait and exc.message == BAD_LOGIN:
            raise DomainError(f"{BAD_LOGIN}已连续失败多次，请 {wait_text(wait)}后再试。") from exc
        raise
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.phone == phone))
    return user


def _code_hash(secret: str, phone: str, purpose: str, code: str) -> str:
    message = f"{phone}\x00{purpose}\x00{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown code purpose: {purpose!r}")


def _latest_code(phone: str, purpose: str) -> PhoneCode | None:
    return db.session.scalar(
        sa.select(PhoneCode)
        .where(PhoneCode.phone == phone, PhoneCode.purpose == purpose)
        .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
        .limit(1)
    )


def request_code(phone: str, *, purpose: str, now: datetime, sender: Sender, secret: str,
                 ttl_seconds: int, resend_seconds: int, daily_limit: int) -> str | None:
    """Send a fresh 6-digit code to ``phone`` and return it.

    Refused while the last code for this phone and purpose is younger than
    ``resend_seconds``, and once ``daily_limit`` codes (any purpose) went to the phone in
    the last 24 hours. A sign-up code is not sent to a phone that already has an
    account. A reset code is sent only to a phone that has one: for any other phone the
    code is stored but not sent and None is returned, so that the waits and limits answer
    exactly as for a registered phone and the page reveals nothing. Only an HMAC of the
    code is stored; the row is added after ``sender`` accepted the message, so a failed
    send leaves nothing behind.
    """
    phone = normalise_phone(phone)
    _check_purpose(purpose)
    account = _user_by_phone(phone)
    if purpose == SIGNUP and account is not None:
        raise DomainError(PHONE_TAKEN)

    last = _latest_code(phone, purpose)
    if last is not None:
        wait = resend_seconds - (now - last.created_at).total_seconds()
        if wait > 0:
            raise DomainError(f"验证码已发送，请 {math.ceil(wait)} 秒后再试。")
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PhoneCode)
        .where(PhoneCode.phone == phone, PhoneCode.created_at > now - timedelta(hours=24))
    )
    if sent >= daily_limit:
        raise DomainError("这个手机号今天获取验证码的次数已达上限，请明天再试。")

    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = math.ceil(ttl_seconds / 60)
    sent_to_owner = purpose != RESET or account is not None
    if sent_to_owner:
        sender.send(phone, f"【株洲抖音生活秀】您的验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。")
    db.session.add(PhoneCode(
        phone=phone, purpose=purpose, code_hash=_code_hash(secret, phone, purpose, code),
        created_at=now, expires_at=now + timedelta(seconds=ttl_seconds), attempts=0,
    ))
    db.session.flush()
    return code if sent_to_owner else None


def verify_code(phone: str, code: str, *, purpose: str, now: datetime, secret: str) -> PhoneCode:
    """Spend the latest code sent to ``phone`` for ``purpose`` if ``code`` matches it.

    Only the latest code counts (asking for a new one retires the old). At most
    :data:`MAX_ATTEMPTS` guesses are ever checked against a code, however many arrive at
    once: each check first claims an attempt with one compare-and-set ``UPDATE … SET attempts
    = attempts + 1 WHERE attempts < 5``, and a guess that cannot claim one is refused unchecked.
    So the :data:`MAX_ATTEMPTS`-th wrong guess burns the code, and the right code after it is
    refused. The caller commits **also when this raises**, or the count of guesses is lost.
    """
    phone = normalise_phone(phone)
    _check_purpose(purpose)
    row = _latest_code(phone, purpose)
    if row is None:
        raise DomainError(NO_CODE)
    if row.used_at is not None:
        raise DomainError(CODE_USED)
    if row.attempts >= MAX_ATTEMPTS:
        raise DomainError(CODE_BURNED)
    if now >= row.expires_at:
        raise DomainError(CODE_EXPIRED)
    table = PhoneCode.__table__
    attempts = db.session.execute(
        table.update()
        .where(table.c.id == row.id, table.c.attempts < MAX_ATTEMPTS, table.c.used_at.is_(None))
        .values(attempts=table.c.attempts + 1)
        .returning(table.c.attempts)
    ).scalar()
    if attempts is None:  # spent or burned by guesses that arrived at the same time
        spent = db.session.scalar(sa.select(table.c.used_at).where(table.c.id == row.id)) is not None
        raise DomainError(CODE_USED if spent else CODE_BURNED)
    given = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
    if not hmac.compare_digest(row.code_hash, _code_hash(secret, phone, purpose, given)):
        raise DomainError(WRONG_CODE if attempts < MAX_ATTEMPTS else CODE_BURNED)
    spent = db.session.execute(
        table.update().where(table.c.id == row.id, table.c.used_at.is_(None)).values(used_at=now)
        .returning(table.c.id)
    ).first()
    if spent is None:  # the same right code, sent twice at once: it counts once
        raise DomainError(CODE_USED)
    db.session.expire(row)
    return row


def signup(*, phone: str, code: str, nickname: str, password: str, now: datetime, secret: str) -> User:
    """Confirm the sign-up code and create a citizen account.

    Nickname, password and the phone's availability are checked before the code is
    spent, so a typo in them does not cost the user their code.
    """
    phone = normalise_phone(phone)
    _clean_nickname(nickname)
    _check_password(password)
    _check_phone_free(phone)
    verify_code(phone, code, purpose=SIGNUP, now=now, secret=secret)
    return create_user(phone=phone, nickname=nickname, password=password, role=Role.CITIZEN, now=now)


def set_password(user: User, password: str, *, now: datetime) -> None:
    """Give ``user`` a new password and end every session of the account, on every device:
    whoever signed in with the old one is signed out. Audited as ``user.password`` (never
    the password itself)."""
    user.password_hash = _hash(_check_password(password))
    end_sessions(user)
    audit.record("user.password", actor=user, now=now, target=user)
    db.session.flush()


def reset_password(*, phone: str, code: str, password: str, now: datetime, secret: str) -> User:
    """Set a new password with a reset code sent to the account's phone (:func:`set_password`:
    every session of the account ends); the failed sign-ins counted against the phone are
    forgotten, since its owner just proved who they are. The password is checked before the
    code is spent. A phone without an account never received a code, so it gets the same
    "wrong code" as any wrong guess."""
    phone = normalise_phone(phone)
    _check_password(password)
    verify_code(phone, code, purpose=RESET, now=now, secret=secret)
    user = _user_by_phone(phone)
    if user is None:
        raise DomainError(WRONG_CODE)
    set_password(user, password, now=now)
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.phone == phone))
    return user
