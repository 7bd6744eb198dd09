"""Masking of personal data for public display (PIPL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contest.models import Entry


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str | None) -> str:
    """Keep the first character: ``张三丰`` → ``张**``, ``Alice`` → ``A****``."""
    if not name:
        return "匿名用户"
    return name[0] + "*" * max(1, len(name) - 1)


def public_author(entry: Entry) -> str:
    """The nickname when the entrant agreed to show it, else masked (PIPL). A deleted account's
    nickname is already the anonymous 已注销用户 (:mod:`contest.domain.personal_data`): shown as is."""
    if entry.show_nickname or entry.user.deleted_at is not None:
        return entry.user.nickname
    return mask_name(entry.user.nickname)
