from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.errors import DomainError
from contest.domain.likes import counted, frozen, next_sweep_delay, record_snapshot
from contest.extensions import db
from contest.models import EntryTally, Snapshot, SnapshotSource

CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
M = timedelta(minutes=1)


def test_counted_and_frozen_at_the_close_second(make_contest):
    contest = make_contest()
    assert counted(contest, CLOSE) and counted(contest, CLOSE + timedelta(milliseconds=999))
    assert not counted(contest, CLOSE + timedelta(seconds=1))
    assert not frozen(contest, CLOSE) and frozen(contest, CLOSE + timedelta(seconds=1))


@pytest.mark.parametrize(("now", "expected"), [
    ("2020-07-01T12:00:00+08:00", 10 * M),               # far from the close: every 10 minutes
    ("2020-07-17T20:00:00+08:00", 150 * timedelta(seconds=1)),  # within 6 hours: a quarter of it
    # The last sweep (5 minutes long) must finish before 24:00: it starts at 23:51:30.
    ("2020-07-17T23:50:00+08:00", 90 * timedelta(seconds=1)),
    ("2020-07-17T23:52:00+08:00", 150 * timedelta(seconds=1)),  # past that moment: keep sweeping often
    ("2020-07-18T12:00:00+08:00", 10 * M),               # after the close
])
def test_next_sweep_delay(now, expected):
    assert next_sweep_delay(datetime.fromisoformat(now), every=10 * M, closes=[CLOSE],
                            last_duration=5 * M) == expected


def test_next_sweep_delay_never_longer_than_every():
    assert next_sweep_delay(datetime.fromisoformat("2020-07-17T23:00:00+08:00"), every=30 * timedelta(seconds=1),
                            closes=[CLOSE], last_duration=timedelta(0)) == 30 * timedelta(seconds=1)


@pytest.fixture
def entry(make_contest, make_user, publish, freeze):
    from contest.domain.entries import EntryRequest, submit_entry
    from contest.web.platform import douyin

    freeze("2020-06-25T12:00:00+08:00")
    contest = make_contest()
    made = submit_entry(contest, make_user(), EntryRequest(f"https://www.douyin.com/video/{publish()}", "life",
                                                           "hetang", True, False), douyin=douyin(), now=clock.now())
    db.session.commit()
    return made


def test_record_snapshot_keeps_the_tally(entry, make_user):
    staff = make_user(role="reviewer")
    record_snapshot(entry, observed_at=CLOSE - timedelta(days=1), likes=10, source=SnapshotSource.PLATFORM)
    # A manual record of an earlier moment, arriving later, does not replace the later reading.
    record_snapshot(entry, observed_at=CLOSE - timedelta(days=2), likes=50, source=SnapshotSource.MANUAL,
                    recorded_by=staff, evidence_path="2020/07/15/x.png")
    db.session.commit()
    tally = db.session.get(EntryTally, entry.id)
    assert (tally.likes, tally.observed_at, tally.source, tally.reached_at) == (
        10, CLOSE - timedelta(days=1), SnapshotSource.PLATFORM, CLOSE - timedelta(days=2))
    # The manual record is a staff action: it is in the audit trail, the platform reading is not.
    from contest.models import AuditEvent

    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.actor_id, e.target_type, e.target_id, e.changes["likes"]) for e in events] == [
        ("likes.manual", staff.id, "entry", entry.id, 50)]


def test_record_snapshot_refuses_bad_values(entry):
    with pytest.raises(DomainError, match="赞数必须是不小于 0 的整数"):
        record_snapshot(entry, observed_at=CLOSE, likes=-1, source=SnapshotSource.PLATFORM)
    with pytest.raises(DomainError, match="人工记录必须注明记录人"):
        record_snapshot(entry, observed_at=CLOSE, likes=1, source=SnapshotSource.MANUAL)
    with pytest.raises(ValueError):
        record_snapshot(entry, observed_at=datetime(2020, 7, 1), likes=1, source=SnapshotSource.PLATFORM)


def test_snapshots_are_append_only(entry):
    snapshot = record_snapshot(entry, observed_at=CLOSE, likes=5, source=SnapshotSource.PLATFORM)
    db.session.commit()
    snapshot.likes = 6
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Snapshot, snapshot.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(Snapshot.likes)) == 5
