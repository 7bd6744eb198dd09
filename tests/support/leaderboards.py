"""Three approved entries with readings and a pending one, for the leaderboards. (Registered in tests/conftest.py.)"""

from datetime import timedelta

import pytest

from contest import clock
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.conftest import build_entry


@pytest.fixture
def board(make_contest, make_user, freeze):
    """Three approved entries with readings, one pending: 张三丰 shows his name, 李四 does not."""
    freeze("2020-07-01T12:00:00+08:00")
    contest = make_contest()
    shown, hidden = make_user(nickname="张三丰"), make_user(nickname="李四")
    made = []
    for n, (user, theme, status, likes, show) in enumerate([
        (shown, "life", EntryStatus.APPROVED, 300, True), (hidden, "talent", EntryStatus.APPROVED, 500, False),
        (shown, "life", EntryStatus.APPROVED, 100, True), (hidden, "life", EntryStatus.PENDING, 900, False),
    ], start=1):
        now = clock.now()
        entry = build_entry(contest, user, video_id=str(6_840_000_000_000_000_000 + n), theme=theme, status=status,
                            at=now, submitted_text="x", caption=f"作品{n}", show_nickname=show)
        db.session.flush()
        record_snapshot(entry, observed_at=now - timedelta(hours=n), likes=likes, source=SnapshotSource.PLATFORM)
        made.append(entry)
    db.session.commit()
    return contest, made
