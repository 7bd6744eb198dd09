"""The public gallery's rules: titles, filters, paging, consent, covers, the countdown."""

from __future__ import annotations

import pickle
from datetime import datetime

import pytest

from contest import clock
from contest.domain.covers import clean_cover
from contest.domain.entries import EntryRequest, submit_entry
from contest.domain.errors import DomainError, NotFound
from contest.domain.gallery import (
    Card, GalleryFilters, GalleryPage, countdown, entry_title, gallery_filters, gallery_page,
    public_entry, public_profile, remaining_text,
)
from contest.douyin.author import AuthorVideos
from contest.douyin.gateway import DouyinGateway
from contest.extensions import db
from contest.models import EntryStatus, EntryTally
from tests.conftest import video_id_at


def ids(page: GalleryPage) -> list[int]:
    return [c.entry_id for c in page.cards]


@pytest.mark.parametrize("caption, title", [
    ("株洲的早晨 #动力株洲文旅通 @株洲足迹", "株洲的早晨"),
    ("#动力株洲文旅通#美食@株洲足迹 醴陵  瓷器，真好看！", "醴陵 瓷器，真好看！"),
    ("炎陵黄桃＃动力株洲文旅通 ＠株洲足迹 甜", "炎陵黄桃 甜"),
    ("老街\u200b夜市 #动力\u200b株洲文旅通", "老街夜市"),
    ("#动力株洲文旅通 @株洲足迹", ""),
    ("", ""),
    (None, ""),
])
def test_entry_title_is_the_caption_without_its_tags(caption, title):
    assert entry_title(caption) == title


def test_gallery_shows_only_approved_entries_of_that_contest(add, make_contest, contest):
    other = make_contest(slug="other", name="另一个活动")
    approved = add()
    for status in (EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN, EntryStatus.NEEDS_FIX):
        add(status=status)
    add(of=other)
    page = gallery_page(contest)
    assert ids(page) == [approved.id]
    assert (page.total, page.page, page.pages, page.sort) == (1, 1, 1, "new")
    assert page.cards[0] == Card(entry_id=approved.id, video_id=approved.video_id, title="株洲的早晨", author="张**", author_id=None,
                                 theme="株洲美好生活秀", area="荷塘区", likes=None, observed_at=None, cover=None)


def test_gallery_filters_by_theme_area_and_title(add, contest):
    life = add("醴陵瓷器 #动力株洲文旅通", theme="life", area="liling", minutes=1)
    talent = add("唱山歌 #动力株洲文旅通", theme="talent", area="liling", minutes=2)
    village = add("炎陵黄桃 #动力株洲文旅通", theme="village", area="yanling", minutes=3)
    add("瓷器 #醴陵", theme="life", area="hetang", status=EntryStatus.PENDING)
    assert ids(gallery_page(contest, theme="talent")) == [talent.id]
    assert ids(gallery_page(contest, area="liling")) == [talent.id, life.id]
    assert ids(gallery_page(contest, theme="life", area="yanling")) == []
    assert ids(gallery_page(contest, q="黄桃")) == [village.id]
    # The title only: the tags are not searched.
    assert ids(gallery_page(contest, q="动力株洲")) == []
    assert ids(gallery_page(contest, q="醴陵")) == [life.id]


def test_gallery_search_ignores_case_and_full_width(add, contest):
    entry = add("Vlog 株洲ＡＢＣ #动力株洲文旅通")
    assert ids(gallery_page(contest, q="vlog")) == [entry.id]
    assert ids(gallery_page(contest, q="abc")) == [entry.id]


def test_gallery_pages_twenty_at_a_time_latest_approved_first(add, contest):
    entries = [add(f"作品{i} #动力株洲文旅通", minutes=i) for i in range(21)]
    first, second = gallery_page(contest, page=1), gallery_page(contest, page=2)
    assert ids(first) == [e.id for e in reversed(entries[1:])]
    assert ids(second) == [entries[0].id]
    assert (first.total, first.pages, second.page) == (21, 2, 2)
    assert ids(gallery_page(contest, page=3)) == []


def test_gallery_sorts_by_counted_likes(add, contest):
    few = add(likes=5, minutes=1)
    none = add(minutes=3)
    many = add(likes=90, minutes=2)
    assert ids(gallery_page(contest, sort="likes")) == [many.id, few.id, none.id]
    assert ids(gallery_page(contest, sort="new")) == [none.id, many.id, few.id]
    card = gallery_page(contest, sort="likes").cards[0]
    assert (card.likes, card.observed_at) == (90, datetime.fromisoformat("2020-06-20T10:00:00+08:00"))


def test_gallery_page_is_plain_picklable_values(add, contest):
    add(likes=3, show_nickname=True)
    page = gallery_page(contest)
    again = pickle.loads(pickle.dumps(page))
    assert again == page
    values = [getattr(page.cards[0], f) for f in Card.__dataclass_fields__]
    assert all(v is None or isinstance(v, (str, int, datetime)) for v in values)


def test_gallery_filters_defaults(contest):
    assert gallery_filters(contest) == GalleryFilters(theme="", area="", q="", page=1, sort="new")
    assert gallery_filters(contest, theme="life", area="liling", q="  醴陵   瓷器 ", page="2", sort="likes") == \
        GalleryFilters(theme="life", area="liling", q="醴陵 瓷器", page=2, sort="likes")


@pytest.mark.parametrize("params, message", [
    ({"theme": "food"}, "没有这个参赛主题，请从列表中选择。"),
    ({"area": "changsha"}, "没有这个区县，请从列表中选择。"),
    ({"q": "长" * 51}, "搜索词最多 50 个字。"),
    ({"page": "0"}, "页码应为 1 到 10000 之间的整数。"),
    ({"page": "-1"}, "页码应为 1 到 10000 之间的整数。"),
    ({"page": "abc"}, "页码应为 1 到 10000 之间的整数。"),
    ({"page": "²"}, "页码应为 1 到 10000 之间的整数。"),
    ({"page": "10001"}, "页码应为 1 到 10000 之间的整数。"),
    ({"page": "99999999999999999999999"}, "页码应为 1 到 10000 之间的整数。"),
    ({"sort": "random"}, "排序方式只能是“最新”或“点赞最多”。"),
    ({"theme": "x", "page": "x"}, "没有这个参赛主题，请从列表中选择。页码应为 1 到 10000 之间的整数。"),
])
def test_gallery_filters_refuse_bad_values(contest, params, message):
    with pytest.raises(DomainError) as caught:
        gallery_filters(contest, **params)
    assert caught.value.message == message


def test_public_entry_is_only_an_approved_one(add):
    assert public_entry(add().id).status is EntryStatus.APPROVED
    for status in (EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN, EntryStatus.NEEDS_FIX):
        with pytest.raises(NotFound, match="没有找到这个作品。"):
            public_entry(add(status=status).id)
    with pytest.raises(NotFound):
        public_entry(999_999)


def test_public_profile_lists_only_consented_approved_entries(add, make_user, contest, make_contest):
    citizen = make_user(nickname="李小红", phone="13912345678")
    shown = add("荷塘月色", user=citizen, show_nickname=True, minutes=1)
    shown_later = add("石峰公园", user=citizen, show_nickname=True, minutes=5)
    add("不公开昵称", user=citizen, show_nickname=False)
    add("待审核", user=citizen, show_nickname=True, status=EntryStatus.PENDING)
    add("别的活动", user=citizen, show_nickname=True, of=make_contest(slug="other"))
    profile = public_profile(contest, citizen.id)
    assert (profile.user_id, profile.nickname) == (citizen.id, "李小红")
    assert [c.entry_id for c in profile.cards] == [shown_later.id, shown.id]
    assert {c.author for c in profile.cards} == {"李小红"} and {c.author_id for c in profile.cards} == {citizen.id}


def test_public_profile_is_not_found_without_consent(add, make_user, contest):
    citizen = make_user(nickname="王五")
    add(user=citizen, show_nickname=False)
    add(user=citizen, show_nickname=True, status=EntryStatus.REJECTED)
    with pytest.raises(NotFound, match="没有找到这位参赛者的公开作品。"):
        public_profile(contest, citizen.id)


@pytest.mark.parametrize("seconds, text", [
    (0, "不到 1 分钟"), (59.9, "不到 1 分钟"), (60, "1 分"), (3599, "59 分"), (3600, "1 小时 0 分"),
    (86_400, "1 天 0 小时 0 分"), (22 * 86_400 + 11 * 3600 + 59 * 60 + 59, "22 天 11 小时 59 分"),
])
def test_remaining_text_in_whole_minutes(seconds, text):
    assert remaining_text(seconds) == text


def test_countdown_to_the_open_then_to_the_end_of_the_window(contest, freeze):
    freeze("2020-06-17T23:00:00+08:00")
    before = countdown(contest, clock.now())
    assert (before.label, before.target, before.text) == (
        "距离开始还有", datetime.fromisoformat("2020-06-18T00:00:00+08:00"), "1 小时 0 分")
    freeze("2020-07-17T23:59:00+08:00")
    during = countdown(contest, clock.now())
    assert (during.label, during.target, during.text, during.done) == (
        "距离截止还有", datetime.fromisoformat("2020-07-18T00:00:00+08:00"), "1 分", "已结束")
    freeze("2020-07-18T00:00:00+08:00")
    after = countdown(contest, clock.now())
    assert (after.target, after.text) == (None, "已结束")


@pytest.mark.parametrize("url, kept", [
    ("https://p3-sign.douyinpic.com/obj/cover.jpeg?x-expires=1", True),
    ("http://127.0.0.1:5001/assets/cover/1.svg", True),
    ("javascript:alert(1)", False), ("data:image/svg+xml,<svg/>", False), ("//evil.example/x.png", False),
    ("https://x/" + "a" * 2000, False), ("", False), (None, False),
])
def test_clean_cover_keeps_http_urls_only(url, kept):
    assert clean_cover(url) == (url if kept else None)


def test_submission_keeps_the_cover_the_platform_gave(app, contest, sandbox, linked_author):
    citizen = linked_author("ou_cover")
    vid = video_id_at("2020-06-20T12:00:00+08:00", 7)
    sandbox.control("videos", {"video_id": vid, "open_id": "ou_cover", "title": "晨练 #动力株洲文旅通 @株洲足迹",
                               "create_time": int(datetime.fromisoformat("2020-06-20T12:00:00+08:00").timestamp()),
                               "digg_count": 0, "public": True, "cover": "https://p3.douyinpic.com/cover-7.jpeg"})
    client = DouyinGateway(app.extensions["douyin"])
    entry = submit_entry(contest, citizen, EntryRequest(text="", theme="life", area="hetang", accept_rules=True,
                                                        show_nickname=True, video_id=vid),
                         douyin=client, now=clock.now(), verifier=AuthorVideos.of(citizen, client, clock.now()))
    db.session.commit()
    assert entry.cover_url == "https://p3.douyinpic.com/cover-7.jpeg"


def test_a_sweep_keeps_the_newest_cover_on_the_tally_not_the_entry(contest, linked_author, entry_of, at, sandbox, sweep):
    at("2020-06-25T12:00:00+08:00")
    citizen = linked_author("ou_sweep")
    entry = entry_of(contest, citizen, likes=12)
    entry.cover_url = "https://p3.douyinpic.com/at-submission.jpeg"
    db.session.commit()
    version = entry.version
    sweep()
    db.session.expire_all()
    tally = db.session.get(EntryTally, entry.id)
    assert tally.cover_url == f"{sandbox.url}/assets/cover/{entry.video_id}.svg"
    assert (entry.version, entry.cover_url) == (version, "https://p3.douyinpic.com/at-submission.jpeg")
    assert gallery_page(contest).cards[0].cover == tally.cover_url

    sandbox.control("videos", {"video_id": entry.video_id, "cover": "https://p3.douyinpic.com/new.jpeg"})
    at("2020-06-25T13:00:00+08:00")
    sweep()
    db.session.expire_all()
    assert db.session.get(EntryTally, entry.id).cover_url == "https://p3.douyinpic.com/new.jpeg"
    assert entry.version == version
