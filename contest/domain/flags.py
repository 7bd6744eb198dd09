"""Signs of bought likes: flags for staff, never an automatic disqualification.

:func:`detect_flags` reads every snapshot (platform and manual alike) of the contest's
pending and approved entries that was observed at or before ``now``, in observation
order, and records the signs below as :class:`LikeFlag` rows, each with a Chinese
message that says why and a ``numbers`` dict of every figure used. Staff clear or
confirm a flag with a note (:func:`decide_flag`); a confirmed flag changes nothing by
itself: disqualifying an entry is a separate, deliberate step.

Terms
-----
* **Interval**: two consecutive readings of one entry (``window_start``/``window_end``
  are their ``observed_at``). Readings taken at the same instant form no interval.
* **New likes** of an interval: how far the later reading rises above the highest
  earlier reading (never negative), so that a count returning after a dip is not
  counted twice. The **rate** is new likes per hour of the interval.
* **Robust spread**: the scaled median absolute deviation, ``1.4826 · MAD`` (equal to
  the standard deviation for normal data, unmoved by a few outliers), floored at
  ``SPREAD_FLOOR`` like/hour so that a perfectly regular history (MAD = 0) does not make
  every small wobble "far above".
* **Cohort**: the contest's *other* pending and approved entries. For a window
  ``[t0, t1]``, an entry of the cohort takes part when its readings span the window; its
  rate is ``(L(t1) − L(t0)) / hours``, with ``L`` interpolated linearly between its
  readings (so entries read at other moments are still comparable). Above
  ``COHORT_SAMPLE`` entries, a systematic sample (every n-th entry by id) stands in for
  the cohort: the median of 2,000 values lies within about one percentile of the true
  median, far finer than the tenfold margins below. Fewer than ``COHORT_MIN`` comparable
  entries: the cohort cannot judge (see each rule).

Rules
-----
``burst``
    An interval whose new likes are at least ``BURST_MIN_GAIN`` (so that small entries
    never trip it) and whose rate is *far above* both

    * the entry's own baseline: the rates of its intervals that ended in the
      ``BURST_BASELINE`` (24 h) before this interval began, at least
      ``BURST_MIN_HISTORY`` of them. A whole day and night, so that a morning is not
      compared with the night alone; only the last day, so that an entry that has grown
      is compared with what it is now. Far above: over ``median + BURST_K · spread``
      and at least ``BURST_OWN_FOLD`` times the median;
    * the cohort's rates over the same window: over ``median + BURST_K · spread`` and
      at least ``BURST_COHORT_FOLD`` times the median. A contest-wide surge (the
      organisers promote the contest) moves the cohort too and is no burst.

    Without enough own history (a new entry, sparse readings) the cohort alone decides,
    more strictly: at least ``BURST_COHORT_ONLY_FOLD`` times the cohort median **and**
    ``BURST_COHORT_ONLY_MIN_RATE`` likes an hour. A video's first hours are organically
    its fastest and most entries are quiet at any moment, so a fold alone would flag
    every popular launch; a purchased package delivers thousands of likes within an
    hour. Without a cohort, the own baseline alone decides; with neither, nothing.

``ratio``
    A reading with known plays (``plays`` > 0; the platform reports 0 when it does not
    know) where likes/plays exceeds ``RATIO_CEILING`` with at least ``RATIO_MIN_PLAYS``
    plays, or where likes exceed plays with at least ``RATIO_IMPOSSIBLE_MIN_LIKES`` likes
    (a like without a play cannot happen). Organic Douyin videos rarely pass 10–20 %;
    bought likes come without plays. One flag per run of such readings, at its first
    reading (``window_start == window_end``); a new run after a normal reading is a new
    flag.

``night_surge``
    For a Beijing day D, once readings span all of it: the entry's new likes between
    00:00 and 06:00 (interpolated) are at least ``NIGHT_MIN_LIKES`` and at least
    ``NIGHT_MIN_SHARE`` of its growth from 00:00 to 24:00, while the median night share
    of the cohort that day (entries that grew at least ``NIGHT_COHORT_MIN_GAIN`` likes)
    is at most ``NIGHT_COHORT_MAX_SHARE``. The readings around 00:00 and 06:00 must be at
    most ``NIGHT_MAX_GAP`` apart, else the night cannot be told from the evening. Without
    a cohort the entry's own figures decide. Window: D 00:00 to 06:00 Beijing time.

``drop``
    A reading at least ``DROP_MIN_FRACTION`` and ``DROP_MIN_LIKES`` below the previous
    reading: platforms remove bought likes in bulk.

Why these numbers
-----------------
Judgement, checked against a simulation rather than fitted to it: 1,000 simulated months
(24 entries each, several reaching 8,000–30,000 likes; logistic S-curves in "active
time" rising from 10 % to 90 % in 1.5–7 days; ±30 % noise per 3-hourly reading; quiet
nights) raised no flag, while +1,000, +2,000 and +5,000 likes planted into one reading
of a random entry were flagged 93 %, 96 % and 98 % of the time. The steepest organic
take-offs reached about 11 times their previous day's median rate, hence an own fold of
20. A baseline of *all* earlier intervals, tried first, flagged most organic take-offs:
the slow start of an S-curve drags that median down. Small purchases (a few hundred
likes spread over hours) are beyond rates; the ratio and drop rules may still see them.

Idempotency: a flag is identified by ``(entry, kind, window_start)`` (a unique key);
flags already recorded, whatever their status, are never recorded again.
"""

from __future__ import annotations

import functools
import math
import statistics
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain, groupby
from operator import itemgetter
from typing import Iterable, Iterator, Sequence

import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.errors import Conflict, DomainError
from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, FlagStatus, LikeFlag, Snapshot, User

# Robust statistics
MAD_SCALE = 1.4826          # scaled MAD = standard deviation for normal data
SPREAD_FLOOR = 1.0          # likes/hour: guards MAD = 0 (a perfectly regular history)
COHORT_MIN = 5              # fewer comparable entries than this: the cohort cannot judge
COHORT_SAMPLE = 2000        # above this many entries, a systematic sample is the cohort

# burst
BURST_MIN_GAIN = 500        # new likes in the interval: small entries never trip it
BURST_BASELINE = timedelta(hours=24)  # the own baseline: the intervals of the day before
BURST_MIN_HISTORY = 4       # intervals in it (so readings at most ~6 hours apart)
BURST_K = 6                 # spreads above the median ("far above", not merely unusual)
BURST_OWN_FOLD = 20         # and this many times the own median (steep organic take-offs reach ~11x)
BURST_COHORT_FOLD = 10      # and this many times the cohort's (a contest-wide surge is not a burst)
BURST_COHORT_ONLY_FOLD = 50  # without own history: popular new entries are far above the median entry,
BURST_COHORT_ONLY_MIN_RATE = 2000  # so also this many likes an hour (purchased packages deliver thousands)

# ratio
RATIO_CEILING = 0.5         # likes/plays; organic videos rarely pass 0.10–0.20
RATIO_MIN_PLAYS = 200       # below this, a ratio says little
RATIO_IMPOSSIBLE_MIN_LIKES = 50  # likes > plays is impossible, but tiny counts may lag each other

# night_surge (Beijing time)
NIGHT_START = time(0, 0)
NIGHT_END = time(6, 0)
NIGHT_MIN_LIKES = 300
NIGHT_MIN_SHARE = 0.4       # organic entries get ~5–10 % of a day's likes at night
NIGHT_COHORT_MAX_SHARE = 0.2  # a contest-wide night surge is not one entry's
NIGHT_COHORT_MIN_GAIN = 10  # a share of a smaller day's growth means nothing
NIGHT_MAX_GAP = timedelta(hours=6)

# drop
DROP_MIN_FRACTION = 0.2
DROP_MIN_LIKES = 100

KINDS = ("burst", "ratio", "night_surge", "drop")
EXAMINED = (EntryStatus.PENDING, EntryStatus.APPROVED)
DECISIONS = {"clear": FlagStatus.CLEARED, "confirm": FlagStatus.CONFIRMED}
HOUR = 3600.0
ONE_DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1)  # naive UTC, as the database returns times


# --------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class Finding:
    """A sign found in the readings, before it becomes a :class:`LikeFlag`."""

    entry_id: int
    kind: str
    window_start: datetime
    window_end: datetime
    message: str
    numbers: dict

    @property
    def key(self) -> tuple[int, str, datetime]:
        return (self.entry_id, self.kind, self.window_start)


class Series:
    """One entry's readings in observation order. Times are kept as stored (naive UTC)
    and as POSIX seconds for arithmetic: converting a million readings to aware
    datetimes would cost more than every rule together."""

    __slots__ = ("entry_id", "naive", "ts", "likes", "plays")

    def __init__(self, entry_id: int, naive: Sequence[datetime], likes: Sequence[int],
                 plays: Sequence[int | None]):
        self.entry_id = entry_id
        self.naive = naive
        self.ts = [(t - EPOCH).total_seconds() for t in naive]
        self.likes = likes
        self.plays = plays

    @classmethod
    def of(cls, entry_id: int, readings: Iterable[tuple[datetime, int, int | None]]) -> Series:
        """From (aware observed_at, likes, plays) rows, oldest first."""
        rows = [(clock.ensure_utc(at).replace(tzinfo=None), likes, plays) for at, likes, plays in readings]
        return cls(entry_id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])

    def time(self, i: int) -> datetime:
        return self.naive[i].replace(tzinfo=clock.UTC)

    def spans(self, t0: float, t1: float) -> bool:
        return self.ts[0] <= t0 and self.ts[-1] >= t1

    def at(self, t: float) -> float:
        """Likes at ``t`` (inside the span), interpolated linearly between readings."""
        ts = self.ts
        i = bisect_right(ts, t) - 1
        if ts[i] == t or i == len(ts) - 1:
            return float(self.likes[i])
        return self.likes[i] + (self.likes[i + 1] - self.likes[i]) * (t - ts[i]) / (ts[i + 1] - ts[i])


def robust(values: list[float]) -> tuple[float, float]:
    """Median and scaled MAD of ``values``."""
    median = statistics.median(values)
    return median, MAD_SCALE * statistics.median([abs(v - median) for v in values])


def far_above_threshold(median: float, spread: float, fold: float) -> float:
    return max(median + BURST_K * max(spread, SPREAD_FLOOR), fold * median)


class Cohort:
    """Rates and night shares of the contest's entries, computed lazily and cached
    (platform sweeps read every entry at about the same times, so windows repeat)."""

    def __init__(self, series: list[Series]):
        step = max(1, math.ceil(len(series) / COHORT_SAMPLE))
        self.members = [s for s in series[::step] if len(s.ts) >= 2]
        self._rates: dict[tuple[float, float], list[tuple[int, float]]] = {}
        self._nights: dict[date, list[tuple[int, float]]] | None = None

    def rate_stats(self, t0: float, t1: float, exclude: int) -> tuple[float, float, int] | None:
        """Median, spread and size of the other entries' rates over ``[t0, t1]``."""
        if (t0, t1) not in self._rates:
            hours = (t1 - t0) / HOUR
            self._rates[(t0, t1)] = [
                (s.entry_id, (s.at(t1) - s.at(t0)) / hours) for s in self.members if s.spans(t0, t1)]
        values = [rate for entry_id, rate in self._rates[(t0, t1)] if entry_id != exclude]
        if len(values) < COHORT_MIN:
            return None
        return (*robust(values), len(values))

    def night_share(self, day: date, exclude: int) -> tuple[float, int] | None:
        """Median night share of the other entries on ``day`` and how many took part."""
        if self._nights is None:
            self._nights = defaultdict(list)
            for s in self.members:
                for when, night, whole in nights(s):
                    if whole >= NIGHT_COHORT_MIN_GAIN:
                        self._nights[when].append((s.entry_id, night / whole))
        values = [share for entry_id, share in self._nights.get(day, ()) if entry_id != exclude]
        if len(values) < COHORT_MIN:
            return None
        return statistics.median(values), len(values)


@functools.lru_cache(maxsize=4096)
def day_bounds(day: date) -> tuple[datetime, datetime, datetime]:
    """00:00, 06:00 and the next 00:00 of a Beijing day, as aware UTC."""
    return tuple(datetime.combine(d, t, tzinfo=clock.BEIJING).astimezone(clock.UTC)
                 for d, t in ((day, NIGHT_START), (day, NIGHT_END), (day + ONE_DAY, NIGHT_START)))


@functools.lru_cache(maxsize=4096)
def day_seconds(day: date) -> tuple[float, float, float]:
    return tuple((b.replace(tzinfo=None) - EPOCH).total_seconds() for b in day_bounds(day))


def nights(s: Series) -> Iterator[tuple[date, float, float]]:
    """(day, new likes 00:00–06:00, growth 00:00–24:00) for each Beijing day that the
    readings span, skipping days whose readings around 00:00 or 06:00 are more than
    ``NIGHT_MAX_GAP`` apart. One walk through the readings."""
    ts, likes, n = s.ts, s.likes, len(s.ts)
    if n < 2:
        return
    max_gap = NIGHT_MAX_GAP.total_seconds()
    j = 0

    def at(t: float) -> tuple[float, float]:  # t never decreases between calls
        nonlocal j
        while j + 1 < n and ts[j + 1] <= t:
            j += 1
        if ts[j] == t or j == n - 1:
            return float(likes[j]), 0.0
        return likes[j] + (likes[j + 1] - likes[j]) * (t - ts[j]) / (ts[j + 1] - ts[j]), ts[j + 1] - ts[j]

    day = clock.to_local(s.time(0)).date()
    while True:
        start, end, next_start = day_seconds(day)
        if next_start > ts[-1]:
            return
        if start >= ts[0]:
            (l_start, gap_start), (l_end, gap_end) = at(start), at(end)
            if max(gap_start, gap_end) <= max_gap:
                yield day, l_end - l_start, at(next_start)[0] - l_start
        day += ONE_DAY


def find_signs(series: list[Series]) -> list[Finding]:
    """Every sign in ``series`` (each entry's readings, in observation order; the cohort
    is the other series). Pure: no database."""
    cohort = Cohort(series)
    found: list[Finding] = []
    for s in series:
        if len(s.ts) < 2:
            continue
        found += bursts(s, cohort)
        found += ratios(s)
        found += night_surges(s, cohort)
        found += drops(s)
    return found


def bursts(s: Series, cohort: Cohort) -> list[Finding]:
    likes = s.likes
    if max(likes) - likes[0] < BURST_MIN_GAIN:
        return []  # new likes above the running peak add up to at most this
    found = []
    peak = likes[0]
    for i in range(1, len(likes)):
        if likes[i] - peak >= BURST_MIN_GAIN and s.ts[i] > s.ts[i - 1]:
            finding = burst_at(s, i, likes[i] - peak, cohort)
            if finding is not None:
                found.append(finding)
        if likes[i] > peak:
            peak = likes[i]
    return found


def recent_rates(s: Series, i: int) -> list[float]:
    """Rates of the intervals that ended in the ``BURST_BASELINE`` before reading ``i - 1``."""
    ts, likes = s.ts, s.likes
    first = max(1, bisect_right(ts, ts[i - 1] - BURST_BASELINE.total_seconds()))
    peak = max(likes[:first])
    rates = []
    for k in range(first, i):
        if ts[k] > ts[k - 1]:
            rates.append(max(0, likes[k] - peak) / ((ts[k] - ts[k - 1]) / HOUR))
        peak = max(peak, likes[k])
    return rates


def burst_at(s: Series, i: int, gain: int, cohort: Cohort) -> Finding | None:
    hours = (s.ts[i] - s.ts[i - 1]) / HOUR
    rate = gain / hours
    earlier = recent_rates(s, i)
    own = None
    if len(earlier) >= BURST_MIN_HISTORY:
        median, spread = robust(earlier)
        threshold = far_above_threshold(median, spread, BURST_OWN_FOLD)
        if rate <= threshold:
            return None
        own = (median, spread, threshold)
    elif rate <= BURST_COHORT_ONLY_MIN_RATE:
        return None
    group = cohort.rate_stats(s.ts[i - 1], s.ts[i], exclude=s.entry_id)
    if group is None and own is None:
        return None
    if group is not None:
        c_median, c_spread, size = group
        if own:
            c_threshold = far_above_threshold(c_median, c_spread, BURST_COHORT_FOLD)
        else:
            c_threshold = max(far_above_threshold(c_median, c_spread, BURST_COHORT_ONLY_FOLD),
                              BURST_COHORT_ONLY_MIN_RATE)
        if rate <= c_threshold:
            return None
    start, end = s.time(i - 1), s.time(i)
    numbers = {
        "likes_before": s.likes[i - 1], "likes_after": s.likes[i], "new_likes": gain,
        "hours": round(hours, 2), "rate_per_hour": round(rate, 1),
        "own_intervals": len(earlier),
        "own_median_per_hour": round(own[0], 1) if own else None,
        "own_spread_per_hour": round(own[1], 1) if own else None,
        "own_threshold_per_hour": round(own[2], 1) if own else None,
        "cohort_size": group[2] if group else 0,
        "cohort_median_per_hour": round(c_median, 1) if group else None,
        "cohort_spread_per_hour": round(c_spread, 1) if group else None,
        "cohort_threshold_per_hour": round(c_threshold, 1) if group else None,
    }
    text = f"{span(start, end)}（北京时间）每小时新增 {per_hour(rate)} 个赞（{round(hours, 2):g} 小时共 {gain:,} 个）"
    if own is None:
        text += f"；该作品此前一天的读数不足 {BURST_MIN_HISTORY} 段，只与同期其他作品比较"
    elif own[0] > 0:
        text += f"，是该作品前一天中位数（每小时 {per_hour(own[0])} 个）的 {times(rate / own[0])} 倍"
    else:
        text += "，而该作品前一天几乎没有增长（每小时中位数 0 个）"
    if group is None:
        text += f"；同期可比较的其他作品不足 {COHORT_MIN} 个，只与该作品自身比较。"
    elif c_median > 0:
        text += (f"，也远高于同期其他 {size} 个作品（中位数每小时 {per_hour(c_median)} 个，"
                 f"是其 {times(rate / c_median)} 倍）。")
    else:
        text += f"，而同期其他 {size} 个作品几乎没有增长（中位数每小时 0 个）。"
    return Finding(s.entry_id, "burst", start, end, text, numbers)


def ratios(s: Series) -> list[Finding]:
    found = []
    in_run = False
    for i, (likes, plays) in enumerate(zip(s.likes, s.plays)):
        if not plays:
            continue  # unknown: the platform reports 0 when it has no count
        high = plays >= RATIO_MIN_PLAYS and likes > RATIO_CEILING * plays
        impossible = likes > plays and likes >= RATIO_IMPOSSIBLE_MIN_LIKES
        if (high or impossible) and not in_run:
            found.append(ratio_at(s, i))
        in_run = high or impossible
    return found


def ratio_at(s: Series, i: int) -> Finding:
    likes, plays, observed_at = s.likes[i], s.plays[i], s.time(i)
    ratio = likes / plays
    when = f"{local(observed_at):%Y-%m-%d %H:%M}（北京时间）的读数：赞 {likes:,} 个"
    if likes > plays:
        text = f"{when}，多于播放次数（{plays:,} 次），正常情况下不可能出现。"
    else:
        text = (f"{when}、播放 {plays:,} 次，赞数是播放次数的 {ratio:.0%}，"
                f"高于 {RATIO_CEILING:.0%} 的上限（抖音正常作品一般为 10%–20%）。")
    return Finding(s.entry_id, "ratio", observed_at, observed_at, text, {
        "likes": likes, "plays": plays, "ratio": round(ratio, 3), "ceiling": RATIO_CEILING,
        "likes_exceed_plays": likes > plays,
    })


def night_surges(s: Series, cohort: Cohort) -> list[Finding]:
    if max(s.likes) - min(s.likes) < NIGHT_MIN_LIKES:
        return []  # cannot have gained that many in any night
    found = []
    for day, night, whole in nights(s):
        if night >= NIGHT_MIN_LIKES and whole > 0 and night / whole >= NIGHT_MIN_SHARE:
            finding = night_surge_on(s, day, night, whole, cohort)
            if finding is not None:
                found.append(finding)
    return found


def night_surge_on(s: Series, day: date, night: float, whole: float, cohort: Cohort) -> Finding | None:
    group = cohort.night_share(day, exclude=s.entry_id)
    if group is not None and group[0] > NIGHT_COHORT_MAX_SHARE:
        return None
    share = night / whole
    start, end, _ = day_bounds(day)
    text = (f"{day:%Y-%m-%d} {NIGHT_START:%H:%M} 至 {NIGHT_END:%H:%M}（北京时间）新增 {round(night):,} 个赞，"
            f"占当天增长（{round(whole):,} 个）的 {share:.0%}")
    if group is None:
        text += f"；同日可比较的其他作品不足 {COHORT_MIN} 个。"
    else:
        text += f"；同日其他 {group[1]} 个作品夜间增长占当天的比例，中位数仅 {group[0]:.0%}。"
    return Finding(s.entry_id, "night_surge", start, end, text, {
        "date": day.isoformat(), "night_likes": round(night), "day_likes": round(whole),
        "night_share": round(share, 3),
        "cohort_night_share": round(group[0], 3) if group else None,
        "cohort_size": group[1] if group else 0,
    })


def drops(s: Series) -> list[Finding]:
    likes = s.likes
    if list(likes) == sorted(likes):
        return []  # never fell (checked at C speed: most entries)
    found = []
    for i in range(1, len(likes)):
        before, after = likes[i - 1], likes[i]
        fall = before - after
        if fall >= DROP_MIN_LIKES and fall >= DROP_MIN_FRACTION * before:
            start, end = s.time(i - 1), s.time(i)
            text = (f"{span(start, end)}（北京时间）赞数从 {before:,} 个降到 {after:,} 个，"
                    f"减少 {fall:,} 个（{fall / before:.0%}）；平台清理刷来的赞时常出现这种下降。")
            found.append(Finding(s.entry_id, "drop", start, end, text, {
                "likes_before": before, "likes_after": after, "fall": fall, "fraction": round(fall / before, 3),
            }))
    return found


# --------------------------------------------------------------------------- formatting
def local(value: datetime) -> datetime:
    return clock.to_local(value)


def span(start: datetime, end: datetime) -> str:
    a, b = local(start), local(end)
    return f"{a:%Y-%m-%d %H:%M} 至 {b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M} 至 {b:%Y-%m-%d %H:%M}"


def per_hour(rate: float) -> str:
    return f"{rate:,.0f}" if abs(rate) >= 10 else f"{rate:.1f}".removesuffix(".0")


def times(factor: float) -> str:
    return f"{factor:,.0f}" if factor >= 10 else f"{factor:.1f}"


# --------------------------------------------------------------------------- the database
def load_series(contest: Contest, *, now: datetime) -> list[Series]:
    """The readings of the contest's pending and approved entries observed at or before
    ``now``: one query, ordered by entry and time. Times come back naive UTC (the
    column's storage form), read without the aware-datetime conversion."""
    examined = sa.select(Entry.id).where(Entry.contest_id == contest.id, Entry.status.in_(EXAMINED))
    rows = db.session.connection().execute(  # Core: no ORM row processing for a million rows
        sa.select(Snapshot.entry_id, sa.type_coerce(Snapshot.observed_at, sa.DateTime()), Snapshot.likes,
                  Snapshot.plays)
        # IN rather than a join: the snapshots then come in index order, without a sort.
        .where(Snapshot.entry_id.in_(examined), Snapshot.observed_at <= now)
        .order_by(Snapshot.entry_id, Snapshot.observed_at, Snapshot.id)
    )
    series = []
    for entry_id, readings in groupby(chain.from_iterable(rows.partitions(20_000)), key=itemgetter(0)):
        _, naive, likes, plays = zip(*readings)
        series.append(Series(entry_id, naive, likes, plays))
    return series


def detect_flags(contest: Contest, *, now: datetime) -> list[LikeFlag]:
    """Record the signs of bought likes not yet recorded (module docstring) and return
    the new flags, by entry, window and kind. Running it again creates nothing new. The
    caller commits; two runs at once would collide on the unique key, so run it from one
    job."""
    now = clock.ensure_utc(now)
    found = find_signs(load_series(contest, now=now))
    known = set(db.session.execute(
        sa.select(LikeFlag.entry_id, LikeFlag.kind, LikeFlag.window_start)
        .join(Entry, Entry.id == LikeFlag.entry_id).where(Entry.contest_id == contest.id)).all())
    new = []
    for finding in sorted(found, key=lambda f: (f.entry_id, f.window_start, KINDS.index(f.kind))):
        if finding.key in known:
            continue
        known.add(finding.key)
        flag = LikeFlag(entry_id=finding.entry_id, kind=finding.kind, window_start=finding.window_start,
                        window_end=finding.window_end, message=finding.message, numbers=finding.numbers,
                        status=FlagStatus.OPEN, created_at=now)
        db.session.add(flag)
        new.append(flag)
    db.session.flush()
    return new


def decide_flag(flag: LikeFlag, *, decision: str, note: str, staff: User, now: datetime) -> None:
    """Clear (not a sign after all) or confirm an open flag, with a note; records who and
    when. A confirmed flag never changes the entry's status by itself: disqualifying is
    a separate decision through the entry's own transition. The caller commits."""
    if decision not in DECISIONS:
        raise DomainError("处理方式只能是“排除”或“确认”。")
    if not staff.is_staff:
        raise DomainError("只有工作人员可以处理刷赞标记。")
    if flag.status is not FlagStatus.OPEN:
        raise Conflict(f"该标记已处理（{flag.status.label}），不能再次处理。")
    note = (note or "").strip()
    if not note:
        raise DomainError("请填写处理说明。")
    flag.status = DECISIONS[decision]
    flag.decided_by_id = staff.id
    flag.decided_at = clock.ensure_utc(now)
    flag.decision_note = note
    audit.record(f"flag.{decision}", actor=staff, now=now, target=flag, contest_id=flag.entry.contest_id,
                 changes={"entry_id": flag.entry_id, "kind": flag.kind, "status": ["open", flag.status.value]},
                 note=note)


def open_flags(contest: Contest) -> list[LikeFlag]:
    """The contest's flags awaiting a decision, oldest window first (a work queue)."""
    return list(db.session.scalars(
        sa.select(LikeFlag).join(Entry, Entry.id == LikeFlag.entry_id)
        .where(Entry.contest_id == contest.id, LikeFlag.status == FlagStatus.OPEN)
        .order_by(LikeFlag.window_start, LikeFlag.id)))


def flags_of(entry: Entry) -> list[LikeFlag]:
    """Every flag of ``entry``, whatever its status, oldest window first."""
    return list(db.session.scalars(
        sa.select(LikeFlag).where(LikeFlag.entry_id == entry.id).order_by(LikeFlag.window_start, LikeFlag.id)))
