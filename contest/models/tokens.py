"""Per-staff access tokens for the staff JSON API (``/api/v1/staff``).

Only the SHA-256 of a token is stored: a database dump never shows one that works.
The prefix (the marker and the first characters) is kept to tell tokens apart on screen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime
from contest.models.user import User


class StaffToken(db.Model):
    __tablename__ = "staff_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole token
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:  # never the hash
        return f"<StaffToken {self.prefix}… user={self.user_id}>"
