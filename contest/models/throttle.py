from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db
from contest.models.types import UTCDateTime


class SignInThrottle(db.Model):
    """Failed sign-ins in a row for one phone number from one source (a client address, an
    IPv6 /64), and until when the next attempt from there must wait.

    Kept for any well-formed phone, registered or not, so the wait reveals nothing about
    which numbers have accounts. Another source is never held back by this one's failures, so
    nobody can lock an owner out. A successful sign-in deletes the phone's rows. See
    :mod:`contest.domain.sign_in_throttle`.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    phone: Mapped[str] = mapped_column(String(11), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
