"""Which contest is the default: the one people are living (docs/rules.md §11), at every phase
boundary, with the one clock frozen; and the phase every page shows, in plain Chinese."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contest.domain import contests
from contest.extensions import db
from contest.models.awards import AwardKind, AwardList, AwardStatus


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


def award_lists(contest, status: AwardStatus, *, notice: tuple[str, str] = ("2020-07-20T10:00:00", "2020-07-25T10:00:00"),
                published: str | None = None) -> None:
    """Both award lists of ``contest`` in ``status`` (as the awards rules leave them), committed."""
    starts, ends = bj(notice[0]), bj(notice[1])
    for kind in AwardKind:
        db.session.add(AwardList(contest_id=contest.id, kind=kind, version=1, status=status, notice_starts_at=starts,
                                 notice_ends_at=ends, published_at=bj(published) if published else None,
                                 created_at=starts))
    db.session.commit()


def default(at: str, **kwargs) -> str | None:
    found = contests.current_contest(bj(at), **kwargs)
    return found.slug if found else None


def phase(contest, at: str) -> tuple[str, str]:
    found = contests.contest_phase(contest, bj(at))
    return found.key, found.label


@pytest.fixture
def this_year(make_contest):
    return make_contest("a-2020", "2020-06-18", "2020-07-17", name="2020 活动")


@pytest.fixture
def next_year(make_contest):
    return make_contest("b-2021", "2021-06-18", "2021-07-17", name="2021 活动")


def test_an_open_contest_is_the_default_even_when_the_next_one_exists(this_year, next_year):
    assert default("2020-06-18T00:00:00") == "a-2020"
    assert default("2020-07-17T23:59:59") == "a-2020"
    assert phase(this_year, "2020-07-17T23:59:59") == ("open", "进行中")
    assert phase(next_year, "2020-07-17T23:59:59") == ("upcoming", "未开始")


def test_a_closed_contest_in_judging_stays_the_default_not_the_upcoming_one(this_year, next_year):
    assert default("2020-07-18T00:00:00") == "a-2020"
    assert phase(this_year, "2020-07-18T00:00:00") == ("judging", "已截止，评审中")
    assert default("2021-06-17T23:59:59") == "a-2020"  # still judging: nothing was ever published


def test_a_contest_in_its_public_notice_is_the_default_until_published(this_year, next_year):
    award_lists(this_year, AwardStatus.NOTICE)
    assert default("2020-07-22T12:00:00") == "a-2020"
    assert phase(this_year, "2020-07-22T12:00:00") == ("notice", "公示中（至7月25日 10:00）")
    # The period is over but the lists wait for publication (an objection to answer): still in its notice.
    assert default("2020-07-30T12:00:00") == "a-2020"
    assert phase(this_year, "2020-07-30T12:00:00")[0] == "notice"


def test_published_results_stay_the_default_for_the_configured_days(this_year, next_year):
    award_lists(this_year, AwardStatus.PUBLISHED, published="2020-08-01T10:00:00")
    assert phase(this_year, "2020-08-02T00:00:00") == ("published", "已公布")
    assert default("2020-08-30T10:00:00") == "a-2020"        # published 29 days ago
    assert default("2020-08-31T09:59:59") == "a-2020"        # the last second of the 30th day
    assert default("2020-08-31T10:00:00") == "b-2021"        # 30 days: no longer live; the next to open
    assert default("2020-09-01T10:00:00") == "b-2021"        # 31 days ago
    assert default("2020-08-30T10:00:00", recent_days=10) == "b-2021"
    assert default("2020-08-10T09:59:59", recent_days=10) == "a-2020"


def test_an_upcoming_contest_becomes_the_default_when_it_opens(this_year, next_year):
    award_lists(this_year, AwardStatus.NOTICE, notice=("2021-06-10T10:00:00", "2021-06-20T10:00:00"))
    assert default("2021-06-17T23:59:59") == "a-2020"
    assert default("2021-06-18T00:00:00") == "b-2021"  # open beats a contest announcing its results
    bar = contests.season(next_year, bj("2021-06-18T00:00:00"))
    assert [(c.slug, p.key) for c, p in bar.others] == [("a-2020", "notice")]


def test_two_live_contests_the_one_that_closes_first_with_the_other_a_tap_away(make_contest):
    short = make_contest("short-2020", "2020-06-18", "2020-07-17", name="短期活动")
    long = make_contest("long-2020", "2020-06-01", "2020-08-31", name="长期活动")
    assert default("2020-07-01T12:00:00") == "short-2020"
    at = bj("2020-07-01T12:00:00")
    assert [(c.slug, p.key) for c, p in contests.live_contests(at)] == [("short-2020", "open"), ("long-2020", "open")]
    assert [c.slug for c, _ in contests.season(short, at).others] == ["long-2020"]
    assert [c.slug for c, _ in contests.season(long, at).others] == ["short-2020"]
    # short closes: the open one comes first, the one in judging is a tap away.
    assert default("2020-07-18T00:00:00") == "long-2020"
    assert [c.slug for c, _ in contests.season(long, bj("2020-07-18T00:00:00")).others] == ["short-2020"]
    # Both closed and in judging: the one that closed first.
    assert default("2020-09-01T00:00:00") == "short-2020"


def test_nothing_live_the_next_to_open_else_the_one_that_closed_last(make_contest):
    old = make_contest("a-2019", "2019-06-18", "2019-07-17")
    award_lists(old, AwardStatus.PUBLISHED, notice=("2019-07-20T10:00:00", "2019-07-25T10:00:00"),
                published="2019-07-26T10:00:00")
    assert default("2019-01-01T00:00:00") == "a-2019"   # upcoming, and nothing else exists
    assert default("2020-01-01T00:00:00") == "a-2019"   # nothing live, nothing to open: the last to close
    assert contests.live_contests(bj("2020-01-01T00:00:00")) == []
    make_contest("b-2020", "2020-06-18", "2020-07-17")
    assert default("2020-01-01T00:00:00") == "b-2020"   # nothing live: the next to open
    bar = contests.season(old, bj("2020-01-01T00:00:00"))
    assert (bar.phase.key, bar.others) == ("published", [])


def test_no_contest_at_all(app):
    assert contests.current_contest(bj("2020-06-20T00:00:00")) is None


def test_next_boundary_includes_the_end_of_the_recent_results(this_year, next_year):
    award_lists(this_year, AwardStatus.PUBLISHED, published="2020-08-01T10:00:00")
    assert contests.next_boundary(bj("2020-08-02T00:00:00")) == bj("2020-08-31T10:00:00")
    assert contests.next_boundary(bj("2020-08-02T00:00:00"), recent_days=0) == bj("2021-06-18T00:00:00")
    assert contests.next_boundary(bj("2020-08-31T10:00:00")) == bj("2021-06-18T00:00:00")
    assert contests.next_boundary(bj("2020-07-01T00:00:00")) == bj("2020-07-18T00:00:00")
    assert contests.next_boundary(bj("2022-01-01T00:00:00")) is None


def test_all_contests_carry_their_phase(this_year, next_year):
    award_lists(this_year, AwardStatus.PUBLISHED, published="2020-08-01T10:00:00")
    at = bj("2020-12-01T00:00:00")
    assert [(c.slug, p.key, p.label) for c, p in contests.all_contests(at)] == [
        ("b-2021", "upcoming", "未开始"), ("a-2020", "published", "已公布")]


def test_one_season_boundary_by_boundary_through_the_awards_rules(this_year, next_year, make_user, freeze, client):
    """The whole season with the real award rules, second by second at each boundary: open →
    closed (judging) → notice → published → the recent days run out; next year's contest, created
    early, takes over only then; the home page follows the same default."""
    from contest.domain import awards
    from contest.domain.likes import record_snapshot
    from contest.models import SnapshotSource
    from tests.conftest import build_entry

    entry = build_entry(this_year, make_user(nickname="作者"), video_id="7350000000000000001",
                        at=bj("2020-06-20T10:00:00"), caption="作品")
    db.session.flush()
    record_snapshot(entry, observed_at=bj("2020-07-17T20:00:00"), likes=10, source=SnapshotSource.PLATFORM)
    db.session.commit()
    admin = make_user(role="admin")
    assert (default("2020-06-17T23:59:59"), phase(this_year, "2020-06-17T23:59:59")[0]) == ("a-2020", "upcoming")
    assert (default("2020-06-18T00:00:00"), phase(this_year, "2020-06-18T00:00:00")[0]) == ("a-2020", "open")
    assert (default("2020-07-18T00:00:00"), phase(this_year, "2020-07-18T00:00:00")[0]) == ("a-2020", "judging")
    drafted = freeze(bj("2020-07-20T10:00:00"))
    awards.draft_awards(this_year, staff=admin, now=drafted, notice_days=5, short_reason="只有一件作品。")
    db.session.commit()
    assert phase(this_year, "2020-07-20T10:00:00") == ("notice", "公示中（至7月25日 10:00）")
    assert default("2020-07-25T10:00:00") == "a-2020"       # the period is over, not yet published
    freeze(bj("2020-07-25T10:00:00"))
    assert '<span class="phase-badge phase-notice">公示中（至7月25日 10:00）</span>' in client.get("/").get_data(as_text=True)
    awards.publish_awards(this_year, staff=admin, now=bj("2020-07-26T10:00:00"))
    db.session.commit()
    assert phase(this_year, "2020-07-26T10:00:00") == ("published", "已公布")
    assert default("2020-08-25T09:59:59") == "a-2020"       # the last second of the 30 days
    assert default("2020-08-25T10:00:00") == "b-2021"       # nothing live: the next to open
    assert default("2021-06-18T00:00:00") == "b-2021"
