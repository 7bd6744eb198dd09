"""Incidents with the Douyin platform that the organisers must see (contest.domain.platform_health)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime

_OPEN = sa.column("closed_at").is_(None)


class PlatformAlarm(db.Model):
    """One incident: a capability retired or withheld, the quota used up, the renew permission
    missing, or a sweep whose share of failed authors passed the threshold. The admins are texted
    when it opens; while it stays open (the database keeps one open incident per kind and key)
    later sightings only move ``last_seen_at``, so nobody is texted at every sweep."""

    __tablename__ = "platform_alarm"
    __table_args__ = (
        Index("uq_platform_alarm_open", "kind", "key", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # capability_retired, quota, renew_permission, error_share
    key: Mapped[str] = mapped_column(String(64), default="")  # the endpoint, for a capability
    message: Mapped[str] = mapped_column(Text)  # Chinese, for the banner and the SMS
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # code, logid, sweep, share…
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    def __repr__(self) -> str:
        return f"<PlatformAlarm {self.id} {self.kind} {self.key}>"
