from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime


class Contest(db.Model):
    """One contest: every rule of docs/rules.md is a field here (§3), so a later contest is new data."""

    __tablename__ = "contest"
    __table_args__ = (
        CheckConstraint("closes_at >= opens_at", name="window_order"),
        CheckConstraint("popularity_award_size > 0 AND excellence_award_size > 0", name="award_sizes"),
        CheckConstraint("notice_days BETWEEN 1 AND 30", name="notice_days_range"),
        CheckConstraint("min_judges BETWEEN 1 AND 50", name="min_judges_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    co_organisers: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic: Mapped[str] = mapped_column(String(200))
    slogan: Mapped[str] = mapped_column(String(200))
    slogan_subtitle_seconds: Mapped[int] = mapped_column(default=2)
    hashtag: Mapped[str] = mapped_column(String(100))  # without the leading '#'
    mention: Mapped[str] = mapped_column(String(100))  # without the leading '@'
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The last second inside the window: t is inside when opens_at <= t < closes_at + 1 s.
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    popularity_award_size: Mapped[int] = mapped_column(default=10)
    excellence_award_size: Mapped[int] = mapped_column(default=10)
    allow_double_win: Mapped[bool] = mapped_column(default=True)
    # Award places per theme besides the overall ones: off as announced (ten per award, overall).
    theme_award_places: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # How long an award list stays in its public notice (公示) before it can be published.
    notice_days: Mapped[int] = mapped_column(default=5, server_default="5")
    # How many judges must score an entry before it ranks for the excellence award.
    min_judges: Mapped[int] = mapped_column(default=3, server_default="3")
    tie_rule: Mapped[str] = mapped_column(Text)
    # On the certificates: a signatory line under the organiser (e.g. 负责人：…) and a seal image (PNG).
    signatory: Mapped[str | None] = mapped_column(String(100))
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    themes: Mapped[list[ContestTheme]] = relationship(
        back_populates="contest", order_by="ContestTheme.position", cascade="all, delete-orphan"
    )
    areas: Mapped[list[ContestArea]] = relationship(
        back_populates="contest", order_by="ContestArea.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Contest {self.slug}>"


class ContestTheme(db.Model):
    __tablename__ = "contest_theme"
    __table_args__ = (UniqueConstraint("contest_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="themes")


class ContestArea(db.Model):
    __tablename__ = "contest_area"
    __table_args__ = (UniqueConstraint("contest_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship(back_populates="areas")
