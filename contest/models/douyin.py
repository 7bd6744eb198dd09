from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import EncryptedText, UTCDateTime
from contest.models.user import User


class DouyinAccount(db.Model):
    """A citizen's linked Douyin identity and its OAuth tokens (encrypted at rest)."""

    __tablename__ = "douyin_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    open_id: Mapped[str] = mapped_column(String(128), unique=True)
    union_id: Mapped[str | None] = mapped_column(String(128))
    nickname: Mapped[str] = mapped_column(String(100), default="")
    avatar: Mapped[str | None] = mapped_column(String(500))
    scopes: Mapped[str] = mapped_column(String(255), default="")  # comma-separated, as granted
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewals: Mapped[int] = mapped_column(default=0)  # refresh-token renewals used (at most 5)
    needs_reauth: Mapped[bool] = mapped_column(default=False)
    # When the grant was found gone (the author was told then, once); None while it works.
    reauth_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the author was reminded that the refresh token is about to expire (once per token).
    reauth_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The platform's code when it last refused to renew the refresh token (10004: the application
    # lacks the renew permission; 10020: five renewals used); None after a renewal or a new grant.
    renew_refused_code: Mapped[int | None]
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(back_populates="douyin")

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scope_list)

    def __repr__(self) -> str:  # never the tokens
        return f"<DouyinAccount {self.open_id} user={self.user_id}>"
