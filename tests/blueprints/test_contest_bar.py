"""Every public page of a contest says its phase in plain Chinese (on ``/`` first), offers the other
live contests a tap away and links to ``/contests`` (docs/rules.md §11)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from contest.extensions import db
from contest.models.awards import AwardKind, AwardList, AwardStatus

PAGES = ["/", "/leaderboards", "/winners", "/gallery", "/rules", "/announcements", "/privacy"]


def bar(client, path: str) -> list[str]:
    """The contest bar's text, as words."""
    html = client.get(path).get_data(as_text=True)
    block = html.split('<nav class="contest-bar" aria-label="活动">')[1].split("</nav>")[0]
    return re.sub(r"<[^>]+>", " ", block).split()


def in_notice(contest, ends: str) -> None:
    for kind in AwardKind:
        db.session.add(AwardList(contest_id=contest.id, kind=kind, version=1, status=AwardStatus.NOTICE,
                                 notice_starts_at=contest.closes_at, notice_ends_at=datetime.fromisoformat(ends)))
    db.session.commit()


@pytest.fixture
def two_live(make_contest, freeze):
    """The 2020 contest in its notice while the next one has opened: both live."""
    old = make_contest("zhuzhou-2020", name="2020 活动")
    in_notice(old, "2020-07-25T10:00:00+08:00")
    make_contest("zhuzhou-2021", "2020-07-20", "2020-08-31", name="2021 活动")
    freeze("2020-07-22T12:00:00+08:00")
    return old


def test_the_home_page_says_the_phase_first(client, contest):
    html = client.get("/").get_data(as_text=True)
    main = html.split('<main id="main" tabindex="-1"')[1].split(">", 1)[1]
    assert re.sub(r"<!--visitor:flash-->.*?<!--/visitor:flash-->", "", main, flags=re.S).lstrip().startswith(
        '<nav class="contest-bar" aria-label="活动">\n  <p><span class="phase-badge phase-open">进行中</span> '
        '<span class="contest-bar-name">测试活动</span></p>')


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_of_the_default_contest_shows_its_phase_and_the_other_live_one(client, two_live, path):
    assert bar(client, path) == ["进行中", "2021", "活动", "另一个活动：2020", "活动（公示中（至7月25日", "10:00））", "·",
                                 "全部活动"]
    html = client.get(path).get_data(as_text=True)
    assert '<a href="/?contest=zhuzhou-2020">另一个活动：2020 活动（公示中（至7月25日 10:00））</a>' in html
    assert '<a href="/contests">全部活动</a>' in html.split('<nav class="contest-bar"')[1]


def test_the_other_contest_links_back_to_the_default(client, two_live):
    assert bar(client, "/winners?contest=zhuzhou-2020") == [
        "公示中（至7月25日", "10:00）", "2020", "活动", "另一个活动：2021", "活动（进行中）", "·", "全部活动"]


@pytest.mark.parametrize("now, words", [
    ("2020-06-17T23:59:59+08:00", ["未开始", "测试活动", "全部活动"]),
    ("2020-06-18T00:00:00+08:00", ["进行中", "测试活动", "全部活动"]),
    ("2020-07-18T00:00:00+08:00", ["已截止，评审中", "测试活动", "全部活动"]),
])
def test_the_phase_at_its_boundaries(client, make_contest, freeze, now, words):
    make_contest()
    freeze(now)
    assert bar(client, "/") == words


def published(contest, at: str) -> None:
    for kind in AwardKind:
        db.session.add(AwardList(contest_id=contest.id, kind=kind, version=1, status=AwardStatus.PUBLISHED,
                                 notice_starts_at=contest.closes_at, notice_ends_at=contest.closes_at,
                                 published_at=datetime.fromisoformat(at)))
    db.session.commit()


def test_published_results_say_so(client, make_contest, freeze):
    published(make_contest(), "2020-07-26T10:00:00+08:00")
    freeze("2020-08-01T00:00:00+08:00")
    assert bar(client, "/winners") == ["已公布", "测试活动", "全部活动"]


def test_the_recent_results_days_are_a_setting(client, database_url, sandbox, make_contest, freeze):
    from contest import create_app
    from tests.conftest import make_environ

    published(make_contest(name="2020 活动"), "2020-08-01T10:00:00+08:00")
    make_contest("zhuzhou-2021", "2021-06-18", "2021-07-17", name="2021 活动")
    freeze("2020-08-09T10:00:00+08:00")  # eight days after publication
    assert bar(client, "/")[:3] == ["已公布", "2020", "活动"]  # 30 days by default
    week = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_RECENT_RESULTS_DAYS="7"))
    with week.app_context():
        assert bar(week.test_client(), "/")[:3] == ["未开始", "2021", "活动"]
        db.engine.dispose()


def test_an_entry_page_says_its_contest_phase(client, contest, make_user):
    from tests.conftest import build_entry, video_id_at

    entry = build_entry(contest, make_user(), video_id=video_id_at("2020-06-20T10:00:00+08:00"))
    db.session.commit()
    assert bar(client, f"/gallery/{entry.id}") == ["进行中", "测试活动", "全部活动"]
