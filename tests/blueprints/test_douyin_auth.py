"""Sign in with Douyin, over real HTTP against the sandbox: the whole round trip,
refusal, partial scopes, state mismatch, replayed codes, expired tokens, faults."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from contest import clock
from contest.extensions import db
from contest.models import DouyinAccount, Entry, User
from tests.conftest import count
from tests.support.douyin import OPEN_ID, callback, consent, sign_in, start

T0 = "2020-06-25T12:00:00+08:00"
ALL_SCOPES = ["user_info", "video.list.bind", "video.data.bind"]


# The sandbox's clock matches the site's, so token lifetimes agree.
pytestmark = pytest.mark.contest(frozen_at=T0, sandbox_clock=True)


@pytest.fixture(autouse=True)
def _xiaoli_on_douyin(request):
    """With a contest, 小李爱株洲 has a Douyin account in the sandbox."""
    if "contest" in request.fixturenames:
        request.getfixturevalue("contest")
        request.getfixturevalue("sandbox").control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲"})


def flashes(client) -> str:
    return client.get("/accounts/login").get_data(as_text=True)


def csrf_header(client) -> dict:
    page = client.get("/entries/new").get_data(as_text=True)
    return {"X-CSRFToken": re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)}


def test_start_redirects_to_the_authorize_page(client, contest, sandbox):
    location = start(client)
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.url}/open/platform/oauth/connect/"
    assert query["client_key"] == ["awdemo0000sandbox"]
    assert query["response_type"] == ["code"]
    # Every application has user_info and video.data.bind; the list capability is optional (docs/douyin.md).
    assert query["scope"] == ["user_info,video.data.bind"]
    assert query["optionalScope"] == ["video.list.bind,1"]
    assert query["redirect_uri"] == ["http://localhost/auth/douyin/callback"]
    assert len(query["state"][0]) >= 32


def test_round_trip_creates_a_citizen_and_signs_in(client, contest, sandbox):
    response = callback(client, consent(sandbox, start(client, "/entries/pick")))
    assert response.status_code == 302
    assert response.headers["Location"] == "/entries/pick"
    user = db.session.scalar(sa.select(User))
    account = db.session.scalar(sa.select(DouyinAccount))
    assert (user.nickname, user.phone, user.role.value) == ("小李爱株洲", None, "citizen")
    assert (account.user_id, account.open_id, account.nickname, account.renewals, account.needs_reauth) == (
        user.id, OPEN_ID, "小李爱株洲", 0, False)
    assert account.scope_set == frozenset(ALL_SCOPES)
    assert account.access_token.startswith("act.") and account.refresh_token.startswith("rft.")
    assert account.access_expires_at == clock.now() + timedelta(seconds=1296000)
    assert account.refresh_expires_at == clock.now() + timedelta(seconds=2592000)
    me = client.get("/api/v1/me").get_json()
    assert me == {"id": user.id, "nickname": "小李爱株洲", "phone": None, "role": "citizen", "douyin_linked": True,
                  "douyin_nickname": "小李爱株洲", "scopes": ["user_info", "video.data.bind", "video.list.bind"],
                  "douyin_needs_reauth": False}


def test_signing_in_again_finds_the_same_citizen(client, contest, sandbox):
    sign_in(client, sandbox)
    client.post("/accounts/logout", headers=csrf_header(client))
    sign_in(client, sandbox)
    assert count(User) == 1 and count(DouyinAccount) == 1
    assert client.get("/api/v1/me").get_json()["douyin_linked"] is True


def test_a_phone_account_links_douyin(client, contest, sandbox, make_user, login):
    user = make_user(nickname="手机用户")
    login(user)
    response = sign_in(client, sandbox)
    assert response.status_code == 302
    account = db.session.scalar(sa.select(DouyinAccount))
    assert account.user_id == user.id
    assert count(User) == 1
    assert client.get("/api/v1/me").get_json()["phone"] == user.phone[:3] + "****" + user.phone[-4:]


def test_a_douyin_account_cannot_be_linked_twice(client, contest, sandbox, make_user, login, app):
    sign_in(client, sandbox)
    other = app.test_client()
    login_other = make_user(nickname="另一个人")
    from tests.conftest import csrf_from
    token = csrf_from(other, "/accounts/login")
    other.post("/accounts/login", data={"phone": login_other.phone, "password": "secret-pass-1", "csrf_token": token})
    response = sign_in(other, sandbox)
    assert response.headers["Location"] == "/accounts/login"
    assert "这个抖音账号已经绑定了另一个本站账号" in flashes(other)
    assert db.session.scalar(sa.select(DouyinAccount.user_id)) != login_other.id


def test_refusal_signs_nobody_in(client, contest, sandbox):
    response = sign_in(client, sandbox, decision="deny")
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/login"
    assert "你没有同意抖音授权" in flashes(client)
    assert count(User) == 0
    assert client.get("/api/v1/me").status_code == 401


def test_an_unticked_optional_list_scope_leaves_the_pasted_link(client, contest, sandbox):
    response = sign_in(client, sandbox, scopes=[])  # video.list.bind is optional: unticked
    assert response.headers["Location"] == "/entries/new"
    page = client.get("/entries/new").get_data(as_text=True)
    assert "你没有授权“video.list.bind”，因此无法列出你的抖音作品" in page
    assert "video.data.bind”" not in page
    assert "从我的抖音作品中选择" not in page
    assert client.get("/api/v1/me").get_json()["scopes"] == ["user_info", "video.data.bind"]
    videos = client.get("/api/v1/me/videos")
    assert (videos.status_code, videos.get_json()["fallback"]) == (409, "paste_link")


def test_partial_scopes_say_what_will_not_work(client, contest, sandbox, app):
    # Organisers may make every scope but user_info optional (CONTEST_DOUYIN_OPTIONAL_SCOPES).
    app.config.update(CONTEST_DOUYIN_SCOPES=("user_info",),
                      CONTEST_DOUYIN_OPTIONAL_SCOPES=("video.list.bind", "video.data.bind"))
    response = sign_in(client, sandbox, scopes=[])
    assert response.headers["Location"] == "/entries/new"
    page = client.get("/entries/new").get_data(as_text=True)
    assert "你没有授权“video.list.bind”，因此无法列出你的抖音作品" in page
    assert "你没有授权“video.data.bind”，因此无法核实作品归属" in page
    assert "从我的抖音作品中选择" not in page
    assert client.get("/api/v1/me").get_json()["scopes"] == ["user_info"]
    videos = client.get("/api/v1/me/videos")
    assert videos.status_code == 409
    assert videos.get_json()["fallback"] == "paste_link"


def test_without_user_info_the_nickname_is_made_up(client, contest, sandbox, app):
    app.config.update(CONTEST_DOUYIN_SCOPES=("video.data.bind",),
                      CONTEST_DOUYIN_OPTIONAL_SCOPES=("user_info", "video.list.bind"))
    sign_in(client, sandbox, scopes=["video.list.bind"])
    assert db.session.scalar(sa.select(User.nickname)) == "抖音用户" + OPEN_ID[-4:]
    assert [r["endpoint"] for r in sandbox.http.get(f"{sandbox.url}/__sandbox__/log").json()["requests"]] == [
        "authorize", "access_token"]  # no userinfo call without its scope


def test_state_mismatch_is_refused(client, contest, sandbox):
    url = consent(sandbox, start(client))
    tampered = re.sub(r"state=[^&]+", "state=forged", url)
    response = callback(client, tampered)
    assert response.headers["Location"] == "/accounts/login"
    assert "state 校验失败" in flashes(client)
    assert count(User) == 0
    # The state is single use: the genuine callback after a failed one is refused too.
    assert callback(client, url).headers["Location"] == "/accounts/login"
    assert count(User) == 0


def test_callback_without_a_pending_state_is_refused(client, contest):
    response = client.get("/auth/douyin/callback?code=abc&state=xyz")
    assert response.headers["Location"] == "/accounts/login"
    assert count(User) == 0


def test_a_replayed_code_is_refused(client, contest, sandbox):
    first = consent(sandbox, start(client))
    code = parse_qs(urlsplit(first).query)["code"][0]
    callback(client, first)
    client.post("/accounts/logout", headers=csrf_header(client))
    second_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    response = client.get(f"/auth/douyin/callback?code={code}&state={second_state}")
    assert response.headers["Location"] == "/accounts/login"
    assert "授权" in flashes(client)
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("kind", ["http_500", "timeout", "bad_json", "error_code"])
def test_token_exchange_faults_are_explained(client, contest, sandbox, app, kind):
    app.extensions["douyin"].timeout = 0.3
    sandbox.control("faults", {"endpoint": "access_token", "kind": kind, "code": 28001005, "times": 5, "seconds": 1.0})
    response = sign_in(client, sandbox)
    assert response.headers["Location"] == "/accounts/login"
    assert re.search(r"抖音|授权", flashes(client))
    assert count(User) == 0


@pytest.mark.parametrize("kind", ["http_500", "timeout", "bad_json", "error_code"])
def test_userinfo_faults_are_explained(client, contest, sandbox, app, kind):
    app.extensions["douyin"].timeout = 0.3
    sandbox.control("faults", {"endpoint": "userinfo", "kind": kind, "code": 2190008, "times": 5, "seconds": 1.0})
    response = sign_in(client, sandbox)
    assert response.headers["Location"] == "/accounts/login"
    assert count(User) == 0


def publish_own(publish, **kwargs):
    return publish(open_id=OPEN_ID, **kwargs)


def test_pick_a_video_and_enter_it_through_the_api(client, contest, sandbox, publish):
    own = publish_own(publish, when="2020-06-20T12:00:00+08:00", title="神农城夜景 #动力株洲文旅通 @株洲足迹")
    untagged = publish_own(publish, when="2020-06-21T12:00:00+08:00", title="没有标签")
    sign_in(client, sandbox)
    page = client.get("/entries/pick").get_data(as_text=True)
    assert "神农城夜景" in page and f"video_id={own}" in page
    assert 'data-code="missing_hashtag"' in page
    listing = client.get("/api/v1/me/videos").get_json()
    assert [v["video_id"] for v in listing["videos"]] == [untagged, own]
    assert listing["videos"][1] == {"video_id": own, "title": "神农城夜景 #动力株洲文旅通 @株洲足迹",
                                    "cover": listing["videos"][1]["cover"], "published_at": "2020-06-20T12:00:00+08:00",
                                    "entered": False, "ok": True, "problems": []}
    assert listing["has_more"] is False
    body = {"video_id": own, "theme": "life", "area": "tianyuan", "accept_rules": True, "show_nickname": True}
    response = client.post("/api/v1/entries", json=body, headers=csrf_header(client))
    assert response.status_code == 201, response.get_json()
    entry = db.session.scalar(sa.select(Entry))
    assert response.get_json() == {"id": entry.id, "status": "pending", "problems": []}
    assert entry.fact_sources == {"owner": "platform", "published_at": "platform", "caption": "platform"}
    assert [c["code"] for c in entry.checks] == ["video", "hashtag", "mention", "owner", "published_in_window"]
    assert entry.checks[-1]["provisional"] is False
    again = client.post("/api/v1/entries", json=body, headers=csrf_header(client))
    assert again.status_code == 409
    assert [p["code"] for p in again.get_json()["problems"]] == ["already_entered"]
    assert client.get("/api/v1/me/videos").get_json()["videos"][1]["entered"] is True
    mine = client.get("/api/v1/me/entries").get_json()["entries"]
    assert [(e["video_id"], e["status"], e["theme"], e["area"]) for e in mine] == [(own, "pending", "life", "tianyuan")]


def test_a_linked_citizen_cannot_enter_someone_elses_video(client, contest, sandbox, publish):
    others = publish(open_id="ou_someone_else")
    sign_in(client, sandbox)
    response = client.post("/api/v1/entries", json={"text": f"https://www.douyin.com/video/{others}", "theme": "life",
                                                    "area": "hetang", "accept_rules": True},
                           headers=csrf_header(client))
    assert response.status_code == 422
    assert [p["code"] for p in response.get_json()["problems"]] == ["not_owner"]


def test_a_private_own_video_is_not_public(client, contest, sandbox, publish):
    private = publish_own(publish, public=False)
    sign_in(client, sandbox)
    response = client.post("/api/v1/entries", json={"video_id": private, "theme": "life", "area": "hetang",
                                                    "accept_rules": True}, headers=csrf_header(client))
    assert response.status_code == 422
    assert [p["code"] for p in response.get_json()["problems"]] == ["not_public"]


def test_when_video_data_fails_the_entry_falls_back_to_provisional_checks(client, contest, sandbox, publish, app):
    own = publish_own(publish)
    sign_in(client, sandbox)
    sandbox.control("faults", {"endpoint": "video_data", "kind": "http_500", "times": 10})
    response = client.post("/api/v1/entries", json={"video_id": own, "theme": "life", "area": "hetang",
                                                    "accept_rules": True}, headers=csrf_header(client))
    assert response.status_code == 201
    entry = db.session.scalar(sa.select(Entry))
    assert entry.fact_sources == {"published_at": "video_id", "caption": "embed"}


@pytest.mark.parametrize("kind", ["http_500", "timeout", "bad_json", "error_code"])
def test_listing_failures_offer_the_pasted_link(client, contest, sandbox, app, kind):
    sign_in(client, sandbox)
    app.extensions["douyin"].timeout = 0.3
    sandbox.control("faults", {"endpoint": "video_list", "kind": kind, "code": 28001056, "times": 10, "seconds": 1.0})
    page = client.get("/entries/pick").get_data(as_text=True)
    assert "暂时无法读取你的抖音作品" in page and "粘贴视频链接参赛" in page
    response = client.get("/api/v1/me/videos")
    assert response.status_code == 502
    assert response.get_json()["fallback"] == "paste_link"


def test_an_expired_access_token_is_refreshed(client, contest, sandbox, freeze):
    sign_in(client, sandbox)
    before = db.session.scalar(sa.select(DouyinAccount)).access_token
    later = clock.now() + timedelta(days=16)
    freeze(later)
    sandbox.control("clock", {"now": int(later.timestamp())})
    assert client.get("/api/v1/me/videos").status_code == 200
    db.session.expire_all()
    account = db.session.scalar(sa.select(DouyinAccount))
    assert account.access_token != before
    assert account.access_expires_at == later + timedelta(seconds=1296000)
    assert account.renewals == 0


def test_a_refresh_token_near_its_end_is_renewed(client, contest, sandbox, freeze):
    sign_in(client, sandbox)
    old_refresh = db.session.scalar(sa.select(DouyinAccount)).refresh_token
    later = clock.now() + timedelta(days=25)
    freeze(later)
    sandbox.control("clock", {"now": int(later.timestamp())})
    assert client.get("/api/v1/me/videos").status_code == 200
    db.session.expire_all()
    account = db.session.scalar(sa.select(DouyinAccount))
    assert account.renewals == 1
    assert account.refresh_token != old_refresh
    assert account.refresh_expires_at == later + timedelta(seconds=2592000)


def test_a_refresh_the_platform_refuses_marks_the_account_for_reauthorisation(client, contest, sandbox, freeze):
    # The client's DouyinAuthError reaches the domain as its AuthorizationLost (through the gateway).
    sign_in(client, sandbox)
    later = clock.now() + timedelta(days=16)
    freeze(later)
    sandbox.control("clock", {"now": int(later.timestamp())})
    sandbox.control("faults", {"endpoint": "refresh_token", "kind": "error_code", "code": 10010})
    response = client.get("/api/v1/me/videos")
    assert (response.status_code, response.get_json()["error"]) == (502, "抖音授权已过期，请重新授权。")
    db.session.expire_all()
    assert db.session.scalar(sa.select(DouyinAccount.needs_reauth)) is True


def test_a_platform_error_reaches_the_page_with_the_clients_message(client, contest, sandbox):
    sign_in(client, sandbox)
    sandbox.control("faults", {"endpoint": "video_list", "kind": "error_code", "code": 28003017})
    response = client.get("/api/v1/me/videos")
    assert (response.status_code, response.get_json()["error"]) == (502, "今天调用抖音接口的次数已用完，请明天再试。")
    db.session.expire_all()
    assert db.session.scalar(sa.select(DouyinAccount.needs_reauth)) is False

def test_an_expired_refresh_token_asks_to_authorise_again_and_keeps_entries(client, contest, sandbox, publish, freeze):
    own = publish_own(publish)
    sign_in(client, sandbox)
    client.post("/api/v1/entries", json={"video_id": own, "theme": "life", "area": "hetang", "accept_rules": True},
                headers=csrf_header(client))
    later = clock.now() + timedelta(days=31)
    freeze(later)
    sandbox.control("clock", {"now": int(later.timestamp())})
    assert client.get("/entries/pick").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(DouyinAccount.needs_reauth)) is True
    mine = client.get("/entries/mine").get_data(as_text=True)
    assert "你的抖音授权已失效" in mine and own in mine
    assert client.get("/api/v1/me").get_json()["douyin_needs_reauth"] is True
    assert db.session.scalar(sa.select(Entry.caption)) == "株洲的早晨 #动力株洲文旅通 @株洲足迹"
    # Authorising again clears the mark.
    sign_in(client, sandbox)
    db.session.expire_all()
    assert db.session.scalar(sa.select(DouyinAccount.needs_reauth)) is False


def test_tokens_are_encrypted_at_rest_and_never_logged(client, contest, sandbox, caplog, database_url):
    caplog.set_level(logging.DEBUG)
    sign_in(client, sandbox)
    client.get("/api/v1/me/videos")
    account = db.session.scalar(sa.select(DouyinAccount))
    secrets = [account.access_token, account.refresh_token]
    raw = db.session.execute(sa.text("SELECT access_token, refresh_token FROM douyin_account")).one()
    for stored, plain in zip(raw, secrets):
        assert stored.startswith("gAAAAA")  # Fernet
        assert plain not in stored and "act." not in stored and "rft." not in stored
    if database_url.startswith("sqlite:///"):
        db.session.commit()
        with open(database_url.removeprefix("sqlite:///"), "rb") as fh:
            content = fh.read()
        for plain in secrets:
            assert plain.encode() not in content
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the flow did log (requests, retries, the app)
    for plain in secrets:
        assert plain not in logged


def test_rotate_token_key_reencrypts_with_the_new_key(client, contest, sandbox, runner):
    from contest.crypto import TokenCipher, new_key, token_cipher, use_token_cipher

    sign_in(client, sandbox)
    token = db.session.scalar(sa.select(DouyinAccount)).access_token
    old = token_cipher()
    key = new_key()
    use_token_cipher(TokenCipher([key, *old.keys]))
    result = runner.invoke(args=["rotate-token-key"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已用最新的密钥重新加密 1 个抖音账号的令牌。"
    stored = db.session.execute(sa.text("SELECT access_token FROM douyin_account")).scalar_one()
    assert TokenCipher([key]).decrypt(stored) == token


def test_citizen_json_needs_sign_in_and_csrf(client, contest, sandbox):
    assert client.get("/api/v1/me").get_json() == {"error": "请先登录。"}
    assert client.get("/api/v1/me/entries").status_code == 401
    # CSRF is checked before sign-in, so an anonymous cross-site POST learns nothing.
    assert client.post("/api/v1/entries", json={}).status_code == 400
    sign_in(client, sandbox)
    no_token = client.post("/api/v1/entries", json={"video_id": "1"})
    assert no_token.status_code == 400
    assert no_token.get_json() == {"error": "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。"}
    bad = client.post("/api/v1/entries", json={"theme": "life"}, headers=csrf_header(client))
    assert (bad.status_code, bad.get_json()) == (400, {"error": "需要字段 video_id 或 text。"})


def test_contest_json(client, contest):
    body = client.get("/api/v1/contest").get_json()
    assert body["slug"] == "zhuzhou-2020"
    assert (body["opens_at"], body["closes_at"]) == ("2020-06-18T00:00:00+08:00", "2020-07-17T23:59:59+08:00")
    assert body["themes"] == [{"key": "life", "name": "株洲美好生活秀"}, {"key": "talent", "name": "株洲达人才艺秀"},
                              {"key": "village", "name": "美丽乡村旅游秀"}]
    assert [a["name"] for a in body["areas"]][:2] == ["荷塘区", "芦淞区"] and len(body["areas"]) == 9
    assert body["hashtag"] == "动力株洲文旅通" and body["mention"] == "株洲足迹" and body["phase"] == "open"
    assert client.get("/api/v1/contest?contest=nope").status_code == 404
