"""The home page: the contest at a glance, the countdown, copy buttons, the caption check,
the latest announcements and the top of the leaderboard."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from contest import clock
from contest.domain.announcements import create_announcement, publish_announcement
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.conftest import build_entry, video_id_at

PUBLISHED = "2020-06-20T08:00:00+08:00"
COUNTDOWN = re.compile(r'<span aria-live="polite" data-countdown="([^"]+)"\s+data-countdown-label="([^"]*)" '
                       r'data-countdown-done="([^"]*)">([^<]*)</span>')


def home(client, path="/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("now, instant, label, text, done", [
    ("2020-06-17T22:30:00+08:00", "2020-06-17T16:00:00+00:00", "距离开始还有", "1 小时 30 分", "已开始，请刷新页面"),
    ("2020-06-25T12:00:00+08:00", "2020-07-17T16:00:00+00:00", "距离截止还有", "22 天 12 小时 0 分", "已结束"),
    ("2020-07-17T23:59:30+08:00", "2020-07-17T16:00:00+00:00", "距离截止还有", "不到 1 分钟", "已结束"),
])
def test_home_countdown_carries_the_exact_instant_and_a_no_js_text(client, contest, freeze, now, instant, label,
                                                                   text, done):
    freeze(now)
    assert COUNTDOWN.findall(home(client)) == [(instant, label, done, f"{label} {text}")]


def test_home_after_the_close_says_it_has_ended_without_a_countdown(client, contest, freeze):
    freeze("2020-07-18T00:00:00+08:00")
    page = home(client)
    assert "data-countdown" not in page
    assert '<p class="countdown">活动已结束，感谢参与。<a href="/winners?contest=zhuzhou-2020">查看获奖名单</a></p>' in page
    assert "我要参赛</a>" not in page.split("</header>")[1]


def test_home_has_the_three_copy_buttons_with_the_exact_texts(client, contest):
    page = home(client)
    assert re.findall(r'<button type="button" class="copy-button" data-copy="([^"]+)" aria-label="([^"]+)" hidden>',
                      page) == [("动力株洲文旅通，美好生活抖起来", "复制口号"), ("#动力株洲文旅通", "复制话题"),
                                ("@株洲足迹", "复制@账号")]


def test_home_shows_topic_themes_organisers_and_the_steps(client, contest):
    page = home(client)
    assert "话题：动力株洲文旅通·美好生活抖起来" in page
    assert "<li><strong>株洲美好生活秀</strong>：吃喝玩乐、衣食住行，秀出株洲的美好生活。</li>" in page
    assert "<li><strong>株洲达人才艺秀</strong>：唱歌跳舞、书画手艺……各类才艺都可以秀。</li>" in page
    assert "<li><strong>美丽乡村旅游秀</strong>：家乡的美丽乡村、特色风物和土特产。</li>" in page
    assert "<p>主办：株洲市文化旅游广电体育局</p>" in page and "<p>承办：株洲市文化馆、各县市区文化馆</p>" in page
    steps = re.search(r'<ol class="steps">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li><strong>([^<]+)</strong>", steps) == ["拍视频", "发抖音", "来报名", "等审核、拉点赞"]
    assert '<a class="button" href="/entries/new?contest=zhuzhou-2020">我要参赛</a>' in page


def test_home_lists_the_latest_three_announcements_newest_first(client, contest, make_user, freeze):
    staff = make_user("admin")
    start = datetime.fromisoformat("2020-06-18T09:00:00+08:00")
    published = []
    for i in range(4):
        notice = create_announcement(contest, title=f"公告{i}", body="正文", kind="other", staff=staff,
                                     now=start + timedelta(days=i))
        publish_announcement(notice, staff=staff, now=start + timedelta(days=i))
        published.append(notice)
    create_announcement(contest, title="草稿公告", body="正文", kind="other", staff=staff, now=clock.now())
    db.session.commit()
    page = home(client)
    news = re.search(r'<ul class="news-list">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'<a href="/announcements\?contest=zhuzhou-2020#announcement-(\d+)">([^<]+)</a>', news) == [
        (str(published[3].id), "公告3"), (str(published[2].id), "公告2"), (str(published[1].id), "公告1")]
    assert "2020-06-21" in news and "草稿公告" not in page


def test_home_shows_the_leaders_covers_linking_to_the_leaderboards(client, contest, make_user):
    entries = []
    for i, likes in enumerate([5, 50, 20, 10]):
        entry = build_entry(contest, make_user(nickname=f"参赛者{i}"), video_id=video_id_at(PUBLISHED, i),
                            caption=f"作品{i} #动力株洲文旅通 @株洲足迹", show_nickname=True,
                            at=datetime.fromisoformat("2020-06-20T09:00:00+08:00"))
        db.session.flush()
        record_snapshot(entry, observed_at=datetime.fromisoformat("2020-06-24T10:00:00+08:00"), likes=likes,
                        source=SnapshotSource.PLATFORM)
        entries.append(entry)
    build_entry(contest, make_user(), video_id=video_id_at(PUBLISHED, 9), caption="待审核",
                status=EntryStatus.PENDING)
    db.session.commit()
    page = home(client)
    grid = re.search(r'<ul class="cover-grid top-entries">(.*?)</ul>', page, re.S).group(1)
    cards = re.findall(r'<a class="entry-card-cover" href="/gallery/(\d+)".*?<img src="([^"]+)".*?'
                       r'<span class="entry-card-rank[^"]*">(\d+)</span>.*?<span class="entry-card-likes">♥ ([^<]+)</span>.*?'
                       r'<a href="/gallery/\d+">([^<]+)</a></h2>\s*<p class="meta">([^<]+)</p>', grid, re.S)
    placeholder = "/static/img/cover-placeholder.svg"
    assert [(i, cover.split("?")[0], rank, likes, title, meta) for i, cover, rank, likes, title, meta in cards] == [
        (str(entries[1].id), placeholder, "1", "50", "作品1", "第 1 名 · 参赛者1 · 株洲美好生活秀"),
        (str(entries[2].id), placeholder, "2", "20", "作品2", "第 2 名 · 参赛者2 · 株洲美好生活秀"),
        (str(entries[3].id), placeholder, "3", "10", "作品3", "第 3 名 · 参赛者3 · 株洲美好生活秀"),
        (str(entries[0].id), placeholder, "4", "5", "作品0", "第 4 名 · 参赛者0 · 株洲美好生活秀")]
    assert "数据截至 2020-06-24 10:00（北京时间）。" in page
    assert '<a href="/leaderboards?contest=zhuzhou-2020">查看完整排行榜</a>' in page
    assert '<a href="/areas?contest=zhuzhou-2020">看九个县市区的比拼</a>' in page


def test_home_caption_form_works_without_javascript_and_without_a_csrf_token(client, contest):
    page = home(client)
    assert ('<form method="post" action="/caption-check?contest=zhuzhou-2020#caption-check"\n'
            '          data-caption-check="caption-result" data-api="/api/v1/caption-check" '
            'data-contest="zhuzhou-2020">') in page
    assert 'class="ok-note"' not in page and 'class="problems"' not in page  # nothing checked yet

    response = client.post("/caption-check?contest=zhuzhou-2020", data={"caption": "株洲的早晨 #动力株洲文旅通吧"})
    assert response.status_code == 200
    answer = response.get_data(as_text=True)
    problems = re.findall(r'<li data-code="([a-z_]+)">([^<]+)</li>', answer)
    api = client.post("/api/v1/caption-check", json={"caption": "株洲的早晨 #动力株洲文旅通吧",
                                                     "contest": "zhuzhou-2020"}).get_json()
    assert problems == [(p["code"], p["message"]) for p in api["problems"]]
    assert [code for code, _ in problems] == ["missing_hashtag", "missing_mention"]
    assert ">株洲的早晨 #动力株洲文旅通吧</textarea>" in answer  # kept to be fixed


def test_home_caption_form_says_a_good_caption_is_ready(client, contest):
    response = client.post("/caption-check", data={"caption": "株洲的早晨 ＃动力株洲文旅通 @株洲足迹"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<p class="ok-note">作品描述里有话题和@，可以发布了。</p>' in page
    assert "data-code=" not in page


def test_home_caption_form_refuses_an_overlong_caption_with_a_message(client, contest):
    response = client.post("/caption-check", data={"caption": "长" * 2001})
    assert response.status_code == 400
    assert ('<div class="problems"><p>作品描述太长了（超过 2000 个字），请只粘贴作品描述。</p></div>'
            in response.get_data(as_text=True))


def test_home_without_any_contest_is_a_chinese_404(client, app):
    response = client.get("/")
    assert response.status_code == 404
    assert "还没有创建任何活动。" in response.get_data(as_text=True)
