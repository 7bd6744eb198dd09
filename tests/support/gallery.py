"""A contest and a way to add approved entries with likes, for the gallery. (Registered in tests/conftest.py.)"""

from datetime import datetime, timedelta
import pytest
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.conftest import build_entry, video_id_at


NOW = "2020-06-25T12:00:00+08:00"


START = datetime.fromisoformat("2020-06-20T08:00:00+08:00")


@pytest.fixture
def add(contest, make_user):
    """``add(caption, …)``: an entry of ``contest`` (approved by default), approved ``minutes`` after
    June 20 08:00 Beijing time, by a citizen 张三丰 of its own (``user=`` to share one), with
    ``likes`` read at 10:00 and any other column from ``fields``. (tests/blueprints/test_gallery.py
    uses it too.)"""
    serial = iter(range(1, 10_000))

    def _add(caption="株洲的早晨 #动力株洲文旅通 @株洲足迹", *, status=EntryStatus.APPROVED, theme="life",
             area="hetang", minutes=0, user=None, of=None, likes=None, **fields):
        entry = build_entry(of or contest, user or make_user(nickname="张三丰"), video_id=video_id_at(NOW, next(serial)),
                            theme=theme, area=area, status=status, at=START + timedelta(minutes=minutes),
                            caption=caption, **fields)
        db.session.flush()
        if likes is not None:
            record_snapshot(entry, observed_at=START + timedelta(hours=2), likes=likes, source=SnapshotSource.PLATFORM)
        db.session.commit()
        return entry
    return _add
