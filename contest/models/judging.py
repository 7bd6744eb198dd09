"""The excellence award's judging (优秀奖): a rubric per contest, judges' scores and
declared conflicts of interest. The rules live in :mod:`contest.domain.judging`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.types import UTCDateTime


class Rubric(db.Model):
    """A contest's published rubric: ``criteria`` is a list of
    ``{"key", "name", "weight", "min", "max"}`` whose weights sum to 100. How many judges
    score each entry is the contest's (``Contest.min_judges``)."""

    __tablename__ = "rubric"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"), unique=True)
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Score(db.Model):
    """One judge's score of one entry: the value per criterion and the weighted total
    (0–100). A judge scores an entry once; a new score overwrites the old one."""

    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("entry_id", "judge_id"),
        CheckConstraint("total >= 0 AND total <= 100", name="score_total_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    values: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion key: number}
    total: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    entry = relationship("Entry")
    judge = relationship("User")


class JudgeConflict(db.Model):
    """A judge's declared conflict of interest: they neither see nor score the entry."""

    __tablename__ = "judge_conflict"
    __table_args__ = (UniqueConstraint("entry_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
