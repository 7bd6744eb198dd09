"""Like polling: one sweep reads every entry in play through its author's token.

Scope: entries pending review or approved whose ownership is proven, in every contest whose window is open or
closed less than a day ago, whose author linked Douyin with ``video.data.bind``.
One author's videos go in ``video_data`` batches with their token; authors are
polled by a bounded pool of threads, every request paced (``Pacer``). One author's
failure is counted by outcome (contest.domain.platform_health) and the sweep goes on:
a refused token is refreshed once and a grant that is gone marks the author at once
(they are told); a used-up quota stops the sweep's calls until the next sweep; a video that
is no longer public stops counting (contest.domain.visibility). Every snapshot carries its
sweep's id and the database allows one per entry and sweep, so an interrupted sweep run again
resumes where it stopped: nothing is lost or read twice. After the sweep the platform-health
alarms are raised or closed and authors whose grant is about to expire are reminded.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from contest import clock
from contest.domain import platform_health, visibility
from contest.domain.contests import ONE_SECOND
from contest.domain.covers import remember_cover
from contest.domain.douyin_identity import remind_expiring, with_token
from contest.domain.errors import (
    AuthorizationLost, CapabilityUnavailable, PlatformError, QuotaExhausted, RateLimited as RateLimitedError,
)
from contest.domain.likes import record_snapshot
from contest.douyin.author import DATA_SCOPE
from contest.douyin.client import DouyinClient
from contest.douyin.errors import RateLimited
from contest.douyin.gateway import DouyinGateway, translated
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
    paused: int = 0    # returned, but not public: not counted (contest.domain.visibility)
    # None when every batch was read; else an outcome of platform_health.OUTCOMES other than "ok".
    failure: str | None = None
    code: int | None = None   # the platform's code and log id of the failure, for the organisers
    logid: str | None = None


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
    retired: tuple[int | None, str | None] | None = None  # code and log id of a capability-retired answer

    def add(self, result: AuthorResult) -> None:
        self.snapshots += result.snapshots
        self.missing += result.missing
        if result.failure:
            self.failures[result.failure] += 1
            if result.failure == "capability_retired":
                self.retired = (result.code, result.logid)

    @property
    def outcomes(self) -> dict[str, int]:
        """Authors by outcome (:data:`contest.domain.platform_health.OUTCOMES`)."""
        failed = sum(self.failures.values())
        return {"ok": max(0, self.authors - failed), **{k: n for k, n in self.failures.items() if n}}

    def line(self) -> str:
        failed = sum(self.failures.values())
        reasons = "，".join(f"{FAILURE_LABELS[k]} {n}" for k, n in sorted(self.failures.items()))
        return (f"{'续扫' if self.resumed else '扫描'} #{self.sweep_id} 完成：作者 {self.authors} 位，作品 {self.entries} 个，"
                f"新快照 {self.snapshots} 条，未返回 {self.missing} 个，失败 {failed} 位作者"
                f"{'（' + reasons + '）' if reasons else ''}，用时 {self.seconds:.1f} 秒。")


FAILURE_LABELS = {k: v for k, v in platform_health.OUTCOME_LABELS.items() if k != "ok"}


def outcome_of(error: Exception) -> str:
    """The outcome (:data:`contest.domain.platform_health.OUTCOMES`) an author's failure counts as."""
    if isinstance(error, AuthorizationLost):
        return "auth"
    if isinstance(error, QuotaExhausted):
        return "quota"
    if isinstance(error, CapabilityUnavailable):
        return "capability_retired"
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    return "unavailable"


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
    """Read one author's entries and store a snapshot each (a video no longer public pauses its
    entry instead). Runs inside an app context; commits after each batch, so an interruption
    loses at most the batch in flight. Once the sweep met a used-up quota, no call is made."""
    result = AuthorResult()
    account = db.session.scalar(sa.select(DouyinAccount).where(DouyinAccount.user_id == user_id))
    entries = list(db.session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids)).order_by(Entry.id)))
    sweep = db.session.get(Sweep, sweep_id)
    if sweep.quota_exhausted_at is not None:
        result.failure = "quota"
        return result
    gateway = DouyinGateway(client)
    try:
        for start in range(0, len(entries), client.batch_size):
            batch = {e.video_id: e for e in entries[start:start + client.batch_size]}

            def read(token: str, ids=list(batch)):
                with translated():
                    return _paced_video_data(client, pacer, token, account.open_id, ids)

            videos = with_token(account, read, douyin=gateway, now=now())
            observed = now()
            for video in videos:
                entry = batch.pop(video.video_id, None)
                if entry is None:
                    continue
                if not video.public:
                    visibility.not_public(entry, visibility=video.visibility, video_status=video.video_status,
                                          now=observed)
                    result.paused += 1
                    continue
                visibility.public_again(entry)
                stats = video.statistics
                record_snapshot(entry, observed_at=observed, likes=stats.digg_count, comments=stats.comment_count,
                                shares=stats.share_count, plays=stats.play_count,
                                source=SnapshotSource.PLATFORM, sweep=sweep)
                remember_cover(entry, video.cover)
                result.snapshots += 1
            result.missing += len(batch)
            db.session.commit()
    except IntegrityError:
        # Another worker read this batch in the same sweep first: nothing to add.
        db.session.rollback()
    except PlatformError as exc:
        result.failure, result.code, result.logid = outcome_of(exc), exc.code, exc.logid
        # The call failed before its batch was processed: what the session holds is the token's state
        # (a refresh, a renewal that already retired the old refresh token, the needs_reauth mark and
        # the message to the author), which must be kept.
        db.session.commit()
        if result.failure == "quota":
            _quota_used_up(sweep_id, now())
    return result


def _quota_used_up(sweep_id: int, now: datetime) -> None:
    """Stop the sweep's calls: the authors still to read are counted "quota" without a request."""
    db.session.execute(sa.update(Sweep).where(Sweep.id == sweep_id, Sweep.quota_exhausted_at.is_(None))
                       .values(quota_exhausted_at=now))
    db.session.commit()


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
    sweep.outcomes = report.outcomes
    sweep.summary = report.line()
    after_sweep(sweep, report, now)
    db.session.commit()


def after_sweep(sweep: Sweep, report: SweepReport, now: datetime) -> None:
    """What follows every sweep: look for signs of bought likes in the contests polled, raise or
    close the platform-health alarms, remind authors whose grant is about to expire, delete the
    slogan-check uploads abandoned for CONTEST_SLOGAN_UPLOAD_MAX_AGE."""
    from contest.domain.flags import detect_flags
    from contest.jobs.slogan import sweep_abandoned_uploads

    for contest in contests_in_scope(now):
        detect_flags(contest, now=now)
    platform_health.sweep_finished(sweep, threshold=current_app.config["CONTEST_PLATFORM_ALARM_ERROR_SHARE"],
                                   now=now, retired=report.retired)
    remind_expiring(now)
    sweep_abandoned_uploads(current_app.config)


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
            report.add(result)
            if progress:
                progress(n)
    report.seconds = time.monotonic() - started
    with app.app_context():
        finish(sweep_id, report, now())
    return report
