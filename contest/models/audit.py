from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime


class AuditEvent(db.Model):
    """One staff action: who, when, what, on which record, and what changed. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. entry.approve, likes.manual, export.xlsx
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None]
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contest.id"), index=True)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {"field": [before, after], ...} or details
    note: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("the audit trail is append-only")
