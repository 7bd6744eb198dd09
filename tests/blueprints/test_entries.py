import re

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Entry, EntryStatus
from tests.conftest import count, csrf_from
from tests.support.entries import form


def test_entering_needs_sign_in(client, contest):
    response = client.get("/entries/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login?next=%2Fentries%2Fnew"


def test_enter_a_video_through_the_form(client, contest, citizen, publish):
    video_id = publish(code="Abc123x")
    response = client.post("/entries/new", data=form(client, text="看看 https://v.douyin.com/Abc123x/ 复制此链接"))
    entry = db.session.scalar(sa.select(Entry))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/entries/mine?contest=zhuzhou-2020#entry-{entry.id}"
    assert (entry.video_id, entry.status, entry.user_id, entry.show_nickname) == (
        video_id, EntryStatus.PENDING, citizen.id, False)
    page = client.get("/entries/mine").get_data(as_text=True)
    assert "报名成功！作品正在等待审核" in page
    assert "待审核" in page and video_id in page
    assert "发布时间在活动期内" in page


def test_a_refused_entry_keeps_what_was_typed(client, contest, citizen, publish):
    video_id = publish(title="没有标签的视频")
    typed = f"我的作品 https://www.douyin.com/video/{video_id} 快来看"
    response = client.post("/entries/new", data=form(client, text=typed, theme="village", area="liling",
                                                     accept_rules=None, show_nickname="y"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请阅读并同意参赛规则。" in page
    assert count(Entry) == 0
    # Form problems are reported before any Douyin call; fix them and the caption problems show.
    assert typed in page
    assert 'value="village" checked' in page or 'checked value="village"' in page or re.search(r'<input[^>]*checked[^>]*value="village"', page)
    assert re.search(r'<option selected value="liling">|<option value="liling" selected>', page)
    assert re.search(r'<input checked[^>]*name="show_nickname"|<input[^>]*name="show_nickname"[^>]*checked', page)
    response = client.post("/entries/new", data=form(client, text=typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-code="missing_hashtag"' in page and 'data-code="missing_mention"' in page
    assert count(Entry) == 0


def test_entry_form_without_csrf_token_is_refused(client, contest, citizen, publish):
    video_id = publish()
    data = form(client, text=f"https://www.douyin.com/video/{video_id}")
    del data["csrf_token"]
    response = client.post("/entries/new", data=data)
    assert response.status_code == 400
    assert "缺少安全令牌（CSRF）" in response.get_data(as_text=True)
    assert count(Entry) == 0


def test_entry_form_when_the_contest_is_closed(client, contest, citizen, publish, freeze):
    video_id = publish()
    freeze("2020-07-18T00:00:01+08:00")
    response = client.post("/entries/new", data=form(client, text=f"https://www.douyin.com/video/{video_id}"))
    assert response.status_code == 422
    assert "现在不在报名时间内" in response.get_data(as_text=True)


def test_withdraw_from_my_entries(client, contest, citizen, publish):
    publish(code="Abc123x")
    client.post("/entries/new", data=form(client, text="https://v.douyin.com/Abc123x/"))
    entry = db.session.scalar(sa.select(Entry))
    page = client.get("/entries/mine").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/entries/{entry.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/entries/mine?contest=zhuzhou-2020"
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.WITHDRAWN
    assert "作品已撤回" in client.get("/entries/mine").get_data(as_text=True)



def test_my_entries_offers_withdrawal_only_while_the_entry_waits_for_review(client, contest, citizen, publish):
    publish(code="Abc123x")
    client.post("/entries/new", data=form(client, text="https://v.douyin.com/Abc123x/"))
    entry = db.session.scalar(sa.select(Entry))
    button = f'action="/entries/{entry.id}/withdraw"'
    assert button in client.get("/entries/mine").get_data(as_text=True)
    entry.status = EntryStatus.APPROVED
    db.session.commit()
    assert button not in client.get("/entries/mine").get_data(as_text=True)

def test_cannot_withdraw_someone_elses_entry(app, contest, publish, make_user, login, client):
    from contest import clock
    from contest.domain.entries import EntryRequest, submit_entry
    from contest.web.platform import douyin

    owner = make_user()
    entry = submit_entry(contest, owner, EntryRequest(f"https://www.douyin.com/video/{publish()}", "life", "hetang", True, False),
                         douyin=douyin(), now=clock.now())
    db.session.commit()
    login(make_user())
    page = client.get("/entries/mine").get_data(as_text=True)
    assert entry.video_id not in page
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(f"/entries/{entry.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 404
    assert "没有找到这个作品。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.PENDING


def test_showing_the_nickname_is_the_default_on_the_form_and_in_the_api(client, contest, citizen, publish):
    page = client.get("/entries/new").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="show_nickname"[^>]*>', page).group(0)
    assert "checked" in box
    assert "在公开页面显示我的抖音昵称（视频在抖音上本来就以这个昵称公开）。不勾选：显示打码昵称，作品页只显示封面和抖音链接" in page
    video_id = publish()
    response = client.post("/api/v1/entries", json={"video_id": video_id, "theme": "life", "area": "hetang",
                                                    "accept_rules": True},
                           headers={"X-CSRFToken": csrf_from(client, "/entries/new")})
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Entry, response.get_json()["id"]).show_nickname is True
