"""A real ``poll-likes`` process killed in the middle of a sweep, then run again: every entry ends
with exactly one reading for that sweep, none lost and none read twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from contest import clock
from contest.extensions import db
from contest.models import Snapshot, Sweep
from tests.conftest import count, make_environ

ROOT = Path(__file__).resolve().parents[2]
AUTHORS, PER_AUTHOR = 6, 4
ENTRIES = AUTHORS * PER_AUTHOR


def poll_likes(database_url: str, sandbox_url: str) -> subprocess.Popen:
    """``flask --app contest poll-likes`` in a process of its own, on the test's database: one author
    at a time and one video per request, so a sweep is many small steps; retries enough to wait
    out the sandbox's rate limit instead of giving authors up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")} | make_environ(
        database_url, sandbox_url, CONTEST_POLL_CONCURRENCY="1", CONTEST_DOUYIN_BATCH_SIZE="1",
        CONTEST_DOUYIN_RETRIES="10", CONTEST_DOUYIN_BACKOFF="0.2")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "contest", "poll-likes"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshots_now() -> dict[int, tuple]:
    db.session.rollback()  # a fresh look at what the other process committed
    return {s.id: (s.entry_id, s.sweep_id, s.likes, s.observed_at) for s in db.session.scalars(sa.select(Snapshot))}


def test_a_sweep_killed_midway_and_run_again_loses_and_duplicates_nothing(app, database_url, sandbox, make_contest,
                                                                         linked_author, entry_of):
    today = clock.to_local(clock.now()).date()  # the subprocess runs on the real clock
    contest = make_contest(slug="live", opens=(today - timedelta(days=10)).isoformat(),
                           closes=(today + timedelta(days=20)).isoformat())
    authors = [linked_author(f"ou_kill_{i}") for i in range(AUTHORS)]
    entries = [entry_of(contest, authors[i % AUTHORS], likes=100 + i) for i in range(ENTRIES)]
    # One video_data call a second: the sweep takes about ENTRIES seconds.
    sandbox.control("rate-limit", {"endpoint": "video_data", "per_second": 1})

    first = poll_likes(database_url, sandbox.url)
    deadline = time.monotonic() + 60
    while len(snapshots_now()) < 3:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the sweep wrote no reading in a minute"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL

    before = snapshots_now()
    sweep = db.session.scalar(sa.select(Sweep))
    assert count(Sweep) == 1 and sweep.finished_at is None
    assert 3 <= len(before) < ENTRIES
    assert {sweep_id for _, sweep_id, _, _ in before.values()} == {sweep.id}

    sandbox.control("rate-limit", {"endpoint": "video_data", "per_second": 0})
    second = poll_likes(database_url, sandbox.url)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert re.fullmatch(rf"续扫 #{sweep.id} 完成：作者 \d 位，作品 {ENTRIES - len(before)} 个，新快照 {ENTRIES - len(before)} 条，"
                        r"未返回 0 个，失败 0 位作者，用时 \d+\.\d 秒。\n", out), out

    after = snapshots_now()
    assert {k: after[k] for k in before} == before  # what the killed process wrote stands as it was
    per_entry = sorted((entry_id, sweep_id) for entry_id, sweep_id, _, _ in after.values())
    assert per_entry == sorted((e.id, sweep.id) for e in entries)
    assert sorted(likes for _, _, likes, _ in after.values()) == list(range(100, 100 + ENTRIES))
    db.session.expire_all()
    finished = db.session.get(Sweep, sweep.id)
    assert (count(Sweep), finished.snapshots, finished.failures) == (1, ENTRIES, 0)
    assert finished.finished_at is not None
