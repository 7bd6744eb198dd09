"""What the charts show (contest.render.charts): the data static/js/charts.js draws, and the words
that stand for each chart. The drawing itself is measured in the browser (tests/browser/test_showcase.py)."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from contest.domain.leaderboards import Race, RaceCurve, thinned
from contest.models import SnapshotSource
from contest.render.charts import bar_chart, likes_chart, lines_chart, ms, race_chart, table_rows

CLOSES = datetime.fromisoformat("2020-07-17T23:59:59+08:00")


@dataclass
class R:
    observed_at: datetime
    likes: int
    source: SnapshotSource = SnapshotSource.PLATFORM


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_likes_chart_without_readings_says_so():
    assert likes_chart([], closes_at=CLOSES) == {
        "kind": "lines", "tz": 480, "unit": "赞", "series": [{"name": "计入的读数", "points": []}], "cutoff": None,
        "summary": "还没有点赞读数。"}


def test_likes_chart_keeps_manual_readings_apart_and_greys_readings_after_the_close():
    first, manual, last = at("2020-07-10T21:00:00+08:00"), at("2020-07-17T23:59:59+08:00"), at("2020-07-18T00:00:00+08:00")
    spec = likes_chart([R(last, 130), R(first, 40), R(manual, 120, SnapshotSource.MANUAL)], closes_at=CLOSES)
    assert spec["series"] == [
        {"name": "计入的读数", "points": [[ms(first), 40, "platform"], [ms(manual), 120, "manual"]]},
        {"name": "截止后（不计入）", "points": [[ms(manual), 120, "manual"], [ms(last), 130, "platform"]], "muted": True}]
    assert spec["cutoff"] == ms(CLOSES + timedelta(seconds=1)) == ms(last)
    assert spec["summary"] == ("共 3 次读数（抖音平台 2 次，人工记录 1 次）。最早 7月10日 21:00 为 40 赞，最近 7月18日 00:00 为 130 赞。"
                               "截止时间 7月17日 23:59 之后的 1 次读数以灰色显示，不计入。计入的点赞数为 120 赞。")
    # No cut-off line while every reading counts.
    assert likes_chart([R(first, 40)], closes_at=CLOSES)["cutoff"] is None


def test_chart_data_survives_the_page_as_json():
    spec = likes_chart([R(at("2020-07-10T21:00:00+08:00"), 40)], closes_at=CLOSES)
    assert json.loads(json.dumps(spec)) == spec


def test_race_chart_links_every_curve_and_marks_the_cut_off_once_frozen():
    opens, cutoff = at("2020-06-18T00:00:00+08:00"), CLOSES + timedelta(seconds=1)
    curves = [RaceCurve(1, 7, "荷塘月色", "小*", 300, [(at("2020-06-20T21:00:00+08:00"), 100), (at("2020-06-21T21:00:00+08:00"), 300)]),
              RaceCurve(2, 9, "<醴陵>", "老张", 200, [])]
    live = race_chart(Race(opens, cutoff, False, curves), lambda i: f"/gallery/{i}")
    assert [(s["name"], s["rank"], s["href"], s["likes"], len(s["points"])) for s in live["series"]] == [
        ("荷塘月色", 1, "/gallery/7", 300, 2), ("<醴陵>", 2, "/gallery/9", 200, 0)]
    assert (live["start"], live["end"], live["cutoff"]) == (ms(opens), None, None)
    assert live["summary"] == "前 2 名的点赞数变化：第 1 名《荷塘月色》300 赞；第 2 名《<醴陵>》200 赞。"
    frozen = race_chart(Race(opens, cutoff, True, curves), lambda i: f"/gallery/{i}")
    assert frozen["cutoff"] == frozen["end"] == ms(cutoff)


def test_thinned_keeps_the_shape_the_first_and_the_last_reading():
    start = at("2020-06-18T00:00:00+08:00")
    points = [(start + timedelta(minutes=i), i) for i in range(10_000)]
    kept = thinned(points, keep=100)
    assert len(kept) <= 101 and kept[0] == points[0] and kept[-1] == points[-1]
    assert kept == sorted(kept) and thinned(points[:50], keep=100) == points[:50]


def test_bar_and_lines_charts_say_what_they_show():
    assert bar_chart([("荷塘区", 3), ("醴陵市", -1), ("攸县", 4)]) == {
        "kind": "bars", "horizontal": True, "unit": "件", "labels": ["荷塘区", "醴陵市", "攸县"], "values": [3, 0, 4],
        "summary": "共 7 件：荷塘区 3 件，醴陵市 0 件，攸县 4 件。"}
    assert bar_chart([("一", 0)], horizontal=False)["summary"] == "没有数据。"
    when = at("2020-06-20T21:00:00+08:00")
    assert lines_chart({"合计": [(when, 1200)]}) == {
        "kind": "lines", "tz": 480, "unit": "赞", "series": [{"name": "合计", "points": [[ms(when), 1200]]}],
        "cutoff": None, "summary": "最近：合计 1,200 赞。"}


def test_table_rows_follow_the_same_cutoff():
    rows = table_rows([R(at("2020-07-17T23:59:59+08:00"), 5), R(at("2020-07-18T00:00:00+08:00"), 6)], closes_at=CLOSES)
    assert [r.counted for r in rows] == [True, False]
