"""Announcements: short notices by staff (opening, reminders, provisional and final
winners) that the public site lists once published. A draft has no ``published_at``.
Every change is audited; the caller commits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.domain import audit
from contest.domain.errors import Conflict, DomainError
from contest.extensions import db
from contest.models import Contest, User
from contest.models.awards import Announcement, AnnouncementKind

MAX_TITLE = 100
MAX_BODY = 5000


def _clean(title: str | None, body: str | None,
           kind: str | AnnouncementKind | None) -> tuple[str, str, AnnouncementKind]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError("请填写公告标题。")
    if len(title) > MAX_TITLE:
        raise DomainError(f"公告标题最多 {MAX_TITLE} 个字。")
    if not body:
        raise DomainError("请填写公告正文。")
    if len(body) > MAX_BODY:
        raise DomainError(f"公告正文最多 {MAX_BODY} 个字。")
    try:
        kind = AnnouncementKind(kind)
    except ValueError:
        raise DomainError("请选择公告类型。") from None
    return title, body, kind


def _state(announcement: Announcement) -> dict:
    return {"title": announcement.title, "body": announcement.body, "kind": announcement.kind.value}


def create_announcement(contest: Contest, *, title: str, body: str, kind: str | AnnouncementKind, staff: User,
                        now: datetime) -> Announcement:
    """A new draft."""
    title, body, kind = _clean(title, body, kind)
    announcement = Announcement(contest_id=contest.id, title=title, body=body, kind=kind, author_id=staff.id,
                                created_at=now, updated_at=now)
    db.session.add(announcement)
    db.session.flush()
    audit.record("announcement.create", actor=staff, now=now, target=announcement, changes=_state(announcement))
    return announcement


def update_announcement(announcement: Announcement, *, title: str, body: str, kind: str | AnnouncementKind,
                        staff: User, now: datetime) -> Announcement:
    """Edit a draft or a published notice (a published one stays published; the audit keeps the old text)."""
    title, body, kind = _clean(title, body, kind)
    before = _state(announcement)
    announcement.title, announcement.body, announcement.kind, announcement.updated_at = title, body, kind, now
    after = _state(announcement)
    audit.record("announcement.update", actor=staff, now=now, target=announcement,
                 changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})
    return announcement


def publish_announcement(announcement: Announcement, *, staff: User, now: datetime) -> Announcement:
    if announcement.published_at is not None:
        raise Conflict("这条公告已经发布。")
    announcement.published_at = now
    audit.record("announcement.publish", actor=staff, now=now, target=announcement,
                 changes={"published_at": [None, now.isoformat()]})
    return announcement


def unpublish_announcement(announcement: Announcement, *, staff: User, now: datetime) -> Announcement:
    """Take a notice off the public site: it becomes a draft again."""
    if announcement.published_at is None:
        raise Conflict("这条公告还没有发布。")
    before = announcement.published_at
    announcement.published_at = None
    audit.record("announcement.unpublish", actor=staff, now=now, target=announcement,
                 changes={"published_at": [before.isoformat(), None]})
    return announcement


def delete_announcement(announcement: Announcement, *, staff: User, now: datetime) -> None:
    """Delete a draft (a published notice must be withdrawn first); its text stays in the audit."""
    if announcement.published_at is not None:
        raise Conflict("已发布的公告不能删除，请先撤回。")
    audit.record("announcement.delete", actor=staff, now=now, target=announcement, changes=_state(announcement))
    db.session.delete(announcement)


def public_announcements(contest: Contest, limit: int = 20) -> list[Announcement]:
    """Published notices of ``contest``, newest first (then newest id)."""
    return list(db.session.scalars(
        sa.select(Announcement)
        .where(Announcement.contest_id == contest.id, Announcement.published_at.is_not(None))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(limit)))


def all_announcements(contest: Contest) -> list[Announcement]:
    """Every notice of ``contest`` for staff: drafts first, then published, newest first."""
    return list(db.session.scalars(
        sa.select(Announcement).where(Announcement.contest_id == contest.id)
        .order_by(Announcement.published_at.is_not(None), Announcement.published_at.desc(),
                  Announcement.updated_at.desc(), Announcement.id.desc())))
