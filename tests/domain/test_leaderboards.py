"""The public popularity boards and award sections (contest.domain.leaderboards)."""

from __future__ import annotations

from datetime import datetime

from contest import clock
from contest.domain import leaderboards

AFTER_CLOSE = datetime.fromisoformat("2020-07-18T00:00:00+08:00")


def rows(found) -> list[tuple]:
    return [(r.rank, r.video_id, r.title, r.author, r.theme_key, r.likes, r.corrected) for r in found.rows]


def test_the_overall_board_ranks_approved_entries_by_likes_with_masked_authors(board):
    contest, (a, b, c, _pending) = board
    found = leaderboards.popularity_board(contest, theme=None, limit=10, now=clock.now())
    assert (found.theme_key, found.theme_name, found.frozen, found.read) == (None, None, False, True)
    assert found.as_of == datetime.fromisoformat("2020-07-01T11:00:00+08:00")
    assert rows(found) == [
        (1, b.video_id, "作品2", "李*", "talent", 500, False),
        (2, a.video_id, "作品1", "张三丰", "life", 300, False),
        (3, c.video_id, "作品3", "张三丰", "life", 100, False),
    ]


def test_boards_per_theme_share_one_cache_look_up_and_honour_the_limit(board):
    contest, (a, b, c, _pending) = board
    asked = []

    def cache(name, compute, **params):
        asked.append((name, params))
        return compute()

    life = next(t for t in contest.themes if t.key == "life")
    overall, by_life = leaderboards.popularity_boards(contest, themes=[None, life], limit=1, now=clock.now(), cache=cache)
    assert asked == [("popularity", {"contest": "zhuzhou-2020", "themes": ",life", "limit": 1})]
    assert [r.video_id for r in overall.rows] == [b.video_id]
    assert (by_life.theme_key, [r.video_id for r in by_life.rows]) == ("life", [a.video_id])


def test_a_board_before_any_reading_is_as_of_now_and_after_the_close_frozen(make_contest):
    contest = make_contest(frozen_at="2020-06-20T12:00:00+08:00")
    found = leaderboards.popularity_board(contest, theme=None, limit=10, now=clock.now())
    assert (found.rows, found.read, found.as_of, found.frozen) == ([], False, clock.now(), False)
    after = leaderboards.popularity_board(contest, theme=None, limit=10, now=AFTER_CLOSE)
    assert after.frozen is True


def test_uncached_just_computes():
    assert leaderboards.uncached("x", lambda: 42, a=1) == 42
