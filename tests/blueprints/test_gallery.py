"""The gallery, entry pages with their share card and QR code, and public profiles."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import pytest

from contest.blueprints.public.gallery import qr_svg, share_url
from contest.domain.likes import record_snapshot
from contest.render.charts import ms
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource, User
from tests.support.gallery import START
from tests.support.gallery_pages import CARD_LINK, cards


def test_gallery_shows_only_approved_entries_of_that_contest(client, add, make_contest, contest):
    other = make_contest(slug="other", name="另一个活动", opens="2020-06-01", closes="2020-06-30")
    shown = add("荷塘月色 #动力株洲文旅通")
    for status in (EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN, EntryStatus.NEEDS_FIX):
        add(f"不该出现{status.value}", status=status)
    elsewhere = add("别的活动的作品", of=other)
    assert cards(client, "?contest=zhuzhou-2020") == [shown.id]
    assert cards(client, "?contest=other") == [elsewhere.id]
    page = client.get("/gallery?contest=zhuzhou-2020").get_data(as_text=True)
    assert "不该出现" not in page
    assert "共 1 件作品，最新通过审核的在前。" in page


def test_gallery_filters_give_the_exact_sets(client, add):
    life = add("醴陵瓷器", theme="life", area="liling", minutes=1)
    talent = add("唱山歌", theme="talent", area="liling", minutes=2)
    village = add("炎陵黄桃", theme="village", area="yanling", minutes=3)
    assert cards(client, "?theme=talent") == [talent.id]
    assert cards(client, "?area=liling") == [talent.id, life.id]
    assert cards(client, "?theme=village&area=yanling") == [village.id]
    assert cards(client, "?q=%E9%BB%84%E6%A1%83") == [village.id]  # 黄桃
    assert cards(client, "?q=%E9%86%B4%E9%99%B5&theme=talent") == []  # 醴陵
    assert cards(client, "?theme=&area=&q=&sort=new") == [village.id, talent.id, life.id]


def test_gallery_pages_twenty_at_a_time_with_links(client, add):
    entries = [add(f"作品{i}", theme="talent", minutes=i) for i in range(21)]
    first = client.get("/gallery?theme=talent").get_data(as_text=True)
    assert CARD_LINK.findall(first) == [str(e.id) for e in reversed(entries[1:])]
    assert 'rel="next" href="/gallery?page=2&amp;theme=talent&amp;sort=new&amp;contest=zhuzhou-2020"' in first
    assert 'rel="prev"' not in first
    second = client.get("/gallery?theme=talent&page=2").get_data(as_text=True)
    assert CARD_LINK.findall(second) == [str(entries[0].id)]
    assert 'rel="prev" href="/gallery?page=1&amp;theme=talent&amp;sort=new&amp;contest=zhuzhou-2020"' in second
    assert 'rel="next"' not in second
    assert "第 2/2 页" in second
    beyond = client.get("/gallery?theme=talent&page=3").get_data(as_text=True)
    assert CARD_LINK.findall(beyond) == [] and "第 3 页没有作品。" in beyond


def test_gallery_sorted_by_likes_on_request(client, add):
    few, many = add("少", minutes=1), add("多", minutes=0)
    record_snapshot(few, observed_at=START + timedelta(hours=1), likes=3, source=SnapshotSource.PLATFORM)
    record_snapshot(many, observed_at=START + timedelta(hours=1), likes=30, source=SnapshotSource.PLATFORM)
    db.session.commit()
    assert cards(client) == [few.id, many.id]
    assert cards(client, "?sort=likes") == [many.id, few.id]
    assert "点赞最多的在前" in client.get("/gallery?sort=likes").get_data(as_text=True)


def test_gallery_card_masks_or_shows_the_nickname_and_never_a_phone(client, add, make_user):
    shy = make_user(nickname="张三丰", phone="13811112222")
    open_ = make_user(nickname="李小红", phone="13833334444")
    add("害羞的作品", user=shy, show_nickname=False)
    shown = add("公开的作品", user=open_, show_nickname=True)
    page = client.get("/gallery").get_data(as_text=True)
    assert "张**" in page and "张三丰" not in page
    assert f'<a href="/people/{open_.id}?contest=zhuzhou-2020">李小红</a>' in page
    assert f"/people/{shy.id}" not in page
    for digits in ("13811112222", "13833334444", "1111", "3333"):
        assert digits not in page
    assert shown.id in cards(client)


def test_gallery_card_shows_its_counted_likes_on_the_cover(client, add):
    read, unread = add("有读数", minutes=1), add("没读数")
    record_snapshot(read, observed_at=datetime.fromisoformat("2020-06-21T03:05:00+00:00"), likes=1234,
                    source=SnapshotSource.PLATFORM)
    db.session.commit()
    page = client.get("/gallery").get_data(as_text=True)
    assert '<span class="entry-card-likes">♥ 1,234</span>' in page and page.count("entry-card-likes") == 1
    assert '<p class="visually-hidden">1234 赞</p>' in page and page.count("暂无点赞数据") == 1
    assert "♥ 为截止前最后一次读到的抖音点赞数。" in page  # said once for the page, not on every card


def test_gallery_card_cover_is_lazy_and_decorative_or_the_placeholder(client, add):
    add("有封面 #动力株洲文旅通", cover_url="https://p3.douyinpic.com/c.jpeg", minutes=1)
    add("没封面")
    page = client.get("/gallery").get_data(as_text=True)
    # The title follows as the card's link: the cover's own link is hidden from screen readers.
    assert '<img src="https://p3.douyinpic.com/c.jpeg" alt=""' in page
    assert re.search(r'<img src="/static/img/cover-placeholder.svg\?v=[0-9a-f]{12}" alt=""', page)
    assert page.count('loading="lazy"') == 2
    assert client.get("/static/img/cover-placeholder.svg").status_code == 200


@pytest.mark.parametrize("query, message", [
    ("?theme=food", "没有这个参赛主题，请从列表中选择。"),
    ("?area=changsha", "没有这个区县，请从列表中选择。"),
    ("?page=0", "页码应为 1 到 10000 之间的整数。"),
    ("?page=-3", "页码应为 1 到 10000 之间的整数。"),
    ("?page=two", "页码应为 1 到 10000 之间的整数。"),
    ("?page=1e3", "页码应为 1 到 10000 之间的整数。"),
    ("?q=" + "长" * 51, "搜索词最多 50 个字。"),
    ("?sort=random", "排序方式只能是“最新”或“点赞最多”。"),
])
def test_gallery_bad_parameters_are_a_clear_400(client, add, query, message):
    add()
    response = client.get("/gallery" + query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<div class="problems" role="alert"><p>{message}</p>' in page
    assert CARD_LINK.findall(page) == []


def test_gallery_for_an_unknown_contest_is_a_chinese_404(client, contest):
    response = client.get("/gallery?contest=nope")
    assert response.status_code == 404
    assert "没有找到活动“nope”。" in response.get_data(as_text=True)


def test_gallery_shows_an_entry_once_it_is_approved(client, add):
    entry = add(status=EntryStatus.PENDING)
    assert cards(client) == []
    entry.status = EntryStatus.APPROVED
    db.session.commit()
    assert cards(client) == [entry.id]


def test_main_menu_links_the_gallery(client, contest):
    assert '<li><a href="/gallery">作品展示</a></li>' in client.get("/rules").get_data(as_text=True)


# --- the entry page -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN,
                                    EntryStatus.NEEDS_FIX])
def test_entry_page_and_qr_are_404_unless_approved(client, add, status):
    entry = add(status=status)
    for path in (f"/gallery/{entry.id}", f"/gallery/{entry.id}/qr.svg"):
        response = client.get(path)
        assert response.status_code == 404
        assert "没有找到这个作品。" in response.get_data(as_text=True)
    assert client.get("/gallery/999999").status_code == 404


def test_entry_page_has_the_player_caption_facts_and_share_card(client, add, make_user, sandbox):
    citizen = make_user(nickname="李小红", phone="13855556666")
    entry = add("石峰公园的早晨 #动力株洲文旅通 @株洲足迹", user=citizen, show_nickname=True, theme="village",
                area="shifeng", cover_url="https://p3.douyinpic.com/c.jpeg")
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    assert (f'<iframe class="player" src="{sandbox.url}/open/player/video?vid={entry.video_id}&amp;autoplay=0" '
            'referrerpolicy="unsafe-url"') in page
    assert "<h1>石峰公园的早晨</h1>" in page
    assert '<p class="review-caption">石峰公园的早晨 #动力株洲文旅通 @株洲足迹</p>' in page
    assert f'<dd><a href="/people/{citizen.id}?contest=zhuzhou-2020">李小红</a></dd>' in page
    assert "<dt>主题</dt><dd>美丽乡村旅游秀</dd>" in page and "<dt>区县</dt><dd>石峰区</dd>" in page
    url = f"http://localhost/gallery/{entry.id}"
    assert f'<input id="share-url" type="url" value="{url}" readonly>' in page
    assert f'data-copy="{url}"' in page
    text = f"我在参加测试活动，我的作品《石峰公园的早晨》，请为我点赞！{url}"
    assert f">{text}</textarea>" in page and f'data-copy="{text}"' in page
    assert f'<img src="/gallery/{entry.id}/qr.svg" alt="本作品页面的二维码，用手机扫一扫即可打开"' in page
    assert '<meta property="og:title" content="石峰公园的早晨 · 测试活动">' in page
    assert ('<meta property="og:description" content="李小红的参赛作品（美丽乡村旅游秀 · 石峰区），快来为TA点赞！">'
            in page)
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:image" content="https://p3.douyinpic.com/c.jpeg">' in page
    assert "13855556666" not in page


def test_entry_page_masks_an_unconsented_author_without_a_profile_link(client, add, make_user):
    citizen = make_user(nickname="王小二")
    entry = add(user=citizen, show_nickname=False)
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    assert "<dt>作者</dt>\n      <dd>王**</dd>" in page
    assert "王小二" not in page and "/people/" not in page


def test_entry_page_chart_shows_counted_readings_only(client, add, contest):
    entry = add()
    record_snapshot(entry, observed_at=datetime.fromisoformat("2020-07-17T23:59:59+08:00"), likes=77,
                    source=SnapshotSource.PLATFORM)
    record_snapshot(entry, observed_at=datetime.fromisoformat("2020-07-18T09:00:00+08:00"), likes=999,
                    source=SnapshotSource.PLATFORM)
    db.session.commit()
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    spec = json.loads(html.unescape(re.search(r'data-chart="([^"]*)"', page).group(1)))
    assert [s["points"] for s in spec["series"]] == [[[ms(datetime.fromisoformat("2020-07-17T23:59:59+08:00")), 77,
                                                       "platform"]]]
    assert spec["cutoff"] is None and "最近 7月17日 23:59 为 77 赞" in spec["summary"]
    assert "999" not in page
    assert "<strong>77</strong> 赞" in page


def test_qr_code_is_a_cacheable_svg_of_the_entry_page_url(app, client, add):
    entry = add()
    response = client.get(f"/gallery/{entry.id}/qr.svg")
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=604800"
    body = response.get_data()
    assert body.startswith(b"<?xml") and b"<svg" in body and b'xmlns="http://www.w3.org/2000/svg"' in body
    with app.test_request_context("/"):
        url = share_url(entry.id)
        assert url == f"http://localhost/gallery/{entry.id}"
        assert body == qr_svg(url)
        assert qr_svg(url) != qr_svg(url + "x")
    again = client.get(f"/gallery/{entry.id}/qr.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


# --- public profiles ------------------------------------------------------------------------


def test_profile_lists_only_consented_approved_entries(client, add, make_user):
    citizen = make_user(nickname="李小红", phone="13877778888")
    first = add("荷塘月色", user=citizen, show_nickname=True, minutes=1)
    second = add("石峰公园", user=citizen, show_nickname=True, minutes=2)
    add("不公开昵称的作品", user=citizen, show_nickname=False, minutes=3)
    add("待审核的作品", user=citizen, show_nickname=True, status=EntryStatus.PENDING)
    response = client.get(f"/people/{citizen.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>李小红的参赛作品</h1>" in page
    assert [int(i) for i in CARD_LINK.findall(page)] == [second.id, first.id]
    assert "不公开昵称的作品" not in page and "待审核的作品" not in page and "13877778888" not in page


def test_profile_is_404_without_consent(client, add, make_user):
    citizen = make_user(nickname="王五")
    add(user=citizen, show_nickname=False)
    response = client.get(f"/people/{citizen.id}")
    assert response.status_code == 404
    assert "没有找到这位参赛者的公开作品。" in response.get_data(as_text=True)
    assert client.get("/people/999999").status_code == 404
    assert db.session.get(User, citizen.id) is not None


# --- the entry page follows the entrant's choice of showing their nickname (docs/rules.md §10) ------------------------

def test_the_entry_page_embeds_the_player_when_the_nickname_is_shown(client, add, make_user):
    entry = add("公开的作品", user=make_user(nickname="老张的乡村"), show_nickname=True)
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    assert re.search(r'<iframe class="player" src="[^"]+/player/video\?vid=' + entry.video_id, page)
    assert "老张的乡村" in page and 'class="cover-link"' not in page


def test_the_entry_page_shows_the_cover_and_a_link_when_the_nickname_is_private(client, add, make_user):
    entry = add("害羞的作品", user=make_user(nickname="老张的乡村"), show_nickname=False,
                cover_url="https://p3.douyinpic.com/cover.jpeg")
    page = client.get(f"/gallery/{entry.id}").get_data(as_text=True)
    assert "<iframe" not in page and "/player/video" not in page
    assert re.search(r'<a class="cover-link" href="[^"]+/share/video/' + entry.video_id
                     + r'/" rel="noopener noreferrer">\s*<img src="https://p3\.douyinpic\.com/cover\.jpeg" alt="" '
                       r'width="270" height="360">\s*<span class="button douyin">去抖音观看</span>', page), page
    assert "老张的乡村" not in page and "老****" in page
