"""Server-rendered SVG charts (no JavaScript, so the strict Content-Security-Policy holds).

Every number is formatted here and every piece of text escaped, so the result may be
inlined into a page as it is. Colours are presentation attributes, not ``style``
(which the CSP forbids), so the SVG also stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Protocol
from xml.sax.saxutils import escape, quoteattr

from contest import clock
from contest.domain.contests import ONE_SECOND
from contest.models.enums import SnapshotSource

SVG_NS = "http://www.w3.org/2000/svg"
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 28, 40
MARKER = 4.5  # circle radius; half the side of a square

RED, RED_DARK, GREY, LINE, INK, MUTED, SHADE = (
    "#c8102e", "#9b0c23", "#9e9e9e", "#d9d9e0", "#1d1d1f", "#5b5b66", "#f1f1f3")
TITLE = "点赞数变化"


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


@dataclass(frozen=True)
class _Point:
    x: float
    y: float
    reading: Reading
    counted: bool


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(**attrs) -> str:
    return " ".join(f"{k.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())


def likes_label(value: int) -> str:
    """``950``, ``1.2万``: the axis labels in the way Douyin shows counts."""
    if value < 10_000:
        return str(value)
    return f"{value / 10_000:g}万"


def when_label(value: datetime) -> str:
    local = clock.to_local(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def nice_ticks(top: int, *, target: int = 4) -> list[int]:
    """Round ticks from 0 to at least ``top``: steps of 1, 2 or 5 × 10ⁿ, about ``target`` of them."""
    top = max(int(top), 1)
    raw = top / target
    magnitude = 1
    while True:
        step = next((m * magnitude for m in (1, 2, 5) if m * magnitude >= raw), None)
        if step is not None:
            break
        magnitude *= 10
    last = -(-top // step) * step
    return list(range(0, last + 1, step))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.BEIJING)


def _day_span(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Whole Beijing days covering ``first`` to ``last`` (at least one day)."""
    start = _midnight(clock.to_local(first).date())
    local_last = clock.to_local(last)
    stop = _midnight(local_last.date())
    if local_last > stop or stop <= start:
        stop += timedelta(days=1)
    return start, stop


def _day_step(days: int, room: int) -> int:
    """Label every day, or every 2nd, 3rd, 7th… so that at most ``room`` labels fit."""
    for step in (1, 2, 3, 7, 14, 30, 61, 91, 182, 365):
        if days / step <= room:
            return step
    return -(-days // max(room, 1))


def likes_chart_svg(snapshots: Iterable[Reading], *, closes_at: datetime, width: int = 640, height: int = 260) -> str:
    """A line chart of likes over time.

    x: Beijing time over whole days (a tick each day, labelled as room allows); y: likes from 0
    with round ticks. Platform readings are filled dots, manual ones hollow squares. Readings
    at or after ``closes_at`` + 1 s (the tally's cut-off) are grey and lie right of a dashed
    "截止" line, which is drawn only when such readings exist. ``<title>`` and ``<desc>``
    summarise the chart for screen readers.
    """
    readings = sorted(snapshots, key=lambda s: s.observed_at)
    cutoff = cutoff_of(closes_at)
    left, top = MARGIN_LEFT, MARGIN_TOP
    plot_w, plot_h = width - MARGIN_LEFT - MARGIN_RIGHT, height - MARGIN_TOP - MARGIN_BOTTOM
    bottom, right = top + plot_h, left + plot_w

    parts = [
        f'<svg xmlns="{SVG_NS}" {_attrs(class_="likes-chart", width=width, height=height)} '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="likes-chart-title likes-chart-desc">',
        f'<title id="likes-chart-title">{escape(TITLE)}</title>',
        f'<desc id="likes-chart-desc">{escape(_summary(readings, closes_at, cutoff))}</desc>',
        f'<rect {_attrs(class_="plot", x=left, y=top, width=plot_w, height=plot_h, fill="#fff", stroke=LINE)}/>',
    ]
    if not readings:
        parts.append(_text("还没有点赞读数", left + plot_w / 2, top + plot_h / 2, anchor="middle", cls="empty",
                           fill=MUTED))
        parts.append("</svg>")
        return "".join(parts)

    late = [r for r in readings if r.observed_at >= cutoff]
    first, last = readings[0].observed_at, readings[-1].observed_at
    if late:
        first, last = min(first, cutoff), max(last, cutoff)
    start, stop = _day_span(first, last)
    span = (stop - start).total_seconds()
    ticks = nice_ticks(max(r.likes for r in readings))
    y_max = ticks[-1]

    def x_of(when: datetime) -> float:
        return left + (when - start).total_seconds() / span * plot_w

    def y_of(likes: int) -> float:
        return bottom - likes / y_max * plot_h

    # y grid and labels
    for value in ticks:
        y = y_of(value)
        parts.append(f'<line {_attrs(class_="grid", x1=left, x2=right, y1=_n(y), y2=_n(y), stroke=LINE)}/>')
        parts.append(_text(likes_label(value), left - 8, y + 5, anchor="end", cls="y-label", fill=MUTED))

    # x: a tick each Beijing day, a label as often as fits
    days = round(span / 86_400)
    step = _day_step(days, max(2, plot_w // 72))
    for i in range(days + 1):
        day = start + timedelta(days=i)
        x = x_of(day)
        parts.append(f'<line {_attrs(class_="x-tick", x1=_n(x), x2=_n(x), y1=bottom, y2=bottom + 5, stroke=MUTED)}/>')
        if i % step == 0:
            anchor = "start" if i == 0 else "end" if i == days else "middle"
            parts.append(_text(f"{day.month}月{day.day}日", x, bottom + 22, anchor=anchor, cls="x-label",
                               fill=MUTED))

    if late:
        x = x_of(cutoff)
        parts.append(f'<rect {_attrs(class_="after-close", x=_n(x), y=top, width=_n(right - x), height=plot_h, fill=SHADE)}/>')
        parts.append(f'<line {_attrs(class_="cutoff", x1=_n(x), x2=_n(x), y1=top, y2=bottom, stroke=INK, stroke_dasharray="5 4")}/>')
        parts.append(_text("截止", x, top - 8, anchor="middle", cls="cutoff-label", fill=INK))

    points = [_Point(x_of(r.observed_at), y_of(r.likes), r, r.observed_at < cutoff) for r in readings]
    counted = [p for p in points if p.counted]
    after = [p for p in points if not p.counted]
    if len(counted) > 1:
        parts.append(_polyline(counted, "line counted", RED))
    if after:
        joined = counted[-1:] + after
        if len(joined) > 1:
            parts.append(_polyline(joined, "line late", GREY, dashed=True))
    for p in points:
        parts.append(_marker(p))
    parts.append(_legend(bool(late)))
    parts.append("</svg>")
    return "".join(parts)


def _text(text: str, x: float, y: float, *, anchor: str, cls: str, fill: str) -> str:
    return (f'<text {_attrs(class_=cls, x=_n(x), y=_n(y), text_anchor=anchor, fill=fill, font_size=13)}>'
            f'{escape(text)}</text>')


def _polyline(points: list[_Point], cls: str, colour: str, *, dashed: bool = False) -> str:
    coords = " ".join(f"{_n(p.x)},{_n(p.y)}" for p in points)
    extra = {"stroke_dasharray": "3 3"} if dashed else {}
    return f'<polyline {_attrs(class_=cls, points=coords, fill="none", stroke=colour, stroke_width=2, **extra)}/>'


def _marker(p: _Point) -> str:
    r = p.reading
    colour = RED if p.counted else GREY
    state = "counted" if p.counted else "late"
    label = f"{when_label(r.observed_at)} · {r.likes} 赞 · {r.source.label}" + ("" if p.counted else "（截止后，不计入）")
    if r.source is SnapshotSource.MANUAL:
        shape = (f'<rect {_attrs(class_=f"reading manual {state}", x=_n(p.x - MARKER), y=_n(p.y - MARKER), width=_n(2 * MARKER), height=_n(2 * MARKER), fill="#fff", stroke=colour, stroke_width=2)}>')
        return f"{shape}<title>{escape(label)}</title></rect>"
    shape = f'<circle {_attrs(class_=f"reading platform {state}", cx=_n(p.x), cy=_n(p.y), r=_n(MARKER), fill=colour, stroke=colour)}>'
    return f"{shape}<title>{escape(label)}</title></circle>"


def _legend(late: bool) -> str:
    y = MARGIN_TOP - 12
    x = MARGIN_LEFT + MARKER
    grey = (f'<circle {_attrs(class_="legend-mark", cx=_n(x + 170), cy=_n(y - 4), r=_n(MARKER), fill=GREY, stroke=GREY)}/>'
            + _text("截止后（不计入）", x + 179, y, anchor="start", cls="legend-label", fill=MUTED)) if late else ""
    return (
        '<g class="legend">'
        f'<circle {_attrs(class_="legend-mark", cx=_n(x), cy=_n(y - 4), r=_n(MARKER), fill=RED, stroke=RED)}/>'
        + _text("抖音平台", x + 9, y, anchor="start", cls="legend-label", fill=MUTED)
        + f'<rect {_attrs(class_="legend-mark", x=_n(x + 80), y=_n(y - 4 - MARKER), width=_n(2 * MARKER), height=_n(2 * MARKER), fill="#fff", stroke=RED, stroke_width=2)}/>'
        + _text("人工记录", x + 80 + 2 * MARKER + 4, y, anchor="start", cls="legend-label", fill=MUTED)
        + grey + "</g>"
    )


def _summary(readings: list[Reading], closes_at: datetime, cutoff: datetime) -> str:
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


# --- bar charts (the dashboard) ------------------------------------------------------------

BAR_ROW = 28  # height of one horizontal bar's row
BAR_LABEL_W = 120  # room for a horizontal bar's label (seven Chinese characters at 13 px)


def _bar_summary(bars: list[tuple[str, int]], unit: str) -> str:
    total = sum(v for _, v in bars)
    if not bars:
        return "没有数据。"
    listed = "，".join(f"{label} {value} {unit}" for label, value in bars)
    return f"共 {total} {unit}：{listed}。"


def bar_chart_svg(bars: Iterable[tuple[str, int]], *, title: str, chart_id: str, unit: str = "件",
                  horizontal: bool = True, width: int = 640, height: int = 240, desc: str | None = None) -> str:
    """A bar chart of ``(label, value)`` pairs, in the given order.

    Horizontal (the default, for categories): one row a bar, the label left, the value at
    the bar's end; the height follows the number of bars. Vertical (for a series such as
    days): bars from a y axis with round ticks, labels under them as room allows. Every bar
    carries a ``<title>`` with its label and value; ``<title>``/``<desc>`` (``desc`` or a
    listing of every bar) describe the chart for screen readers. ``chart_id`` keeps the
    ids unique when a page holds several charts.
    """
    bars = [(str(label), max(0, int(value))) for label, value in bars]
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    if horizontal:
        height = MARGIN_TOP + max(1, len(bars)) * BAR_ROW + 8
    parts = [
        f'<svg xmlns="{SVG_NS}" {_attrs(class_="bar-chart", id=chart_id, width=width, height=height)} '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc or _bar_summary(bars, unit))}</desc>',
    ]
    if not bars or not any(v for _, v in bars):
        parts.append(_text("没有数据", width / 2, height / 2 + 5, anchor="middle", cls="empty", fill=MUTED))
    elif horizontal:
        parts.extend(_horizontal_bars(bars, unit, width))
    else:
        parts.extend(_vertical_bars(bars, unit, width, height))
    parts.append("</svg>")
    return "".join(parts)


def _bar(cls: str, x: float, y: float, w: float, h: float, label: str, value: int, unit: str) -> str:
    return (f'<rect {_attrs(class_=cls, x=_n(x), y=_n(y), width=_n(w), height=_n(h), fill=RED)}>'
            f'<title>{escape(f"{label}：{value} {unit}")}</title></rect>')


def _horizontal_bars(bars: list[tuple[str, int]], unit: str, width: int) -> list[str]:
    left = BAR_LABEL_W
    room = width - left - MARGIN_RIGHT - 48  # the value's text after the longest bar
    top = max(v for _, v in bars)
    parts = []
    for i, (label, value) in enumerate(bars):
        y = MARGIN_TOP + i * BAR_ROW
        w = value / top * room
        parts.append(_text(label, left - 8, y + BAR_ROW / 2 + 4, anchor="end", cls="bar-label", fill=INK))
        if value:
            parts.append(_bar("bar", left, y + 5, w, BAR_ROW - 10, label, value, unit))
        parts.append(_text(str(value), left + w + 6, y + BAR_ROW / 2 + 4, anchor="start", cls="bar-value", fill=MUTED))
    return parts


def _vertical_bars(bars: list[tuple[str, int]], unit: str, width: int, height: int) -> list[str]:
    left, top = MARGIN_LEFT, MARGIN_TOP
    plot_w, plot_h = width - MARGIN_LEFT - MARGIN_RIGHT, height - MARGIN_TOP - MARGIN_BOTTOM
    bottom = top + plot_h
    ticks = nice_ticks(max(v for _, v in bars))
    y_max = ticks[-1]
    parts = []
    for value in ticks:
        y = bottom - value / y_max * plot_h
        parts.append(f'<line {_attrs(class_="grid", x1=left, x2=left + plot_w, y1=_n(y), y2=_n(y), stroke=LINE)}/>')
        parts.append(_text(likes_label(value), left - 8, y + 5, anchor="end", cls="y-label", fill=MUTED))
    slot = plot_w / len(bars)
    gap = min(slot * 0.2, 8)
    step = _day_step(len(bars), max(2, plot_w // 72))
    for i, (label, value) in enumerate(bars):
        x = left + i * slot
        h = value / y_max * plot_h
        if value:
            parts.append(_bar("bar", x + gap / 2, bottom - h, slot - gap, h, label, value, unit))
        if i % step == 0:
            parts.append(_text(label, x + slot / 2, bottom + 22, anchor="middle", cls="x-label", fill=MUTED))
    return parts
