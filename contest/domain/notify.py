"""Telling entrants: the on-site inbox, and a text message when an SMS gateway is configured.

Every review decision reaches the entrant's inbox (a :class:`Notification` row, in the
decision's own transaction). A message for an entrant with a confirmed phone also asks to
be texted there (``Notification.text_to``); this module only records that. The SMS
integration (``sms_outbox``, registered by the factory) sends it with ``CONTEST_SMS_BACKEND=http``, only
**after the transaction commits** (a decision that is rolled back, e.g. lost to another
reviewer, is never announced), and a gateway failure is logged and changes nothing: the
decision and the inbox message stand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from contest.extensions import db
from contest.models import Entry, Role, User
from contest.models.notification import Notification

INBOX_LIMIT = 100

APPROVED = "entry.approved"
REJECTED = "entry.rejected"
NEEDS_FIX = "entry.needs_fix"
CLOSED_FOR_AUTHOR = "entry.closed_for_author"
RESUBMIT_HINT = "修改后可在“我的作品”中重新提交。"


def quoted(name: str) -> str:
    """``name`` in Chinese quotes, unless it carries its own (“动力株洲文旅通”杯 …), so that no quote is doubled."""
    return name if "“" in name or "”" in name else f"“{name}”"


def _about(entry: Entry) -> str:
    return f"你报名{quoted(entry.contest.name)}的作品（{entry.theme.name}，视频编号 {entry.video_id}）"


def _sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (a reason may or may not bring its own)."""
    return text.strip().rstrip("。.！!；;，,") + "。"


def decision_message(entry: Entry, outcome: Literal["approved", "rejected", "needs_fix"],
                     reason: str | None = None) -> tuple[str, str, str]:
    """``(kind, title, body)`` of the message that tells the entrant a decision."""
    if outcome == "approved":
        return APPROVED, "作品已通过审核", f"{_about(entry)}已通过审核，将参与点赞排名和评选。快分享给朋友积赞吧！"
    if outcome == "rejected":
        return REJECTED, "作品未通过审核", f"{_about(entry)}未通过审核。原因：{_sentence(reason or '')}"
    if outcome == "needs_fix":
        return NEEDS_FIX, "作品需要修改", f"{_about(entry)}需要修改。审核意见：{_sentence(reason or '')}{RESUBMIT_HINT}"
    raise ValueError(outcome)


def to_inbox(user: User, *, kind: str, title: str, body: str, now: datetime, entry: Entry | None = None) -> Notification:
    """Put a message in ``user``'s inbox (no text message). The caller commits."""
    note = Notification(user_id=user.id, created_at=now, kind=kind, title=title, body=body,
                        entry_id=entry.id if entry is not None else None)
    db.session.add(note)
    return note


def closed_for_author_message(entry: Entry) -> tuple[str, str, str]:
    """``(kind, title, body)`` telling an entrant that the video's proven author entered it,
    which closed their unproven entry."""
    return (CLOSED_FOR_AUTHOR, "报名已关闭：视频作者本人已报名",
            f"{_about(entry)}已关闭：视频作者本人已通过抖音授权证明身份并报名了这个视频。只能用自己发布的视频参赛；"
            "如果这是你的视频，请用发布它的抖音账号授权登录后再报名。")


def tell_entrant(entry: Entry, *, kind: str, title: str, body: str, now: datetime) -> Notification:
    """Put a message in the entrant's inbox, asking for it to be texted to their phone when
    they confirmed one (the SMS integration sends it after the commit). The caller commits."""
    return tell_user(entry.user, kind=kind, title=title, body=body, now=now, entry=entry)


def tell_user(user: User, *, kind: str, title: str, body: str, now: datetime,
              entry: Entry | None = None) -> Notification:
    """:func:`tell_entrant` for any user: the inbox, and a text to a confirmed phone."""
    note = to_inbox(user, kind=kind, title=title, body=body, now=now, entry=entry)
    if user.phone and user.phone_verified_at:
        note.text_to = user.phone
    return note


def tell_admins(*, kind: str, title: str, body: str, now: datetime) -> list[Notification]:
    """Put a message in every active admin's inbox and ask for it to be texted to their phone
    (staff accounts are created by phone). The caller commits."""
    notes = []
    for admin in db.session.scalars(sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True))
                                    .order_by(User.id)):
        note = to_inbox(admin, kind=kind, title=title, body=body, now=now)
        if admin.phone:
            note.text_to = admin.phone
        notes.append(note)
    return notes


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User, limit: int = INBOX_LIMIT) -> list[Notification]:
    """The user's latest messages, newest first."""
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .options(selectinload(Notification.entry).selectinload(Entry.contest))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user: User, ids: Iterable[int] | Literal["all"], now: datetime) -> int:
    """Mark the user's unread messages ``ids`` (or all of them) read; returns how many changed.
    Ids of other users' messages are ignored. The caller commits."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids != "all":
        wanted = {int(i) for i in ids}
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    result = db.session.execute(query.values(read_at=now).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0
