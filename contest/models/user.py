from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.enums import Role
from contest.models.types import UTCDateTime, str_enum


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A mainland mobile number, confirmed by a one-time code. Nullable: a citizen
    # who signs in with Douyin only has none.
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    nickname: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.CITIZEN)
    active: Mapped[bool] = mapped_column(default=True)
    # A reviewer limited to some areas (the county cultural centres review their own):
    # the area keys they may review; empty means every area.
    area_keys: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when the citizen deleted their account: the row stays (their winning entries, the
    # audit trail and the like readings point at it) with every personal field erased.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The name the winner chose for their own copy of a certificate; None: their nickname.
    certificate_name: Mapped[str | None] = mapped_column(String(40))

    douyin: Mapped["DouyinAccount | None"] = relationship(  # noqa: F821
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class PhoneCode(db.Model):
    """A one-time code sent to a phone. Stored hashed; single use; expires."""

    __tablename__ = "phone_code"
    __table_args__ = (Index("ix_phone_code_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
