"""Signs of bought likes (contest.domain.flags): a simulated month of organic growth
raises nothing; a planted burst, a like/play ratio and a sharp drop are flagged with
their numbers; staff decide flags with a note."""

from __future__ import annotations

import math
import random
import statistics
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import flags
from contest.domain.errors import Conflict, DomainError
from contest.domain.flags import Series, decide_flag, detect_flags, find_signs, flags_of, open_flags
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import Entry, EntryEvent, EntryStatus, FlagStatus, LikeFlag, Snapshot, SnapshotSource
from tests.conftest import count

BJ = clock.BEIJING
START = datetime(2020, 6, 18, tzinfo=BJ)      # the contest opens; the simulation starts
DAYS = 30
EVERY = 3                                      # hours between platform readings
NOW = datetime(2020, 7, 18, 12, 0, tzinfo=BJ)  # after the last reading
# Share of a daytime hour's likes that each Beijing hour brings (people sleep 0–6 h).
ACTIVITY = [0.15] * 6 + [0.6] * 2 + [1.0] * 15 + [0.6]
ACTIVE_HOURS_A_DAY = sum(ACTIVITY)


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BJ)


# --------------------------------------------------------------------------- fixtures
# make_entry(status=…): an entry submitted when the contest opened, flushed (not committed).
pytestmark = [
    pytest.mark.contest(frozen_at=NOW),
    pytest.mark.entries(status=EntryStatus.APPROVED, video_base=6_800_000_000_000_000_000,
                        at=START.astimezone(clock.UTC), submitted_text="https://v.douyin.com/T{n}/", caption="株洲 #动力株洲文旅通 @株洲足迹",
                        published_at=None, facts=None, event=False, commit=False),
]


@pytest.fixture
def staff(make_user):
    return make_user(role="reviewer", nickname="审核员")


def readings(entry: Entry, rows) -> None:
    """``rows``: (Beijing time text or aware datetime, likes[, plays]), through record_snapshot."""
    for row in rows:
        when, likes, plays = (*row, None) if len(row) == 2 else row
        record_snapshot(entry, observed_at=bj(when) if isinstance(when, str) else when, likes=likes, plays=plays,
                        source=SnapshotSource.PLATFORM)


def bulk(entry: Entry, series: list[tuple[datetime, int, int]]) -> None:
    """Many platform readings at once (the simulated worlds: the tallies are not under test)."""
    db.session.execute(sa.insert(Snapshot), [
        {"entry_id": entry.id, "observed_at": at.astimezone(clock.UTC), "likes": likes, "plays": plays,
         "source": SnapshotSource.PLATFORM} for at, likes, plays in series])


def add_world(make_entry, worlds) -> list[tuple[Entry, list]]:
    """One entry per series (every fourth pending, the rest approved), committed."""
    out = []
    for i, series in enumerate(worlds):
        entry = make_entry(status=EntryStatus.PENDING if i % 4 == 0 else EntryStatus.APPROVED)
        bulk(entry, series)
        out.append((entry, series))
    db.session.commit()
    return out


def kinds(found) -> list[tuple[int, str]]:
    return [(f.entry_id, f.kind) for f in found]


# --------------------------------------------------------------------------- simulated growth
def active_time(hours: float) -> float:
    """Active hours since START after ``hours`` of clock time (START is a Beijing midnight)."""
    whole = int(hours)
    days, rest = divmod(whole, 24)
    return days * ACTIVE_HOURS_A_DAY + sum(ACTIVITY[:rest]) + (hours - whole) * ACTIVITY[rest % 24]


def organic(rng: random.Random, *, offset_minutes: int = 0,
            final: float | None = None) -> list[tuple[datetime, int, int]]:
    """One entry's platform readings over the month: a logistic S-curve in *active* time
    (so nights are quiet) rising from 10 % to 90 % in 1.5–7 days, ±30 % noise on every
    increment, plays from a like/play ratio of 4–15 %. Readings every EVERY hours from a
    submission in the first 20 days, ``offset_minutes`` into each sweep."""
    final = final or rng.lognormvariate(7.0, 0.9)            # median ~1,100 likes
    first = EVERY * int(rng.uniform(0, 20) * 24 / EVERY)
    width = rng.uniform(8, 30)                                 # active hours
    middle = active_time(first) + rng.uniform(0.5, 4) * ACTIVE_HOURS_A_DAY
    ratio = rng.uniform(0.04, 0.15)

    def curve(hours: float) -> float:
        return final / (1 + math.exp(-(active_time(hours) - middle) / width))

    likes = curve(first)
    plays = likes / ratio + rng.uniform(100, 500)
    out = [(START + timedelta(hours=first, minutes=offset_minutes), round(likes), round(plays))]
    for hours in range(first + EVERY, DAYS * 24 + 1, EVERY):
        gained = (curve(hours) - curve(hours - EVERY)) * rng.lognormvariate(0, 0.3)
        likes += gained
        plays += gained / ratio * rng.lognormvariate(0, 0.2)
        out.append((START + timedelta(hours=hours, minutes=offset_minutes), round(likes), round(plays)))
    return out


def steady(rng: random.Random, *, day_rate: float, days: int = 7) -> list[tuple[datetime, int, int]]:
    """Readings every EVERY hours from START of an entry gaining ``day_rate`` likes in a
    daytime hour (less at night, per ACTIVITY), ±20 % noise per reading, 12 plays a like."""
    likes, plays = 100.0, 1300.0
    out = [(START, 100, 1300)]
    for hours in range(EVERY, days * 24 + 1, EVERY):
        start = (hours - EVERY) % 24
        gained = day_rate * sum(ACTIVITY[start:start + EVERY]) * rng.lognormvariate(0, 0.2)
        likes += gained
        plays += 12 * gained
        out.append((START + timedelta(hours=hours), round(likes), round(plays)))
    return out


def interval_gains(series) -> list[int]:
    return [b[1] - a[1] for a, b in zip(series, series[1:])]


def likes_at(series, when: datetime) -> float:
    """Likes at ``when``, linear between the readings around it (the oracle for the cohort)."""
    for (a, likes_a, _), (b, likes_b, _) in zip(series, series[1:]):
        if a <= when <= b:
            return likes_a + (likes_b - likes_a) * ((when - a) / (b - a))
    raise AssertionError("outside the readings")


@pytest.fixture
def month(make_entry):
    """24 entries of organic growth over the month, three of them popular (8,000–30,000
    likes), each read a minute after the one before in every sweep."""
    rng = random.Random(20200618)
    return add_world(make_entry, [
        organic(rng, offset_minutes=i, final=rng.uniform(8000, 30000) if i < 3 else None) for i in range(24)])


def test_a_month_of_organic_growth_raises_no_flag(contest, month):
    assert sum(len(series) for _, series in month) > 3000
    assert max(series[-1][1] for _, series in month) > 8000                             # some are popular
    assert max(max(interval_gains(series)) for _, series in month) >= flags.BURST_MIN_GAIN  # and steep
    assert detect_flags(contest, now=clock.now()) == []
    assert count(LikeFlag) == 0


# --------------------------------------------------------------------------- a planted burst
BURST_DAY = "2020-07-08"


def planted_readings() -> list[tuple[datetime, int, int]]:
    """A steady entry read every 3 hours: +15 likes in each night reading (00–03, 03–06)
    and +60 in each daytime one, so its hourly rates are 5 and 20 and their MAD is 0.
    On BURST_DAY an extra reading at 02:00 (+10 since midnight), then 5,000 bought
    likes by 03:00; bought likes bring no plays."""
    out, likes, bought = [], 100, 0
    for hours in range(0, DAYS * 24 + 1, EVERY):
        at = START + timedelta(hours=hours)
        if at == bj(f"{BURST_DAY}T03:00"):
            likes += 10
            out.append((bj(f"{BURST_DAY}T02:00"), likes, 2000 + 12 * likes))
            likes += 5000
            bought = 5000
        elif hours:
            likes += 15 if (at.hour - EVERY) % 24 < 6 else 60
        out.append((at, likes, 2000 + 12 * (likes - bought)))
    return out


def test_a_planted_burst_at_night_is_flagged_with_its_numbers(contest, month, make_entry):
    planted = make_entry()
    series = planted_readings()
    readings(planted, series)
    db.session.commit()

    found = detect_flags(contest, now=clock.now())
    db.session.commit()

    assert kinds(found) == [(planted.id, "night_surge"), (planted.id, "burst")]
    night, burst = flags_of(planted)
    assert [f.id for f in found] == [night.id, burst.id]
    assert all(f.status is FlagStatus.OPEN for f in (night, burst))

    # The burst: 02:00–03:00, against its own last day (rates 5, 5, 20 ×6, 5: median 20,
    # MAD 0, so the spread floor and the fold decide) and the cohort in the same hour.
    t0, t1 = bj(f"{BURST_DAY}T02:00"), bj(f"{BURST_DAY}T03:00")
    assert (burst.window_start, burst.window_end) == (t0, t1)
    cohort = [likes_at(s, t1) - likes_at(s, t0) for _, s in month if s[0][0] <= t0 and s[-1][0] >= t1]
    median = statistics.median(cohort)
    spread = 1.4826 * statistics.median([abs(r - median) for r in cohort])
    before = likes_at(series, t0)
    assert burst.numbers == {
        "likes_before": before, "likes_after": before + 5000, "new_likes": 5000, "hours": 1.0,
        "rate_per_hour": 5000.0, "own_intervals": 9, "own_median_per_hour": 20.0, "own_spread_per_hour": 0.0,
        "own_threshold_per_hour": 400.0,  # max(20 + 6 × 1 (floor), 20 × 20)
        "cohort_size": len(cohort), "cohort_median_per_hour": round(median, 1),
        "cohort_spread_per_hour": round(spread, 1),
        "cohort_threshold_per_hour": round(max(median + 6 * max(spread, 1), 10 * median), 1),
    }
    assert len(cohort) == 24 and median == 0  # at 02:00 most entries gain nothing
    assert burst.message == (
        f"{BURST_DAY} 02:00 至 03:00（北京时间）每小时新增 5,000 个赞（1 小时共 5,000 个），"
        "是该作品前一天中位数（每小时 20 个）的 250 倍，而同期其他 24 个作品几乎没有增长（中位数每小时 0 个）。")

    # The night: 00:00–06:00 brought 10 + 5,000 + 15 of the day's 5,025 + 6 × 60 likes.
    d0, d6, d24 = bj(f"{BURST_DAY}T00:00"), bj(f"{BURST_DAY}T06:00"), bj(f"{BURST_DAY}T00:00") + timedelta(days=1)
    assert (night.window_start, night.window_end) == (d0, d6)
    shares = [(likes_at(s, d6) - likes_at(s, d0)) / (likes_at(s, d24) - likes_at(s, d0))
              for _, s in month if s[0][0] <= d0 and s[-1][0] >= d24 and likes_at(s, d24) - likes_at(s, d0) >= 10]
    night_median = statistics.median(shares)
    assert night.numbers == {
        "date": BURST_DAY, "night_likes": 5025, "day_likes": 5385, "night_share": 0.933,
        "cohort_night_share": round(night_median, 3), "cohort_size": len(shares),
    }
    assert night_median < 0.1
    assert night.message == (
        f"{BURST_DAY} 00:00 至 06:00（北京时间）新增 5,025 个赞，占当天增长（5,385 个）的 93%；"
        f"同日其他 {len(shares)} 个作品夜间增长占当天的比例，中位数仅 {night_median:.0%}。")


def test_a_popular_steady_entry_is_not_a_burst(contest, make_entry):
    rng = random.Random(7)
    world = add_world(make_entry, [steady(rng, day_rate=30) for _ in range(20)] + [steady(rng, day_rate=300)])
    popular = world[-1][1]
    assert max(interval_gains(popular)) >= flags.BURST_MIN_GAIN  # every daytime reading passes the gate
    assert popular[-1][1] > 8 * statistics.median(s[-1][1] for _, s in world[:-1])
    assert detect_flags(contest, now=clock.now()) == []


def hourly(entry_id: int, gains: list[int]) -> Series:
    at, likes, rows = START, 100, [(START, 100, None)]
    for gain in gains:
        at, likes = at + timedelta(hours=1), likes + gain
        rows.append((at, likes, None))
    return Series.of(entry_id, rows)


def test_a_burst_must_be_far_above_the_cohort_too():
    """All entries surge in the same hour (the contest was promoted): no burst. One
    entry alone: a burst."""
    everyone = [hourly(n, [20] * 30 + [1000]) for n in range(1, 9)]
    assert find_signs(everyone) == []
    alone = [hourly(1, [20] * 30 + [1000])] + [hourly(n, [20] * 31) for n in range(2, 9)]
    (burst,) = find_signs(alone)
    assert (burst.entry_id, burst.kind) == (1, "burst")
    assert burst.numbers["own_threshold_per_hour"] == 400.0
    assert (burst.numbers["cohort_median_per_hour"], burst.numbers["cohort_threshold_per_hour"]) == (20.0, 200.0)


def test_a_new_entry_is_judged_against_the_cohort_alone_and_strictly():
    cohort = [hourly(n, [10, 10]) for n in range(1, 7)]
    launch = Series.of(7, [(START, 0, None), (bj("2020-06-18T01:00"), 1500, None),
                           (bj("2020-06-18T02:00"), 4500, None)])
    (burst,) = find_signs(cohort + [launch])
    # 1,500 in its first hour is below the 2,000 an hour asked of a new entry; 3,000 is not.
    assert (burst.entry_id, burst.window_start) == (7, bj("2020-06-18T01:00"))
    assert burst.numbers == {
        "likes_before": 1500, "likes_after": 4500, "new_likes": 3000, "hours": 1.0, "rate_per_hour": 3000.0,
        "own_intervals": 1, "own_median_per_hour": None, "own_spread_per_hour": None,
        "own_threshold_per_hour": None, "cohort_size": 6, "cohort_median_per_hour": 10.0,
        "cohort_spread_per_hour": 0.0, "cohort_threshold_per_hour": 2000.0,
    }
    assert burst.message == (
        "2020-06-18 01:00 至 02:00（北京时间）每小时新增 3,000 个赞（1 小时共 3,000 个）；"
        "该作品此前一天的读数不足 4 段，只与同期其他作品比较，"
        "也远高于同期其他 6 个作品（中位数每小时 10 个，是其 300 倍）。")


# --------------------------------------------------------------------------- ratio and drop
def test_likes_out_of_proportion_to_plays_are_flagged_once_a_run(contest, make_entry):
    high, impossible, fine = make_entry(), make_entry(), make_entry()
    readings(high, [("2020-06-20T10:00", 800, 10_000), ("2020-06-20T13:00", 6000, 10_500),
                    ("2020-06-20T16:00", 6100, 11_000),   # still high: the same run
                    ("2020-06-20T19:00", 6200, 40_000),   # 15.5 %: the run ends
                    ("2020-06-21T10:00", 30_000, 45_000)])  # a new run
    readings(impossible, [("2020-06-20T10:00", 30, 20),  # likes > plays, but too few to mean anything
                          ("2020-06-20T13:00", 120, 90)])
    readings(fine, [("2020-06-20T10:00", 100, 150),       # 67 %, but under 200 plays
                    ("2020-06-20T13:00", 500, 0),         # 0 plays: the platform did not say
                    ("2020-06-20T16:00", 520, None), ("2020-06-20T19:00", 530, 5000)])
    db.session.commit()

    found = detect_flags(contest, now=clock.now())

    assert kinds(found) == [(high.id, "ratio"), (high.id, "ratio"), (impossible.id, "ratio")]
    first, second, third = found
    assert (first.window_start, first.window_end) == (bj("2020-06-20T13:00"), bj("2020-06-20T13:00"))
    assert first.numbers == {"likes": 6000, "plays": 10_500, "ratio": 0.571, "ceiling": 0.5,
                             "likes_exceed_plays": False}
    assert first.message == ("2020-06-20 13:00（北京时间）的读数：赞 6,000 个、播放 10,500 次，赞数是播放次数的 57%，"
                             "高于 50% 的上限（抖音正常作品一般为 10%–20%）。")
    assert second.window_start == bj("2020-06-21T10:00")
    assert second.numbers["ratio"] == 0.667
    assert third.numbers == {"likes": 120, "plays": 90, "ratio": 1.333, "ceiling": 0.5, "likes_exceed_plays": True}
    assert third.message == "2020-06-20 13:00（北京时间）的读数：赞 120 个，多于播放次数（90 次），正常情况下不可能出现。"


def test_a_sharp_drop_is_flagged_and_small_or_mild_ones_are_not(contest, make_entry):
    sharp, mild, small, rejected = (make_entry(), make_entry(), make_entry(), make_entry(status=EntryStatus.REJECTED))
    readings(sharp, [("2020-06-20T08:00", 6000), ("2020-06-20T11:00", 4500), ("2020-06-20T14:00", 4600)])
    readings(mild, [("2020-06-20T08:00", 10_000), ("2020-06-20T11:00", 8500)])   # 15 %
    readings(small, [("2020-06-20T08:00", 400), ("2020-06-20T11:00", 320)])      # 80 likes
    readings(rejected, [("2020-06-20T08:00", 6000), ("2020-06-20T11:00", 1000)])  # not examined
    db.session.commit()

    assert detect_flags(contest, now=bj("2020-06-20T10:00")) == []  # the drop is not observed yet
    found = detect_flags(contest, now=clock.now())

    assert kinds(found) == [(sharp.id, "drop")]
    (drop,) = found
    assert (drop.window_start, drop.window_end) == (bj("2020-06-20T08:00"), bj("2020-06-20T11:00"))
    assert drop.numbers == {"likes_before": 6000, "likes_after": 4500, "fall": 1500, "fraction": 0.25}
    assert drop.message == ("2020-06-20 08:00 至 11:00（北京时间）赞数从 6,000 个降到 4,500 个，减少 1,500 个（25%）；"
                            "平台清理刷来的赞时常出现这种下降。")


# --------------------------------------------------------------------------- idempotency and decisions
@pytest.fixture
def two_flags(contest, make_entry):
    """An entry with a drop and then a ratio out of range: two open flags, committed."""
    entry = make_entry()
    readings(entry, [("2020-06-20T08:00", 6000, 60_000), ("2020-06-20T11:00", 4500, 61_000),
                     ("2020-06-20T14:00", 4600, 8000)])
    db.session.commit()
    found = detect_flags(contest, now=clock.now())
    db.session.commit()
    assert kinds(found) == [(entry.id, "drop"), (entry.id, "ratio")]
    return entry, found


def test_detect_flags_twice_creates_nothing_new(contest, two_flags, staff):
    entry, (drop, ratio) = two_flags
    assert count(LikeFlag) == 2
    assert detect_flags(contest, now=clock.now()) == []
    assert count(LikeFlag) == 2
    decide_flag(drop, decision="clear", note="平台数据波动", staff=staff, now=clock.now())
    db.session.commit()
    assert detect_flags(contest, now=clock.now()) == []  # a cleared flag is not raised again
    assert count(LikeFlag) == 2


def test_decide_flag_clear_and_confirm_record_who_when_and_why(contest, two_flags, staff):
    entry, (drop, ratio) = two_flags
    version, events = entry.version, count(EntryEvent)

    decide_flag(drop, decision="clear", note="  抖音后台确认是统计延迟。 ", staff=staff, now=bj("2020-06-21T09:00"))
    decide_flag(ratio, decision="confirm", note="播放量与赞数明显不符，已联系参赛者。", staff=staff,
                now=bj("2020-06-21T09:30"))
    db.session.commit()
    db.session.expire_all()

    drop, ratio = flags_of(entry)
    assert (drop.status, drop.decided_by_id, drop.decided_at, drop.decision_note) == (
        FlagStatus.CLEARED, staff.id, bj("2020-06-21T09:00"), "抖音后台确认是统计延迟。")
    assert (ratio.status, ratio.decided_by_id, ratio.decided_at, ratio.decision_note) == (
        FlagStatus.CONFIRMED, staff.id, bj("2020-06-21T09:30"), "播放量与赞数明显不符，已联系参赛者。")
    # A confirmed flag is no disqualification: the entry is as it was.
    assert (entry.status, entry.version, count(EntryEvent)) == (EntryStatus.APPROVED, version, events)
    assert open_flags(contest) == []


def test_decide_flag_refuses_an_empty_note_a_decided_flag_and_non_staff(contest, two_flags, staff, make_user):
    entry, (drop, ratio) = two_flags
    for note in ("", "   ", None):
        with pytest.raises(DomainError, match="^请填写处理说明。$"):
            decide_flag(drop, decision="confirm", note=note, staff=staff, now=clock.now())
    with pytest.raises(DomainError, match="处理方式"):
        decide_flag(drop, decision="ban", note="刷赞", staff=staff, now=clock.now())
    with pytest.raises(DomainError, match="工作人员"):
        decide_flag(drop, decision="clear", note="没问题", staff=make_user(), now=clock.now())
    assert drop.status is FlagStatus.OPEN and drop.decided_by_id is None

    decide_flag(drop, decision="clear", note="数据波动", staff=staff, now=clock.now())
    with pytest.raises(Conflict, match="已处理"):
        decide_flag(drop, decision="confirm", note="改判", staff=staff, now=clock.now())
    assert (drop.status, drop.decision_note) == (FlagStatus.CLEARED, "数据波动")
    assert open_flags(contest) == [ratio]
    assert flags_of(entry) == [drop, ratio]
