"""The staff contest switcher and the default contest on staff pages (docs/rules.md §11): every
staff page shows the contest people are living unless the staff member chose another for this
session; ``?contest=`` still names one for a page; the choice never leaks into another session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from contest import clock
from contest.domain import objections
from contest.extensions import db
from tests.conftest import csrf_from
from tests.support.objections import DRAFT, NOTICE_CONTEST

pytestmark = NOTICE_CONTEST

NEXT_YEAR = "zhuzhou-2021"


@pytest.fixture
def waiting(on_notice, make_contest, make_user, freeze):
    """The 2020 contest's popularity list in its notice with one objection waiting, and next year's
    contest created (not open yet): the moment issue 18 saw the console switch to the wrong one."""
    popularity, entries = on_notice
    make_contest(NEXT_YEAR, "2021-06-18", "2021-07-17", name="2021 活动")
    freeze(DRAFT + timedelta(days=1))
    filed = objections.file_objection(popularity, entries["E1"], reason="点赞数可疑，请核实。", now=clock.now(),
                                      user=make_user(nickname="市民老李"))
    db.session.commit()
    return filed.objection


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html).group(1)


def shown(html: str) -> str:
    """The switcher's line: the contest the page shows, its phase and counts."""
    block = html.split('<section class="contest-switcher"')[1]
    return re.sub(r"<[^>]+>|\s+", " ", block.split("</p>")[0].split(">", 1)[1]).split()


def choose(client, slug: str, next_path: str = "/staff/objections"):
    token = csrf_from(client, "/staff/tokens")
    return client.post("/staff/contest", data={"contest": slug, "next": next_path, "csrf_token": token})


def test_staff_objections_shows_the_objection_waiting_in_the_living_contest(client, login, admin, waiting):
    login(admin)
    page = client.get("/staff/objections").get_data(as_text=True)
    assert title(page) == "异议 · 测试活动 · 工作人员"
    assert f'<li class="card" id="objection-{waiting.id}">' in page and "理由：点赞数可疑，请核实。" in page
    assert "没有的异议" not in page
    assert shown(page) == ["测试活动", "公示中（至7月23日", "10:00）", "作品", "3", "·", "待审核", "0", "·",
                           "待答复异议", "1", "·", "默认活动"]


def test_every_staff_page_has_the_switcher_with_every_contest(client, login, admin, waiting):
    login(admin)
    for path in ("/staff/", "/staff/awards", "/staff/objections", "/staff/judging", "/staff/judging/progress",
                 "/staff/rubric", "/staff/dashboard", "/staff/flags", "/staff/announcements", "/staff/contests",
                 "/staff/audit", "/staff/users", "/staff/tokens", f"/staff/entries/{waiting.entry_id}"):
        page = client.get(path).get_data(as_text=True)
        assert shown(page)[0] == "测试活动", path
        form = page.split('<section class="contest-switcher"')[1].split("</section>")[0]
        assert re.findall(r'name="contest" value="([a-z0-9-]*)"', form) == [NEXT_YEAR, "zhuzhou-2020"], path
        assert '<span class="phase-badge phase-upcoming">未开始</span>' in form, path


def test_the_choice_is_remembered_for_the_session_and_only_there(app, client, login, admin, waiting, make_user):
    login(admin)
    response = choose(client, NEXT_YEAR, "/staff/objections?contest=zhuzhou-2020&status=open")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/objections?status=open")
    for path, name in (("/staff/objections", "异议 · 2021 活动 · 工作人员"), ("/staff/rubric", "评分标准 · 2021 活动 · 工作人员")):
        assert title(client.get(path).get_data(as_text=True)) == name
    assert shown(client.get("/staff/users").get_data(as_text=True))[:2] == ["2021", "活动"]
    # ?contest= still names a contest for one page, and the choice stays.
    assert title(client.get("/staff/objections?contest=zhuzhou-2020").get_data(as_text=True)) == "异议 · 测试活动 · 工作人员"
    assert title(client.get("/staff/objections").get_data(as_text=True)) == "异议 · 2021 活动 · 工作人员"

    # Another session (another browser, another admin) sees the default.
    other = app.test_client()
    token = csrf_from(other, "/accounts/login")
    other.post("/accounts/login", data={"phone": make_user(role="admin").phone, "password": "secret-pass-1",
                                        "csrf_token": token})
    assert title(other.get("/staff/objections").get_data(as_text=True)) == "异议 · 测试活动 · 工作人员"

    # Back to the default with the switcher; signing in again starts afresh too.
    choose(client, "")
    assert title(client.get("/staff/objections").get_data(as_text=True)) == "异议 · 测试活动 · 工作人员"
    choose(client, NEXT_YEAR)
    login(admin)
    assert title(client.get("/staff/objections").get_data(as_text=True)) == "异议 · 测试活动 · 工作人员"


def test_a_bad_choice_changes_nothing(client, login, admin, waiting):
    login(admin)
    response = choose(client, "nope", "//evil.example/x")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/")
    page = client.get("/staff/objections").get_data(as_text=True)
    assert "没有找到活动“nope”。" in page and title(page) == "异议 · 测试活动 · 工作人员"


def test_a_judge_switches_too(client, login, make_user, waiting):
    login(make_user(role="judge"))
    response = choose(client, NEXT_YEAR, "/staff/judging")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/judging")
    assert "2021 活动" in title(client.get("/staff/judging").get_data(as_text=True))
