"""What the charts show, as plain data for ``static/js/charts.js`` (Apache ECharts, vendored).

A page puts a chart's data into a ``data-chart`` attribute (``|tojson``, so escaped; no inline
script, the strict Content-Security-Policy holds) and draws nothing itself: the script reads it
and draws on a canvas sized by the page's CSS, so labels keep their size on a phone. Every chart
also has a text alternative on the page (a summary here, a table in the template).

Times travel as milliseconds since the epoch with the offset of Beijing time (``tz``), so the
script labels days as Beijing days whatever the phone's own time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Protocol

from contest import clock
from contest.domain.contests import ONE_SECOND
from contest.domain.leaderboards import Race
from contest.models.enums import SnapshotSource

TZ_MINUTES = 8 * 60  # Asia/Shanghai, no daylight saving


class Reading(Protocol):
    observed_at: datetime
    likes: int
    source: SnapshotSource


@dataclass(frozen=True)
class Row:
    """A reading for the chart's table: whether it counts follows the chart's own cut-off."""

    snapshot: Reading
    counted: bool


def cutoff_of(closes_at: datetime) -> datetime:
    """The first instant whose readings no longer count (the rule of :func:`contest.domain.likes.cutoff`)."""
    return clock.ensure_utc(closes_at) + ONE_SECOND


def table_rows(snapshots: Iterable[Reading], *, closes_at: datetime) -> list[Row]:
    end = cutoff_of(closes_at)
    return [Row(s, s.observed_at < end) for s in snapshots]


def ms(when: datetime) -> int:
    return int(clock.ensure_utc(when).timestamp() * 1000)


def when_label(value: datetime) -> str:
    local = clock.to_local(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def likes_chart(snapshots: Iterable[Reading], *, closes_at: datetime) -> dict:
    """One entry's readings: counted ones in red (manual ones as hollow squares), readings after
    the cut-off in grey right of a "截止" line (drawn only when there are such readings)."""
    readings = sorted(snapshots, key=lambda s: s.observed_at)
    cutoff = cutoff_of(closes_at)
    counted = [r for r in readings if r.observed_at < cutoff]
    late = [r for r in readings if r.observed_at >= cutoff]

    def points(rows: list[Reading]) -> list[list]:
        return [[ms(r.observed_at), r.likes, r.source.value] for r in rows]

    series = [{"name": "计入的读数", "points": points(counted)}]
    if late:
        series.append({"name": "截止后（不计入）", "points": points(counted[-1:] + late), "muted": True})
    return {"kind": "lines", "tz": TZ_MINUTES, "unit": "赞", "series": series,
            "cutoff": ms(cutoff) if late else None, "summary": likes_summary(readings, closes_at, cutoff)}


def likes_summary(readings: list[Reading], closes_at: datetime, cutoff: datetime) -> str:
    if not readings:
        return "还没有点赞读数。"
    platform = sum(1 for r in readings if r.source is SnapshotSource.PLATFORM)
    first, last = readings[0], readings[-1]
    text = (f"共 {len(readings)} 次读数（抖音平台 {platform} 次，人工记录 {len(readings) - platform} 次）。"
            f"最早 {when_label(first.observed_at)} 为 {first.likes} 赞，"
            f"最近 {when_label(last.observed_at)} 为 {last.likes} 赞。")
    counted = [r for r in readings if r.observed_at < cutoff]
    late = len(readings) - len(counted)
    if late:
        text += f"截止时间 {when_label(closes_at)} 之后的 {late} 次读数以灰色显示，不计入。"
    text += f"计入的点赞数为 {counted[-1].likes} 赞。" if counted else "截止前没有读数。"
    return text


def race_chart(race: Race, entry_url: Callable[[int], str]) -> dict:
    """The top entries' like curves over the window, each linked to its entry page (a tap on a
    curve names the entry); the cut-off marked once the board is frozen."""
    series = [{"name": c.title, "rank": c.rank, "author": c.author, "likes": c.likes, "href": entry_url(c.entry_id),
               "points": [[ms(at), likes] for at, likes in c.points]} for c in race.curves]
    ends = [s["points"][-1][0] for s in series if s["points"]]
    summary = "；".join(f"第 {c.rank} 名《{c.title}》{c.likes:,} 赞" for c in race.curves)
    return {"kind": "race", "tz": TZ_MINUTES, "unit": "赞", "series": series, "start": ms(race.opens_at),
            "end": max([*ends, ms(race.cutoff)]) if race.frozen else None,
            "cutoff": ms(race.cutoff) if race.frozen else None,
            "summary": (f"前 {len(series)} 名的点赞数变化：{summary}。" if series else "还没有点赞读数。")}


def bar_chart(bars: Iterable[tuple[str, int]], *, unit: str = "件", horizontal: bool = True) -> dict:
    """``(label, value)`` bars in the given order: horizontal for categories, vertical for days."""
    bars = [(str(label), max(0, int(value))) for label, value in bars]
    total = sum(v for _, v in bars)
    listed = "，".join(f"{label} {value} {unit}" for label, value in bars)
    return {"kind": "bars", "horizontal": horizontal, "unit": unit, "labels": [label for label, _ in bars],
            "values": [value for _, value in bars],
            "summary": f"共 {total} {unit}：{listed}。" if bars and total else "没有数据。"}


def lines_chart(series: dict[str, list[tuple[datetime, int]]], *, unit: str = "赞") -> dict:
    """Named time series (the dashboard's likes over time)."""
    out = [{"name": name, "points": [[ms(at), value] for at, value in points]} for name, points in series.items()]
    last = {name: points[-1][1] for name, points in series.items() if points}
    listed = "，".join(f"{name} {value:,} {unit}" for name, value in last.items())
    return {"kind": "lines", "tz": TZ_MINUTES, "unit": unit, "series": out, "cutoff": None,
            "summary": f"最近：{listed}。" if last else "没有数据。"}
