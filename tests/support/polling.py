"""A month of likes scheduled in the sandbox, and the faults check shared with the reliability tests. (Registered in tests/conftest.py.)"""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import DouyinAccount, Snapshot


OPENS = datetime.fromisoformat("2020-06-18T00:00:00+08:00")


def likes_on(entry_index: int, day: int) -> int:
    """An organic-looking, deterministic curve per entry (day 0 = June 18)."""
    return (entry_index + 1) * 37 * day + (day * day * (entry_index % 3))


@pytest.fixture
def month(make_contest, linked_author, entry_of, at, sandbox):
    at("2020-06-18T09:00:00+08:00")
    contest = make_contest()
    authors = [linked_author(f"ou_author_{i}") for i in range(4)]
    entries = [entry_of(contest, authors[i % 4], published=f"2020-06-18T1{i % 10}:00:00+08:00") for i in range(12)]
    # Each video's likes, scheduled day by day in the sandbox (its clock moves with ours).
    for i, entry in enumerate(entries):
        for day in range(0, 32):
            sandbox.control(f"videos/{entry.video_id}/stats", {
                "digg_count": likes_on(i, day), "play_count": 1000 + likes_on(i, day) * 10,
                "at": int((OPENS + timedelta(days=day, hours=12)).timestamp())})
    return contest, entries


def faults_lose_nothing(month, at, sweep, sandbox, app, kind, code, times, failure):
    """Faults that defeat one author's reads lose no snapshot and stop no sweep; the next sweep reads everybody."""
    contest, entries = month
    app.extensions["douyin"].timeout = 0.3
    app.extensions["douyin"].retries = 1
    app.extensions["douyin"].backoff = 0.01
    at(OPENS + timedelta(days=3, hours=20))
    # Enough faults to defeat every retry for whichever author is read first, and no more.
    sandbox.control("faults", {"endpoint": "video_data", "kind": kind, "code": code, "times": times, "seconds": 1.0})
    report = sweep(concurrency=1)
    assert sum(report.failures.values()) == 1 and report.failures[failure] == 1
    assert report.snapshots == 9  # the three other authors' entries
    before = {s.id: (s.entry_id, s.likes) for s in db.session.scalars(sa.select(Snapshot))}
    # The next sweep reads everybody, the failed author included (unless their grant is gone).
    at(OPENS + timedelta(days=4, hours=20))
    again = sweep(concurrency=1)
    after = {s.id: (s.entry_id, s.likes) for s in db.session.scalars(sa.select(Snapshot))}
    assert all(after[k] == v for k, v in before.items())  # nothing lost or changed
    needs_reauth = db.session.scalar(sa.select(sa.func.count()).where(DouyinAccount.needs_reauth.is_(True)))
    assert again.snapshots == 12 - 3 * needs_reauth
