"""Wording seen on the way (issue 18): no “没有的异议”, no doubled quotes around a contest name
that carries its own, no “#” or “@” left alone at the end of a line."""

from __future__ import annotations

from contest.domain.notify import decision_message, quoted
from contest.extensions import db
from tests.support.contest_form import form
from tests.conftest import build_entry, csrf_from

ANNOUNCED = "“动力株洲文旅通”杯 株洲抖音生活秀"


def test_quoted_never_doubles_a_quote():
    assert quoted("测试活动") == "“测试活动”"
    assert quoted(ANNOUNCED) == ANNOUNCED


def test_an_entrants_message_names_the_announced_contest_without_doubled_quotes(contest, make_user):
    contest.name = ANNOUNCED
    entry = build_entry(contest, make_user(), video_id="7300000000000000001")
    db.session.commit()
    title, body = decision_message(entry, "approved")[1:]
    assert body.startswith(f"你报名{ANNOUNCED}的作品（株洲美好生活秀，视频编号 7300000000000000001）"), body
    assert "““" not in title + body and "””" not in title + body


def test_saving_the_announced_contest_says_so_without_doubled_quotes(client, contest, make_user, login):
    login(make_user(role="admin", phone="13900000001", nickname="管理员"))
    data = form(name=ANNOUNCED, slug=contest.slug, opens_at="2020-06-18T00:00:00", closes_at="2020-07-17T23:59:59",
                themes="life|株洲美好生活秀|\ntalent|株洲达人才艺秀|\nvillage|美丽乡村旅游秀|",
                areas="\n".join(f"{a.key}|{a.name}" for a in contest.areas), reason="改为公告中的名称")
    response = client.post(f"/staff/contests/{contest.id}",
                           data={**data, "csrf_token": csrf_from(client, "/staff/contests")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"已保存活动{ANNOUNCED}。" in page
    assert "““" not in page


def test_the_staff_objections_page_says_there_are_none_in_proper_chinese(client, contest, make_user, login):
    login(make_user(role="admin", phone="13900000001", nickname="管理员"))
    everything = client.get(f"/staff/objections?contest={contest.slug}").get_data(as_text=True)
    waiting = client.get(f"/staff/objections?contest={contest.slug}&status=open").get_data(as_text=True)
    assert "<p>还没有异议。</p>" in everything and "没有的异议" not in everything
    assert "<p>没有待处理的异议。</p>" in waiting


def test_the_entry_steps_keep_the_hashtag_and_the_mention_whole(client, contest, make_user, login):
    login(make_user())
    page = client.get(f"/entries/new?contest={contest.slug}").get_data(as_text=True)
    assert '<strong class="tag">#动力株洲文旅通</strong> 并 <strong class="tag">@株洲足迹</strong>' in page
    home = client.get(f"/?contest={contest.slug}").get_data(as_text=True)
    assert '<strong class="tag">#动力株洲文旅通</strong>' in home
