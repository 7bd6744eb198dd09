from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db
from contest.models.types import UTCDateTime


class SignInThrottle(db.Model):
    """Failed sign-ins in a row for one phone number, and until when the next attempt must wait.

    Kept for any well-formed phone, registered or not, so the wait reveals nothing about
    which numbers have accounts. A successful sign-in deletes the row. See
    :mod:`contest.domain.sign_in_throttle`.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    phone: Mapped[str] = mapped_column(String(11), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
