from datetime import datetime, timedelta, timezone

import pytest

from contest.domain import contests
from contest.domain.contests import parse_instant, window_contains
from contest.domain.errors import DomainError, NotFound

UTC = timezone.utc


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2020-06-18", False, datetime(2020, 6, 17, 16, 0, 0, tzinfo=UTC)),
    ("2020-07-17", True, datetime(2020, 7, 17, 15, 59, 59, tzinfo=UTC)),
    ("2020-06-18T08:30:00", False, datetime(2020, 6, 18, 0, 30, tzinfo=UTC)),
    ("2020-06-18T08:30:00+00:00", False, datetime(2020, 6, 18, 8, 30, tzinfo=UTC)),
    ("2020-06-18T08:30:00Z", True, datetime(2020, 6, 18, 8, 30, tzinfo=UTC)),
    ("2020-06-18 00:00:00.900+08:00", False, datetime(2020, 6, 17, 16, 0, 0, tzinfo=UTC)),
])
def test_parse_instant_reads_beijing_time_and_bare_dates(text, end, expected):
    assert parse_instant(text, end_of_day=end) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2020-13-01", "2020-06-31", "18/06/2020"])
def test_parse_instant_refuses_garbage_with_a_chinese_message(text):
    with pytest.raises(DomainError, match="无法识别的时间"):
        parse_instant(text, end_of_day=False)


def test_window_edges_at_beijing_midnight(make_contest):
    contest = make_contest()  # 2020-06-18 00:00:00 to 2020-07-17 23:59:59, Beijing time
    bj = lambda s: datetime.fromisoformat(s + "+08:00")  # noqa: E731
    assert not window_contains(contest, bj("2020-06-17T23:59:59.999999"))
    assert window_contains(contest, bj("2020-06-18T00:00:00"))
    assert window_contains(contest, bj("2020-07-17T23:59:59"))
    assert window_contains(contest, bj("2020-07-17T23:59:59.999999"))
    assert not window_contains(contest, bj("2020-07-18T00:00:00"))
    assert contest.opens_at == datetime(2020, 6, 17, 16, 0, tzinfo=UTC)
    assert contest.closes_at == datetime(2020, 7, 17, 15, 59, 59, tzinfo=UTC)


def test_window_refuses_naive_datetimes(make_contest):
    contest = make_contest()
    with pytest.raises(ValueError):
        window_contains(contest, datetime(2020, 6, 20))


def test_phase(make_contest):
    contest = make_contest()
    assert contests.phase(contest, contest.opens_at - timedelta(seconds=1)) == "upcoming"
    assert contests.phase(contest, contest.opens_at) == "open"
    assert contests.phase(contest, contest.closes_at + timedelta(milliseconds=999)) == "open"
    assert contests.phase(contest, contest.closes_at + timedelta(seconds=1)) == "closed"


def test_resolve_contest_by_slug_or_not_found(make_contest):
    make_contest()
    now = datetime(2020, 6, 20, tzinfo=UTC)
    assert contests.resolve_contest("zhuzhou-2020", now).slug == "zhuzhou-2020"
    with pytest.raises(NotFound, match="没有找到活动“nope”"):
        contests.resolve_contest("nope", now)


def test_resolve_contest_without_any_contest(app):
    with pytest.raises(NotFound, match="还没有创建任何活动"):
        contests.resolve_contest(None, datetime(2020, 6, 20, tzinfo=UTC))


def test_create_contest_refuses_taken_slug_and_reversed_window(make_contest):
    make_contest()
    with pytest.raises(DomainError, match="已被使用"):
        contests.create_contest(slug="zhuzhou-2020", name="x", opens_at=datetime(2021, 1, 1, tzinfo=UTC),
                                closes_at=datetime(2021, 2, 1, tzinfo=UTC))
    with pytest.raises(DomainError, match="结束时间不能早于开始时间"):
        contests.create_contest(slug="later", name="x", opens_at=datetime(2021, 2, 1, tzinfo=UTC),
                                closes_at=datetime(2021, 1, 1, tzinfo=UTC))
    with pytest.raises(DomainError, match="活动标识只能包含"):
        contests.create_contest(slug="Bad Slug", name="x", opens_at=datetime(2021, 1, 1, tzinfo=UTC),
                                closes_at=datetime(2021, 2, 1, tzinfo=UTC))


def test_moving_the_close_moves_the_tallies_with_it(make_contest, make_user):
    """docs/rules.md §7: the tally is the last reading at or before the close, wherever the close is."""
    from dataclasses import replace

    from contest.domain.likes import record_snapshot
    from contest.extensions import db
    from contest.models import EntryTally, SnapshotSource
    from tests.conftest import build_entry, video_id_at

    contest = make_contest(frozen_at="2020-07-01T12:00:00+08:00")
    entry = build_entry(contest, make_user(), video_id=video_id_at("2020-06-20T10:00:00+08:00"))
    db.session.flush()
    for day, likes in ((10, 100), (16, 300)):
        record_snapshot(entry, observed_at=datetime.fromisoformat(f"2020-07-{day}T21:00:00+08:00"), likes=likes,
                        source=SnapshotSource.PLATFORM)
    db.session.commit()
    assert db.session.get(EntryTally, entry.id).likes == 300
    earlier = parse_instant("2020-07-12", end_of_day=True)
    contests.save_contest(contest, replace(contests.values_of(contest), closes_at=earlier), actor=None,
                          now=datetime(2020, 7, 1, tzinfo=UTC), reason="提前截止")
    tally = db.session.get(EntryTally, entry.id)
    assert (tally.likes, tally.latest_likes) == (100, 300)
    contests.save_contest(contest, replace(contests.values_of(contest), closes_at=parse_instant(
        "2020-07-17", end_of_day=True)), actor=None, now=datetime(2020, 7, 1, tzinfo=UTC), reason="恢复原定截止时间")
    assert db.session.get(EntryTally, entry.id).likes == 300
