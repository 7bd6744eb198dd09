"""The contest editor's form, filled in (tests of /staff/contests)."""

from __future__ import annotations


THEMES = "life|生活秀|吃喝玩乐\ntalent|才艺秀|\nvillage|乡村秀|家乡风物"
AREAS = "hetang|荷塘区\nliling|醴陵市"


def form(**overrides) -> dict:
    data = {"name": "2021 株洲抖音生活秀", "slug": "zhuzhou-2021", "opens_at": "2021-06-18T00:00:00",
            "closes_at": "2021-07-17T23:59:59", "hashtag": "动力株洲文旅通", "mention": "株洲足迹",
            "slogan": "动力株洲文旅通，美好生活抖起来", "themes": THEMES, "areas": AREAS,
            "popularity_award_size": "5", "excellence_award_size": "8", "allow_double_win": "y", "notice_days": "7",
            "min_judges": "4"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
