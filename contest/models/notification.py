"""The entrant's on-site inbox: one row per message (review decisions and the like)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime


class Notification(db.Model):
    """A message to one user. ``read_at`` is None while unread (the nav badge counts these)."""

    __tablename__ = "notification"
    # The badge asks "this user's unread ones"; the inbox lists a user's newest first.
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[str] = mapped_column(String(32))  # entry.approved, entry.rejected, entry.needs_fix
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Not a column: the confirmed phone this message asks to be texted to (set by
    # the domain's notify.tell_entrant; the SMS integration, sms_outbox, sends it once the row is committed).
    text_to = None  # str | None

    user = relationship("User")
    entry = relationship("Entry")

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id}>"
