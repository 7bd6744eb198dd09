from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.enums import FlagStatus, SnapshotSource
from contest.models.types import UTCDateTime, str_enum


class Sweep(db.Model):
    """One pass of like polling. An interrupted sweep is resumed, never started twice."""

    __tablename__ = "sweep"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries_total: Mapped[int] = mapped_column(default=0)
    snapshots: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str | None] = mapped_column(Text)
    # Authors by outcome once finished: {"ok", "rate_limited", "quota", "auth", "unavailable",
    # "capability_retired"} → count (contest.domain.platform_health).
    outcomes: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Set when the platform said the quota is used up: the rest of the sweep makes no more calls.
    quota_exhausted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Snapshot(db.Model):
    """One observation of an entry's counts. Append-only: never edited or deleted."""

    __tablename__ = "snapshot"
    __table_args__ = (
        # One reading an entry per sweep: a resumed sweep cannot duplicate one.
        UniqueConstraint("entry_id", "sweep_id"),
        Index("ix_snapshot_entry_observed", "entry_id", "observed_at"),
        CheckConstraint("likes >= 0", name="likes_not_negative"),
        CheckConstraint("source = 'platform' OR recorded_by_id IS NOT NULL", name="manual_has_recorder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    likes: Mapped[int]
    comments: Mapped[int | None]
    shares: Mapped[int | None]
    plays: Mapped[int | None]
    source: Mapped[SnapshotSource] = mapped_column(str_enum(SnapshotSource, "snapshot_source"))
    sweep_id: Mapped[int | None] = mapped_column(ForeignKey("sweep.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    evidence_path: Mapped[str | None] = mapped_column(String(255))  # under the evidence storage, manual only
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    recorded_by = relationship("User")


@event.listens_for(Snapshot, "before_update")
@event.listens_for(Snapshot, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("snapshots are append-only: never edited or deleted")


class EntryTally(db.Model):
    """An entry's popularity tally, derived from its snapshots by
    :func:`contest.domain.likes.refresh_tally` (its own row, so that polling never
    touches the entry's optimistic-lock version): the likes of the last reading at or
    before the close, when and how that reading was taken, and when the entry first
    reached that count (the tie rule)."""

    __tablename__ = "entry_tally"

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), primary_key=True)
    # None while no reading at or before the close exists.
    likes: Mapped[int | None] = mapped_column(index=True)
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[SnapshotSource | None] = mapped_column(str_enum(SnapshotSource, "tally_source"))
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest reading of all, also after the close (shown "for the record").
    latest_likes: Mapped[int | None]
    latest_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The newest cover from a sweep (here, not on the entry, so polling never bumps its version).
    cover_url: Mapped[str | None] = mapped_column(Text)
    # The correction in force (the entry's latest), which the tally then shows exactly; None: uncorrected.
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("tally_correction.id", ondelete="SET NULL"))
    # Set while the platform says the video is not public (friends only, private, under review…):
    # the entry does not count meanwhile, and says why (contest.jobs.polling); None when public.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str | None] = mapped_column(Text)


class TallyCorrection(db.Model):
    """An admin's public correction of an entry's tally after the close
    (:func:`contest.domain.tally_corrections.correct_tally`). Append-only, like snapshots.

    The correction states that the entry had ``likes`` likes at ``observed_at`` (at or
    before the close: the time its evidence shows). From then on the entry's tally is
    exactly ``likes``, observed and **reached** at ``observed_at``: the tie rule ("who
    reached the count first") compares that instant with the other entries' reached_at,
    and the readings are no longer consulted for this entry (a correction replaces what
    they said, so a wrong reading cannot move the time either way). An entry's latest
    correction is the one in force; the tally before it is kept here (``previous_*``).
    """

    __tablename__ = "tally_correction"
    __table_args__ = (CheckConstraint("likes >= 0", name="corrected_likes_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    likes: Mapped[int]
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    evidence_path: Mapped[str | None] = mapped_column(String(255))  # under the evidence storage
    previous_likes: Mapped[int | None]
    previous_observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    corrected_by = relationship("User")


@event.listens_for(TallyCorrection, "before_update")
@event.listens_for(TallyCorrection, "before_delete")
def _corrections_stay(mapper, connection, target):
    raise RuntimeError("tally corrections are append-only: correct again instead")


class LikeFlag(db.Model):
    """A sign of bought likes, with its numbers. Never an automatic disqualification:
    staff clear or confirm it with a note."""

    __tablename__ = "like_flag"
    __table_args__ = (UniqueConstraint("entry_id", "kind", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # burst, ratio, night_surge, drop
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(Text)  # why, with the numbers, in Chinese
    numbers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    entry = relationship("Entry")
    decided_by = relationship("User")
