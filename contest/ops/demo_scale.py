"""``seed-demo --entries N --snapshots K``: scale data for benchmarks, added to the demo contest.

N approved entries (with the citizens who own them, over every theme and area, about 40 %
of them agreeing to show their nickname) and the history K real sweeps would have left:

* K ``sweep`` rows, spread over the part of the window that has passed, after every entry
  was submitted, none overlapping; each read every entry once, as ``poll-likes`` paces its
  requests (:data:`READS_PER_SECOND`), so each entry's ``observed_at`` falls inside its sweep;
* one platform snapshot per entry per sweep (the database's unique key), like counts on an
  S-curve in "active time" (quiet nights) with a little noise and the odd unlike, plays,
  comments and shares in organic proportions (nothing the bought-likes rules would flag);
* each entry's ``entry_tally`` exactly as :func:`contest.domain.likes.refresh_tally` would
  compute it: the last counted reading, and ``reached_at`` the first reading at or above it;
* each entry's two events (submitted, approved by the demo reviewer), as the review leaves them.

Seeded citizens have no linked Douyin account, so a later ``poll-likes`` leaves them alone.
The data is random but reproducible: the same database and arguments give the same rows.

Fast on purpose: SQLAlchemy Core ``insert()`` with lists of dicts, about :data:`CHUNK_ROWS`
rows a transaction (so an interrupted run keeps whole entries only); no ORM object per row.
Each chunk bumps the public cache version itself (:func:`contest.integrations.caching.bump`).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from contest.integrations.caching import bump
from contest.ops.demo import ACCOUNTS, DEMO_SLUG
from contest.domain.entries import entry_checks
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import (Contest, Entry, EntryEvent, EntryStatus, EntryTally, OwnerProof, Role, Snapshot,
                            SnapshotSource, Sweep, User)

SEEDED = (User, Entry, EntryEvent, Sweep, Snapshot, EntryTally)
MAX_ENTRIES = 1_000_000
MAX_SNAPSHOTS = 1_000
CHUNK_ROWS = 10_000
PHONE_PREFIX = "170"          # seeded citizens: 170 followed by a serial
VIDEO_ID_TAG = 0x5C000000     # low 32 bits of seeded video ids: this tag | a serial
READS_PER_SECOND = 50         # poll-likes' defaults: 5 requests a second, 10 videos a request
APPROVAL_NOTE = "审核通过：口号、主题、内容均已确认"
NIGHT = 6 * 3600              # 00:00–06:00 Beijing time is quiet: likes come at NIGHT_PACE
NIGHT_PACE = 0.2
BEIJING_OFFSET = 8 * 3600

TITLES = {
    "life": ["{area}的早餐米粉", "{area}夜市逛吃", "周末带娃逛{area}", "{area}的老街小巷", "{area}新开的茶馆"],
    "talent": ["{area}广场舞新编排", "在{area}学唢呐", "{area}街头弹唱", "{area}剪纸手艺", "{area}的书法课"],
    "village": ["{area}的稻田日落", "{area}黄桃熟了", "{area}的乡村民宿", "{area}古村落", "{area}的油菜花"],
}
OTHER_TITLES = ["{area}的一天", "我眼中的{area}", "{area}随手拍"]
NICK_PLACES = ["株洲", "湘江边的", "醴陵", "攸县", "炎陵", "茶陵", "神农城", "渌口", "芦淞", ""]
NICK_NAMES = ["小李", "老张", "阿华", "小陈", "大刘", "小周", "阿杰", "小芳", "老王", "小雨", "阿梅", "小胖"]
NICK_ENDINGS = ["", "爱生活", "的日常", "vlog", "拍株洲", "在乡村", "才艺秀", "吃货", "的镜头"]


@dataclass(frozen=True)
class ScaleReport:
    entries: int
    citizens: int
    sweeps: int
    snapshots: int
    rows: int
    seconds: float

    def line(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else float(self.rows)
        return (f"已添加 {self.entries} 个已通过的作品（{self.citizens} 位参赛者）、{self.sweeps} 次扫描、"
                f"{self.snapshots} 条快照：共 {self.rows} 行，用时 {self.seconds:.1f} 秒（每秒 {rate:,.0f} 行）。")


@dataclass(frozen=True)
class _Plan:
    """When things happened: submissions first, then the sweeps, all before ``end``."""

    opens: datetime
    submit_until: datetime
    sweep_starts: list[datetime]
    sweep_length: timedelta

    @property
    def reviewed_by(self) -> datetime:
        """Entries are approved before the first sweep (or, without sweeps, by the end)."""
        return self.sweep_starts[0] if self.sweep_starts else self.submit_until

    @classmethod
    def make(cls, contest: Contest, *, entries: int, snapshots: int, now: datetime) -> _Plan:
        end = min(now, contest.closes_at)
        span = end - contest.opens_at
        if span < timedelta(hours=1) * max(1, snapshots):
            raise DomainError(f"演示活动开始不久（或尚未开始），容纳不下 {snapshots} 次扫描：请减少 --snapshots，或以后再试。")
        if not snapshots:
            return cls(contest.opens_at, end, [], timedelta(0))
        submit_until = contest.opens_at + span / 4
        every = (end - submit_until) / snapshots
        length = min(every / 2, timedelta(seconds=entries / READS_PER_SECOND))
        first = submit_until + (every - length)  # the last sweep ends exactly at ``end``
        return cls(contest.opens_at, submit_until, [first + every * k for k in range(snapshots)], length)


def check_scale(entries: int, snapshots: int) -> None:
    if not 1 <= entries <= MAX_ENTRIES:
        raise DomainError(f"--entries 必须是 1 到 {MAX_ENTRIES:,} 之间的整数。")
    if not 0 <= snapshots <= MAX_SNAPSHOTS:
        raise DomainError(f"--snapshots 必须是 0 到 {MAX_SNAPSHOTS:,} 之间的整数。")


def seed_scale(contest: Contest, *, entries: int, snapshots: int, reviewer: User, now: datetime,
               progress: Callable[[int], None] | None = None) -> ScaleReport:
    """Add ``entries`` approved entries with ``snapshots`` sweeps of history to ``contest``
    (see the module docstring). Commits a transaction per chunk of about :data:`CHUNK_ROWS` rows."""
    check_scale(entries, snapshots)
    started = time.monotonic()
    plan = _Plan.make(contest, entries=entries, snapshots=snapshots, now=now)
    phones = db.session.scalar(sa.select(sa.func.max(User.phone)).where(User.phone.like(PHONE_PREFIX + "_" * 8)))
    first_phone = int(phones[len(PHONE_PREFIX):]) + 1 if phones else 1
    first_serial = (db.session.scalar(sa.select(sa.func.max(Entry.id))) or 0) + 1
    seeder = _Seeder(contest, plan, reviewer_id=reviewer.id, entries=entries, first_phone=first_phone,
                     first_serial=first_serial, rng=random.Random(first_serial * 7919 + entries))
    db.session.rollback()  # the chunks below write on connections of their own; hold no transaction open

    sweep_ids = seeder.insert_sweeps()
    per_chunk = max(1, CHUNK_ROWS // (snapshots + 5))
    for start in range(0, entries, per_chunk):
        stop = min(entries, start + per_chunk)
        seeder.insert_chunk(start, stop, sweep_ids)
        if progress:
            progress(stop - start)
    if db.engine.dialect.name == "postgresql":
        # Fresh statistics now: until autovacuum gets round to it, the planner would take these
        # tables for nearly empty and pick nested loops over 20,000 rows.
        with db.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE " + ", ".join(f'"{model.__tablename__}"' for model in SEEDED)))
    return ScaleReport(entries=entries, citizens=seeder.citizens, sweeps=len(sweep_ids),
                       snapshots=entries * len(sweep_ids), rows=seeder.rows, seconds=time.monotonic() - started)


class _Seeder:
    def __init__(self, contest: Contest, plan: _Plan, *, reviewer_id: int, entries: int, first_phone: int,
                 first_serial: int, rng: random.Random):
        self.contest_id = contest.id
        self.hashtag, self.mention = contest.hashtag, contest.mention
        self.themes = [(t.id, t.key) for t in contest.themes]
        self.areas = [(a.id, a.name) for a in contest.areas]
        self.facts = {"caption": "embed", "published_at": "video_id"}
        self.checks = entry_checks(contest, self.facts)
        self.plan, self.reviewer_id, self.entries, self.rng = plan, reviewer_id, entries, rng
        self.first_phone, self.first_serial = first_phone, first_serial
        # About four entries for every five citizens; an owner's entries are consecutive.
        self.citizens = max(1, round(entries * 0.8))
        self.user_ids: dict[int, int] = {}
        self.rows = 0

    def owner(self, i: int) -> int:
        return i * self.citizens // self.entries

    def insert_sweeps(self) -> list[int]:
        if not self.plan.sweep_starts:
            return []
        seconds = self.plan.sweep_length.total_seconds()
        summary = (f"演示数据（seed-demo --entries）：作者 {self.citizens} 位，作品 {self.entries} 个，"
                   f"新快照 {self.entries} 条，未返回 0 个，失败 0 位作者，用时 {seconds:.1f} 秒。")
        rows = [{"started_at": start, "finished_at": start + self.plan.sweep_length, "entries_total": self.entries,
                 "snapshots": self.entries, "failures": 0, "summary": summary} for start in self.plan.sweep_starts]
        with db.engine.begin() as connection:
            ids = connection.execute(
                sa.insert(Sweep.__table__).returning(Sweep.__table__.c.id, sort_by_parameter_order=True), rows
            ).scalars().all()
        self.rows += len(rows)
        return list(ids)

    def insert_chunk(self, start: int, stop: int, sweep_ids: list[int]) -> None:
        rng, plan = self.rng, self.plan
        entries = []
        for i in range(start, stop):
            published = plan.opens + (plan.submit_until - plan.opens) * rng.uniform(0.0, 0.9)
            submitted = min(published + timedelta(minutes=rng.uniform(5, 180)), plan.submit_until)
            approved = min(submitted + timedelta(hours=rng.uniform(1, 20)), plan.reviewed_by)
            entries.append((i, published, submitted, approved))
        with db.engine.begin() as connection:
            self._insert_owners(connection, entries)
            rows = [self._entry_row(i, published, submitted, approved) for i, published, submitted, approved in entries]
            entry_ids = connection.execute(
                sa.insert(Entry.__table__).returning(Entry.__table__.c.id, sort_by_parameter_order=True), rows
            ).scalars().all()
            events, snapshots, tallies = [], [], []
            for entry_id, (i, published, submitted, approved) in zip(entry_ids, entries):
                events += [
                    {"entry_id": entry_id, "at": submitted, "actor_id": self.user_ids[self.owner(i)],
                     "from_status": None, "to_status": EntryStatus.PENDING, "note": "报名"},
                    {"entry_id": entry_id, "at": approved, "actor_id": self.reviewer_id,
                     "from_status": EntryStatus.PENDING, "to_status": EntryStatus.APPROVED, "note": APPROVAL_NOTE},
                ]
                history = self._history(entry_id, i, published, sweep_ids)
                snapshots += history
                if history:
                    tallies.append(_tally(entry_id, history))
            for table, batch in ((EntryEvent.__table__, events), (Snapshot.__table__, snapshots),
                                 (EntryTally.__table__, tallies)):
                if batch:
                    connection.execute(sa.insert(table), batch)
            bump(connection)
        self.rows += len(rows) + len(events) + len(snapshots) + len(tallies)

    def _insert_owners(self, connection: sa.Connection, entries: list) -> None:
        """The citizens owning these entries that earlier chunks have not created."""
        rows, owners = [], []
        for i, _published, submitted, _approved in entries:
            owner = self.owner(i)
            if owner in self.user_ids or (owners and owners[-1] == owner):
                continue
            joined = submitted - timedelta(hours=self.rng.uniform(0.2, 72))
            owners.append(owner)
            rows.append({"phone": f"{PHONE_PREFIX}{self.first_phone + owner:08d}", "nickname": self._nickname(),
                         "password_hash": None, "role": Role.CITIZEN, "active": True, "area_keys": [],
                         "phone_verified_at": joined, "created_at": joined})
        if rows:
            ids = connection.execute(
                sa.insert(User.__table__).returning(User.__table__.c.id, sort_by_parameter_order=True), rows
            ).scalars().all()
            self.user_ids.update(zip(owners, ids))
            self.rows += len(rows)

    def _nickname(self) -> str:
        rng = self.rng
        ending = rng.choice(NICK_ENDINGS) or (str(rng.randint(1, 999)) if rng.random() < 0.3 else "")
        return f"{rng.choice(NICK_PLACES)}{rng.choice(NICK_NAMES)}{ending}"

    def _entry_row(self, i: int, published: datetime, submitted: datetime, approved: datetime) -> dict:
        rng = self.rng
        serial = self.first_serial + i
        theme_id, theme_key = self.themes[rng.randrange(len(self.themes))]
        area_id, area_name = self.areas[rng.randrange(len(self.areas))]
        title = rng.choice(TITLES.get(theme_key, OTHER_TITLES)).format(area=area_name)
        return {
            "contest_id": self.contest_id, "user_id": self.user_ids[self.owner(i)],
            "video_id": str((int(published.timestamp()) << 32) | VIDEO_ID_TAG | serial),
            "theme_id": theme_id, "area_id": area_id, "status": EntryStatus.APPROVED,
            "submitted_text": f"https://v.douyin.com/ZZs{serial:x}/", "caption": f"{title} #{self.hashtag} @{self.mention}",
            "published_at": published, "fact_sources": self.facts, "checks": self.checks,
            "show_nickname": rng.random() < 0.4, "rules_accepted_at": submitted, "submitted_at": submitted,
            "status_changed_at": approved, "status_reason": APPROVAL_NOTE,
            # Phone-only citizens: their ownership was examined by staff before approval.
            "owner_verified_at": approved, "owner_proof": OwnerProof.STAFF,
            "version": 2,  # created, then approved: the optimistic lock moved once
        }

    def _history(self, entry_id: int, i: int, published: datetime, sweep_ids: list[int]) -> list[dict]:
        """One reading per sweep: an S-curve in active time towards ``final`` likes."""
        if not sweep_ids:
            return []
        rng, plan = self.rng, self.plan
        final = min(50_000, int(rng.lognormvariate(math.log(40), 1.5)))
        like_rate = rng.uniform(0.03, 0.12)  # likes per play
        comment_rate, share_rate = rng.uniform(0.02, 0.08), rng.uniform(0.01, 0.05)
        born = _active_seconds(published)
        middle = born + rng.uniform(0.3, 4) * 86400
        width = rng.uniform(0.5, 2) * 86400
        floor = 1 / (1 + math.exp((middle - born) / width))
        offset = plan.sweep_length * ((i // 10 * 10) / self.entries)  # this entry's batch within a sweep
        likes = plays = 0
        rows = []
        for sweep_id, start in zip(sweep_ids, plan.sweep_starts):
            observed = start + offset
            share = (1 / (1 + math.exp((middle - _active_seconds(observed)) / width)) - floor) / (1 - floor)
            if likes > 20 and rng.random() < 0.05:
                likes -= rng.randint(1, 3)  # an unlike or two
            elif (gain := final * share - likes) > 0:
                # Noise on the gain, not on the total: a big entry never jumps like a purchase.
                likes = min(final, likes + round(gain * rng.uniform(0.8, 1.2)))
            plays = max(plays, int(likes / like_rate + rng.random() * 30))
            rows.append({"entry_id": entry_id, "observed_at": observed, "likes": likes,
                         "comments": int(likes * comment_rate), "shares": int(likes * share_rate), "plays": plays,
                         "source": SnapshotSource.PLATFORM, "sweep_id": sweep_id, "created_at": observed})
        return rows


def _tally(entry_id: int, history: list[dict]) -> dict:
    """What refresh_tally derives: every reading here is counted (taken before ``end``)."""
    last = history[-1]
    reached = next(row["observed_at"] for row in history if row["likes"] >= last["likes"])
    return {"entry_id": entry_id, "likes": last["likes"], "observed_at": last["observed_at"],
            "source": SnapshotSource.PLATFORM, "reached_at": reached, "latest_likes": last["likes"],
            "latest_observed_at": last["observed_at"]}


def _active_seconds(instant: datetime) -> float:
    """Seconds of "active time" since the epoch: a Beijing night counts NIGHT_PACE of a second."""
    days, second = divmod(instant.timestamp() + BEIJING_OFFSET, 86400)
    night = min(second, NIGHT)
    return days * (86400 - NIGHT * (1 - NIGHT_PACE)) + night * NIGHT_PACE + (second - night)


def seed_scale_demo(*, entries: int, snapshots: int, now: datetime,
                    progress: Callable[[int], None] | None = None) -> ScaleReport:
    """:func:`seed_scale` on the demo contest, approved by the demo reviewer (run ``seed_demo`` first)."""
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == DEMO_SLUG))
    reviewer_phone = next(phone for role, phone, _, _ in ACCOUNTS if role is Role.REVIEWER)
    reviewer = db.session.scalar(sa.select(User).where(User.phone == reviewer_phone))
    if contest is None or reviewer is None:
        raise DomainError("还没有演示活动：请先运行 seed-demo（不带参数）。")
    return seed_scale(contest, entries=entries, snapshots=snapshots, reviewer=reviewer, now=now, progress=progress)
