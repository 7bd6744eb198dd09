"""Passwords: how they are hashed (Werkzeug's method, configurable) and what a password must be."""

from __future__ import annotations

import functools

from werkzeug.security import generate_password_hash

from contest.domain.errors import DomainError

PASSWORD_MIN = 8
PASSWORD_MAX = 128  # hashing is deliberately slow; refuse essay-length "passwords"

_hash_method = "scrypt"


def use_hash_method(method: str) -> None:
    """Hash new passwords with Werkzeug's ``method``: the factory passes ``CONTEST_PASSWORD_HASH_METHOD``
    (scrypt unless configured; the tests use a cheap method so that hundreds of sign-ins stay fast)."""
    global _hash_method
    if method != _hash_method:
        _hash_method = method
        dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method)


@functools.cache
def dummy_hash() -> str:
    """Checked when the phone is unknown, so that a wrong phone costs the same time as a
    wrong password (no account enumeration by timing)."""
    return hash_password("not-a-real-password")


def valid_password(password: str | None) -> str:
    """``password`` when it is long enough and not too long; a :class:`DomainError` otherwise."""
    value = password or ""
    if len(value) < PASSWORD_MIN:
        raise DomainError(f"密码至少需要 {PASSWORD_MIN} 位。")
    if len(value) > PASSWORD_MAX:
        raise DomainError(f"密码最多 {PASSWORD_MAX} 位。")
    return value
