import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

import pytest

from contest.render.charts import (
    MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, likes_chart_svg, likes_label, nice_ticks, table_rows,
)
from contest.models import SnapshotSource

NS = {"svg": "http://www.w3.org/2000/svg"}
CLOSES = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
W, H = 640, 260
PLOT_W, PLOT_H = W - MARGIN_LEFT - MARGIN_RIGHT, H - MARGIN_TOP - MARGIN_BOTTOM
BOTTOM = MARGIN_TOP + PLOT_H


@dataclass
class R:
    observed_at: datetime
    likes: int
    source: SnapshotSource = SnapshotSource.PLATFORM


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def readings(root, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in e.get("class", "").split() and "reading" in e.get("class", "").split()]


def texts(root, cls: str) -> list[str]:
    return [e.text for e in root.iterfind(f".//svg:text[@class='{cls}']", NS)]


def test_chart_without_readings_says_so_and_draws_no_marks():
    root = parse(likes_chart_svg([], closes_at=CLOSES))
    assert root.find("svg:title", NS).text == "点赞数变化"
    assert root.find("svg:desc", NS).text == "还没有点赞读数。"
    assert texts(root, "empty") == ["还没有点赞读数"]
    assert readings(root, "platform") == readings(root, "manual") == []
    assert root.findall(".//svg:line[@class='cutoff']", NS) == []
    assert root.get("role") == "img" and root.get("aria-labelledby") == "likes-chart-title likes-chart-desc"


def test_chart_with_one_reading_places_it_inside_its_beijing_day():
    root = parse(likes_chart_svg([R(at("2020-06-25T12:00:00+08:00"), 7)], closes_at=CLOSES))
    (dot,) = readings(root, "platform")
    # One whole Beijing day wide (06-25 00:00 to 06-26 00:00): noon is the middle.
    assert float(dot.get("cx")) == pytest.approx(MARGIN_LEFT + PLOT_W / 2, abs=0.05)
    # y from 0 to 8 (round ticks of 2): 7 likes is 7/8 of the way up.
    assert float(dot.get("cy")) == pytest.approx(BOTTOM - 7 / 8 * PLOT_H, abs=0.05)
    assert texts(root, "y-label") == ["0", "2", "4", "6", "8"]
    assert texts(root, "x-label") == ["6月25日", "6月26日"]
    assert root.findall(".//svg:polyline", NS) == []  # no line through a single point
    assert dot.find("svg:title", NS).text == "6月25日 12:00 · 7 赞 · 抖音平台"
    assert root.find("svg:desc", NS).text == (
        "共 1 次读数（抖音平台 1 次，人工记录 0 次）。最早 6月25日 12:00 为 7 赞，最近 6月25日 12:00 为 7 赞。"
        "计入的点赞数为 7 赞。")


def test_chart_with_zero_likes_still_has_an_axis():
    root = parse(likes_chart_svg([R(at("2020-06-25T12:00:00+08:00"), 0)], closes_at=CLOSES))
    assert texts(root, "y-label") == ["0", "1"]
    (dot,) = readings(root, "platform")
    assert float(dot.get("cy")) == BOTTOM


def test_chart_tells_platform_from_manual_and_greys_readings_after_the_close():
    data = [
        R(at("2020-07-16T12:00:00+08:00"), 800),
        R(at("2020-07-17T09:00:00+08:00"), 1100, SnapshotSource.MANUAL),
        R(at("2020-07-17T23:59:59+08:00"), 1370),  # the last second inside: counts
        R(at("2020-07-18T00:00:00+08:00"), 1400),  # the close has passed
        R(at("2020-07-18T12:00:00+08:00"), 1450, SnapshotSource.MANUAL),
    ]
    root = parse(likes_chart_svg(data, closes_at=CLOSES))
    dots, squares = readings(root, "platform"), readings(root, "manual")
    assert (len(dots), len(squares)) == (3, 2)
    assert [e.tag.split("}")[1] for e in dots] == ["circle"] * 3
    assert [e.tag.split("}")[1] for e in squares] == ["rect"] * 2
    assert all(e.get("fill") == "#fff" for e in squares)  # hollow
    late = readings(root, "late")
    assert len(late) == 2 and len(readings(root, "counted")) == 3
    assert {e.get("fill") for e in late if e in dots} | {e.get("stroke") for e in late} == {"#9e9e9e"}

    # Three Beijing days (07-16 to 07-19); the cut-off (07-18 00:00) is two thirds across.
    (line,) = root.findall(".//svg:line[@class='cutoff']", NS)
    x = MARGIN_LEFT + PLOT_W * 2 / 3
    assert float(line.get("x1")) == float(line.get("x2")) == pytest.approx(x, abs=0.05)
    assert (float(line.get("y1")), float(line.get("y2"))) == (MARGIN_TOP, BOTTOM)
    assert line.get("stroke-dasharray") == "5 4"
    assert texts(root, "cutoff-label") == ["截止"]
    def centre(e):
        return float(e.get("cx") or float(e.get("x")) + 4.5)
    assert [centre(e) for e in late] == [pytest.approx(x, abs=0.05), pytest.approx(MARGIN_LEFT + PLOT_W * 5 / 6, abs=0.05)]
    # The last second inside sits on the line (one second to its left); the rest well left of it.
    assert [centre(e) for e in readings(root, "counted")] == [
        pytest.approx(MARGIN_LEFT + PLOT_W * 0.5 / 3, abs=0.05), pytest.approx(MARGIN_LEFT + PLOT_W * 1.375 / 3, abs=0.05),
        pytest.approx(x, abs=0.05)]

    assert texts(root, "x-label") == ["7月16日", "7月17日", "7月18日", "7月19日"]
    assert texts(root, "y-label") == ["0", "500", "1000", "1500"]
    (counted_line,) = root.findall(".//svg:polyline[@class='line counted']", NS)
    assert len(counted_line.get("points").split()) == 3
    (late_line,) = root.findall(".//svg:polyline[@class='line late']", NS)
    assert len(late_line.get("points").split()) == 3  # from the last counted reading on
    assert root.find("svg:desc", NS).text == (
        "共 5 次读数（抖音平台 3 次，人工记录 2 次）。最早 7月16日 12:00 为 800 赞，最近 7月18日 12:00 为 1450 赞。"
        "截止时间 7月17日 23:59 之后的 2 次读数以灰色显示，不计入。计入的点赞数为 1370 赞。")


def test_no_cutoff_line_while_every_reading_counts():
    root = parse(likes_chart_svg([R(at("2020-06-20T08:00:00+08:00"), 3), R(at("2020-06-21T08:00:00+08:00"), 9)],
                                 closes_at=CLOSES))
    assert root.findall(".//svg:line[@class='cutoff']", NS) == []
    assert readings(root, "late") == []


def test_a_month_of_readings_gets_a_tick_each_day_and_fewer_labels():
    data = [R(at(f"2020-06-{d:02d}T20:00:00+08:00"), d * 1000) for d in range(18, 31)]
    data += [R(at(f"2020-07-{d:02d}T20:00:00+08:00"), 30_000 + d * 1000) for d in range(1, 18)]
    root = parse(likes_chart_svg(data, closes_at=CLOSES))
    assert len(root.findall(".//svg:line[@class='x-tick']", NS)) == 31  # 06-18 00:00 … 07-18 00:00
    assert texts(root, "x-label") == ["6月18日", "6月25日", "7月2日", "7月9日", "7月16日"]
    assert texts(root, "y-label") == ["0", "2万", "4万", "6万"]
    assert len(readings(root, "platform")) == 30


def test_chart_needs_no_style_attributes_under_the_csp():
    svg = likes_chart_svg([R(at("2020-06-25T12:00:00+08:00"), 5, SnapshotSource.MANUAL)], closes_at=CLOSES)
    assert "style" not in svg and "<script" not in svg
    assert parse(svg).get("viewBox") == "0 0 640 260"


def test_nice_ticks_and_labels():
    assert nice_ticks(1370) == [0, 500, 1000, 1500]
    assert nice_ticks(100) == [0, 50, 100]
    assert nice_ticks(23_456) == [0, 10_000, 20_000, 30_000]
    assert [likes_label(v) for v in (950, 10_000, 15_000, 125_000)] == ["950", "1万", "1.5万", "12.5万"]


def test_table_rows_follow_the_same_cutoff():
    rows = table_rows([R(at("2020-07-17T23:59:59+08:00"), 1), R(at("2020-07-18T00:00:00+08:00"), 2)], closes_at=CLOSES)
    assert [r.counted for r in rows] == [True, False]
