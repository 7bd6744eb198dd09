"""Citizens find what they expect: 去抖音点赞 links, search by nickname and video id,
leaderboard rows that open the entry, area pages and the announcements' Atom feed."""

from __future__ import annotations

import re
from urllib.parse import quote
import xml.etree.ElementTree as ET
from datetime import datetime

from contest.domain import gallery
from contest.extensions import db
from contest.models import EntryStatus
from contest.models.awards import Announcement, AnnouncementKind
from tests.support.gallery_pages import cards
from tests.support.gallery import START

ATOM = "{http://www.w3.org/2005/Atom}"


def test_card_opens_the_entry_page_which_opens_the_video_on_douyin(client, add, sandbox):
    entry = add("荷塘月色 #动力株洲文旅通 @株洲足迹")
    link = (f'<a class="button douyin" href="{sandbox.url}/iesdouyin/share/video/{entry.video_id}/" '
            f'rel="noopener noreferrer"\n     aria-label="去抖音点赞：荷塘月色">去抖音点赞</a>')
    assert f'<a href="/gallery/{entry.id}">荷塘月色</a>' in client.get("/gallery?contest=zhuzhou-2020").get_data(as_text=True)
    assert link in client.get(f"/gallery/{entry.id}").get_data(as_text=True)


def test_gallery_finds_by_shown_nickname_and_by_video_id_never_by_a_masked_name(client, add, make_user):
    shown = add("晨练", user=make_user(nickname="湘江阿梅"), show_nickname=True)
    masked = add("夜市", user=make_user(nickname="湘江老王"), show_nickname=False)
    other = add("阿梅的湘江", minutes=1)
    assert cards(client, "?contest=zhuzhou-2020&q=湘江") == [other.id, shown.id]
    assert cards(client, "?contest=zhuzhou-2020&q=老王") == []
    assert cards(client, f"?contest=zhuzhou-2020&q={masked.video_id}") == [masked.id]
    assert cards(client, f"?contest=zhuzhou-2020&q={masked.video_id[:-1]}") == []


def test_leaderboard_rows_link_to_the_entry_pages(client, add):
    first = add("第一 #动力株洲文旅通", likes=30)
    second = add("第二 #动力株洲文旅通", likes=10, minutes=1)
    page = client.get("/leaderboards?contest=zhuzhou-2020").get_data(as_text=True)
    assert re.findall(r'<a class="title" href="/gallery/(\d+)">', page) == [str(first.id), str(second.id)]


def test_area_page_lists_its_approved_entries_most_liked_first_with_counts(client, add):
    low = add("醴陵瓷器", area="liling", theme="life", likes=5)
    high = add("醴陵花炮", area="liling", theme="talent", likes=50, minutes=1)
    add("醴陵待审", area="liling", status=EntryStatus.PENDING)
    add("荷塘月色", area="hetang", likes=99)
    response = client.get("/areas/liling?contest=zhuzhou-2020")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>醴陵市的参赛作品</h1>" in html
    assert re.findall(r'<h2 class="entry-card-title"><a href="/gallery/(\d+)">', html) == [str(high.id), str(low.id)]
    assert "<dt>审核通过的作品</dt><dd>2 件</dd>" in html and "<dt>累计点赞</dt><dd>55 赞</dd>" in html
    assert "<dt>株洲美好生活秀</dt><dd>1 件</dd><dt>株洲达人才艺秀</dt><dd>1 件</dd><dt>美丽乡村旅游秀</dt><dd>0 件</dd>" in html
    assert 'href="/areas/hetang?contest=zhuzhou-2020"' in html
    assert 'href="/areas?contest=zhuzhou-2020#area-liling"' in html  # its place in the arena
    assert client.get("/areas/nowhere?contest=zhuzhou-2020").status_code == 404
    bad_page = client.get("/areas/liling?contest=zhuzhou-2020&page=x")
    assert bad_page.status_code == 400 and "页码应为 1 到 10000 之间的整数。" in bad_page.get_data(as_text=True)


def test_area_counts(add, contest):
    add("a", area="youxian", likes=7)
    page = gallery.area_page(contest, "youxian")
    assert (page.name, page.entries, page.likes, [c.entry_id for c in page.gallery.cards]) == (
        "攸县", 1, 7, [page.gallery.cards[0].entry_id])


def test_announcements_feed_is_atom_with_published_notices_only(client, contest):
    for title, published in (("活动启动", datetime(2020, 6, 18, 1, tzinfo=START.tzinfo)), ("草稿", None),
                             ("<提醒> & 注意", datetime(2020, 6, 20, 1, tzinfo=START.tzinfo))):
        db.session.add(Announcement(contest_id=contest.id, title=title, body="正文\n第二段", kind=AnnouncementKind.OTHER,
                                    published_at=published))
    db.session.commit()
    response = client.get("/announcements.atom?contest=zhuzhou-2020")
    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["<提醒> & 注意", "活动启动"]
    first = feed.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}link").get("href").startswith("http://localhost/announcements?contest=zhuzhou-2020#announcement-")
    assert first.find(f"{ATOM}content").text == "正文\n第二段"
    assert feed.find(f"{ATOM}updated").text == first.find(f"{ATOM}published").text
    page = client.get("/announcements?contest=zhuzhou-2020").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page and 'href="/announcements.atom?contest=zhuzhou-2020"' in page


def test_gallery_search_finds_an_entry_by_a_pasted_douyin_link(client, add, sandbox):
    entry = add("荷塘月色 #动力株洲文旅通 @株洲足迹")
    add("别的作品", minutes=1)
    shared = f"4.30 去抖音看看【某某的作品】 https://www.iesdouyin.com/share/video/{entry.video_id}/?region=CN 12/10"
    assert cards(client, "?contest=zhuzhou-2020&q=" + quote(shared)) == [entry.id]
    sandbox.control("shortlinks", {"code": "ZZfind01", "video_id": entry.video_id})
    assert cards(client, "?contest=zhuzhou-2020&q=" + quote("7.43 复制此链接 https://v.douyin.com/ZZfind01/ 打开抖音")) == [
        entry.id]
    profile = client.get("/gallery?contest=zhuzhou-2020&q=" + quote("https://www.douyin.com/user/MS4wLjAB"))
    assert profile.status_code == 400
    assert "这是抖音个人主页的链接，不是视频。" in profile.get_data(as_text=True)


def test_the_arena_lists_all_nine_areas_with_their_figures(client, add):
    leader = add("醴陵花炮", area="liling", likes=50)
    add("荷塘月色", area="hetang", likes=20)
    response = client.get("/areas?contest=zhuzhou-2020")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    names = re.findall(r'<span class="place">(\d)</span> <a href="/areas/(\w+)\?contest=zhuzhou-2020">([^<]+)</a>', html)
    assert [(place, key) for place, key, _ in names] == [
        ("1", "liling"), ("2", "hetang"), ("3", "lusong"), ("4", "shifeng"), ("5", "tianyuan"), ("6", "lukou"),
        ("7", "youxian"), ("8", "chaling"), ("9", "yanling")]
    liling = re.search(r'<li class="card arena-card" id="area-liling">(.*?)</li>', html, re.S).group(1)
    assert re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", liling) == [("报名作品", "1"), ("审核通过", "1"), ("点赞", "50")]
    assert f'领先：<a href="/gallery/{leader.id}">醴陵花炮</a>' in liling
    assert "共 70 赞：醴陵市 50 赞，荷塘区 20 赞，" in html  # the chart's words
    assert '<a href="/areas?contest=zhuzhou-2020">看九个县市区的比拼</a>' in client.get(
        "/?contest=zhuzhou-2020").get_data(as_text=True)
