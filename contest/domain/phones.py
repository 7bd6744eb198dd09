"""Mainland mobile numbers: the one normalisation every form, code and account uses, and the account a
number belongs to."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import User

PHONE_RE = re.compile(r"1[3-9][0-9]{9}")
BAD_PHONE = "请输入正确的 11 位手机号"
PHONE_TAKEN = "这个手机号已经注册，请直接登录。"


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


def user_by_phone(phone: str) -> User | None:
    """The account whose phone is ``phone`` (already normalised), or None."""
    return db.session.scalar(sa.select(User).where(User.phone == phone))
