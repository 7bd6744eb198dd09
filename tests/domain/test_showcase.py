"""What the showcase pages read (contest.domain.gallery): the county arena, an entrant's standing,
the gallery's search by a pasted Douyin link, and the race of the leaders' like curves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest import clock
from contest.domain.errors import DomainError, PlatformError
from contest.domain.gallery import area_standings, search_term, standings_of
from contest.domain.leaderboards import popularity_board, race
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.support.gallery import START

VIDEO = "7455266733985729852"


def test_area_standings_count_every_area_from_the_rows(add, contest):
    a = add("醴陵瓷器", area="liling", likes=50)
    b = add("醴陵花炮", area="liling", likes=70, minutes=1)
    add("醴陵待审", area="liling", status=EntryStatus.PENDING)
    add("醴陵撤回", area="liling", status=EntryStatus.WITHDRAWN)
    c = add("荷塘月色", area="hetang", likes=99)
    add("攸县香干", area="youxian")  # approved, no reading yet
    rows = area_standings(contest)
    assert [(r.place, r.key, r.entries, r.approved, r.likes, r.leader.entry_id if r.leader else None)
            for r in rows] == [
        (1, "liling", 3, 2, 120, b.id), (2, "hetang", 1, 1, 99, c.id),
        (3, "youxian", 1, 1, 0, rows[2].leader.entry_id),
        *[(n, key, 0, 0, 0, None) for n, key in enumerate(
            ["lusong", "shifeng", "tianyuan", "lukou", "chaling", "yanling"], start=4)]]
    assert len(rows) == 9 and rows[0].name == "醴陵市" and rows[0].leader.title == "醴陵花炮"
    assert a.id not in {r.leader.entry_id for r in rows if r.leader}


def test_a_tie_in_an_area_goes_to_who_reached_the_count_first(add, contest):
    early = add("先到", area="lukou", likes=30, minutes=5)
    late = add("后到", area="lukou", minutes=1)
    record_snapshot(late, observed_at=START + timedelta(hours=3), likes=30, source=SnapshotSource.PLATFORM)
    db.session.commit()
    (lukou,) = [r for r in area_standings(contest) if r.key == "lukou"]
    assert (lukou.likes, lukou.leader.entry_id) == (60, early.id)


def test_an_entrant_sees_likes_of_every_entry_and_places_of_approved_ones(add, contest):
    first = add("第一", likes=90)
    second = add("第二", likes=40, minutes=1)
    waiting = add("待审", likes=500, status=EntryStatus.PENDING)
    standings = standings_of(contest, [second.id, waiting.id, first.id])
    assert {i: (s.likes, s.place) for i, s in standings.items()} == {
        first.id: (90, 1), second.id: (40, 2), waiting.id: (500, None)}
    assert standings_of(contest, []) == {}


class Links:
    """The gateway's short-link answer, as the sandbox gives it."""

    share_base = "https://www.iesdouyin.com"

    def __init__(self, location=None, error=None):
        self.location, self.error, self.asked = location, error, []

    def resolve_short_link(self, code, host=None):
        self.asked.append(code)
        if self.error:
            raise self.error
        return self.location


def test_gallery_search_takes_a_pasted_douyin_link():
    long = Links()
    assert search_term(f"4.30 去抖音看看 https://www.iesdouyin.com/share/video/{VIDEO}/?region=CN 12/10", long) == VIDEO
    assert long.asked == []  # a long link is read, never fetched
    short = Links(location=f"https://www.iesdouyin.com/share/video/{VIDEO}/?mid=1")
    assert search_term("7.43 pda:/ 让你记住我 https://v.douyin.com/L5pbfdP/ 复制此链接", short) == VIDEO
    assert short.asked == ["L5pbfdP"]
    assert search_term("醴陵", Links()) == "醴陵" and search_term(None, Links()) is None


@pytest.mark.parametrize(("text", "links", "message"), [
    ("https://example.com/video/1", Links(), "这不是抖音的链接。请粘贴抖音视频的分享链接。"),
    ("https://www.douyin.com/user/MS4w", Links(), "这是抖音个人主页的链接，不是视频。请打开要参赛的视频，点“分享”→“复制链接”。"),
    ("https://v.douyin.com/Gone001/", Links(location=None), "这个分享链接已失效。请在抖音里重新点“分享”→“复制链接”。"),
    ("https://v.douyin.com/Busy001/", Links(error=PlatformError("繁忙", code=28001005, kind="platform")),
     "暂时无法打开这个抖音短链接，请稍后再试，或按标题、作者昵称搜索。"),
])
def test_gallery_search_refuses_other_links_plainly(text, links, message):
    with pytest.raises(DomainError) as caught:
        search_term(text, links)
    assert caught.value.message == message


def test_the_race_follows_the_board_with_counted_readings_only(add, contest, freeze):
    leader = add("领先", likes=10)
    other = add("第二", likes=5, minutes=1)
    for hours, likes in ((5, 40), (6, 50)):
        record_snapshot(leader, observed_at=START + timedelta(hours=hours), likes=likes, source=SnapshotSource.PLATFORM)
    record_snapshot(leader, observed_at=contest.closes_at + timedelta(seconds=1), likes=999,
                    source=SnapshotSource.PLATFORM)
    db.session.commit()
    now = freeze(contest.closes_at + timedelta(days=1))
    board = popularity_board(contest, theme=None, limit=10, now=now)
    result = race(board, contest, now=now)
    assert result.frozen and result.cutoff == contest.closes_at + timedelta(seconds=1)
    assert [(c.rank, c.entry_id, c.likes, [n for _, n in c.points]) for c in result.curves] == [
        (1, leader.id, 50, [10, 40, 50]), (2, other.id, 5, [5])]
    assert clock.ensure_utc(result.curves[0].points[0][0]) == START + timedelta(hours=2)
