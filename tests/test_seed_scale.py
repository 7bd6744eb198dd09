"""``seed-demo --entries N --snapshots K``: scale data that looks exactly like a real sweep history."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from contest import clock
from contest.douyin.sandbox.state import surge_window
from contest.domain.flags import detect_flags
from contest.domain.likes import ranking, refresh_tally, standings
from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, EntryTally, Snapshot, SnapshotSource, Sweep, User
from tests.conftest import count

NOW = "2026-11-29T10:00:00+08:00"  # the demo contest opened 2026-11-14 00:00 Beijing time
SUMMARY = re.compile(r"已添加 (\d+) 个已通过的作品（(\d+) 位参赛者）、(\d+) 次扫描、(\d+) 条快照："
                     r"共 (\d+) 行，用时 \d+\.\d 秒（每秒 [\d,]+ 行）。")


def _seeded() -> list[Entry]:
    return list(db.session.scalars(
        sa.select(Entry).join(User, User.id == Entry.user_id).where(User.phone.like("170%")).order_by(Entry.id)))


SCALE_SWEEPS = Sweep.summary.like("演示数据（seed-demo --entries）%")


def _scale_counts() -> tuple[int, int, int]:
    """Sweeps, snapshots and tallies of the scale data alone (the demo has its own history)."""
    ids = [e.id for e in _seeded()]
    return (db.session.scalar(sa.select(sa.func.count()).select_from(Sweep).where(SCALE_SWEEPS)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Snapshot).where(Snapshot.entry_id.in_(ids))),
            db.session.scalar(sa.select(sa.func.count()).select_from(EntryTally).where(EntryTally.entry_id.in_(ids))))


def _tally_values(tally: EntryTally) -> tuple:
    return (tally.likes, tally.observed_at, tally.source, tally.reached_at, tally.latest_likes, tally.latest_observed_at)


def test_seed_demo_adds_entries_with_a_real_sweep_history(runner, freeze):
    now = freeze(NOW)
    result = runner.invoke(args=["seed-demo", "--entries", "40", "--snapshots", "8"])
    assert result.exit_code == 0, result.output
    assert "已创建演示活动 demo" in result.output  # the demo itself first
    assert SUMMARY.fullmatch(result.output.splitlines()[-1]).groups() == ("40", "32", "8", "320", "520")

    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))
    entries = _seeded()
    owners = db.session.scalars(sa.select(User).where(User.phone.like("170%"))).all()
    assert (len(entries), len(owners)) == (40, 32)
    assert {(u.role.value, u.password_hash, u.active) for u in owners} == {("citizen", None, True)}
    assert {e.status for e in entries} == {EntryStatus.APPROVED} and {e.contest_id for e in entries} == {contest.id}
    assert {e.theme.key for e in entries} == {"life", "talent", "village"}
    assert len({e.area.key for e in entries}) > 3
    assert {e.show_nickname for e in entries} == {True, False}
    for e in entries:
        assert int(e.video_id) >> 32 == int(e.published_at.timestamp())  # a Douyin-shaped id
        assert contest.opens_at <= e.published_at <= e.submitted_at <= e.status_changed_at <= now
        assert f"#{contest.hashtag} @{contest.mention}" in e.caption
        assert [(ev.from_status, ev.to_status, ev.at) for ev in e.events] == [
            (None, EntryStatus.PENDING, e.submitted_at), (EntryStatus.PENDING, EntryStatus.APPROVED, e.status_changed_at)]

    # Eight finished sweeps, one after another, after every submission and before now.
    sweeps = db.session.scalars(sa.select(Sweep).where(SCALE_SWEEPS).order_by(Sweep.id)).all()
    assert len(sweeps) == 8
    assert max(e.submitted_at for e in entries) < sweeps[0].started_at
    assert all(a.finished_at < b.started_at for a, b in zip(sweeps, sweeps[1:]))
    assert sweeps[-1].finished_at <= now
    assert {(s.entries_total, s.snapshots, s.failures) for s in sweeps} == {(40, 40, 0)}
    assert all(s.summary.startswith("演示数据（seed-demo --entries）：作者 32 位，作品 40 个") for s in sweeps)

    # One platform reading per entry per sweep, taken during that sweep.
    readings = db.session.execute(
        sa.select(Snapshot, Sweep).join(Sweep, Sweep.id == Snapshot.sweep_id).where(SCALE_SWEEPS)).all()
    assert len(readings) == 320
    assert len({(s.entry_id, s.sweep_id) for s, _ in readings}) == 320
    assert all(w.started_at <= s.observed_at <= w.finished_at for s, w in readings)
    assert {s.source for s, _ in readings} == {SnapshotSource.PLATFORM}
    assert all(0 <= s.likes <= s.plays for s, _ in readings)

    # Each tally is exactly what the domain derives from the readings.
    seeded_tallies = {e.id: _tally_values(db.session.get(EntryTally, e.id)) for e in entries}
    for e in entries:
        refresh_tally(e)
    assert {e.id: _tally_values(db.session.get(EntryTally, e.id)) for e in entries} == seeded_tallies
    # Organic curves: nothing for the bought-likes rules to flag among them (the demo's own entries
    # include one that buys likes one night: contest.douyin.sandbox.state.surge_window).
    seeded_ids = {e.id for e in entries}
    flagged = {f.entry_id for f in detect_flags(contest, now=now)}
    assert flagged.isdisjoint(seeded_ids)
    assert all(surge_window(db.session.get(Entry, i).video_id) for i in flagged)
    db.session.rollback()


def test_seeded_standings_follow_the_tie_rule_on_the_page_and_in_json(runner, freeze, client):
    freeze(NOW)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = client.get("/api/v1/leaderboards/popularity?contest=demo&limit=100").get_json()
    assert runner.invoke(args=["seed-demo", "--entries", "120", "--snapshots", "5"]).exit_code == 0

    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))
    tallies = {t.entry_id: t for t in db.session.scalars(sa.select(EntryTally))}
    approved = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED)).all()

    def tie_rule(e: Entry):
        t = tallies.get(e.id)
        reached = t.reached_at if t else None
        return (-(t.likes or 0) if t else 0, reached is None, reached or datetime.min.replace(tzinfo=clock.UTC),
                e.submitted_at, e.id)

    expected = [e.id for e in sorted(approved, key=tie_rule)]
    assert len(expected) == 156 and len({tallies[i].likes for i in expected[:100] if i in tallies}) < 100  # ties
    assert [s.entry.id for s in standings(contest, limit=None)] == expected
    assert [(r.rank, r.entry_id, r.likes) for r in ranking(contest)] == [
        (n, i, tallies[i].likes if i in tallies else 0) for n, i in enumerate(expected, start=1)]
    after = client.get("/api/v1/leaderboards/popularity?contest=demo&limit=100").get_json()
    assert after != before  # the bulk insert moved the public cache on
    assert [row["entry_id"] for row in after["entries"]] == expected[:100]


def test_seed_demo_scale_runs_add_up(runner, freeze):
    freeze(NOW)
    for _ in range(2):
        result = runner.invoke(args=["seed-demo", "--entries", "10", "--snapshots", "3"])
        assert result.exit_code == 0, result.output
        assert SUMMARY.fullmatch(result.output.splitlines()[-1]).groups()[:4] == ("10", "8", "3", "30")
    entries = _seeded()
    assert len(entries) == 20 and len({e.video_id for e in entries}) == 20
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(User.phone))).where(User.phone.like("170%"))) == 16
    assert _scale_counts() == (6, 60, 20)


def test_seed_demo_scale_without_snapshots_adds_entries_only(runner, freeze):
    freeze(NOW)
    result = runner.invoke(args=["seed-demo", "--entries", "5"])
    assert result.exit_code == 0, result.output
    assert SUMMARY.fullmatch(result.output.splitlines()[-1]).groups() == ("5", "4", "0", "0", "19")
    assert (len(_seeded()), *_scale_counts()) == (5, 0, 0, 0)


def test_seed_demo_scale_refuses_bad_sizes(runner, freeze):
    freeze(NOW)
    alone = runner.invoke(args=["seed-demo", "--snapshots", "3"])
    assert alone.exit_code == 2 and "--snapshots 需要与 --entries 一起使用。" in alone.output
    zero = runner.invoke(args=["seed-demo", "--entries", "0"])
    assert zero.exit_code == 1 and "--entries 必须是 1 到 1,000,000 之间的整数。" in zero.output
    many = runner.invoke(args=["seed-demo", "--entries", "5", "--snapshots", "1001"])
    assert many.exit_code == 1 and "--snapshots 必须是 0 到 1,000 之间的整数。" in many.output
    assert count(Contest) == 0  # refused before anything was written
    crowded = runner.invoke(args=["seed-demo", "--entries", "5", "--snapshots", "1000"])
    assert crowded.exit_code == 1
    assert "演示活动开始不久（或尚未开始），容纳不下 1000 次扫描" in crowded.output
    assert (len(_seeded()), _scale_counts()[0]) == (0, 0)
