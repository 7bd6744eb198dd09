"""Accounts: creating one, signing in, signing up and resetting a password. The pieces each lives in
its own module — :mod:`~contest.domain.phones` (numbers), :mod:`~contest.domain.passwords`,
:mod:`~contest.domain.one_time_codes` and :mod:`~contest.domain.sign_in_throttle` — and this module puts
them together.

Plain functions over models; the caller commits. Every refusal is a :class:`DomainError`
whose message is shown to the user as is.
"""

from __future__ import annotations

from datetime import datetime

from werkzeug.security import check_password_hash

from contest.domain import audit
from contest.domain.errors import DomainError
from contest.domain import sign_in_throttle
from contest.domain.one_time_codes import RESET, SIGNUP, WRONG_CODE, verify_code
from contest.domain.passwords import dummy_hash, hash_password, valid_password
from contest.domain.phones import PHONE_TAKEN, normalise_phone, user_by_phone
# Named through this module by older callers (the tests among them); their homes are the modules above.
from contest.domain.one_time_codes import MAX_ATTEMPTS, OBJECTION, request_code  # noqa: F401,E402
from contest.domain.passwords import use_hash_method  # noqa: F401,E402
from contest.domain.sign_in_throttle import sign_in_wait, wait_text  # noqa: F401,E402
from contest.domain.sessions import end_sessions
from contest.extensions import db
from contest.models import Role, User

NICKNAME_MAX = 20
BAD_LOGIN = "手机号或密码错误。"
INACTIVE = "账号已停用，请联系主办方。"


def _clean_nickname(nickname: str | None) -> str:
    value = (nickname or "").strip()
    if not value:
        raise DomainError("请填写昵称。")
    if len(value) > NICKNAME_MAX:
        raise DomainError(f"昵称最多 {NICKNAME_MAX} 个字。")
    return value


def find_by_phone(text: str) -> User | None:
    """The account with the mobile number ``text`` (as typed: normalised first), or None.
    Raises :class:`DomainError` when ``text`` is not a mobile number."""
    return user_by_phone(normalise_phone(text))


def _check_phone_free(phone: str) -> None:
    if user_by_phone(phone) is not None:
        raise DomainError(PHONE_TAKEN)


def create_user(*, phone: str, nickname: str, password: str, role: Role = Role.CITIZEN, now: datetime) -> User:
    """Add an account whose phone counts as confirmed at ``now`` (the caller confirmed it)."""
    phone = normalise_phone(phone)
    nickname = _clean_nickname(nickname)
    password = valid_password(password)
    _check_phone_free(phone)
    user = User(
        phone=phone, nickname=nickname, password_hash=hash_password(password),
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
    user = user_by_phone(normalise_phone(phone))
    if user is None or not user.password_hash:
        check_password_hash(dummy_hash(), password or "")
        raise DomainError(BAD_LOGIN)
    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(BAD_LOGIN)
    if not user.active:
        raise DomainError(INACTIVE)
    return user


def sign_in(phone: str, password: str, *, now: datetime, source: str = "") -> User:
    """:func:`authenticate`, with growing delays after failed attempts at one phone number
    from one ``source`` (:func:`~contest.domain.sign_in_throttle.sign_in_source` of the client's address).

    After :data:`~contest.domain.sign_in_throttle.FREE_FAILURES` failures in a row from a source, each further
    attempt from it must wait :func:`~contest.domain.sign_in_throttle.sign_in_wait` since the last failure (at
    most 15 minutes: a delay, never a lock); attempts during the wait are refused without checking the password
    and do not extend it. Failures from one source never hold back another, so a stranger guessing cannot keep
    the owner out. Every well-formed phone is counted, registered or not, so the waits reveal nothing; a
    success resets the phone's counts everywhere. The caller commits **also when this raises**, or the count
    is lost.
    """
    phone = normalise_phone(phone)
    wait = sign_in_throttle.count_attempt(phone, source, now)
    try:
        user = authenticate(phone, password)
    except DomainError as exc:
        if wait and exc.message == BAD_LOGIN:
            raise DomainError(f"{BAD_LOGIN}已连续失败多次，请 {wait_text(wait)}后再试。") from exc
        raise
    sign_in_throttle.forget(phone)
    return user


def signup(*, phone: str, code: str, nickname: str, password: str, now: datetime, secret: str) -> User:
    """Confirm the sign-up code and create a citizen account.

    Nickname, password and the phone's availability are checked before the code is
    spent, so a typo in them does not cost the user their code.
    """
    phone = normalise_phone(phone)
    _clean_nickname(nickname)
    valid_password(password)
    _check_phone_free(phone)
    verify_code(phone, code, purpose=SIGNUP, now=now, secret=secret)
    return create_user(phone=phone, nickname=nickname, password=password, role=Role.CITIZEN, now=now)


def set_password(user: User, password: str, *, now: datetime) -> None:
    """Give ``user`` a new password and end every session of the account, on every device:
    whoever signed in with the old one is signed out. Audited as ``user.password`` (never
    the password itself)."""
    user.password_hash = hash_password(valid_password(password))
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
    valid_password(password)
    verify_code(phone, code, purpose=RESET, now=now, secret=secret)
    user = user_by_phone(phone)
    if user is None:
        raise DomainError(WRONG_CODE)
    set_password(user, password, now=now)
    sign_in_throttle.forget(phone)
    return user
