"""Likes inside the window: snapshots, tallies and standings (docs/rules.md §7).

The rule: an entry's popularity tally is its like count in the **last snapshot taken
at or before the close** (observed_at < closes_at + 1 s). Readings after the close are
kept for the record and shown as such, but change no tally; after the close the
standings are frozen: staff can no longer record counts by hand, and a tally changes
only by an admin's public correction with a reason
(:mod:`contest.domain.tally_corrections`). Snapshots are append-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer

from contest import clock
from contest.domain import audit
from contest.domain.errors import Conflict, DomainError
from contest.extensions import db
from contest.models import (
    Contest, ContestTheme, Entry, EntryStatus, EntryTally, Snapshot, SnapshotSource, Sweep, TallyCorrection, User,
)

# The close is the last second inside the window: opens_at <= t < closes_at + 1 s (docs/rules.md §4).
ONE_SECOND = timedelta(seconds=1)
MANUAL_CLOSED = ("活动已截止，排行榜已冻结，不能再人工记录点赞数。"
                 "如计入的点赞数有误，请由管理员提交附理由的公开更正（点赞数更正）。")


def cutoff(contest: Contest) -> datetime:
    """The first instant that no longer counts."""
    return contest.closes_at + ONE_SECOND


def counted(contest: Contest, observed_at: datetime) -> bool:
    """Whether a reading taken at ``observed_at`` counts for the tally."""
    return observed_at < cutoff(contest)


def frozen(contest: Contest, now: datetime) -> bool:
    """After the close the standings no longer move."""
    return now >= cutoff(contest)


def ensure_manual_open(contest: Contest, now: datetime) -> None:
    """Staff may record counts by hand only until the close: after it the board is frozen, and
    a backdated count would move it silently (:class:`Conflict`, 409)."""
    if frozen(contest, now):
        raise Conflict(MANUAL_CLOSED)


def record_snapshot(entry: Entry, *, observed_at: datetime, likes: int, source: SnapshotSource,
                    comments: int | None = None, shares: int | None = None, plays: int | None = None,
                    sweep: Sweep | None = None, recorded_by: User | None = None,
                    evidence_path: str | None = None, note: str | None = None) -> Snapshot:
    """Store one observation and bring the entry's tally up to date. A manual one only
    before the close (:func:`ensure_manual_open`). The caller commits."""
    if source is SnapshotSource.MANUAL:
        ensure_manual_open(entry.contest, clock.now())
    if likes is None or int(likes) < 0:
        raise DomainError("赞数必须是不小于 0 的整数。")
    if source is SnapshotSource.MANUAL and recorded_by is None:
        raise DomainError("人工记录必须注明记录人。")
    if clock.ensure_utc(observed_at) < entry.contest.opens_at:
        raise DomainError("读数时间不能早于活动开始时间。")
    snapshot = Snapshot(
        entry_id=entry.id, observed_at=clock.ensure_utc(observed_at), likes=int(likes), comments=comments,
        shares=shares, plays=plays, source=source, sweep_id=sweep.id if sweep else None,
        recorded_by_id=recorded_by.id if recorded_by else None, evidence_path=evidence_path, note=note,
    )
    db.session.add(snapshot)
    db.session.flush()
    refresh_tally(entry)
    if source is SnapshotSource.MANUAL:
        audit.record("likes.manual", actor=recorded_by, now=clock.now(), target=entry, changes={
            "snapshot_id": snapshot.id, "likes": snapshot.likes, "observed_at": snapshot.observed_at.isoformat(),
            "evidence_path": evidence_path}, note=note)
    return snapshot


def refresh_tally(entry: Entry) -> EntryTally:
    """Recompute ``entry``'s tally from its snapshots (two indexed look-ups, so out-of-order
    readings, such as a manual record of an earlier time, are handled the same way).

    A corrected tally (``correction_id`` set) stays exactly what its correction says:
    see :class:`contest.models.TallyCorrection`; the latest readings are still kept."""
    end = cutoff(entry.contest)
    by_time = (Snapshot.observed_at.desc(), Snapshot.id.desc())
    last = db.session.scalar(
        sa.select(Snapshot).where(Snapshot.entry_id == entry.id, Snapshot.observed_at < end).order_by(*by_time).limit(1))
    latest = db.session.scalar(sa.select(Snapshot).where(Snapshot.entry_id == entry.id).order_by(*by_time).limit(1))
    tally = db.session.get(EntryTally, entry.id) or EntryTally(entry_id=entry.id)
    tally.latest_likes = latest.likes if latest else None
    tally.latest_observed_at = latest.observed_at if latest else None
    correction = db.session.get(TallyCorrection, tally.correction_id) if tally.correction_id else None
    if correction is not None:
        tally.likes, tally.observed_at, tally.reached_at = correction.likes, correction.observed_at, correction.observed_at
        tally.source = SnapshotSource.MANUAL  # a person's act, with its evidence
    elif last is None:
        tally.likes = tally.observed_at = tally.source = tally.reached_at = None
    else:
        tally.likes, tally.observed_at, tally.source = last.likes, last.observed_at, last.source
        tally.reached_at = db.session.scalar(
            sa.select(sa.func.min(Snapshot.observed_at))
            .where(Snapshot.entry_id == entry.id, Snapshot.observed_at < end, Snapshot.likes >= last.likes))
    db.session.add(tally)
    return tally


@dataclass(frozen=True)
class Standing:
    rank: int
    entry: Entry
    likes: int
    observed_at: datetime | None
    reached_at: datetime | None
    source: SnapshotSource | None
    correction_id: int | None = None


def _ranked(contest: Contest, theme: ContestTheme | None, limit: int | None, *columns) -> sa.Select:
    """``columns`` of the contest's approved entries (and their tallies), best first by the
    tie rule of :func:`standings`."""
    likes = sa.func.coalesce(EntryTally.likes, 0)
    no_reading_last = sa.case((EntryTally.reached_at.is_(None), 1), else_=0)
    query = (
        sa.select(*columns)
        .select_from(Entry)
        .outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
        # An entry whose video is not public does not count meanwhile (contest.domain.visibility).
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED, EntryTally.paused_at.is_(None))
        .order_by(likes.desc(), no_reading_last, EntryTally.reached_at, Entry.submitted_at, Entry.id)
    )
    if theme is not None:
        query = query.where(Entry.theme_id == theme.id)
    if limit is not None:
        query = query.limit(limit)
    return query


_TALLY_COLUMNS = (EntryTally.likes, EntryTally.observed_at, EntryTally.reached_at, EntryTally.source,
                  EntryTally.correction_id)


def standings(contest: Contest, *, theme: ContestTheme | None = None, limit: int | None = 10) -> list[Standing]:
    """The popularity ranking of approved entries, best first, in one query.

    Tally: the likes of each entry's last snapshot at or before the close (no reading
    yet: 0); an entry whose video is not public at the moment is left out
    (:mod:`contest.domain.visibility`). **Ties**: equal tallies rank by who reached that count first (the
    earliest counted snapshot with at least that many likes), then by earlier
    submission, then by entry id. Equal tallies still get distinct ranks (1, 2, 3…),
    because the tie rule decides between them. A tally corrected after the close counts
    exactly the corrected likes, reached at the correction's ``observed_at``
    (:class:`contest.models.TallyCorrection`), and ranks by the same rule.

    For a whole large contest prefer :func:`ranking` (plain values, no entries loaded).
    """
    # Tally values as plain columns and the entries' bulky columns deferred: loading entities
    # is most of the cost of a long ranking (the sort itself takes milliseconds).
    query = _ranked(contest, theme, limit, Entry, *_TALLY_COLUMNS).options(
        defer(Entry.checks), defer(Entry.fact_sources), defer(Entry.submitted_text))
    return [
        Standing(rank=i, entry=entry, likes=likes or 0, observed_at=observed_at, reached_at=reached_at, source=source,
                 correction_id=correction_id)
        for i, (entry, likes, observed_at, reached_at, source, correction_id) in enumerate(
            db.session.execute(query), start=1)
    ]


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry_id: int
    video_id: str
    likes: int
    observed_at: datetime | None
    reached_at: datetime | None
    source: SnapshotSource | None
    correction_id: int | None = None


def ranking(contest: Contest, *, theme: ContestTheme | None = None, limit: int | None = None) -> list[Ranked]:
    """:func:`standings` as plain values (same order, same tie rule), for whole rankings:
    20,000 entries take a few hundred milliseconds instead of seconds."""
    query = _ranked(contest, theme, limit, Entry.id, Entry.video_id, *_TALLY_COLUMNS)
    return [
        Ranked(rank=i, entry_id=entry_id, video_id=video_id, likes=likes or 0, observed_at=observed_at,
               reached_at=reached_at, source=source, correction_id=correction_id)
        for i, (entry_id, video_id, likes, observed_at, reached_at, source, correction_id) in enumerate(
            db.session.execute(query), start=1)
    ]


def corrections_by_id(ids) -> dict[int, TallyCorrection]:
    """Tally corrections by id (the ``correction_id`` of tallies and standings), in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(TallyCorrection).where(TallyCorrection.id.in_(ids)))}


def correction_in_force(entry: Entry) -> TallyCorrection | None:
    """The correction ``entry``'s tally shows (its latest), or None when it was never corrected."""
    tally = db.session.get(EntryTally, entry.id)
    return db.session.get(TallyCorrection, tally.correction_id) if tally and tally.correction_id else None


def corrections_of(entry: Entry) -> list[TallyCorrection]:
    """Every tally correction of ``entry``, oldest first (the last one is in force)."""
    return list(db.session.scalars(
        sa.select(TallyCorrection).where(TallyCorrection.entry_id == entry.id).order_by(TallyCorrection.id)))


def history(entry: Entry) -> list[Snapshot]:
    """Every snapshot of ``entry``, oldest first."""
    return list(db.session.scalars(
        sa.select(Snapshot).where(Snapshot.entry_id == entry.id).order_by(Snapshot.observed_at, Snapshot.id)))


def next_sweep_delay(now: datetime, *, every: timedelta, closes: list[datetime],
                     last_duration: timedelta) -> timedelta:
    """How long the polling loop waits before its next sweep.

    Normally ``every``. Within :data:`CLOSING_SOON` of a contest's close, a quarter
    of that (at least a minute), so the last hours are watched closely. And a last
    sweep is planned to *finish* before the close: it starts ``1.5 × last_duration``
    plus :data:`FINAL_MARGIN` before it, whenever the regular schedule would
    otherwise pass that moment.
    """
    delay = every
    upcoming = sorted(c for c in closes if c + ONE_SECOND > now)
    if upcoming:
        close = upcoming[0] + ONE_SECOND
        if close - now <= CLOSING_SOON:
            delay = min(every, max(every / 4, timedelta(minutes=1)))
        final_start = close - last_duration * 1.5 - FINAL_MARGIN
        if now < final_start < now + delay:
            delay = final_start - now
    return delay


CLOSING_SOON = timedelta(hours=6)
FINAL_MARGIN = timedelta(minutes=1)
