"""Signed-in sessions, kept on the server so that signing out ends them everywhere.

The browser's session cookie carries a random token; only its SHA-256 is stored here. A
session exists exactly as long as its row: signing out, changing the password or the role,
"sign out everywhere" and deleting the account delete rows (:mod:`contest.domain.sessions`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # "微信 · iPhone": enough to recognise a device on the privacy page, never the whole header.
    device: Mapped[str] = mapped_column(String(40), default="", server_default="")

    def __repr__(self) -> str:  # never the hash
        return f"<UserSession {self.id} user={self.user_id}>"
