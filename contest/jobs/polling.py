"""Like polling: one sweep reads every entry in play through its author's token.

Scope: entries pending review or approved whose ownership is proven, in every contest whose window is open or
closed less than a day ago, whose author linked Douyin with ``video.data.bind``.
One author's videos go in ``video_data`` batches with their token; authors are
polled by a bounded pool of threads, every request paced (``Pacer``). One author's
failure (lost authorisation, faults, rate limits after retries) is counted and the
sweep goes on. Every snapshot carries its sweep's id and the database allows one
per entry and sweep, so an interrupted sweep run again resumes where it stopped:
nothing is lost or read twice.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from contest import clock
from contest.domain.contests import ONE_SECOND
from contest.domain.covers import remember_cover
from contest.domain.douyin_identity import fresh_access_token
from contest.domain.errors import AuthorizationLost, PlatformError
from contest.domain.likes import record_snapshot
from contest.douyin.author import DATA_SCOPE
from contest.douyin.client import DouyinClient
from contest.douyin.errors import DouyinAuthError, DouyinError, RateLimited
from contest.douyin.gateway import DouyinGateway
from contest.extensions import db
from contest.jobs.ratelimit import Pacer
from contest.models import Contest, DouyinAccount, Entry, EntryStatus, Snapshot, SnapshotSource, Sweep

POLLED = (EntryStatus.PENDING, EntryStatus.APPROVED)
AFTER_CLOSE = timedelta(days=1)
RESUME_WITHIN = timedelta(hours=1)


@dataclass
class AuthorResult:
    snapshots: int = 0
    missing: int = 0   # asked for, not returned (deleted, private to others, not theirs)
    failure: str | None = None  # auth, rate_limited, platform


@dataclass
class SweepReport:
    sweep_id: int
    authors: int = 0
    entries: int = 0
    snapshots: int = 0
    missing: int = 0
    failures: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    resumed: bool = False

    def line(self) -> str:
        failed = sum(self.failures.values())
        reasons = "，".join(f"{FAILURE_LABELS[k]} {n}" for k, n in sorted(self.failures.items()))
        return (f"{'续扫' if self.resumed else '扫描'} #{self.sweep_id} 完成：作者 {self.authors} 位，作品 {self.entries} 个，"
                f"新快照 {self.snapshots} 条，未返回 {self.missing} 个，失败 {failed} 位作者"
                f"{'（' + reasons + '）' if reasons else ''}，用时 {self.seconds:.1f} 秒。")


FAILURE_LABELS = {"auth": "授权失效", "rate_limited": "被限流", "platform": "平台错误"}


def contests_in_scope(now: datetime) -> list[Contest]:
    """Open, or closed less than a day ago."""
    return list(db.session.scalars(
        sa.select(Contest).where(Contest.opens_at <= now, Contest.closes_at > now - AFTER_CLOSE - ONE_SECOND)
        .order_by(Contest.id)))


def start_or_resume(now: datetime) -> tuple[Sweep, bool]:
    """The unfinished sweep started within the last hour, or a new one (an older unfinished
    one is closed as interrupted)."""
    unfinished = db.session.scalar(
        sa.select(Sweep).where(Sweep.finished_at.is_(None)).order_by(Sweep.id.desc()).limit(1))
    if unfinished is not None and now - unfinished.started_at <= RESUME_WITHIN:
        return unfinished, True
    if unfinished is not None:
        unfinished.finished_at = now
        unfinished.summary = "中断，未续扫"
    sweep = Sweep(started_at=now)
    db.session.add(sweep)
    db.session.flush()
    return sweep, False


def work(sweep: Sweep, now: datetime) -> dict[int, list[int]]:
    """Author user id → ids of their entries in scope not yet read in this sweep."""
    contest_ids = [c.id for c in contests_in_scope(now)]
    if not contest_ids:
        return {}
    done = sa.select(Snapshot.entry_id).where(Snapshot.sweep_id == sweep.id)
    rows = db.session.execute(
        sa.select(Entry.user_id, Entry.id)
        .join(DouyinAccount, DouyinAccount.user_id == Entry.user_id)
        .where(Entry.contest_id.in_(contest_ids), Entry.status.in_(POLLED), Entry.id.not_in(done),
               Entry.owner_verified_at.is_not(None),  # an unproven entry is never polled
               DouyinAccount.needs_reauth.is_(False), DouyinAccount.scopes.contains(DATA_SCOPE))
        .order_by(Entry.user_id, Entry.id)).all()
    plan: dict[int, list[int]] = {}
    for user_id, entry_id in rows:
        plan.setdefault(user_id, []).append(entry_id)
    return plan


def poll_author(sweep_id: int, user_id: int, entry_ids: list[int], *, client: DouyinClient, pacer: Pacer,
                now: Callable[[], datetime] = clock.now) -> AuthorResult:
    """Read one author's entries and store a snapshot each. Runs inside an app context;
    commits after each batch, so an interruption loses at most the batch in flight."""
    result = AuthorResult()
    account = db.session.scalar(sa.select(DouyinAccount).where(DouyinAccount.user_id == user_id))
    entries = list(db.session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids)).order_by(Entry.id)))
    sweep = db.session.get(Sweep, sweep_id)
    try:
        token = fresh_access_token(account, douyin=DouyinGateway(client), now=now())
        db.session.commit()
        for start in range(0, len(entries), client.batch_size):
            batch = {e.video_id: e for e in entries[start:start + client.batch_size]}
            videos = _paced_video_data(client, pacer, token, account.open_id, list(batch))
            observed = now()
            for video in videos:
                entry = batch.pop(video.video_id, None)
                if entry is None:
                    continue
                stats = video.statistics
                record_snapshot(entry, observed_at=observed, likes=stats.digg_count, comments=stats.comment_count,
                                shares=stats.share_count, plays=stats.play_count,
                                source=SnapshotSource.PLATFORM, sweep=sweep)
                remember_cover(entry, video.cover)
                result.snapshots += 1
            result.missing += len(batch)
            db.session.commit()
    except (AuthorizationLost, DouyinAuthError):
        db.session.commit()  # keeps the needs_reauth mark
        result.failure = "auth"
    except RateLimited:
        db.session.rollback()
        result.failure = "rate_limited"
    except (PlatformError, DouyinError):
        db.session.rollback()
        result.failure = "platform"
    except IntegrityError:
        # Another worker read this batch in the same sweep first: nothing to add.
        db.session.rollback()
    return result


def _paced_video_data(client: DouyinClient, pacer: Pacer, token: str, open_id: str, video_ids: list[str]):
    """``video_data`` at the paced rate; when the platform says the rate is too high (after
    the client's own retries), halve the pace and try again, up to :data:`RATE_RETRIES` times."""
    for attempt in range(RATE_RETRIES + 1):
        pacer.acquire()
        try:
            videos = client.video_data(token, open_id, video_ids)
        except RateLimited:
            pacer.slow_down()
            if attempt == RATE_RETRIES:
                raise
            continue
        pacer.succeeded()
        return videos


RATE_RETRIES = 2


def finish(sweep_id: int, report: SweepReport, now: datetime) -> None:
    sweep = db.session.get(Sweep, sweep_id)
    sweep.finished_at = now
    sweep.entries_total = report.entries
    sweep.snapshots = db.session.scalar(
        sa.select(sa.func.count()).select_from(Snapshot).where(Snapshot.sweep_id == sweep_id))
    sweep.failures = sum(report.failures.values())
    sweep.summary = report.line()
    after_sweep(now)
    db.session.commit()


def after_sweep(now: datetime) -> None:
    """What follows every sweep: look for signs of bought likes in the contests polled."""
    from contest.domain.flags import detect_flags

    for contest in contests_in_scope(now):
        detect_flags(contest, now=now)


def run_sweep(app: Flask, *, client: DouyinClient, pacer: Pacer, concurrency: int = 4,
              now: Callable[[], datetime] = clock.now, on_start: Callable[[int], None] | None = None,
              progress: Callable[[int], None] | None = None) -> SweepReport:
    """One whole sweep in this process, ``concurrency`` authors at a time. ``on_start`` gets the
    number of entries to read, ``progress`` the number of entries each author's job covered."""
    started = time.monotonic()
    with app.app_context():
        sweep, resumed = start_or_resume(now())
        plan = work(sweep, now())
        db.session.commit()
        sweep_id = sweep.id
    report = SweepReport(sweep_id=sweep_id, authors=len(plan), entries=sum(map(len, plan.values())),
                         resumed=resumed)
    if on_start:
        on_start(report.entries)

    def one(user_id: int, entry_ids: list[int]) -> tuple[AuthorResult, int]:
        with app.app_context():
            return poll_author(sweep_id, user_id, entry_ids, client=client, pacer=pacer, now=now), len(entry_ids)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in as_completed([pool.submit(one, uid, ids) for uid, ids in plan.items()]):
            result, n = future.result()
            report.snapshots += result.snapshots
            report.missing += result.missing
            if result.failure:
                report.failures[result.failure] += 1
            if progress:
                progress(n)
    report.seconds = time.monotonic() - started
    with app.app_context():
        finish(sweep_id, report, now())
    return report
