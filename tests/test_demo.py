"""The demo looks like the contest: ``seed-demo`` fills every theme and area, the sandbox's
likes grow along deterministic curves, and its covers and player stand in for Douyin's."""

from __future__ import annotations

import re

import sqlalchemy as sa

from datetime import datetime, timezone
from types import SimpleNamespace

from contest import clock
from contest.douyin.sandbox.state import curve_likes, curve_stats, organic_likes, surge_window
from contest.extensions import db
from contest.models import DouyinAccount, Entry, EntryStatus, EntryTally, LikeFlag, Snapshot, Sweep
from contest.ops.demo import VIDEOS, demo_window, video_id
from tests.conftest import count


def _tallies() -> dict[int, int]:
    return {t.entry_id: t.likes for t in db.session.scalars(sa.select(EntryTally)) if t.likes}


def test_curves_are_deterministic_growing_and_mostly_modest():
    ids = [str(((1_764_000_000 + n * 3600) << 32) | n) for n in range(200)]
    two_weeks = [curve_likes(v, (int(v) >> 32) + 14 * 86400) for v in ids]
    assert two_weeks == [curve_likes(v, (int(v) >> 32) + 14 * 86400) for v in ids]
    assert all(curve_likes(v, (int(v) >> 32) + 86400) <= likes for v, likes in zip(ids, two_weeks))
    assert curve_likes(ids[0], int(ids[0]) >> 32) == 0
    viral = [likes for likes in two_weeks if likes > 5000]
    assert 10 <= len(viral) <= 60 and max(two_weeks) > 6000 and min(two_weeks) < 1000
    assert curve_stats(ids[1], (int(ids[1]) >> 32) + 86400)["comment_count"] == curve_likes(
        ids[1], (int(ids[1]) >> 32) + 86400) // 9


def test_sandbox_curve_grows_with_its_clock_until_counts_are_set(sandbox):
    sandbox.control("users", {"open_id": "ou_c", "nickname": "曲线"})
    now = sandbox.http.get(f"{sandbox.url}/__sandbox__/clock", timeout=5).json()["now"]
    vid = str(((now - 3 * 86400) << 32) | 7)
    video = sandbox.control("videos", {"video_id": vid, "open_id": "ou_c", "title": "t", "curve": True})["video"]
    first = video["statistics"]["digg_count"]
    assert first == curve_likes(vid, now) or first == curve_likes(vid, now + 1)
    sandbox.control("clock", {"advance": 86400})
    later = sandbox.http.get(f"{sandbox.url}/__sandbox__/state", timeout=5).json()["videos"][0]["statistics"]
    assert later["digg_count"] > first
    fixed = sandbox.control(f"videos/{vid}/stats", {"digg_count": 5})
    assert fixed["video"]["statistics"]["digg_count"] == 5
    sandbox.control("clock", {"advance": 86400})
    assert sandbox.http.get(f"{sandbox.url}/__sandbox__/state", timeout=5).json()["videos"][0]["statistics"][
        "digg_count"] == 5
    response = sandbox.http.post(f"{sandbox.url}/__sandbox__/videos", timeout=5,
                                 json={"video_id": "99", "open_id": "ou_c", "title": "t", "curve": True,
                                       "digg_count": 3})
    assert (response.status_code, response.json()) == (
        400, {"error": '"curve" and explicit counts cannot be combined'})


def test_sandbox_serves_a_varied_cover_and_an_embeddable_player(sandbox, publish):
    vid = publish(title="神农城的夜景 #动力株洲文旅通 @株洲足迹", open_id="ou_cover")
    other = publish(title="醴陵瓷器 #动力株洲文旅通 @株洲足迹", open_id="ou_cover")
    cover = sandbox.http.get(f"{sandbox.url}/assets/cover/{vid}.svg", timeout=5)
    assert (cover.status_code, cover.headers["Content-Type"]) == (200, "image/svg+xml; charset=utf-8")
    assert "神农城的夜景" in cover.text and "#动力" not in cover.text and len(cover.content) < 3000
    other_cover = sandbox.http.get(f"{sandbox.url}/assets/cover/{other}.svg", timeout=5).text
    assert re.findall(r"hsl\(\d+", cover.text) != re.findall(r"hsl\(\d+", other_cover)
    assert cover.text == sandbox.http.get(f"{sandbox.url}/assets/cover/{vid}.svg", timeout=5).text

    player = sandbox.http.get(f"{sandbox.url}/open/player/video", params={"vid": vid, "autoplay": 0}, timeout=5)
    assert player.status_code == 200
    assert f'src="{sandbox.url}/assets/cover/{vid}.svg"' in player.text
    assert "神农城的夜景" in player.text and "@测试作者" in player.text
    assert "frame-ancestors" not in player.headers["Content-Security-Policy"]
    missing = sandbox.http.get(f"{sandbox.url}/open/player/video", params={"vid": "1"}, timeout=5)
    assert missing.status_code == 404 and "视频不存在或不可见" in missing.text


def test_seed_demo_fills_every_theme_and_area_with_covers_and_history(runner, sandbox):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "已创建 41 个演示作品（36 个已通过" in result.output
    approved = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED)).all()
    assert len(approved) == 36
    assert {e.theme.key for e in approved} == {"life", "talent", "village"}
    assert len({e.area.key for e in approved}) == 9
    assert {(e.theme.key, e.area.key) for e in approved} >= {("life", "hetang"), ("village", "yanling")}
    assert {e.cover_url for e in approved} == {f"{sandbox.url}/assets/cover/{e.video_id}.svg" for e in approved}
    assert count(DouyinAccount) == 10
    # Daily demo sweeps: each entry's readings never go down and end near its curve today.
    assert count(Sweep) >= 10 and count(Snapshot) >= 200
    for entry in approved:
        likes = list(db.session.scalars(sa.select(Snapshot.likes).where(Snapshot.entry_id == entry.id)
                                        .order_by(Snapshot.observed_at)))
        assert likes and likes == sorted(likes)
    assert len(_tallies()) == 38

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "已创建" not in again.output
    assert (count(Entry), count(Snapshot), count(DouyinAccount)) == (41, count(Snapshot), 10)


def test_two_sweeps_with_the_sandbox_clock_advanced_grow_the_board(runner, sandbox, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = runner.invoke(args=["poll-likes"])
    assert first.exit_code == 0 and "作品 38 个" in first.output and "失败 0 位作者" in first.output, first.output
    before = _tallies()
    sandbox.control("clock", {"advance": 6 * 3600})
    second = runner.invoke(args=["poll-likes"])
    assert second.exit_code == 0 and "新快照 38 条" in second.output, second.output
    after = _tallies()
    grown = [entry_id for entry_id in after if after[entry_id] > before.get(entry_id, 0)]
    assert len(grown) >= 10

    board = client.get("/api/v1/leaderboards/popularity?contest=demo&limit=20").get_json()["entries"]
    assert len(board) == 20 and all(row["likes"] > 0 for row in board)
    assert [row["likes"] for row in board] == sorted((row["likes"] for row in board), reverse=True)


def test_sandbox_mode_pages_use_the_sandbox_player_and_covers(runner, sandbox, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    entry = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED)).first()
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    assert f'src="{sandbox.url}/open/player/video?vid={entry.video_id}&amp;autoplay=0"' in page
    gallery = client.get("/gallery?contest=demo").get_data(as_text=True)
    assert f'src="{sandbox.url}/assets/cover/' in gallery and "cover-placeholder" not in gallery
    policy = client.get("/").headers["Content-Security-Policy"]
    assert f"frame-src https://open.douyin.com {sandbox.url};" in policy


def _top_ten(client) -> list[tuple[int, int]]:
    board = client.get("/api/v1/leaderboards/popularity?contest=demo&limit=10").get_json()["entries"]
    return [(row["entry_id"], row["likes"]) for row in board]


def test_ten_sandbox_minutes_grow_the_demo_top_ten_by_half_a_percent(runner, sandbox, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["poll-likes"]).exit_code == 0
    before = _top_ten(client)
    sandbox.control("clock", {"advance": 10 * 60})
    assert runner.invoke(args=["poll-likes"]).exit_code == 0
    after = _top_ten(client)
    growth = sum(likes for _, likes in after) / sum(likes for _, likes in before) - 1
    assert growth >= 0.005, f"{growth:.4%}"
    # Every leader gained likes in those ten minutes.
    gained = dict(after)
    assert all(gained.get(entry_id, likes + 1) > likes for entry_id, likes in before)


def _demo_ids(now: datetime) -> list[str]:
    contest = SimpleNamespace(opens_at=demo_window(now)[0])
    return [video_id(contest, v)[0] for v in VIDEOS if v.status in (EntryStatus.APPROVED, EntryStatus.PENDING)]


def _order(ids: list[str], t: float, since: float) -> list[str]:
    return sorted(ids, key=lambda v: curve_likes(v, t, since), reverse=True)[:10]


def test_demo_curves_burst_early_keep_a_long_tail_and_overtake_one_another():
    for hour in range(0, 24, 4):  # whenever the demo is started
        now = datetime(2026, 12, 7, hour, 17, tzinfo=timezone.utc)
        ids, since = _demo_ids(now), now.timestamp()
        assert _order(ids, since + 12 * 3600, since) != _order(ids, since, since), hour
    vid = _demo_ids(datetime(2026, 12, 7, tzinfo=timezone.utc))[0]
    born = int(vid) >> 32
    day = [organic_likes(vid, born + h * 3600) for h in (0, 24, 48, 24 * 14)]
    assert day[0] == 0 and day[1] / day[3] > 0.25  # the first day brings a quarter of two weeks' likes
    assert day[2] - day[1] < day[1] - day[0]  # the second day brings fewer than the first
    assert day[3] > day[2] * 1.5  # and they keep coming


def test_one_demo_entry_buys_likes_one_night_and_the_flags_catch_it(runner, sandbox):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["poll-likes"]).exit_code == 0  # a sweep ends with the flag rules
    bought = [e for e in db.session.scalars(sa.select(Entry)) if surge_window(e.video_id)]
    assert [e.caption.split()[0] for e in bought] == ["天元的早餐米粉"]
    start, end = (clock.to_local(datetime.fromtimestamp(t, timezone.utc)) for t in surge_window(bought[0].video_id))
    assert (start.hour, end.hour, end.date() == start.date()) == (1, 4, True)
    flags = db.session.scalars(sa.select(LikeFlag)).all()
    assert [(f.entry_id, f.kind) for f in flags] == [(bought[0].id, "ratio")]
    # Flagged at the first reading after that night, when its likes outran its plays.
    assert clock.to_local(flags[0].window_start).replace(second=0) == start.replace(hour=21)  # the daily sweep
    assert flags[0].numbers["likes"] > flags[0].numbers["plays"] / 2
