"""A month of likes, polled over real HTTP from the sandbox with a frozen clock."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.likes import history, standings
from contest.extensions import db
from contest.jobs.polling import poll_author, start_or_resume, work
from contest.jobs.ratelimit import Pacer
from contest.models import EntryStatus, EntryTally, Snapshot, SnapshotSource, Sweep
from tests.conftest import count
from tests.support.polling import OPENS, faults_lose_nothing, likes_on

CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")


def test_a_month_of_sweeps_tallies_the_last_reading_before_the_close(month, at, sweep):
    contest, entries = month
    for day in range(30):
        at(OPENS + timedelta(days=day, hours=20))
        report = sweep()
        assert (report.entries, report.snapshots, sum(report.failures.values())) == (12, 12, 0)
    at("2020-07-17T23:59:59+08:00")   # the last second inside the window
    sweep()
    at("2020-07-18T00:00:00+08:00")   # the first second outside: kept, not counted
    sweep()
    at("2020-07-18T13:00:00+08:00")   # the next day's likes (day 30) arrive after the close
    sweep()

    assert count(Sweep) == 33 and count(Snapshot) == 33 * 12
    for i, entry in enumerate(entries):
        tally = db.session.get(EntryTally, entry.id)
        # The last reading at or before 23:59:59 on July 17 saw day 29's count.
        assert (tally.likes, tally.observed_at) == (likes_on(i, 29), CLOSE)
        assert tally.source is SnapshotSource.PLATFORM
        assert (tally.latest_likes, tally.latest_observed_at) == (
            likes_on(i, 30), datetime.fromisoformat("2020-07-18T13:00:00+08:00"))
        readings = history(entry)
        assert len(readings) == 33
        assert [s.likes for s in readings[:30]] == [likes_on(i, d) for d in range(30)]
    ranking = standings(contest, limit=None)
    assert [s.entry.id for s in ranking] == [e.id for e in sorted(entries, key=lambda e: -likes_on(entries.index(e), 29))]
    assert ranking[0].likes == likes_on(11, 29)
    assert [s.rank for s in ranking] == list(range(1, 13))


def test_ties_rank_by_who_reached_the_count_first_then_by_submission(make_contest, linked_author, entry_of, at, sandbox, sweep):
    at("2020-06-18T09:00:00+08:00")
    contest = make_contest()
    a, b = linked_author("ou_a"), linked_author("ou_b")
    early = entry_of(contest, a, published="2020-06-18T10:00:00+08:00", submitted="2020-06-18T11:00:00+08:00")
    late = entry_of(contest, b, published="2020-06-18T09:30:00+08:00", submitted="2020-06-18T10:30:00+08:00")
    same_a = entry_of(contest, a, published="2020-06-18T10:10:00+08:00", submitted="2020-06-18T12:00:00+08:00")
    same_b = entry_of(contest, b, published="2020-06-18T10:20:00+08:00", submitted="2020-06-18T11:30:00+08:00")
    # Day 1: early reaches 500, late has 300; day 2: both at 500. same_a and same_b reach 200 together.
    plan = {early: [500, 500], late: [300, 500], same_a: [200, 200], same_b: [200, 200]}
    for entry, counts in plan.items():
        for day, likes in enumerate(counts, start=1):
            sandbox.control(f"videos/{entry.video_id}/stats",
                            {"digg_count": likes, "at": int((OPENS + timedelta(days=day)).timestamp())})
    at(OPENS + timedelta(days=1, hours=1))
    sweep()
    at(OPENS + timedelta(days=2, hours=1))
    sweep()
    ranking = standings(contest)
    assert [(s.entry.id, s.likes) for s in ranking] == [
        (early.id, 500), (late.id, 500),      # early reached 500 a day before late
        (same_b.id, 200), (same_a.id, 200),   # reached together: same_b was submitted first
    ]
    assert ranking[0].reached_at == OPENS + timedelta(days=1, hours=1)
    assert ranking[1].reached_at == OPENS + timedelta(days=2, hours=1)
    # Only approved entries rank, and per theme.
    late.status = EntryStatus.REJECTED
    db.session.commit()
    assert [s.entry.id for s in standings(contest)] == [early.id, same_b.id, same_a.id]
    assert standings(contest, theme=contest.themes[1]) == []


def test_a_falling_count_keeps_the_tie_rule_honest(make_contest, linked_author, entry_of, at, sandbox, sweep):
    at("2020-06-18T09:00:00+08:00")
    contest = make_contest()
    entry = entry_of(contest, linked_author("ou_a"))
    for day, likes in enumerate([100, 900, 400], start=1):
        sandbox.control(f"videos/{entry.video_id}/stats", {"digg_count": likes, "at": int((OPENS + timedelta(days=day)).timestamp())})
        at(OPENS + timedelta(days=day, hours=1))
        sweep()
    tally = db.session.get(EntryTally, entry.id)
    # It counts 400 now, and first had at least 400 when the 900 reading was taken.
    assert (tally.likes, tally.reached_at) == (400, OPENS + timedelta(days=2, hours=1))


# times: the attempts that defeat one author exactly. The client tries a retryable call twice
# (retries=1); the sweep tries a rate-limited batch 3 times, halving its pace in between; a refused
# token is refreshed and the batch asked once more. (A used-up quota stops the whole sweep's calls:
# tests/jobs/test_platform_health.py.)
@pytest.mark.parametrize(("kind", "code", "times", "failure"), [
    ("timeout", None, 2, "unavailable"), ("http_500", None, 2, "unavailable"), ("bad_json", None, 1, "unavailable"),
    ("error_code", 28001005, 2, "unavailable"), ("error_code", 28001008, 2, "auth"), ("error_code", 28001003, 2, "auth"),
    ("error_code", 28003018, 6, "rate_limited"),
])
def test_faults_lose_no_snapshot_and_stop_no_sweep(month, at, sweep, sandbox, app, kind, code, times, failure):
    faults_lose_nothing(month, at, sweep, sandbox, app, kind, code, times, failure)


def test_an_interrupted_sweep_run_again_resumes_without_duplicates(month, at, app, sweep):
    contest, entries = month
    at(OPENS + timedelta(days=2, hours=20))
    # Interrupted: only the first author's entries were read before the process died.
    sweep_row, resumed = start_or_resume(clock.now())
    plan = work(sweep_row, clock.now())
    db.session.commit()
    first_user, first_entries = next(iter(plan.items()))
    poll_author(sweep_row.id, first_user, first_entries, client=app.extensions["douyin"], pacer=Pacer(1000))
    assert count(Snapshot) == 3 and resumed is False
    at(OPENS + timedelta(days=2, hours=20, minutes=5))
    report = sweep()
    assert report.resumed is True and report.sweep_id == sweep_row.id
    assert (report.entries, report.snapshots) == (9, 9)
    per_entry = db.session.execute(
        sa.select(Snapshot.entry_id, sa.func.count()).group_by(Snapshot.entry_id)).all()
    assert sorted(n for _, n in per_entry) == [1] * 12
    assert db.session.get(Sweep, sweep_row.id).finished_at is not None
    # Running the finished sweep "again" starts a new one.
    assert sweep().sweep_id == sweep_row.id + 1


def test_a_stale_unfinished_sweep_is_closed_not_resumed(month, at, app):
    at(OPENS + timedelta(days=2))
    old, _ = start_or_resume(clock.now())
    db.session.commit()
    at(OPENS + timedelta(days=2, hours=2))
    new, resumed = start_or_resume(clock.now())
    assert (resumed, new.id != old.id, old.summary) == (False, True, "中断，未续扫")


def test_only_entries_in_play_are_polled(make_contest, linked_author, entry_of, at, sweep):
    at("2020-06-18T09:00:00+08:00")
    contest = make_contest()
    a = linked_author("ou_a")
    no_list = linked_author("ou_b", scopes="user_info,video.list.bind")
    entry_of(contest, a, status=EntryStatus.PENDING)
    entry_of(contest, a, status=EntryStatus.REJECTED)
    entry_of(contest, a, status=EntryStatus.WITHDRAWN)
    entry_of(contest, no_list)
    at("2020-06-20T09:00:00+08:00")
    assert (sweep().entries, count(Snapshot)) == (1, 1)
    at("2020-07-18T23:59:59+08:00")   # closed less than a day ago: still polled
    assert sweep().entries == 1
    at("2020-07-19T00:00:01+08:00")   # a day and more after the close: no longer
    assert sweep().entries == 0


def test_poll_likes_command_prints_one_summary_line(month, at, runner):
    at(OPENS + timedelta(days=1, hours=20))
    result = runner.invoke(args=["poll-likes", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"扫描 #1 完成：作者 4 位，作品 12 个，新快照 12 条，未返回 0 个，失败 0 位作者，用时 \d+\.\d 秒。\n",
                        result.output)


def test_poll_likes_rejects_a_bad_interval(runner, app):
    result = runner.invoke(args=["poll-likes", "--loop", "--every", "soon"])
    assert result.exit_code == 2
    assert "无法识别的间隔：soon" in result.output
