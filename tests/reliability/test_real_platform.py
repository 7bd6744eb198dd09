"""Douyin as it really answers (docs/douyin.md): each way the real platform differs from a kind
fake, with the sandbox switched to imitate it, over real HTTP, through the site's own pages, API
and sweeps. The numbers are those of the issue that listed them (renewal refused, item_id only,
a capability the application lacks, statuses that are not public, quota codes, a revoked
authorisation, and the smaller ones)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.likes import standings
from contest.extensions import db
from contest.models import DouyinAccount, Entry, EntryTally, LikeFlag, OwnerProof, Snapshot, Sweep, User
from contest.models.notification import Notification
from tests.conftest import count, csrf_from
from tests.support.douyin import OPEN_ID, sign_in
from tests.support.sms import texts_to

OPENS = "2020-06-18T09:00:00+08:00"
IN_WINDOW = "2020-06-25T12:00:00+08:00"
ADMIN_PHONE = "13900000001"
AUTHOR_PHONE = "13800000011"
LOGID = re.compile(r"[0-9]{14}[0-9A-F]{20}")


@pytest.fixture
def admin(make_user):
    return make_user("admin", phone=ADMIN_PHONE, nickname="管理员")


def with_phone(user: User, phone: str = AUTHOR_PHONE) -> User:
    """A Douyin-linked citizen who also confirmed a phone (so messages are texted too)."""
    user.phone, user.phone_verified_at = phone, clock.now()
    db.session.commit()
    return user


def inbox(user: User) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def account_of(user: User) -> DouyinAccount:
    db.session.expire_all()
    return db.session.scalar(sa.select(DouyinAccount).where(DouyinAccount.user_id == user.id))


def open_alarms() -> list[tuple[str, str]]:
    from contest.domain import platform_health  # here, so that every test of this module runs on any version

    db.session.expire_all()
    return [(a.kind, a.key) for a in platform_health.open_alarms()]


def video_calls(sandbox) -> int:
    return sum(1 for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]
               if r["endpoint"] == "video_data")


def csrf_header(client) -> dict:
    return {"X-CSRFToken": csrf_from(client, "/entries/new")}


def enter(client, text: str):
    return client.post("/api/v1/entries", json={"text": text, "theme": "life", "area": "hetang", "accept_rules": True},
                       headers=csrf_header(client))


def preflight(client, text: str) -> list[str]:
    return [p["code"] for p in client.post("/api/v1/preflight", json={"text": text}).get_json()["problems"]]


# --- 1. Renewal refused: the link is kept, the author reminded, the organisers told ---------------

def test_without_the_renew_permission_a_working_link_is_kept_and_the_author_reminded(
        make_contest, linked_author, entry_of, at, sandbox, sweep, sms, admin):
    at(OPENS)
    contest = make_contest()
    user = with_phone(linked_author("ou_renew"))
    entry = entry_of(contest, user, published="2020-06-18T10:00:00+08:00", likes=7)
    sandbox.control("app", {"renew_permission": False})
    # Day 24: the access token expired on day 15, the refresh token has six days left.
    now = at("2020-07-12T09:00:00+08:00")
    report = sweep()
    assert (report.snapshots, dict(report.failures)) == (1, {})
    account = account_of(user)
    assert (account.needs_reauth, account.renew_refused_code, account.renewals) == (False, 10004, 0)
    assert account.access_expires_at == now + timedelta(days=15)  # refreshed, and kept
    assert open_alarms() == [("renew_permission", "")]
    (to_admin,) = texts_to(sms, ADMIN_PHONE)
    assert to_admin.startswith("【株洲抖音生活秀】本站的抖音应用没有 renew_refresh_token（刷新 refresh_token）权限")
    assert inbox(user) == []
    # Three days before the refresh token expires, the author is reminded, once.
    at("2020-07-15T10:00:00+08:00")
    assert sweep().snapshots == 1
    at("2020-07-15T12:00:00+08:00")
    assert sweep().snapshots == 1
    assert inbox(user) == [("douyin.reauth_soon", "抖音授权即将到期")]
    assert texts_to(sms, AUTHOR_PHONE) == [
        "你的抖音授权将在 2020年07月18日 09:00（北京时间）到期，到期后本站无法再读取你参赛作品的点赞数。"
        "请在此之前登录本站，点“抖音授权登录”重新授权。"]
    assert len(texts_to(sms, ADMIN_PHONE)) == 1  # one incident, one text
    # The refresh token is gone, but the access token refreshed on day 24 still works: still read.
    at("2020-07-17T23:00:00+08:00")
    assert sweep().snapshots == 1
    assert account_of(user).needs_reauth is False
    assert count(Snapshot) == 4 and db.session.get(EntryTally, entry.id).likes == 7


def test_a_sixth_renewal_refused_keeps_the_link_and_stops_asking(make_contest, linked_author, entry_of, at, sandbox, sweep):
    at(OPENS)
    contest = make_contest()
    user = linked_author("ou_renewed")
    entry_of(contest, user)
    # The grant was already renewed five times (say, by an earlier deployment of the site).
    token = account_of(user).refresh_token
    for _ in range(5):
        token = sandbox.http.post(f"{sandbox.url}/open/oauth/renew_refresh_token/", timeout=5, data={
            "client_key": "awdemo0000sandbox", "refresh_token": token}).json()["data"]["refresh_token"]
    account = account_of(user)
    account.refresh_token = token
    db.session.commit()
    at("2020-07-12T09:00:00+08:00")
    assert sweep().snapshots == 1
    account = account_of(user)
    assert (account.needs_reauth, account.renew_refused_code, account.renewals) == (False, 10020, 5)
    assert open_alarms() == []  # nothing for the organisers to do: the author will be reminded
    at("2020-07-12T11:00:00+08:00")
    renewals = sum(1 for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]
                   if r["endpoint"] == "renew_refresh_token")
    assert sweep().snapshots == 1
    assert sum(1 for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]
               if r["endpoint"] == "renew_refresh_token") == renewals  # not asked again


# --- 2. video_data objects without video_id ---------------------------------------------------------

@pytest.mark.parametrize("mode", ["item_id_only", "item_id_only_bare"])
def test_videos_answered_by_item_id_only_are_still_read(make_contest, linked_author, entry_of, at, sandbox, sweep, mode):
    at(OPENS)
    contest = make_contest()
    user = linked_author("ou_items")
    entries = [entry_of(contest, user, published=f"2020-06-18T1{n}:00:00+08:00", likes=10 * (n + 1)) for n in range(3)]
    sandbox.control("modes", {"video_objects": mode})
    at("2020-06-20T20:00:00+08:00")
    report = sweep()
    assert (report.snapshots, report.missing, dict(report.failures)) == (3, 0, {})
    assert [db.session.get(EntryTally, e.id).likes for e in entries] == [10, 20, 30]
    # Without an id in the share URL either, each video is asked alone once; then its item_id is known.
    assert video_calls(sandbox) == (1 if mode == "item_id_only" else 4)
    at("2020-06-21T20:00:00+08:00")
    assert sweep().snapshots == 3
    assert video_calls(sandbox) == (2 if mode == "item_id_only" else 5)


def test_an_entry_whose_video_comes_back_by_item_id_only_is_proven(client, contest, at, sandbox, publish):
    at(IN_WINDOW)
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    video_id = publish(open_id=OPEN_ID, code="itemOnly01")
    sandbox.control("modes", {"video_objects": "item_id_only_bare"})
    sign_in(client, sandbox)
    response = enter(client, "看看 https://v.douyin.com/itemOnly01/ 复制此链接")
    assert response.status_code == 201, response.get_json()
    entry = db.session.scalar(sa.select(Entry))
    assert (entry.video_id, entry.owner_proof, entry.fact_sources["owner"]) == (video_id, OwnerProof.PLATFORM, "platform")


# --- 3. Sign-in with only user_info and video.data.bind: the whole journey ------------------------

def test_signing_in_with_only_user_info_and_video_data_works_end_to_end(client, contest, at, sandbox, publish, sweep):
    """An application without the video-list capability (reported retired for some): the authorisation
    is not refused, the author enters by a pasted link, ownership is proven, likes are polled and shown."""
    at(IN_WINDOW)
    sandbox.control("app", {"scopes": ["user_info", "video.data.bind"]})
    video_id = publish(open_id=OPEN_ID, code="e2eOnly01", digg_count=12)
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    response = sign_in(client, sandbox)
    assert (response.status_code, response.headers["Location"]) == (302, "/entries/new")
    me = client.get("/api/v1/me").get_json()
    assert (me["nickname"], me["scopes"], me["douyin_needs_reauth"]) == (
        "小李爱株洲", ["user_info", "video.data.bind"], False)
    page = client.get("/entries/new").get_data(as_text=True)
    assert "你没有授权“video.list.bind”，因此无法列出你的抖音作品" in page and "从我的抖音作品中选择" not in page

    response = enter(client, "2.84 nqe:/ 株洲的早晨 https://v.douyin.com/e2eOnly01/ 复制此链接，打开Dou音搜索，直接观看视频！")
    assert response.status_code == 201, response.get_json()
    entry = db.session.get(Entry, response.get_json()["id"])
    assert (entry.video_id, entry.owner_proof) == (video_id, OwnerProof.PLATFORM)

    sandbox.control(f"videos/{video_id}/stats", {"digg_count": 345})
    at("2020-06-25T20:00:00+08:00")
    report = sweep()
    assert (report.snapshots, dict(report.failures)) == (1, {})
    likes = client.get(f"/entries/{entry.id}/likes").get_data(as_text=True)
    assert '<strong class="tally-likes">345</strong>' in likes


# --- 4. Only public statuses count --------------------------------------------------------------

@pytest.mark.parametrize(("status", "label"), [(6, "好友可见"), (4, "审核中"), (2, "不适宜公开")])
def test_a_video_that_is_not_public_cannot_be_entered(client, contest, at, sandbox, publish, status, label):
    at(IN_WINDOW)
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    video_id = publish(open_id=OPEN_ID, code="notPub01")
    sandbox.control(f"videos/{video_id}/visibility", {"video_status": status})  # a real create_time stays
    sign_in(client, sandbox)
    response = enter(client, "https://v.douyin.com/notPub01/")
    assert response.status_code == 422
    assert response.get_json()["problems"] == [{"code": "not_public", "message": (
        f"这个视频目前是“{label}”状态，只有公开的视频才能报名。请在抖音把它设为公开（审核中的视频请等审核通过），再来报名。")}]
    assert count(Entry) == 0


def test_an_approved_entry_whose_video_turns_friends_only_stops_counting_and_says_why(
        make_contest, linked_author, entry_of, at, sandbox, sweep, client, login, make_user):
    at(OPENS)
    contest = make_contest()
    hidden_user, other_user = linked_author("ou_hidden"), linked_author("ou_other")
    hidden = entry_of(contest, hidden_user, likes=500)
    other = entry_of(contest, other_user, likes=100)
    at("2020-06-20T20:00:00+08:00")
    sweep()
    assert [s.entry.id for s in standings(contest)] == [hidden.id, other.id]

    sandbox.control(f"videos/{hidden.video_id}/visibility", {"video_status": 6})
    at("2020-06-21T20:00:00+08:00")
    report = sweep()
    assert (report.snapshots, dict(report.failures)) == (1, {})
    assert [s.entry.id for s in standings(contest)] == [other.id]
    tally = db.session.get(EntryTally, hidden.id)
    reason = "抖音上这个视频目前是“好友可见”状态，不是公开视频，暂停计入点赞排名；恢复公开后会重新计入。"
    assert (tally.paused_at, tally.paused_reason) == (clock.now(), reason)
    flag = db.session.scalar(sa.select(LikeFlag).where(LikeFlag.entry_id == hidden.id))
    assert (flag.kind, flag.status.value, flag.message, flag.numbers) == ("not_public", "open", reason, {"video_status": 6})
    assert inbox(hidden_user) == [("entry.not_public", "作品暂停计入排名")]
    # The reason is shown with the tally (the staff's page of the entry's likes; the entrant's uses the same part).
    login(make_user("reviewer", nickname="审核员"))
    page = client.get(f"/staff/entries/{hidden.id}/likes").get_data(as_text=True)
    assert f'<p class="problems tally-paused" role="status">{reason}</p>' in page
    at("2020-06-22T20:00:00+08:00")
    sweep()  # still friends-only: no second flag, no second message
    assert (count(LikeFlag), len(inbox(hidden_user))) == (1, 1)

    sandbox.control(f"videos/{hidden.video_id}/visibility", {"video_status": 5})
    at("2020-06-23T20:00:00+08:00")
    assert sweep().snapshots == 2
    assert [s.entry.id for s in standings(contest)] == [hidden.id, other.id]
    assert db.session.get(EntryTally, hidden.id).paused_at is None


# --- 5. Quota codes: pause and retry later, never blame the video ---------------------------------

@pytest.mark.parametrize("code", [2190001, 28003017])
def test_an_exhausted_quota_is_never_told_as_a_deleted_video(client, contest, at, sandbox, publish, code):
    at(IN_WINDOW)
    publish(code="quota001")
    sandbox.control("quota", {"endpoint": "get_iframe_by_video", "limit": 0, "code": code})
    assert preflight(client, "https://v.douyin.com/quota001/") == ["platform_error"]


@pytest.mark.parametrize("code", [2190001, 28003017])
def test_a_quota_answer_pauses_the_sweep_until_the_next_and_alerts_the_organisers_once(
        make_contest, linked_author, entry_of, at, sandbox, sweep, sms, admin, code):
    at(OPENS)
    contest = make_contest()
    entries = [entry_of(contest, linked_author(f"ou_q{n}"), likes=n) for n in range(4)]
    at("2020-06-20T20:00:00+08:00")
    sandbox.control("quota", {"endpoint": "video_data", "limit": 1, "code": code})
    report = sweep(concurrency=1)
    # One author read; the next call answered the quota code; nobody else was asked.
    assert (report.snapshots, dict(report.failures)) == (1, {"quota": 3})
    assert report.outcomes == {"ok": 1, "quota": 3}
    assert video_calls(sandbox) == 2
    assert open_alarms() == [("quota", "")]
    assert db.session.get(Sweep, report.sweep_id).outcomes == {"ok": 1, "quota": 3}
    at("2020-06-20T22:00:00+08:00")
    assert sweep(concurrency=1).outcomes == {"ok": 0, "quota": 4}
    assert len(texts_to(sms, ADMIN_PHONE)) == 1
    assert texts_to(sms, ADMIN_PHONE)[0].startswith("【株洲抖音生活秀】抖音接口调用配额已用完")
    # The next (Beijing) day the day's call is back: the sweep reads again until the quota answers.
    at("2020-06-21T09:00:00+08:00")
    assert sweep(concurrency=1).outcomes == {"ok": 1, "quota": 3}
    # The quota raised, everybody is read, nothing was lost, and the alarm closes.
    sandbox.control("quota", {"endpoint": "video_data", "limit": 1000, "code": code})
    at("2020-06-21T10:00:00+08:00")
    report = sweep(concurrency=1)
    assert (report.snapshots, report.outcomes) == (4, {"ok": 4})
    assert count(Snapshot) == 6 and all(db.session.get(EntryTally, e.id).likes == n for n, e in enumerate(entries))
    assert open_alarms() == []


# --- 6. A revoked authorisation: marked at once, the author told once -------------------------------

def test_a_revoked_authorisation_marks_the_author_at_once_and_tells_them_once(
        make_contest, linked_author, entry_of, at, sandbox, sweep, sms, app):
    at(OPENS)
    contest = make_contest()
    user = with_phone(linked_author("ou_revoked"))
    entry_of(contest, user)
    entry_of(contest, linked_author("ou_stays"))
    at("2020-06-20T20:00:00+08:00")
    assert sweep().snapshots == 2
    sandbox.control("users/ou_revoked/revoke")
    now = at("2020-06-21T20:00:00+08:00")
    report = sweep()
    assert (report.snapshots, dict(report.failures)) == (1, {"auth": 1})
    account = account_of(user)
    assert account.needs_reauth is True
    assert account.reauth_since == now
    assert inbox(user) == [("douyin.reauth", "请重新授权抖音")]
    assert texts_to(sms, AUTHOR_PHONE) == [
        "你的抖音授权已失效（可能在抖音里取消了对本站的授权，或授权已到期）。重新授权之前，本站无法读取你参赛作品的点赞数，"
        "也无法核实作者身份。请登录本站，点“抖音授权登录”重新授权；已报名的作品会保留。"]
    at("2020-06-22T20:00:00+08:00")
    assert sweep().entries == 1  # no longer asked about, and not told again
    assert (len(inbox(user)), len(texts_to(sms, AUTHOR_PHONE))) == (1, 1)


# --- 7. The smaller ones ------------------------------------------------------------------------

def test_28001006_is_retried(make_contest, linked_author, entry_of, at, sandbox, sweep, app):
    at(OPENS)
    contest = make_contest()
    entry_of(contest, linked_author("ou_retry"))
    app.extensions["douyin"].retries, app.extensions["douyin"].backoff = 1, 0.0
    sandbox.control("faults", {"endpoint": "video_data", "kind": "error_code", "code": 28001006})
    at("2020-06-20T20:00:00+08:00")
    report = sweep()
    assert (report.snapshots, dict(report.failures)) == (1, {})


def test_the_log_id_is_kept_with_every_error(client, contest, at, sandbox, app):
    """A capability retired (28001056 on video_list): the citizen may paste a link; the organisers' alarm
    keeps the platform's log id, which Douyin support asks for."""
    at(IN_WINDOW)
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    sign_in(client, sandbox)
    sandbox.control("capabilities", {"endpoint": "video_list", "retired": True})
    response = client.get("/api/v1/me/videos")
    assert (response.status_code, response.get_json()) == (
        502, {"error": "抖音接口暂时下线，请改为粘贴视频链接。", "fallback": "paste_link"})
    from contest.models import PlatformAlarm

    (alarm,) = db.session.scalars(sa.select(PlatformAlarm))
    assert (alarm.kind, alarm.key, alarm.details["code"]) == ("capability_retired", "video_list", 28001056)
    assert LOGID.fullmatch(alarm.details["logid"])
    assert "该能力API已下线" not in alarm.message and "video_list" in alarm.message


def test_an_error_in_the_newer_envelope_is_not_read_as_success(client, contest, at, sandbox):
    """User info answers {"err_no": 28001003, "data": {"error_code": "0"}}: the sign-in must fail, not
    create a nameless account."""
    at(IN_WINDOW)
    sandbox.control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})
    sandbox.control("faults", {"endpoint": "userinfo", "kind": "error_code", "code": 28001003})
    response = sign_in(client, sandbox)
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login")
    assert "抖音授权已失效，请重新授权。" in client.get("/accounts/login").get_data(as_text=True)
    assert count(User) == 0


@pytest.mark.parametrize("kind", ["risk", "forbidden"])
def test_a_short_link_douyin_will_not_resolve_is_not_told_as_expired(client, contest, at, sandbox, publish, kind):
    at(IN_WINDOW)
    sandbox.control("shortlinks", {"code": "blocked1", "kind": kind})
    response = client.post("/api/v1/preflight", json={"text": "https://v.douyin.com/blocked1/"})
    assert response.get_json()["problems"] == [{"code": "platform_error", "message": (
        "抖音暂时拦截了这次访问（可能是风控），请稍后再试，或在抖音里打开视频后复制完整的视频链接。")}]


def test_a_jx_short_link_redirecting_through_a_v_link_is_followed(client, contest, at, sandbox, publish):
    at(IN_WINDOW)
    video_id = publish(code="vHop0001")
    sandbox.control("shortlinks", {"code": "jxHop001", "host": "jx", "location": "https://v.douyin.com/vHop0001/"})
    body = client.post("/api/v1/preflight", json={"text": "9.20 复制打开抖音 https://jx.douyin.com/jxHop001/ 02/23"})
    assert body.get_json() == {"ok": True, "video_id": video_id, "caption": "株洲的早晨 #动力株洲文旅通 @株洲足迹",
                               "problems": []}
    hops = [r["path"] for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]
            if r["endpoint"] == "shortlink"]
    assert hops == ["/jx/jxHop001/", "/v/vHop0001/"]


def test_short_codes_longer_than_eleven_characters_are_resolved(client, contest, at, sandbox, publish):
    at(IN_WINDOW)
    video_id = publish(code="iRNBho6u3Kq_x2")  # 14 characters
    body = client.post("/api/v1/preflight", json={"text": "https://v.douyin.com/iRNBho6u3Kq_x2/"}).get_json()
    assert (body["ok"], body["video_id"]) == (True, video_id)
