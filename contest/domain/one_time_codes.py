"""One-time codes sent by SMS: sign-up, password reset, objections and adding a phone. 6 digits, only the
latest counts, one use, at most :data:`MAX_ATTEMPTS` guesses however many arrive at once; only an HMAC is
stored. The caller commits, **also when a check raises**, or the count of guesses is lost."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from contest.domain.errors import DomainError
from contest.domain.phones import PHONE_TAKEN, normalise_phone, user_by_phone
from contest.extensions import db
from contest.models import PhoneCode

CODE_DIGITS = 6
MAX_ATTEMPTS = 5  # checks a code ever gets: the 5th wrong guess burns it

SIGNUP = "signup"
RESET = "reset"  # a forgotten password (and a staff account's first one)
OBJECTION = "objection"  # an objector without an account proves their phone (contest.domain.objections)
ADD_PHONE = "add_phone"  # a Douyin-only account proves a phone (contest.domain.phone_link)
PURPOSES = frozenset({SIGNUP, RESET, OBJECTION, ADD_PHONE})

WRONG_CODE = "验证码错误。"
CODE_EXPIRED = "验证码已过期，请重新获取。"
CODE_USED = "验证码已使用，请重新获取。"
CODE_BURNED = "验证码错误次数过多，请重新获取。"
NO_CODE = "请先获取验证码。"


class Sender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


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
    account = user_by_phone(phone)
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
