"""What the organiser console reads: the staff entry list, the dashboard's numbers, the rows of
the entries and tallies exports, and the record of one entry for its evidence pack.

Personal data (PIPL): an entrant's nickname is shown only if they agreed (``show_nickname``),
their phone never; ``unmasked=True`` (an admin's explicit, audited request) shows both.
Times go out as aware UTC datetimes (exports turn them into Beijing time) or, in JSON,
as ISO 8601 in Beijing time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from contest import clock
from contest.domain import contests
from contest.domain.leaderboards import thinned
from contest.domain.likes import corrections_by_id, corrections_of, counted, cutoff, history
from contest.domain.privacy import mask_name, mask_phone
from contest.extensions import db
from contest.models import (
    AuditEvent, Contest, ContestArea, ContestTheme, Entry, EntryStatus, EntryTally, Role, Snapshot, SnapshotSource,
    TallyCorrection, User,
)
from contest.models.objection import Objection, ObjectionStatus

BACKLOG = (EntryStatus.PENDING, EntryStatus.NEEDS_FIX)


iso = clock.iso  # re-exported: the exports and the staff API use it under this name


def author_name(entry: Entry, *, unmasked: bool) -> str:
    nickname = entry.user.nickname
    return nickname if unmasked or entry.show_nickname else mask_name(nickname)


def author_phone(entry: Entry, *, unmasked: bool) -> str:
    return (entry.user.phone or "") if unmasked else mask_phone(entry.user.phone)


# --- the staff entry list ---------------------------------------------------------------

def staff_entries(contest: Contest, *, status: EntryStatus | None = None, theme: ContestTheme | None = None,
                  area: ContestArea | None = None, area_keys: list[str] | None = None, after_id: int | None = None,
                  limit: int = 100) -> list[tuple[Entry, EntryTally | None]]:
    """Entries of ``contest`` by id, with their tallies, filtered; ``area_keys`` (a reviewer's areas,
    empty or None: all) limits the areas. Page with ``after_id``."""
    query = (sa.select(Entry, EntryTally).outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
             .where(Entry.contest_id == contest.id).order_by(Entry.id).limit(limit))
    if status is not None:
        query = query.where(Entry.status == status)
    if theme is not None:
        query = query.where(Entry.theme_id == theme.id)
    if area is not None:
        query = query.where(Entry.area_id == area.id)
    if area_keys:
        query = query.where(Entry.area_id.in_([a.id for a in contest.areas if a.key in area_keys]))
    if after_id is not None:
        query = query.where(Entry.id > after_id)
    return [(entry, tally) for entry, tally in db.session.execute(query).all()]


# --- the dashboard ----------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    """The numbers of one contest, as of ``now``.

    Entries per day, theme and area count every submission (withdrawn and rejected ones too:
    the status breakdown tells them apart); days are Beijing dates from the opening day to
    today (or the closing day, whichever is earlier). The backlog is what waits for a
    reviewer (pending) or for the entrant (needs_fix), oldest first by when it entered that
    status. Like totals are the counted tallies of approved entries (the popularity
    standings), split by the source of each counted reading.
    """

    contest: Contest
    total: int
    per_day: list[tuple[date, int]]
    per_theme: list[tuple[ContestTheme, int]]
    per_area: list[tuple[ContestArea, int]]
    per_status: list[tuple[EntryStatus, int]]
    pending: int
    needs_fix: int
    oldest_waiting: list[Entry]
    likes_total: int
    likes_by_source: dict[SnapshotSource, int]
    approved: int
    approved_without_reading: int
    areas: list[ContestArea] | None = None  # the areas counted; None: the whole contest
    likes_over_time: list[tuple[datetime, int]] = ()


def dashboard(contest: Contest, *, now: datetime, oldest: int = 10, area_keys: list[str] | None = None) -> Dashboard:
    """The numbers of ``contest``; ``area_keys`` (a reviewer's areas; None: every area) limits
    every count, the backlog and the like totals to the entries of those areas."""
    areas = [a for a in contest.areas if a.key in area_keys] if area_keys is not None else None
    mine = Entry.contest_id == contest.id
    if areas is not None:
        mine = sa.and_(mine, Entry.area_id.in_([a.id for a in areas]))
    rows = db.session.execute(
        sa.select(Entry.submitted_at, Entry.theme_id, Entry.area_id, Entry.status).where(mine)
    ).all()
    days = Counter(clock.to_local(r.submitted_at).date() for r in rows)
    themes = Counter(r.theme_id for r in rows)
    per_area = Counter(r.area_id for r in rows)
    statuses = Counter(r.status for r in rows)

    first = clock.to_local(contest.opens_at).date()
    last = min(clock.to_local(now).date(), clock.to_local(contest.closes_at).date())
    if days:
        first, last = min(first, min(days)), max(last, max(days))
    last = max(first, last)
    per_day = [(first + timedelta(days=i), days.get(first + timedelta(days=i), 0))
               for i in range((last - first).days + 1)]

    waiting = list(db.session.scalars(
        sa.select(Entry).where(mine, Entry.status.in_(BACKLOG))
        .order_by(Entry.status_changed_at, Entry.id).limit(oldest)))

    by_source = {source: 0 for source in SnapshotSource}
    for source, total in db.session.execute(
            sa.select(EntryTally.source, sa.func.coalesce(sa.func.sum(EntryTally.likes), 0))
            .join(Entry, Entry.id == EntryTally.entry_id)
            .where(mine, Entry.status == EntryStatus.APPROVED, EntryTally.likes.is_not(None))
            .group_by(EntryTally.source)).all():
        by_source[source] = int(total)
    with_reading = db.session.scalar(
        sa.select(sa.func.count()).select_from(EntryTally).join(Entry, Entry.id == EntryTally.entry_id)
        .where(mine, Entry.status == EntryStatus.APPROVED, EntryTally.likes.is_not(None)))

    sweeps = db.session.execute(
        sa.select(sa.func.max(Snapshot.observed_at), sa.func.sum(Snapshot.likes))
        .join(Entry, Entry.id == Snapshot.entry_id)
        .where(mine, Entry.status == EntryStatus.APPROVED, Snapshot.sweep_id.is_not(None),
               Snapshot.observed_at < cutoff(contest))
        .group_by(Snapshot.sweep_id).order_by(sa.func.max(Snapshot.observed_at))).all()

    return Dashboard(
        contest=contest, total=len(rows), per_day=per_day,
        per_theme=[(t, themes.get(t.id, 0)) for t in contest.themes],
        per_area=[(a, per_area.get(a.id, 0)) for a in (contest.areas if areas is None else areas)],
        per_status=[(s, statuses.get(s, 0)) for s in EntryStatus],
        pending=statuses.get(EntryStatus.PENDING, 0), needs_fix=statuses.get(EntryStatus.NEEDS_FIX, 0),
        oldest_waiting=waiting,
        likes_total=sum(by_source.values()), likes_by_source=by_source,
        approved=statuses.get(EntryStatus.APPROVED, 0),
        approved_without_reading=statuses.get(EntryStatus.APPROVED, 0) - with_reading,
        areas=areas, likes_over_time=thinned([(clock.ensure_utc(at), int(total)) for at, total in sweeps]),
    )


# --- exports ----------------------------------------------------------------------------

# A tally an admin corrected after the close says so in every export: when, why, and from what.
CORRECTION_HEADERS = ["更正前赞数", "更正时间", "更正原因"]
ENTRY_HEADERS = ["作品编号", "视频编号", "主题", "区县", "状态", "作品描述", "作者", "手机号", "同意公开昵称",
                 "发布时间", "提交时间", "状态更新时间", "状态说明", "计入赞数", *CORRECTION_HEADERS]
TALLY_HEADERS = ["作品编号", "视频编号", "作者", "状态", "计入赞数", "计入读数时间", *CORRECTION_HEADERS, "读数时间",
                 "赞数", "来源", "是否计入", "记录人", "截图", "备注"]


def _contest_entries(contest: Contest) -> list[Entry]:
    return list(db.session.scalars(sa.select(Entry).where(Entry.contest_id == contest.id).order_by(Entry.id)))


def _tallies(entries: list[Entry]) -> dict[int, EntryTally]:
    ids = [e.id for e in entries]
    if not ids:
        return {}
    return {t.entry_id: t for t in db.session.scalars(sa.select(EntryTally).where(EntryTally.entry_id.in_(ids)))}


def _correction_cells(tally: EntryTally | None, corrections: dict[int, TallyCorrection]) -> list:
    """更正前赞数, 更正时间, 更正原因 of the correction in force (empty when none)."""
    found = corrections.get(tally.correction_id) if tally is not None else None
    if found is None:
        return [None, None, None]
    return [found.previous_likes, found.corrected_at, found.reason]


def _corrections(tallies: dict[int, EntryTally]) -> dict[int, TallyCorrection]:
    return corrections_by_id(t.correction_id for t in tallies.values())


def entry_rows(contest: Contest, *, unmasked: bool) -> list[list]:
    """One row an entry, by id, under :data:`ENTRY_HEADERS`."""
    entries = _contest_entries(contest)
    tallies = _tallies(entries)
    corrections = _corrections(tallies)
    return [[
        e.id, e.video_id, e.theme.name, e.area.name, e.status.label, e.caption or "",
        author_name(e, unmasked=unmasked), author_phone(e, unmasked=unmasked), "是" if e.show_nickname else "否",
        e.published_at, e.submitted_at, e.status_changed_at, e.status_reason or "",
        tallies[e.id].likes if e.id in tallies and tallies[e.id].likes is not None else None,
        *_correction_cells(tallies.get(e.id), corrections),
    ] for e in entries]


def snapshot_cells(contest: Contest, snapshot: Snapshot, recorders: dict[int, User]) -> list:
    """读数时间, 赞数, 来源, 是否计入, 记录人, 截图, 备注."""
    recorder = recorders.get(snapshot.recorded_by_id)
    return [snapshot.observed_at, snapshot.likes, snapshot.source.label,
            "计入" if counted(contest, snapshot.observed_at) else "不计入（截止后）",
            recorder.nickname if recorder else "", snapshot.evidence_path or "", snapshot.note or ""]


def rows_by_id(model, ids) -> dict:
    """Rows of ``model`` by id (``None`` ids skipped), in one query; held by the caller, later
    relationship look-ups of them hit the session, not the database."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def _recorders(snapshots: list[Snapshot]) -> dict[int, User]:
    return rows_by_id(User, (s.recorded_by_id for s in snapshots))


def tally_rows(contest: Contest, *, unmasked: bool) -> list[list]:
    """Every snapshot of every entry (by entry id, then time), under :data:`TALLY_HEADERS`; an entry
    without readings gets one row with the reading columns empty."""
    entries = _contest_entries(contest)
    tallies = _tallies(entries)
    snapshots: dict[int, list[Snapshot]] = {e.id: [] for e in entries}
    if entries:
        for s in db.session.scalars(sa.select(Snapshot).where(Snapshot.entry_id.in_(list(snapshots)))
                                    .order_by(Snapshot.entry_id, Snapshot.observed_at, Snapshot.id)):
            snapshots[s.entry_id].append(s)
    recorders = _recorders([s for items in snapshots.values() for s in items])
    corrections = _corrections(tallies)
    rows = []
    for e in entries:
        tally = tallies.get(e.id)
        head = [e.id, e.video_id, author_name(e, unmasked=unmasked), e.status.label,
                tally.likes if tally else None, tally.observed_at if tally else None,
                *_correction_cells(tally, corrections)]
        if not snapshots[e.id]:
            rows.append(head + [None] * 7)
        for s in snapshots[e.id]:
            rows.append(head + snapshot_cells(contest, s, recorders))
    return rows


# --- one entry's evidence ---------------------------------------------------------------

SNAPSHOT_HEADERS = ["快照编号", "读数时间", "赞数", "来源", "是否计入", "记录人", "截图", "备注"]


def entry_snapshot_rows(entry: Entry) -> tuple[list[Snapshot], list[list]]:
    """The snapshots of ``entry``, oldest first, and their rows under :data:`SNAPSHOT_HEADERS`."""
    snapshots = history(entry)
    recorders = _recorders(snapshots)
    return snapshots, [[s.id] + snapshot_cells(entry.contest, s, recorders) for s in snapshots]


def entry_record(entry: Entry, *, unmasked: bool) -> dict:
    """Everything known about ``entry`` for an evidence pack (JSON-ready)."""
    tally = db.session.get(EntryTally, entry.id)
    corrections = corrections_of(entry)
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_({ev.actor_id for ev in entry.events if ev.actor_id is not None}
                    | {c.corrected_by_id for c in corrections})))}
    return {
        "id": entry.id, "contest": entry.contest.slug, "video_id": entry.video_id,
        "status": entry.status.value, "status_label": entry.status.label, "status_reason": entry.status_reason,
        "theme": entry.theme.key, "area": entry.area.key, "caption": entry.caption,
        "submitted_text": entry.submitted_text, "published_at": iso(entry.published_at),
        "submitted_at": iso(entry.submitted_at), "status_changed_at": iso(entry.status_changed_at),
        "version": entry.version, "show_nickname": entry.show_nickname,
        "author": {"nickname": author_name(entry, unmasked=unmasked), "phone": author_phone(entry, unmasked=unmasked)},
        "checks": entry.checks, "fact_sources": entry.fact_sources,
        "status_history": [{
            "at": iso(ev.at), "from": ev.from_status.value if ev.from_status else None, "to": ev.to_status.value,
            "actor": actors[ev.actor_id].nickname if ev.actor_id in actors else None, "note": ev.note,
        } for ev in entry.events],
        "tally": {
            "likes": tally.likes if tally else None, "observed_at": iso(tally.observed_at) if tally else None,
            "source": tally.source.value if tally and tally.source else None,
            "reached_at": iso(tally.reached_at) if tally else None,
            "latest_likes": tally.latest_likes if tally else None,
            "latest_observed_at": iso(tally.latest_observed_at) if tally else None,
            "corrected": bool(tally and tally.correction_id),
        },
        "corrections": [{
            "id": c.id, "likes": c.likes, "observed_at": iso(c.observed_at), "reason": c.reason,
            "previous_likes": c.previous_likes, "previous_observed_at": iso(c.previous_observed_at),
            "at": iso(c.corrected_at), "by": actors[c.corrected_by_id].nickname if c.corrected_by_id in actors else None,
            "evidence_path": c.evidence_path,
        } for c in corrections],
        "closes_at": iso(entry.contest.closes_at),
    }


# --- the audit trail page ---------------------------------------------------------------

def audit_actions() -> list[str]:
    """The actions the trail holds, for the filter."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def staff_users() -> list[User]:
    """Every account that is or was staff (an actor of the trail counts), by role then name."""
    actor_ids = sa.select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(
        sa.select(User).where(sa.or_(User.role != Role.CITIZEN, User.id.in_(actor_ids))).order_by(User.role, User.id)))


# --- the staff contest switcher -----------------------------------------------------------------

@dataclass(frozen=True)
class ContestChoice:
    """A contest as the staff switcher offers it: its phase and what waits in it."""

    contest: Contest
    phase: contests.Phase
    entries: int     # every entry, whatever its status
    pending: int     # waiting for a reviewer
    objections: int  # open objections, waiting for an answer
    default: bool    # the contest every page shows unless another is chosen (docs/rules.md §11)


def contest_choices(now: datetime, *, recent_days: int = contests.DEFAULT_RECENT_RESULTS_DAYS) -> list[ContestChoice]:
    """Every contest for the staff switcher, the latest to open first, with its phase and counts
    (a few queries, whatever the number of contests)."""
    items = contests.latest_first()
    phases = contests.contest_phases(items, now)
    default = contests.current_contest(now, recent_days=recent_days)
    by_status = Counter()
    for contest_id, status, n in db.session.execute(
            sa.select(Entry.contest_id, Entry.status, sa.func.count()).group_by(Entry.contest_id, Entry.status)):
        by_status[contest_id, status] = n
        by_status[contest_id, None] += n
    waiting = dict(db.session.execute(
        sa.select(Objection.contest_id, sa.func.count()).where(Objection.status == ObjectionStatus.OPEN)
        .group_by(Objection.contest_id)).all())
    return [ContestChoice(contest=c, phase=phases[c.id], entries=by_status[c.id, None],
                          pending=by_status[c.id, EntryStatus.PENDING], objections=waiting.get(c.id, 0),
                          default=default is not None and c.id == default.id) for c in items]
