from datetime import datetime, timedelta

import pytest

from contest import clock
from contest.extensions import db

CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")


def test_popularity_json_has_the_exact_shape(client, board):
    contest, (a, b, c, _pending) = board
    response = client.get("/api/v1/leaderboards/popularity?contest=zhuzhou-2020")
    assert response.status_code == 200
    assert response.get_json() == {
        "contest": "zhuzhou-2020", "as_of": "2020-07-01T11:00:00+08:00", "frozen": False,
        "entries": [
            {"rank": 1, "entry_id": b.id, "video_id": b.video_id, "title": "作品2", "author": "李*", "theme": "talent",
             "likes": 500, "corrected": False, "correction": None},
            {"rank": 2, "entry_id": a.id, "video_id": a.video_id, "title": "作品1", "author": "张三丰",
             "theme": "life", "likes": 300, "corrected": False, "correction": None},
            {"rank": 3, "entry_id": c.id, "video_id": c.video_id, "title": "作品3", "author": "张三丰",
             "theme": "life", "likes": 100, "corrected": False, "correction": None},
        ]}
    assert '"video_id":"6840000000000000002"' in response.get_data(as_text=True).replace(" ", "")


def test_popularity_json_per_theme_and_limit(client, board):
    body = client.get("/api/v1/leaderboards/popularity?theme=life&limit=1").get_json()
    assert [(e["rank"], e["title"]) for e in body["entries"]] == [(1, "作品1")]


def test_popularity_json_is_frozen_after_the_close(client, board, freeze):
    freeze(CLOSE + timedelta(seconds=1))
    assert client.get("/api/v1/leaderboards/popularity").get_json()["frozen"] is True


@pytest.mark.parametrize(("query", "error"), [
    ("limit=0", "limit 必须是 1 到 100 之间的整数。"), ("limit=101", "limit 必须是 1 到 100 之间的整数。"),
    ("limit=abc", "limit 必须是 1 到 100 之间的整数。"), ("limit=-1", "limit 必须是 1 到 100 之间的整数。"),
    ("theme=dance", "没有这个主题：dance。可选：life、talent、village。"),
])
def test_bad_parameters_answer_400_json(client, board, query, error):
    response = client.get(f"/api/v1/leaderboards/popularity?{query}")
    assert (response.status_code, response.get_json()) == (400, {"error": error})


def test_unknown_contest_is_404_json(client, board):
    response = client.get("/api/v1/leaderboards/popularity?contest=nope")
    assert (response.status_code, response.get_json()) == (404, {"error": "没有找到活动“nope”。"})


def test_leaderboard_page_shows_boards_and_masks_names(client, board, freeze):
    page = client.get("/leaderboards").get_data(as_text=True)
    assert "数据截至 2020-07-01 11:00（北京时间）" in page
    assert page.index("作品2") < page.index("作品1") < page.index("作品3")
    assert "李*" in page and "李四" not in page and "作品4" not in page
    assert '<a href="/leaderboards?theme=talent">株洲达人才艺秀</a>' in page  # a tab a theme
    talent = client.get("/leaderboards?theme=talent").get_data(as_text=True)
    assert '<a href="/leaderboards?theme=talent" aria-current="page">株洲达人才艺秀</a>' in talent
    assert "作品2" in talent and "作品1" not in talent
    assert client.get("/leaderboards?theme=dance").status_code == 404
    freeze(CLOSE + timedelta(seconds=1))
    assert "排行榜已冻结" in client.get("/leaderboards").get_data(as_text=True)


def test_winners_before_during_and_after_the_public_notice(client, board, freeze, make_user):
    from contest.domain.awards import draft_awards, publish_awards

    contest, (a, b, c, _pending) = board
    assert client.get("/api/v1/winners").get_json() == {"contest": "zhuzhou-2020", "popularity": None,
                                                        "excellence": None}
    admin = make_user(role="admin", nickname="管理员")
    drafted = freeze(CLOSE + timedelta(hours=10))
    draft_awards(contest, staff=admin, now=drafted, short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    body = client.get("/api/v1/winners").get_json()
    popularity = body["popularity"]
    assert (popularity["status"], popularity["version"], popularity["published_at"]) == ("notice", 1, None)
    assert popularity["notice_ends_at"] == clock.to_local(drafted + timedelta(days=5)).isoformat()
    overall = [(p["rank"], p["entry_id"], p["author"], p["value"]) for p in popularity["places"]
               if p["scope"] == "overall"]
    assert overall == [(1, b.id, "李*", 500.0), (2, a.id, "张三丰", 300.0), (3, c.id, "张三丰", 100.0)]
    assert body["excellence"]["places"] == []  # nobody judged yet
    page = client.get("/winners").get_data(as_text=True)
    assert "公示中，公示期至" in page and "李*" in page and "李四" not in page

    published = freeze(drafted + timedelta(days=5, seconds=1))
    publish_awards(contest, staff=admin, now=published)
    db.session.commit()
    popularity = client.get("/api/v1/winners").get_json()["popularity"]
    assert (popularity["status"], popularity["published_at"]) == ("published", clock.to_local(published).isoformat())
    assert "正式公布于" in client.get("/winners").get_data(as_text=True)
