"""``on_notice``: a contest's popularity list in its notice period, for the objections; ``NOTICE_CONTEST``, the
contest it needs. (Registered in tests/conftest.py.)"""

from datetime import datetime, timedelta
import pytest
from contest.domain import awards
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import SnapshotSource
from tests.conftest import build_entry


IN_WINDOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")


CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")


DRAFT = datetime.fromisoformat("2020-07-18T10:00:00+08:00")


NOTICE_ENDS = DRAFT + timedelta(days=5)


# The contest of the objections tests (``pytestmark = NOTICE_CONTEST``): two places on the popularity list.
NOTICE_CONTEST = pytest.mark.contest(frozen_at=IN_WINDOW, popularity_award_size=2)


@pytest.fixture
def on_notice(contest, make_user, admin, freeze):
    return awards_on_notice(contest, make_user, admin, freeze)


def awards_on_notice(contest, make_user, admin, freeze):
    """E1 (life, 500 likes), E2 (talent, 400), E3 (life, 300); the popularity list (top 2) in its
    notice from DRAFT (the excellence list is empty: no scores)."""
    entrant = make_user(nickname="作者")
    entries = {}
    for n, (theme, likes) in enumerate((("life", 500), ("talent", 400), ("life", 300)), start=1):
        entry = build_entry(contest, entrant, video_id=str(7_300_000_000_000_000_000 + n), theme=theme,
                            at=datetime.fromisoformat("2020-06-20T10:00:00+08:00") + timedelta(minutes=n),
                            caption=f"E{n}")
        db.session.flush()
        record_snapshot(entry, observed_at=CLOSE - timedelta(hours=1), likes=likes, source=SnapshotSource.PLATFORM)
        entries[f"E{n}"] = entry
    db.session.commit()
    popularity, _ = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    return popularity, entries
