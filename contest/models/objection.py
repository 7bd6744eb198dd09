"""Objections (异议) to a listed winner during the public notice (公示). The rules live in
:mod:`contest.domain.objections`."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime, str_enum


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"        # the entry was disqualified; the next in line moved up
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return {"open": "待处理", "upheld": "成立", "dismissed": "不成立"}[self.value]


OPEN_BY_USER = "status = 'open' AND user_id IS NOT NULL"
OPEN_BY_PHONE = "status = 'open' AND phone IS NOT NULL"


class Objection(db.Model):
    """An objection to ``entry`` on ``award_list``, filed by a signed-in ``user`` or by whoever
    proved ``phone`` with a one-time code. ``reference_hash`` is the SHA-256 of the random
    reference the objector was given to look the objection up (never stored in clear)."""

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR phone IS NOT NULL", name="objector"),
        CheckConstraint("(status = 'open') = (handled_at IS NULL)", name="handled"),
        Index("ix_objection_contest_status", "contest_id", "status"),
        # One open objection per objector, entry and list, however many requests race
        # (contest.domain.objections answers the IntegrityError with its usual refusal).
        Index("uq_objection_open_user", "award_list_id", "entry_id", "user_id", unique=True,
              sqlite_where=text(OPEN_BY_USER), postgresql_where=text(OPEN_BY_USER)),
        Index("uq_objection_open_phone", "award_list_id", "entry_id", "phone", unique=True,
              sqlite_where=text(OPEN_BY_PHONE), postgresql_where=text(OPEN_BY_PHONE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    award_list_id: Mapped[int] = mapped_column(ForeignKey("award_list.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    phone: Mapped[str | None] = mapped_column(String(11))
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence_path: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ObjectionStatus] = mapped_column(str_enum(ObjectionStatus, "objection_status"),
                                                    default=ObjectionStatus.OPEN)
    reply: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    award_list = relationship("AwardList")
    entry = relationship("Entry")
    user = relationship("User", foreign_keys=[user_id])
    handled_by = relationship("User", foreign_keys=[handled_by_id])
