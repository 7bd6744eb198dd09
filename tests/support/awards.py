"""``field``: a finished contest's six judged entries, for the awards; ``AWARDS_CONTEST``, the contest they need.
(Registered in tests/conftest.py.)"""

from datetime import datetime, timedelta
from itertools import count as counter
import pytest
from contest.domain import judging
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.conftest import build_entry


IN_WINDOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")


CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")


DRAFT = datetime.fromisoformat("2020-07-18T10:00:00+08:00")


NOTICE_ENDS = DRAFT + timedelta(days=5)


FIELD = {
    "P1": ("life", 500, 90),
    "P2": ("talent", 400, 50),
    "P3": ("life", 300, 80),
    "P4": ("village", 200, 60),
    "P5": ("talent", 100, 70),
    "P6": ("life", 50, 40),
}


# The contest of the awards tests (``pytestmark = AWARDS_CONTEST``): two places a list, and places per
# theme (these tests check the per-theme lists too).
AWARDS_CONTEST = pytest.mark.contest(frozen_at=IN_WINDOW, popularity_award_size=2, excellence_award_size=2,
                                     theme_award_places=True)


@pytest.fixture
def field(contest, make_user):
    """Six approved entries with likes read before the close and three judges' scores.
    The judges agree, so the excellence order is P1, P3, P5, P4, P2, P6."""
    entrant = make_user(nickname="作者小王")
    judges = [make_user(role="judge", nickname=f"评委{i}") for i in range(3)]
    serial = counter(1)
    entries = {}
    for name, (theme, likes, total) in FIELD.items():
        n = next(serial)
        when = datetime.fromisoformat("2020-06-20T10:00:00+08:00") + timedelta(minutes=n)
        entry = build_entry(contest, entrant, video_id=str(7_100_000_000_000_000_000 + n), theme=theme,
                            status=EntryStatus.APPROVED, at=when, submitted_text="x", caption=f"{name} 的作品")
        db.session.flush()
        record_snapshot(entry, observed_at=CLOSE - timedelta(hours=1), likes=likes, source=SnapshotSource.PLATFORM)
        v = total // 10
        for judge in judges:
            judging.submit_score(entry, judge, {"theme": v, "creativity": v, "production": v, "zhuzhou": v},
                                 now=IN_WINDOW)
        entries[name] = entry
    db.session.commit()
    return entries
