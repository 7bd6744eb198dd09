"""Award lists (人气奖, 优秀奖) with their public-notice period (公示), disqualifications,
and announcements. The rules live in :mod:`contest.domain.awards` and
:mod:`contest.domain.announcements`."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime, str_enum


class AwardKind(enum.StrEnum):
    POPULARITY = "popularity"  # 人气奖: likes at the close
    EXCELLENCE = "excellence"  # 优秀奖: the judges' aggregate

    @property
    def label(self) -> str:
        return {"popularity": "人气奖", "excellence": "优秀奖"}[self.value]


class AwardStatus(enum.StrEnum):
    PROVISIONAL = "provisional"  # computed, not yet shown (reserved: drafts go straight to notice)
    NOTICE = "notice"            # 公示中: may still change (disqualification, late scores)
    PUBLISHED = "published"      # final: never edited
    SUPERSEDED = "superseded"    # replaced by a correction: never edited

    @property
    def label(self) -> str:
        return {"provisional": "拟定", "notice": "公示中", "published": "已发布", "superseded": "已被更正"}[self.value]


FINAL = frozenset({AwardStatus.PUBLISHED, AwardStatus.SUPERSEDED})


class AnnouncementKind(enum.StrEnum):
    OPENING = "opening"
    REMINDER = "reminder"
    PROVISIONAL = "provisional"
    FINAL = "final"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"opening": "活动启动", "reminder": "提醒", "provisional": "拟获奖名单公示",
                "final": "最终获奖名单", "other": "其他"}[self.value]


class AwardList(db.Model):
    """One version of one award's winners. A published version is never edited: a
    correction supersedes it with version N+1 carrying its ``reason``."""

    __tablename__ = "award_list"
    __table_args__ = (
        UniqueConstraint("contest_id", "kind", "version"),
        CheckConstraint("version >= 1", name="award_list_version"),
        CheckConstraint("notice_ends_at IS NULL OR notice_ends_at >= notice_starts_at", name="award_notice_order"),
        CheckConstraint("status NOT IN ('published', 'superseded') OR published_at IS NOT NULL",
                        name="award_published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AwardKind] = mapped_column(str_enum(AwardKind, "award_kind"))
    version: Mapped[int]
    status: Mapped[AwardStatus] = mapped_column(str_enum(AwardStatus, "award_status"))
    notice_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why this version corrects the previous one
    # Why a list with fewer entries than places went to its notice or was published (shown publicly).
    short_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    places: Mapped[list[AwardPlace]] = relationship(
        # Insertion order: the domain writes "overall" first, then the themes in their order.
        back_populates="award_list", order_by="AwardPlace.id", cascade="all, delete-orphan")
    created_by = relationship("User")


class AwardPlace(db.Model):
    """A winner: ``scope`` is ``overall`` or a theme key; ``value`` is the likes
    (popularity) or the mean z-score (excellence); ``detail`` the other figures."""

    __tablename__ = "award_place"
    __table_args__ = (
        UniqueConstraint("award_list_id", "scope", "rank"),
        UniqueConstraint("award_list_id", "scope", "entry_id"),
        CheckConstraint("rank >= 1", name="award_place_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_list_id: Mapped[int] = mapped_column(ForeignKey("award_list.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int]
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    award_list: Mapped[AwardList] = relationship(back_populates="places")
    entry = relationship("Entry")


class Certificate(db.Model):
    """The certificate of a place on a published list: ``code`` (digits) is its number and
    the address of its public verification page, ``/certificates/<code>``."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("award_place.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    place: Mapped[AwardPlace] = relationship()


class CertificateCopy(db.Model):
    """A rendered certificate (PDF or PNG), kept so that it is rendered once: ``content_hash``
    is the SHA-256 of everything drawn on it, so a changed name renders a new copy."""

    __tablename__ = "certificate_copy"
    __table_args__ = (UniqueConstraint("certificate_id", "fmt", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    fmt: Mapped[str] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Disqualification(db.Model):
    """An entry removed from the awards during the public notice (or by a correction), with why."""

    __tablename__ = "disqualification"
    __table_args__ = (UniqueConstraint("contest_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    entry = relationship("Entry")
    by = relationship("User")


class Announcement(db.Model):
    """A short notice on the public site; a draft while ``published_at`` is None."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_contest_published", "contest_id", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[AnnouncementKind] = mapped_column(str_enum(AnnouncementKind, "announcement_kind"),
                                                   default=AnnouncementKind.OTHER)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author = relationship("User")


# Published results never change. The only edit a published list allows is its move to
# "superseded" by a correction; its places allow none.

@event.listens_for(AwardList, "before_update")
def _final_lists_stay(mapper, connection, target):
    state = sa.inspect(target)
    before = state.attrs.status.history.deleted
    old = before[0] if before else target.status
    if old not in FINAL:
        return
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    if not (old is AwardStatus.PUBLISHED and target.status is AwardStatus.SUPERSEDED and changed == {"status"}):
        raise RuntimeError("a published award list is never edited: publish a correction instead")


@event.listens_for(AwardList, "before_delete")
def _final_lists_are_kept(mapper, connection, target):
    status = connection.scalar(sa.select(AwardList.status).where(AwardList.id == target.id))
    if status in FINAL:
        raise RuntimeError("a published award list is never deleted")


@event.listens_for(AwardPlace, "before_update")
@event.listens_for(AwardPlace, "before_delete")
def _final_places_stay(mapper, connection, target):
    status = connection.scalar(sa.select(AwardList.status).where(AwardList.id == target.award_list_id))
    if status in FINAL:
        raise RuntimeError("the places of a published award list are never edited")
