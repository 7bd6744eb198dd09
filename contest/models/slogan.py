"""The slogan check of an entry: an uploaded original video, checked in the background.

The video itself is kept only until the check has run (``upload_name`` is cleared then); what
stays is the result and a few frames as evidence (in the evidence store, by name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.enums import CheckState
from contest.models.types import UTCDateTime, str_enum


class SloganCheck(db.Model):
    __tablename__ = "slogan_check"
    __table_args__ = (Index("ix_slogan_check_entry", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    state: Mapped[CheckState] = mapped_column(str_enum(CheckState, "slogan_check_state"), default=CheckState.QUEUED)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    upload_bytes: Mapped[int] = mapped_column(default=0)
    # The original under the instance's upload folder while it waits; None once checked.
    upload_name: Mapped[str | None] = mapped_column(String(64))
    video_seconds: Mapped[float | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"subtitle": {"found", "meets_rule", "longest_seconds", "segments": [...]}, ...} by detector.
    result: Mapped[dict | None] = mapped_column(JSON)
    # [{"time": seconds, "name": evidence store name}] from the longest segment.
    frames: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)

    entry = relationship("Entry")
    uploaded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<SloganCheck {self.id} entry={self.entry_id} {self.state.value}>"
