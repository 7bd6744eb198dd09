"""A Douyin-only account adds a phone, or merges with the phone's own account."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import sessions
from contest.domain.douyin_identity import sign_in_with_douyin
from contest.douyin.client import TokenGrant
from contest.extensions import db
from contest.models import AuditEvent, DouyinAccount, Entry, User
from contest.web.signed_in import SESSION_TOKEN
from tests.conftest import build_entry, csrf_from, video_id_at

CODE = re.compile(r"演示模式：验证码是 (\d{6})")


@pytest.fixture
def douyin_user(app):
    grant = TokenGrant(open_id="ou_phone", access_token="a", expires_in=3600, refresh_token="r",
                       refresh_expires_in=7200, scopes=("user_info",))
    profile = type("P", (), {"nickname": "抖音小李", "union_id": None, "avatar": None})()
    user, _ = sign_in_with_douyin(grant, profile, current_user=None, now=clock.now())
    db.session.commit()
    return user


@pytest.fixture
def as_douyin_user(app, douyin_user):
    """A client signed in as the Douyin-only account: a session row and its token in the cookie."""
    token = sessions.start_session(douyin_user, now=clock.now())
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = str(douyin_user.id)
        s["_fresh"] = True
        s[SESSION_TOKEN] = token
    return client


def send_and_confirm(client, phone: str, code: str | None = None):
    token = csrf_from(client, "/accounts/phone")
    sent = client.post("/accounts/phone", data={"action": "send", "phone": phone, "csrf_token": token})
    assert sent.status_code == 200, sent.get_data(as_text=True)
    code = code or CODE.search(sent.get_data(as_text=True)).group(1)
    return client.post("/accounts/phone", data={"action": "confirm", "phone": phone, "code": code,
                                                "csrf_token": token})


def test_a_douyin_account_adds_a_free_phone(as_douyin_user, douyin_user):
    response = send_and_confirm(as_douyin_user, "13912345678")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/privacy")
    db.session.expire_all()
    user = db.session.get(User, douyin_user.id)
    assert (user.phone, user.phone_verified_at is not None) == ("13912345678", True)
    assert db.session.scalar(sa.select(AuditEvent.action)) == "user.add_phone"
    assert "手机号已添加" in as_douyin_user.get("/accounts/privacy").get_data(as_text=True)


def test_a_wrong_code_adds_nothing(as_douyin_user, douyin_user):
    response = send_and_confirm(as_douyin_user, "13912345678", code="000000")
    assert response.status_code == 422 and "验证码错误。" in response.get_data(as_text=True)
    assert db.session.get(User, douyin_user.id).phone is None


def test_merging_moves_douyin_and_entries_to_the_phone_account(as_douyin_user, douyin_user, make_user,
                                                             make_contest):
    contest = make_contest()
    phone_user = make_user(phone="13912345678", nickname="手机小李")
    build_entry(contest, douyin_user, video_id=video_id_at("2020-06-20T10:00:00+08:00", 1))
    build_entry(contest, phone_user, video_id=video_id_at("2020-06-20T10:00:00+08:00", 2))
    db.session.commit()
    merged_id, phone_id = douyin_user.id, phone_user.id
    response = send_and_confirm(as_douyin_user, "13912345678")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, merged_id) is None
    account = db.session.scalar(sa.select(DouyinAccount))
    assert (account.open_id, account.user_id) == ("ou_phone", phone_id)
    assert set(db.session.scalars(sa.select(Entry.user_id))) == {phone_id}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.merge"))
    assert (event.target_id, event.changes) == (phone_id, {
        "merged_user_id": merged_id, "open_id": "ou_phone", "entries": 1, "notifications": 0})
    # Signed in as the phone account now.
    assert "手机小李" in as_douyin_user.get("/accounts/privacy").get_data(as_text=True)


def test_no_merge_with_an_account_linked_to_another_douyin(as_douyin_user, douyin_user, make_user):
    other = make_user(phone="13912345678")
    db.session.add(DouyinAccount(user=other, open_id="ou_other", nickname="另一个"))
    db.session.commit()
    response = send_and_confirm(as_douyin_user, "13912345678")  # the code is sent: only its holder is told
    assert response.status_code == 422
    assert "这个手机号的账号已绑定另一个抖音账号，不能合并。" in response.get_data(as_text=True)


def test_an_account_with_a_phone_sees_it_masked_with_a_change_action_only(client, make_user, login):
    login(make_user(phone="13900000007"))
    page = client.get("/accounts/phone").get_data(as_text=True)
    assert "当前手机号：<strong>139****0007</strong>" in page
    assert '<a class="button secondary" href="/accounts/phone?change=1">更换手机号</a>' in page
    assert "<form" not in page.split("<main")[1].split("</main>")[0] and "发送验证码" not in page
    change = client.get("/accounts/phone?change=1").get_data(as_text=True)
    assert "<h1>更换手机号</h1>" in change and "当前手机号 139****0007。" in change and "发送验证码" in change


def test_an_account_changes_its_phone_to_a_free_one_only(client, make_user, login):
    me = make_user(phone="13900000007")
    make_user(phone="13900000008")
    login(me)
    for taken, message in (("13900000007", "这就是你现在的手机号。"),
                           ("13900000008", "这个手机号已经注册过本站账号，不能换成它。如有疑问请联系主办方。")):
        # The code goes out whoever's the phone is; only its holder learns, at confirmation, that it is taken.
        response = send_and_confirm(client, taken)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = send_and_confirm(client, "13912345679")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/privacy")
    db.session.expire_all()
    assert db.session.get(User, me.id).phone == "13912345679"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.change_phone"))
    assert (event.actor_id, event.changes) == (me.id, {"phone": ["139****0007", "139****5679"]})
    page = client.get("/accounts/privacy").get_data(as_text=True)
    assert "手机号已更换为 139****5679，以后用新手机号登录。" in page


@pytest.mark.parametrize("kind", ["free", "staff", "douyin-linked"])
def test_the_code_request_never_tells_whose_phone_it_is(as_douyin_user, make_user, kind):
    """Issue 23, item 10: the same answer for a free phone, a staff member's, a Douyin-linked one."""
    if kind == "staff":
        make_user(role="reviewer", phone="13912345678")
    elif kind == "douyin-linked":
        db.session.add(DouyinAccount(user=make_user(phone="13912345678"), open_id="ou_other", nickname="另一个"))
        db.session.commit()
    token = csrf_from(as_douyin_user, "/accounts/phone")
    sent = as_douyin_user.post("/accounts/phone", data={"action": "send", "phone": "13912345678", "csrf_token": token})
    page = re.sub(r'(value|content)="[^"]+"|验证码是 \d{6}', "", sent.get_data(as_text=True))
    assert (sent.status_code, "验证码已发送" in page, "不能合并" in page) == (200, True, False)
