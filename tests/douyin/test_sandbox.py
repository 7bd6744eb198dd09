"""The Douyin sandbox over real HTTP: every route, fault, clock effect and control-route check."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from contest.config import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET
from contest.douyin.sandbox import create_sandbox_app

ALL_SCOPES = ["user_info", "video.list.bind", "video.data.bind"]
CALLBACK = "http://127.0.0.1:5000/accounts/douyin/callback"
T0 = 1592467200  # 2020-06-18 08:00:00 UTC
DAY = 86400
EXTRA_KEYS = {"error_code", "description", "sub_error_code", "sub_description", "logid", "now"}


def _no_cookie(response, *args, **kwargs):
    assert "Set-Cookie" not in response.headers, (response.request.method, response.url)


class Api:
    """Requests to the live sandbox (no proxies, redirects never followed, cookies checked on every answer)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.hooks["response"].append(_no_cookie)

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 5)
        return self.http.get(self.url + path, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 5)
        return self.http.post(self.url + path, **kwargs)

    def control(self, path: str, payload: dict | None = None) -> dict:
        return self.sandbox.control(path, payload)

    def refused(self, path: str, payload) -> dict:
        response = self.post("/__sandbox__/" + path, json=payload)
        assert response.status_code == 400, response.text
        return response.json()

    # -- the world ------------------------------------------------------------
    def author(self, open_id: str = "ou_a", nickname: str = "作者甲") -> dict:
        return self.control("users", {"open_id": open_id, "nickname": nickname})["user"]

    def video(self, video_id: str, open_id: str = "ou_a", create_time: int = T0, **fields) -> dict:
        payload = {"video_id": video_id, "open_id": open_id, "title": f"视频{video_id} #动力株洲文旅通 @株洲足迹",
                   "create_time": create_time, "digg_count": 0, "public": True, **fields}
        return self.control("videos", payload)["video"]

    def now(self) -> int:
        return self.get("/__sandbox__/clock").json()["now"]

    def set_clock(self, now: int) -> int:
        return self.control("clock", {"now": now})["now"]

    def log(self) -> list[dict]:
        return self.get("/__sandbox__/log").json()["requests"]

    # -- OAuth --------------------------------------------------------------------
    def authorize_path(self, **params) -> str:
        query = {"client_key": SANDBOX_CLIENT_KEY, "response_type": "code", "scope": ",".join(ALL_SCOPES),
                 "redirect_uri": CALLBACK, "state": "st-1", **params}
        return "/open/platform/oauth/connect/?" + urlencode(query)

    def code(self, open_id: str = "ou_a", scopes: list[str] = ALL_SCOPES) -> str:
        response = self.get(self.authorize_path(scope=",".join(scopes), auto_consent=open_id))
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    def exchange(self, auth_code: str, /, **overrides) -> dict:
        form = {"client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET, "code": auth_code,
                "grant_type": "authorization_code", **overrides}
        response = self.post("/open/oauth/access_token/", data=form)
        assert response.status_code == 200
        return response.json()

    def grant(self, open_id: str = "ou_a", scopes: list[str] = ALL_SCOPES) -> dict:
        body = self.exchange(self.code(open_id, scopes))
        assert body["data"]["error_code"] == 0, body
        return body["data"]

    def refresh(self, refresh_token: str) -> dict:
        return self.post("/open/oauth/refresh_token/", data={
            "client_key": SANDBOX_CLIENT_KEY, "grant_type": "refresh_token", "refresh_token": refresh_token}).json()

    def renew(self, refresh_token: str) -> dict:
        return self.post("/open/oauth/renew_refresh_token/", data={
            "client_key": SANDBOX_CLIENT_KEY, "refresh_token": refresh_token}).json()

    def userinfo(self, access_token: str, open_id: str) -> dict:
        return self.post("/open/oauth/userinfo/", data={"access_token": access_token, "open_id": open_id}).json()

    # -- video endpoints ----------------------------------------------------------
    def video_list(self, token: str | None, open_id: str | None = "ou_a", **params) -> dict:
        headers = {"access-token": token} if token else {}
        query = {"open_id": open_id, **params} if open_id else params
        response = self.get("/open/api/douyin/v1/video/video_list/", params=query, headers=headers)
        assert response.status_code == 200
        return response.json()

    def video_data(self, token: str, open_id: str = "ou_a", body=None) -> dict:
        response = self.post("/open/api/douyin/v1/video/video_data/", params={"open_id": open_id},
                             headers={"access-token": token}, json=body)
        assert response.status_code == 200
        return response.json()

    def iframe(self, **params) -> dict:
        response = self.get("/open/api/douyin/v1/video/get_iframe_by_video", params=params)
        assert response.status_code == 200
        return response.json()


@pytest.fixture
def api(sandbox):
    client = Api(sandbox)
    yield client
    client.http.close()


def vid(seconds: int, n: int) -> str:
    return str((seconds << 32) | n)


def assert_video_error(body: dict, code: int, description: str) -> None:
    assert body["data"] == {"error_code": code, "description": description}
    assert set(body["extra"]) == EXTRA_KEYS
    assert body["extra"]["error_code"] == code
    assert body["extra"]["description"] == description
    assert body["extra"]["sub_error_code"] == 0
    assert body["extra"]["sub_description"] == ""
    assert re.fullmatch(r"[0-9]{14}[0-9A-F]{20}", body["extra"]["logid"])


def assert_oauth_error(body: dict, code: int, description: str) -> None:
    assert set(body) == {"data", "extra", "message"}
    assert body["message"] == "error"
    assert_video_error({"data": body["data"], "extra": body["extra"]}, code, description)


def assert_new_userinfo_error(body: dict, code: int, description: str) -> None:
    """The newer envelope: only err_no tells (data.error_code stays the string "0")."""
    assert set(body) == {"data", "err_no", "err_msg", "log_id"}
    assert (body["err_no"], body["err_msg"], body["data"]) == (code, description, {"error_code": "0", "description": ""})
    assert re.fullmatch(r"[0-9]{14}[0-9A-F]{20}", body["log_id"])


def iframe_error(body: dict) -> tuple:
    assert set(body) == {"data", "err_no", "err_msg", "log_id"}
    assert body["data"] == {}
    return body["err_no"], body["err_msg"]


# -- factory, seed, reset, state ---------------------------------------------------

def test_factory_seeds_by_default_and_can_skip_it():
    seeded = create_sandbox_app().test_client().get("/__sandbox__/state").get_json()
    empty = create_sandbox_app(seed=False).test_client().get("/__sandbox__/state").get_json()
    assert [u["open_id"] for u in seeded["users"]] == ["ou_demo_xiaoli", "ou_demo_laozhang", "ou_demo_ahua"]
    assert len(seeded["videos"]) == 11
    assert (empty["users"], empty["videos"], empty["shortlinks"]) == ([], [], [])


def test_reset_leaves_an_empty_world(api):
    state = api.get("/__sandbox__/state").json()
    assert abs(state.pop("now") - time.time()) < 3
    assert state == {"users": [], "videos": [], "shortlinks": [], "faults": [], "rate_limits": {},
                     "app": {"name": "株洲抖音生活秀（沙盒演示应用）", "scopes": ALL_SCOPES, "renew_permission": True},
                     "modes": {"userinfo_envelope": "new", "video_objects": "full"}, "retired": {}, "quota": {}}
    assert api.log() == []


def test_seed_builds_the_demo_world_and_is_idempotent(api):
    now = api.now()
    summary = api.control("seed")
    state = api.get("/__sandbox__/state").json()
    assert summary["ok"] is True
    assert summary["users"] == ["ou_demo_xiaoli", "ou_demo_laozhang", "ou_demo_ahua"]
    assert {u["open_id"]: u["nickname"] for u in state["users"]} == {
        "ou_demo_xiaoli": "小李爱株洲", "ou_demo_laozhang": "老张的乡村", "ou_demo_ahua": "阿华才艺"}
    for open_id in summary["users"]:
        mine = [v for v in state["videos"] if v["open_id"] == open_id]
        public = [v for v in mine if v["public"]]
        assert 2 <= len(public) <= 3
        assert len(mine) - len(public) == 1
    for video in state["videos"]:
        assert re.fullmatch(r"[0-9]{19}", video["video_id"])
        assert int(video["video_id"]) >> 32 == video["create_time"]
        assert now - 20 * DAY <= video["create_time"] <= now
        assert "#动力株洲文旅通" in video["title"]
        assert video["deleted"] is False
        assert video["statistics"]["digg_count"] == video["series"][-1]["digg_count"]
    assert [v["title"] for v in state["videos"] if "@株洲足迹" not in v["title"]] == ["湘江风光带骑行，风真舒服 #动力株洲文旅通"]
    assert len(summary["shortlinks"]) == len(state["shortlinks"]) == 13
    assert api.control("seed") == summary
    again = api.get("/__sandbox__/state").json()
    assert (again["users"], again["shortlinks"]) == (state["users"], state["shortlinks"])
    assert [v["video_id"] for v in again["videos"]] == [v["video_id"] for v in state["videos"]]


def test_reset_empties_everything_but_keeps_the_demo_app(api):
    api.control("seed")
    api.control("faults", {"endpoint": "video_list", "kind": "http_500"})
    api.control("rate-limit", {"endpoint": "video_data", "per_second": 1})
    api.set_clock(T0)
    api.get("/v/sbxLi001")
    assert api.control("reset") == {"ok": True}
    state = api.get("/__sandbox__/state").json()
    assert (state["users"], state["videos"], state["shortlinks"], state["faults"], state["rate_limits"]) == (
        [], [], [], [], {})
    assert abs(state["now"] - time.time()) < 5
    assert api.log() == []
    assert api.get(api.authorize_path()).status_code == 200


def test_state_file_mirrors_the_world_and_restores_it(tmp_path):
    path = tmp_path / "sandbox.json"
    first = create_sandbox_app(state_file=str(path), seed=False).test_client()
    first.post("/__sandbox__/users", json={"open_id": "ou_kept", "nickname": "留下来的人"})
    first.post("/__sandbox__/videos", json={"video_id": vid(T0, 9), "open_id": "ou_kept", "title": "留下来的视频",
                                            "create_time": T0, "digg_count": 5, "public": True})
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert list(saved["users"]) == ["ou_kept"]
    second = create_sandbox_app(state_file=str(path), seed=True).test_client()
    state = second.get("/__sandbox__/state").get_json()
    assert [u["open_id"] for u in state["users"]] == ["ou_kept"]  # restored, not reseeded
    assert [(v["video_id"], v["statistics"]["digg_count"]) for v in state["videos"]] == [(vid(T0, 9), 5)]


# -- control routes ---------------------------------------------------------------

def test_users_upsert(api):
    created = api.control("users", {"open_id": "ou_u", "nickname": "甲"})
    assert created == {"user": {"open_id": "ou_u", "union_id": "un_ou_u", "nickname": "甲", "avatar": None}}
    updated = api.control("users", {"open_id": "ou_u", "nickname": "乙", "union_id": "un_x",
                                    "avatar": "https://example.test/a.png"})
    assert updated == {"user": {"open_id": "ou_u", "union_id": "un_x", "nickname": "乙",
                                "avatar": "https://example.test/a.png"}}
    assert api.get("/__sandbox__/state").json()["users"] == [updated["user"]]


def test_videos_upsert_returns_the_video_and_mints_ids_by_douyins_rule(api):
    api.author()
    video = api.video(vid(T0, 1), digg_count=200, comment_count=100, share_count=10, play_count=300)
    assert video == {
        "video_id": vid(T0, 1), "item_id": video["item_id"], "open_id": "ou_a",
        "title": f"视频{vid(T0, 1)} #动力株洲文旅通 @株洲足迹", "create_time": T0, "public": True, "video_status": 1,
        "deleted": False, "cover": None, "curve": False,
        "statistics": {"digg_count": 200, "comment_count": 100, "share_count": 10, "play_count": 300},
        "series": [{"at": 0, "digg_count": 200, "comment_count": 100, "share_count": 10, "play_count": 300}],
    }
    assert re.fullmatch(r"@[A-Za-z0-9_-]{20,}", video["item_id"])
    minted = api.control("videos", {"open_id": "ou_a", "title": "无编号", "create_time": T0 + 5})["video"]
    assert re.fullmatch(r"[0-9]{19}", minted["video_id"])
    assert int(minted["video_id"]) >> 32 == T0 + 5
    changed = api.control("videos", {"video_id": vid(T0, 1), "title": "改过的标题", "public": False,
                                     "cover": "https://example.test/c.jpg"})["video"]
    assert (changed["title"], changed["public"], changed["cover"], changed["open_id"]) == (
        "改过的标题", False, "https://example.test/c.jpg", "ou_a")


def test_a_new_videos_author_is_created_when_missing(api):
    api.control("videos", {"video_id": vid(T0, 2), "open_id": "ou_new", "title": "t", "create_time": T0})
    assert api.get("/__sandbox__/state").json()["users"] == [
        {"open_id": "ou_new", "union_id": "un_ou_new", "nickname": "ou_new", "avatar": None}]


CONTROL_ERRORS = [
    ("users", {"nickname": "x"}, '"open_id" is required'),
    ("users", {"open_id": "ou_x"}, '"nickname" is required for a new user'),
    ("users", {"open_id": "bad id!", "nickname": "x"}, '"open_id" must be 1 to 64 of A-Z a-z 0-9 _ . : -'),
    ("videos", {"video_id": 7455266733985729852, "open_id": "ou_a", "title": "t"},
     '"video_id" must be a string of digits, not a number: ids exceed 2^53 and lose precision'),
    ("videos", {"video_id": "74x", "open_id": "ou_a", "title": "t"},
     '"video_id" must be a string of 1 to 20 digits below 2^64'),
    ("videos", {"video_id": "99999999999999999999", "open_id": "ou_a", "title": "t"},
     '"video_id" must be a string of 1 to 20 digits below 2^64'),
    ("videos", {"video_id": "123", "title": "t"}, '"open_id" is required for a new video'),
    ("videos", {"video_id": "123", "open_id": "ou_a"}, '"title" is required for a new video'),
    ("videos", {"video_id": "123", "open_id": "ou_a", "title": "t", "digg_count": -1},
     '"digg_count" must be at least 0'),
    ("videos", {"video_id": "123", "open_id": "ou_a", "title": "t", "public": "yes"},
     '"public" must be true or false'),
    ("videos", {"video_id": "123", "open_id": "ou_a", "title": "t", "create_time": "2020"},
     '"create_time" must be an integer'),
    ("videos", {"open_id": "ou_a", "title": "t", "create_time": 2**32}, '"create_time" must be at most 4294967295'),
    ("videos/123/stats", {"digg_count": 5}, "unknown video 123"),
    ("videos/123/stats", {}, "give at least one of digg_count, comment_count, share_count, play_count"),
    ("videos/abc/stats", {"digg_count": 5}, "the video id in the path must be 1 to 20 digits below 2^64"),
    ("videos/123/visibility", {}, 'give "public", "video_status" and/or "deleted"'),
    ("videos/123/visibility", {"video_status": 3}, '"video_status" must be one of 1, 2, 4, 5, 6, 7'),
    ("videos/123/visibility", {"public": False}, "unknown video 123"),
    ("shortlinks", {"code": "abc", "video_id": "1"}, '"code" must be 6 to 24 of A-Z a-z 0-9 _ -'),
    ("shortlinks", {"code": "abcdefghijklmnopqrstuvwxy", "video_id": "1"}, '"code" must be 6 to 24 of A-Z a-z 0-9 _ -'),
    ("shortlinks", {"code": "abc/def", "video_id": "1"}, '"code" must be 6 to 24 of A-Z a-z 0-9 _ -'),
    ("shortlinks", {"code": "abcdef", "host": "x", "video_id": "1"}, '"host" must be "v" (v.douyin.com) or "jx" (jx.douyin.com)'),
    ("shortlinks", {"video_id": "1"}, '"code" is required'),
    ("shortlinks", {"code": "abcdef"}, '"video_id" is required'),
    ("shortlinks", {"code": "abcdef", "kind": "story"},
     '"kind" must be one of video, note, user, live, expired, risk, forbidden'),
    ("shortlinks", {"code": "abcdef", "kind": "live", "video_id": "1"}, '"video_id" makes no sense for kind \'live\''),
    ("shortlinks", {"code": "abcdef", "location": "https://x.test/a b"},
     '"location" must be printable ASCII without spaces'),
    ("shortlinks", {"code": "abcdef", "location": "https://x.test/", "kind": "video"},
     '"location" cannot be combined with "kind" or "video_id"'),
    ("faults", {"endpoint": "nope", "kind": "timeout"}, '"endpoint" must be one of shortlink, share_page, '
     'get_iframe_by_video, access_token, refresh_token, renew_refresh_token, userinfo, video_list, video_data'),
    ("faults", {"endpoint": "video_list", "kind": "explode"},
     '"kind" must be one of error_code, timeout, http_500, bad_json'),
    ("faults", {"endpoint": "video_list", "kind": "error_code"},
     '"code" (a non-zero integer) is required for kind "error_code"'),
    ("faults", {"endpoint": "video_list", "kind": "http_500", "times": 0}, '"times" must be at least 1'),
    ("faults", {"endpoint": "video_list", "kind": "timeout", "seconds": 0}, '"seconds" must be above 0 and at most 120'),
    ("clock", {}, 'give "now" (unix seconds) or "advance" (seconds)'),
    ("clock", {"now": "soon"}, '"now" must be a number'),
    ("clock", {"now": 1, "advance": 1}, 'give either "now" or "advance", not both'),
    ("clock", {"now": -1}, '"now" must be unix seconds between 0 and 2^32'),
    ("clock", {"now": True}, '"now" must be a number'),
    ("rate-limit", {"endpoint": "everything", "per_second": 1}, '"endpoint" must be one of shortlink, share_page, '
     'get_iframe_by_video, access_token, refresh_token, renew_refresh_token, userinfo, video_list, video_data'),
    ("rate-limit", {"endpoint": "video_data", "per_second": -1}, '"per_second" must be at least 0'),
    ("tokens", {"open_id": "ou_nobody"}, "unknown open_id 'ou_nobody': create the user first"),
    ("users", [1, 2], "the body must be a JSON object"),
]


@pytest.mark.parametrize(("path", "payload", "message"), CONTROL_ERRORS)
def test_control_routes_refuse_bad_input_with_400(api, path, payload, message):
    assert api.refused(path, payload) == {"error": message}


def test_control_routes_refuse_non_json_bodies_and_unknown_routes(api):
    response = api.post("/__sandbox__/videos", data="video_id=1", headers={"Content-Type": "text/plain"})
    assert (response.status_code, response.json()) == (400, {"error": "the body must be a JSON object"})
    response = api.post("/__sandbox__/nope", json={})
    assert (response.status_code, response.json()) == (404, {"error": "404 Not Found"})
    response = api.get("/__sandbox__/users")
    assert (response.status_code, response.json()) == (405, {"error": "405 Method Not Allowed"})


def test_control_requests_are_not_logged(api):
    api.author()
    api.get("/__sandbox__/state")
    api.get("/__sandbox__/clock")
    assert api.log() == []


# -- clock --------------------------------------------------------------------------

def test_clock_is_real_time_until_set_then_moves_on_from_there(api):
    assert abs(api.now() - time.time()) < 3
    assert api.set_clock(T0) == T0
    assert T0 <= api.now() <= T0 + 2
    assert T0 + DAY <= api.control("clock", {"advance": DAY})["now"] <= T0 + DAY + 2
    assert T0 + DAY <= api.now() <= T0 + DAY + 2


# -- statistics over time ----------------------------------------------------------------

def test_scheduled_stats_become_visible_when_the_clock_reaches_them(api):
    api.author()
    api.video(vid(T0, 1), digg_count=10, comment_count=1)
    api.set_clock(T0)
    api.control(f"videos/{vid(T0, 1)}/stats", {"digg_count": 50, "at": T0 + DAY})
    api.control(f"videos/{vid(T0, 1)}/stats", {"digg_count": 90, "comment_count": 3, "at": T0 + 2 * DAY})
    token = api.control("tokens", {"open_id": "ou_a"})["access_token"]

    def seen_at(t: int) -> dict:
        api.set_clock(t)
        return api.video_data(token, body={"video_ids": [vid(T0, 1)]})["data"]["list"][0]["statistics"]

    assert seen_at(T0 + 10)["digg_count"] == 10
    assert seen_at(T0 + DAY) == {"digg_count": 50, "comment_count": 1, "share_count": 0, "play_count": 0,
                                 "download_count": 0, "forward_count": 0}
    assert seen_at(T0 + 2 * DAY - 10)["digg_count"] == 50
    assert seen_at(T0 + 3 * DAY) == {"digg_count": 90, "comment_count": 3, "share_count": 0, "play_count": 0,
                                     "download_count": 0, "forward_count": 0}
    # without "at" the counts apply from the sandbox's now on
    api.control(f"videos/{vid(T0, 1)}/stats", {"digg_count": 120})
    assert seen_at(T0 + 3 * DAY + 5)["digg_count"] == 120
    assert seen_at(T0 + 2 * DAY)["digg_count"] == 90
    series = api.get("/__sandbox__/state").json()["videos"][0]["series"]
    assert [(s["at"], s["digg_count"]) for s in series] == [
        (0, 10), (T0 + DAY, 50), (T0 + 2 * DAY, 90), (series[3]["at"], 120)]
    assert T0 + 3 * DAY <= series[3]["at"] <= T0 + 3 * DAY + 2


# -- short links ------------------------------------------------------------------------

SHARE_QUERY = (r"\?region=CN&mid=[0-9]{19}&u_code=[a-z0-9]{12}&share_sign=[A-Za-z0-9_-]{44}"
               r"&share_version=[0-9]+&ts=(?P<ts>[0-9]+)&with_sec_did=1")


@pytest.mark.parametrize("suffix", ["", "/"])
def test_short_link_to_a_video_redirects_like_douyin(api, suffix):
    api.control("shortlinks", {"code": "L5pbfdP", "video_id": "7455266733985729852"})
    api.set_clock(T0)
    response = api.get("/v/L5pbfdP" + suffix)
    assert response.status_code == 302
    match = re.fullmatch(r"https://www\.iesdouyin\.com/share/video/7455266733985729852/" + SHARE_QUERY,
                         response.headers["Location"])
    assert match, response.headers["Location"]
    assert T0 <= int(match["ts"]) <= T0 + 2


def test_short_links_of_other_kinds(api):
    for code, kind in (("note01", "note"), ("user01", "user"), ("live01", "live"), ("gone01", "expired")):
        api.control("shortlinks", {"code": code, "kind": kind})
    api.control("shortlinks", {"code": "note02", "kind": "note", "video_id": "7455266733985729999"})
    locations = {code: api.get(f"/v/{code}/").headers["Location"]
                 for code in ("note01", "note02", "user01", "live01", "gone01", "unknown1", "x")}
    assert re.fullmatch(r"https://www\.iesdouyin\.com/share/note/[0-9]{19}/" + SHARE_QUERY, locations["note01"])
    assert re.fullmatch(r"https://www\.iesdouyin\.com/share/note/7455266733985729999/" + SHARE_QUERY,
                        locations["note02"])
    assert re.fullmatch(r"https://www\.iesdouyin\.com/share/user/MS4wLjABAAAA[A-Za-z0-9_-]+\?u_code=[a-z0-9]+"
                        r"&did=[0-9]+&iid=[0-9]+&with_sec_did=1&sec_uid=MS4wLjABAAAA[A-Za-z0-9_-]+&from_ssr=1"
                        r"&timestamp=[0-9]+", locations["user01"])
    assert re.fullmatch(r"https://webcast\.amemv\.com/douyin/webcast/reflow/[0-9]{19}\?u_code=[a-z0-9]+&did=[0-9]+"
                        r"&iid=[0-9]+&with_sec_did=1&from_ssr=1&ts=[0-9]+", locations["live01"])
    assert locations["gone01"] == locations["unknown1"] == locations["x"] == "https://www.douyin.com/"


def test_short_link_test_aid_redirects_to_exactly_the_given_location(api):
    api.control("shortlinks", {"code": "evil01", "location": "http://169.254.169.254/latest/meta-data/?a=1&b=%2F"})
    response = api.get("/v/evil01")
    assert (response.status_code, response.headers["Location"]) == (
        302, "http://169.254.169.254/latest/meta-data/?a=1&b=%2F")


def test_short_links_can_be_replaced(api):
    api.control("shortlinks", {"code": "swap01", "video_id": "7455266733985729852"})
    assert api.control("shortlinks", {"code": "swap01", "kind": "expired"}) == {
        "shortlink": {"code": "swap01", "kind": "expired"}}
    assert api.get("/v/swap01").headers["Location"] == "https://www.douyin.com/"


# -- share pages and assets ----------------------------------------------------------------

def test_share_page_shows_public_videos_only(api):
    api.author()
    api.video(vid(T0, 1), title="株洲的早晨 #动力株洲文旅通 @株洲足迹")
    api.video(vid(T0, 2), public=False)
    api.video(vid(T0, 3))
    api.control(f"videos/{vid(T0, 3)}/visibility", {"deleted": True})
    page = api.get(f"/iesdouyin/share/video/{vid(T0, 1)}/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>株洲的早晨 #动力株洲文旅通 @株洲足迹</title>" in page.text
    assert "沙盒" in page.text
    for video_id in (vid(T0, 2), vid(T0, 3), "1", "abc"):
        missing = api.get(f"/iesdouyin/share/video/{video_id}/")
        assert (missing.status_code, missing.headers["Content-Type"]) == (404, "text/html; charset=utf-8")
        assert "页面不存在" in missing.text


def test_cover_and_avatar_placeholders_are_served_and_not_logged(api):
    api.author()
    cover = api.get(f"/assets/cover/{vid(T0, 1)}.svg")
    avatar = api.get("/assets/avatar/ou_a.svg")
    assert (cover.status_code, cover.headers["Content-Type"]) == (200, "image/svg+xml; charset=utf-8")
    assert (avatar.status_code, avatar.headers["Content-Type"]) == (200, "image/svg+xml; charset=utf-8")
    assert "作者" in avatar.text
    assert api.log() == []


def test_unknown_paths_answer_404_html_and_are_logged(api):
    response = api.get("/open/api/douyin/v1/nothing")
    assert (response.status_code, response.headers["Content-Type"]) == (404, "text/html; charset=utf-8")
    assert [(r["endpoint"], r["method"], r["path"]) for r in api.log()] == [
        ("not_found", "GET", "/open/api/douyin/v1/nothing")]


# -- authorize page -----------------------------------------------------------------------------

def test_authorize_page_lists_users_and_asked_scopes_without_scripts(api):
    api.author("ou_a", "作者甲")
    api.author("ou_b", "作者乙")
    response = api.get(api.authorize_path(scope="user_info", optionalScope="video.list.bind,1,video.data.bind,0"))
    assert response.status_code == 200
    html = response.text
    assert "<script" not in html.lower() and "onclick" not in html.lower()
    assert '<form method="post" action="/open/platform/oauth/connect/">' in html
    assert '<input type="radio" name="open_id" value="ou_a" checked>' in html
    assert '<input type="radio" name="open_id" value="ou_b">' in html
    assert "作者甲" in html and "作者乙" in html
    # The required scope cannot be unticked; the optional ones can, ticked or not as asked.
    assert re.findall(r'<input type="checkbox" checked disabled>\s*[^<]*<code>([^<]+)</code>', html) == ["user_info"]
    assert re.findall(r'name="scopes" value="([^"]+)"( checked)?', html) == [
        ("video.list.bind", " checked"), ("video.data.bind", "")]
    assert '<input type="hidden" name="optionalScope" value="video.list.bind,1,video.data.bind,0">' in html
    assert '<button class="primary" type="submit" name="decision" value="allow">同意授权</button>' in html
    assert '<button type="submit" name="decision" value="deny">拒绝</button>' in html
    assert f'<input type="hidden" name="redirect_uri" value="{CALLBACK}">' in html
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("redirect_uri", [
    "http://localhost:8000/cb", "https://127.0.0.1:8443/cb?x=1", "http://[::1]:5000/cb", "http://127.0.0.1/cb"])
def test_authorize_accepts_any_loopback_redirect_uri(api, redirect_uri):
    api.author()
    assert api.get(api.authorize_path(redirect_uri=redirect_uri)).status_code == 200


@pytest.mark.parametrize(("params", "message"), [
    ({"client_key": "someone-else"}, "client_key 无效"),
    ({"client_key": ""}, "client_key 无效"),
    ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri 无效"),
    ({"redirect_uri": "http://127.0.0.1.evil.example/cb"}, "redirect_uri 无效"),
    ({"redirect_uri": "http://user@127.0.0.1:5000/cb"}, "redirect_uri 无效"),
    ({"redirect_uri": "javascript:alert(1)//127.0.0.1"}, "redirect_uri 无效"),
    ({"redirect_uri": ""}, "redirect_uri 无效"),
    ({"response_type": "token"}, "response_type 必须是 code"),
    ({"scope": ""}, "scope 无效"),
])
def test_authorize_refuses_bad_requests_with_an_error_page_never_a_redirect(api, params, message):
    api.author()
    for response in (api.get(api.authorize_path(**params)),
                     api.get(api.authorize_path(auto_consent="ou_a", **params))):
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert message in response.text


def _form(**fields) -> dict:
    return {"client_key": SANDBOX_CLIENT_KEY, "response_type": "code", "scope": ",".join(ALL_SCOPES),
            "redirect_uri": CALLBACK, "state": "st-1", **fields}


def test_consent_redirects_with_code_state_and_the_granted_scopes(api):
    api.author()
    response = api.post("/open/platform/oauth/connect/", data=_form(
        scope="user_info,video.data.bind", optionalScope="video.list.bind,1", open_id="ou_a",
        scopes=["video.data.bind"], decision="allow", redirect_uri="http://127.0.0.1:5000/cb?next=%2Fme"))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("http", "127.0.0.1:5000", "/cb")
    query = parse_qs(location.query)
    assert query["next"] == ["/me"]
    assert query["state"] == ["st-1"]
    # Required scopes are granted with the consent (unticking them is not possible); the optional one was unticked.
    assert query["scopes"] == ["user_info,video.data.bind"]
    assert re.fullmatch(r"[0-9a-f]{32}", query["code"][0])
    assert api.exchange(query["code"][0])["data"]["scope"] == "user_info,video.data.bind"
    ticked = api.post("/open/platform/oauth/connect/", data=_form(
        scope="user_info", optionalScope="video.list.bind,0", open_id="ou_a", scopes=["video.list.bind"],
        decision="allow"))
    assert parse_qs(urlsplit(ticked.headers["Location"]).query)["scopes"] == ["user_info,video.list.bind"]


def test_a_required_scope_the_app_lacks_refuses_the_whole_authorisation(api):
    api.author()
    api.control("app", {"scopes": ["user_info", "video.data.bind"]})  # the video-list capability is not granted
    refused = api.get(api.authorize_path(scope="user_info,video.list.bind,video.data.bind"))
    assert (refused.status_code, "Location" in refused.headers) == (400, False)
    assert "scope权限非法：应用没有获得 video.list.bind 的权限。" in refused.text
    # Asked as optional, the missing capability is simply not offered.
    page = api.get(api.authorize_path(scope="user_info,video.data.bind", optionalScope="video.list.bind,1"))
    assert page.status_code == 200
    assert re.findall(r'name="scopes" value="([^"]+)"', page.text) == []
    code = api.code(scopes=["user_info", "video.data.bind"])
    assert api.exchange(code)["data"]["scope"] == "user_info,video.data.bind"


def test_refusal_redirects_with_access_denied(api):
    api.author()
    response = api.post("/open/platform/oauth/connect/", data=_form(open_id="ou_a", decision="deny"))
    assert response.status_code == 302
    assert response.headers["Location"] == CALLBACK + "?" + urlencode(
        {"error": "access_denied", "error_description": "用户拒绝授权", "state": "st-1"})


@pytest.mark.parametrize(("fields", "message"), [
    ({"open_id": "ou_nobody", "scopes": ALL_SCOPES}, "请选择一个抖音用户。"),
    ({"open_id": "ou_a", "optionalScope": "video.list.bind"}, "optionalScope 无效"),
    ({"open_id": "ou_a", "optionalScope": "video.list.bind,2"}, "optionalScope 无效"),
])
def test_consent_without_a_user_or_a_scope_shows_the_page_again(api, fields, message):
    api.author()
    response = api.post("/open/platform/oauth/connect/", data=_form(decision="allow", **fields))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert message in response.text


def test_a_posted_consent_is_checked_like_the_page(api):
    api.author()
    response = api.post("/open/platform/oauth/connect/", data=_form(
        open_id="ou_a", scopes=ALL_SCOPES, decision="allow", redirect_uri="https://evil.example/cb"))
    assert (response.status_code, "Location" in response.headers) == (400, False)


def test_auto_consent_grants_every_asked_scope_at_once(api):
    api.author()
    response = api.get(api.authorize_path(auto_consent="ou_a"))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert (query["state"], query["scopes"]) == (["st-1"], ["user_info,video.list.bind,video.data.bind"])
    unknown = api.get(api.authorize_path(auto_consent="ou_nobody"))
    assert (unknown.status_code, "Location" in unknown.headers) == (400, False)


# -- OAuth endpoints ---------------------------------------------------------------------------

def test_access_token_exchange(api):
    api.author()
    body = api.exchange(api.code())
    data = body["data"]
    assert body["message"] == "success"
    assert set(body) == {"data", "message"}
    assert re.fullmatch(r"act\.[0-9a-f]{48}", data["access_token"])
    assert re.fullmatch(r"rft\.[0-9a-f]{48}", data["refresh_token"])
    assert data == {"access_token": data["access_token"], "open_id": "ou_a", "expires_in": 1296000,
                    "refresh_token": data["refresh_token"], "refresh_expires_in": 2592000,
                    "scope": "user_info,video.list.bind,video.data.bind", "error_code": 0, "description": ""}


def test_access_token_exchange_takes_json_too(api):
    api.author()
    response = api.post("/open/oauth/access_token/", json={
        "client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET, "code": api.code(),
        "grant_type": "authorization_code"})
    assert response.json()["data"]["open_id"] == "ou_a"


def test_codes_are_single_use(api):
    api.author()
    code = api.code()
    assert api.exchange(code)["data"]["error_code"] == 0
    assert_oauth_error(api.exchange(code), 10007, "授权码已被使用")


def test_codes_expire_after_ten_minutes_of_sandbox_clock(api):
    api.author()
    api.set_clock(T0)
    early, late = api.code(), api.code()
    api.set_clock(T0 + 590)
    assert api.exchange(early)["data"]["error_code"] == 0
    api.set_clock(T0 + 601)
    assert_oauth_error(api.exchange(late), 10007, "授权码已过期")


@pytest.mark.parametrize(("overrides", "code", "description"), [
    ({"code": "0" * 32}, 10007, "授权码无效"),
    ({"code": ""}, 10002, "参数错误：缺少 code"),
    ({"grant_type": "client_credential"}, 10002, "参数错误：grant_type 应为 authorization_code"),
    ({"client_key": "someone-else"}, 10003, "client_key 不存在"),
    ({"client_key": ""}, 10002, "参数错误：缺少 client_key"),
    ({"client_secret": "guess"}, 10013, "client_key 或者 client_secret 错误"),
    ({"client_secret": ""}, 10002, "参数错误：缺少 client_secret"),
])
def test_access_token_exchange_errors(api, overrides, code, description):
    api.author()
    assert_oauth_error(api.exchange(api.code(), **overrides), code, description)


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(api):
    api.author()
    api.video(vid(T0, 1))
    first = api.grant()
    api.set_clock(T0)
    body = api.refresh(first["refresh_token"])
    data = body["data"]
    assert body["message"] == "success"
    assert data["access_token"] != first["access_token"]
    assert re.fullmatch(r"act\.[0-9a-f]{48}", data["access_token"])
    assert (data["refresh_token"], data["open_id"], data["expires_in"], data["scope"], data["error_code"]) == (
        first["refresh_token"], "ou_a", 1296000, "user_info,video.list.bind,video.data.bind", 0)
    for token in (first["access_token"], data["access_token"]):
        assert [v["video_id"] for v in api.video_list(token)["data"]["list"]] == [vid(T0, 1)]


def test_refresh_errors(api):
    api.author()
    grant = api.grant()
    bad_grant = api.post("/open/oauth/refresh_token/", data={
        "client_key": SANDBOX_CLIENT_KEY, "grant_type": "authorization_code",
        "refresh_token": grant["refresh_token"]}).json()
    assert_oauth_error(bad_grant, 10002, "参数错误：grant_type 应为 refresh_token")
    assert_oauth_error(api.refresh("rft.unknown"), 10010, "refresh_token 过期或无效，请重新授权")
    assert_oauth_error(api.refresh(""), 10002, "参数错误：缺少 refresh_token")


def test_refresh_and_renewal_fail_with_10010_once_the_refresh_token_expired(api):
    api.author()
    grant = api.grant()
    api.control("clock", {"advance": 2592000 - 60})
    assert api.refresh(grant["refresh_token"])["data"]["error_code"] == 0
    api.control("clock", {"advance": 61})
    assert_oauth_error(api.refresh(grant["refresh_token"]), 10010, "refresh_token 过期或无效，请重新授权")
    assert_oauth_error(api.renew(grant["refresh_token"]), 10010, "refresh_token 过期或无效，请重新授权")


def test_refresh_token_renews_at_most_five_times(api):
    api.author()
    token = api.grant()["refresh_token"]
    for _ in range(5):
        body = api.renew(token)
        assert set(body["data"]) == {"refresh_token", "expires_in", "error_code", "description"}
        assert (body["data"]["expires_in"], body["data"]["error_code"], body["message"]) == (2592000, 0, "success")
        assert body["data"]["refresh_token"] != token
        assert_oauth_error(api.refresh(token), 10010, "refresh_token 过期或无效，请重新授权")  # the old one is gone
        token = body["data"]["refresh_token"]
        assert api.refresh(token)["data"]["error_code"] == 0
    assert_oauth_error(api.renew(token), 10020, "超过 refresh_token 刷新次数限制，请重新授权")
    assert api.renew(api.grant()["refresh_token"])["data"]["error_code"] == 0  # a new grant starts again


def test_a_renewed_refresh_token_lives_thirty_days_from_the_renewal(api):
    api.author()
    token = api.grant()["refresh_token"]
    api.control("clock", {"advance": 20 * DAY})
    renewed = api.renew(token)["data"]["refresh_token"]
    api.control("clock", {"advance": 20 * DAY})
    assert api.refresh(renewed)["data"]["error_code"] == 0


def test_userinfo(api):
    api.control("users", {"open_id": "ou_a", "nickname": "作者甲", "union_id": "un_a"})
    grant = api.grant()
    body = api.userinfo(grant["access_token"], "ou_a")
    assert re.fullmatch(r"[0-9]{14}[0-9A-F]{20}", body["log_id"])
    assert body == {"err_no": 0, "err_msg": "", "log_id": body["log_id"],
                    "data": {"open_id": "ou_a", "union_id": "un_a", "nickname": "作者甲",
                             "avatar": f"{api.url}/assets/avatar/ou_a.svg", "error_code": "0", "description": "",
                             "log_id": body["log_id"]}}
    api.control("modes", {"userinfo_envelope": "old"})
    assert api.userinfo(grant["access_token"], "ou_a") == {
        "data": {"open_id": "ou_a", "union_id": "un_a", "nickname": "作者甲",
                 "avatar": f"{api.url}/assets/avatar/ou_a.svg", "error_code": 0, "description": ""},
        "message": "success"}


def test_userinfo_errors(api):
    api.author()
    api.author("ou_b", "作者乙")
    token = api.grant()["access_token"]
    no_info = api.grant(scopes=["video.list.bind"])["access_token"]
    # The newer envelope (the default) with the newer codes.
    assert_new_userinfo_error(api.userinfo(token, "ou_b"), 28001003, "access_token 无效")
    assert_new_userinfo_error(api.userinfo("act.nope", "ou_a"), 28001003, "access_token 无效")
    assert_new_userinfo_error(api.userinfo(no_info, "ou_a"), 28001012, "权限不足：未获得 user_info 授权")
    assert_new_userinfo_error(api.userinfo(token, ""), 10002, "参数错误：需要 access_token 和 open_id")
    # The older one with the older codes.
    api.control("modes", {"userinfo_envelope": "old"})
    assert_oauth_error(api.userinfo(token, "ou_b"), 2190002, "access_token 无效")
    assert_oauth_error(api.userinfo(no_info, "ou_a"), 10004, "权限不足：未获得 user_info 授权")
    api.control("clock", {"advance": 1296000})
    assert_oauth_error(api.userinfo(token, "ou_a"), 2190008, "access_token 过期")
    api.control("modes", {"userinfo_envelope": "new"})
    assert_new_userinfo_error(api.userinfo(token, "ou_a"), 28001008, "access_token 过期")


def test_tokens_control_route_mints_a_grant(api):
    api.author()
    data = api.control("tokens", {"open_id": "ou_a", "scopes": "video.list.bind"})
    assert (data["open_id"], data["scope"], data["expires_in"]) == ("ou_a", "video.list.bind", 1296000)
    assert api.video_list(data["access_token"])["data"]["error_code"] == 0


# -- video endpoints -------------------------------------------------------------------------------

def _three_videos_and_others(api):
    api.author()
    api.author("ou_b", "作者乙")
    api.video(vid(T0, 1), create_time=T0, digg_count=200, comment_count=100, share_count=10, play_count=300)
    api.video(vid(T0 + DAY, 2), create_time=T0 + DAY)
    api.video(vid(T0 + 2 * DAY, 3), create_time=T0 + 2 * DAY)
    api.video(vid(T0 + 3 * DAY, 4), create_time=T0 + 3 * DAY, public=False)
    api.video(vid(T0 + 4 * DAY, 5), create_time=T0 + 4 * DAY, deleted=True)
    api.video(vid(T0 + 5 * DAY, 6), open_id="ou_b", create_time=T0 + 5 * DAY)


def test_video_list_pages_through_the_users_videos_newest_first(api):
    _three_videos_and_others(api)
    token = api.grant()["access_token"]
    first = api.video_list(token, count=2)
    # Every video not deleted, the private one too (with its status): the site decides what counts.
    assert [(v["video_id"], v["video_status"]) for v in first["data"]["list"]] == [
        (vid(T0 + 3 * DAY, 4), 7), (vid(T0 + 2 * DAY, 3), 1)]
    assert (first["data"]["cursor"], first["data"]["has_more"], first["data"]["error_code"],
            first["data"]["description"]) == (2, True, 0, "")
    assert set(first["extra"]) == EXTRA_KEYS and first["extra"]["error_code"] == 0
    second = api.video_list(token, count=2, cursor=2)
    assert [v["video_id"] for v in second["data"]["list"]] == [vid(T0 + DAY, 2), vid(T0, 1)]
    assert (second["data"]["cursor"], second["data"]["has_more"]) == (4, False)
    item_id = api.get("/__sandbox__/state").json()["videos"][0]["item_id"]
    assert second["data"]["list"][1] == {
        "item_id": item_id, "video_id": vid(T0, 1), "title": f"视频{vid(T0, 1)} #动力株洲文旅通 @株洲足迹",
        "create_time": T0, "cover": f"{api.url}/assets/cover/{vid(T0, 1)}.svg",
        "share_url": f"https://www.iesdouyin.com/share/video/{vid(T0, 1)}/", "is_top": False, "is_reviewed": True,
        "video_status": 1, "media_type": 4,
        "statistics": {"digg_count": 200, "comment_count": 100, "share_count": 10, "play_count": 300,
                       "download_count": 0, "forward_count": 0},
    }


def test_video_list_count_is_capped_at_twenty(api):
    api.author()
    for n in range(22):
        api.video(vid(T0 + n, n), create_time=T0 + n)
    token = api.grant()["access_token"]
    page = api.video_list(token, count=50)["data"]
    assert (len(page["list"]), page["cursor"], page["has_more"]) == (20, 20, True)
    assert len(api.video_list(token)["data"]["list"]) == 10  # default count


def test_video_endpoints_check_the_token(api):
    _three_videos_and_others(api)
    token = api.grant()["access_token"]
    list_only = api.grant(scopes=["video.list.bind"])["access_token"]
    data_only = api.grant(scopes=["video.data.bind"])["access_token"]
    body = {"video_ids": [vid(T0, 1)]}
    assert_video_error(api.video_list(None), 28001003, "access_token 无效")
    assert_video_error(api.video_list("act.forged"), 28001003, "access_token 无效")
    assert_video_error(api.video_data("act.forged", body=body), 28001003, "access_token 无效")
    assert_video_error(api.video_list(token, open_id=None), 2100005, "参数不合法：缺少 open_id")
    assert_video_error(api.video_list(token, open_id="ou_b"), 28001015, "access_token 与 open_id 不匹配")
    assert_video_error(api.video_data(token, open_id="ou_b", body=body), 28001015, "access_token 与 open_id 不匹配")
    assert_video_error(api.video_list(data_only), 28001012, "用户未授权 video.list.bind")
    assert_video_error(api.video_data(list_only, body=body), 28001012, "用户未授权 video.data.bind")
    assert_video_error(api.video_list(token, cursor="x"), 2100005, "参数不合法：cursor")
    assert api.video_list(list_only)["data"]["error_code"] == 0
    assert api.video_data(data_only, body=body)["data"]["error_code"] == 0


def test_video_tokens_expire_after_fifteen_days_of_sandbox_clock(api):
    api.author()
    token = api.grant()["access_token"]
    api.control("clock", {"advance": 1296000 - 60})
    assert api.video_list(token)["data"]["error_code"] == 0
    api.control("clock", {"advance": 61})
    expired = api.video_list(token)
    assert_video_error(expired, 28001008, "access_token 过期")
    assert abs(expired["extra"]["now"] - api.now() * 1000) < 3000
    assert_video_error(api.video_data(token, body={"video_ids": []}), 28001008, "access_token 过期")


def test_video_data_answers_only_the_users_visible_videos(api):
    _three_videos_and_others(api)
    token = api.grant()["access_token"]
    ids = [vid(T0 + 3 * DAY, 4), vid(T0, 1), vid(T0 + 4 * DAY, 5), vid(T0 + 5 * DAY, 6), "123", vid(T0, 1)]
    body = api.video_data(token, body={"video_ids": ids})
    assert (body["data"]["error_code"], body["data"]["description"], body["extra"]["error_code"]) == (0, "", 0)
    found = body["data"]["list"]
    assert [v["video_id"] for v in found] == [vid(T0 + 3 * DAY, 4), vid(T0, 1)]
    assert (found[0]["create_time"], found[0]["video_status"]) == (0, 7)  # private
    assert (found[1]["create_time"], found[1]["video_status"]) == (T0, 1)
    assert found[1]["statistics"]["digg_count"] == 200


def test_video_data_by_item_ids_which_win_over_video_ids(api):
    _three_videos_and_others(api)
    token = api.grant()["access_token"]
    items = {v["video_id"]: v["item_id"] for v in api.get("/__sandbox__/state").json()["videos"]}
    body = api.video_data(token, body={"item_ids": [items[vid(T0 + DAY, 2)], "@forged", 7],
                                       "video_ids": [vid(T0, 1)]})
    assert [(v["video_id"], v["item_id"]) for v in body["data"]["list"]] == [
        (vid(T0 + DAY, 2), items[vid(T0 + DAY, 2)])]


@pytest.mark.parametrize("body", [None, [1], {"ids": ["1"]}, {"video_ids": "1"}])
def test_video_data_refuses_a_malformed_body(api, body):
    api.author()
    token = api.grant()["access_token"]
    description = ("参数不合法：请求体应为 JSON 对象" if not isinstance(body, dict)
                   else "参数不合法：需要 video_ids 或 item_ids")
    assert_video_error(api.video_data(token, body=body), 2100005, description)


def test_visibility_changes_what_the_platform_answers(api):
    api.author()
    api.video(vid(T0, 1))
    token = api.grant()["access_token"]
    assert api.control(f"videos/{vid(T0, 1)}/visibility", {"public": False})["video"]["public"] is False
    assert [v["video_status"] for v in api.video_list(token)["data"]["list"]] == [7]
    assert api.video_data(token, body={"video_ids": [vid(T0, 1)]})["data"]["list"][0]["create_time"] == 0
    assert iframe_error(api.iframe(video_id=vid(T0, 1))) == (28001007, "参数不合法：视频不存在或不可见")
    api.control(f"videos/{vid(T0, 1)}/visibility", {"public": True})
    assert [v["video_id"] for v in api.video_list(token)["data"]["list"]] == [vid(T0, 1)]
    api.control(f"videos/{vid(T0, 1)}/visibility", {"deleted": True})
    assert api.video_data(token, body={"video_ids": [vid(T0, 1)]})["data"]["list"] == []
    assert api.video_list(token)["data"]["list"] == []


def test_get_iframe_by_video(api):
    api.author()
    api.video(vid(T0, 1), title="株洲的早晨 #动力株洲文旅通 @株洲足迹")
    body = api.iframe(video_id=vid(T0, 1))
    assert set(body) == {"data", "err_no", "err_msg", "log_id"}
    assert (body["err_no"], body["err_msg"]) == (0, "")
    assert re.fullmatch(r"[0-9]{14}[0-9A-F]{20}", body["log_id"])
    src = f"https://open.douyin.com/player/video?vid={vid(T0, 1)}&autoplay=0"
    assert body["data"] == {
        "iframe_code": f'<iframe width="720" height="1280" frameborder="0" src="{src}" '
                       f'referrerpolicy="unsafe-url" allowfullscreen></iframe>',
        "video_title": "株洲的早晨 #动力株洲文旅通 @株洲足迹", "video_width": 720, "video_height": 1280}
    item_id = api.get("/__sandbox__/state").json()["videos"][0]["item_id"]
    assert api.iframe(item_id=item_id)["data"]["video_title"] == "株洲的早晨 #动力株洲文旅通 @株洲足迹"


def test_get_iframe_by_video_for_missing_private_or_deleted_videos(api):
    api.author()
    api.video(vid(T0, 2), public=False)
    api.video(vid(T0, 3))
    api.control(f"videos/{vid(T0, 3)}/visibility", {"deleted": True})
    for video_id in (vid(T0, 1), vid(T0, 2), vid(T0, 3), "abc"):
        assert iframe_error(api.iframe(video_id=video_id)) == (28001007, "参数不合法：视频不存在或不可见")
    assert iframe_error(api.iframe()) == (2100005, "参数不合法：缺少 video_id")


# -- faults -------------------------------------------------------------------------------------------

def _world_for_every_endpoint(api) -> dict:
    api.author()
    api.video(vid(T0, 1))
    api.control("shortlinks", {"code": "fault01", "video_id": vid(T0, 1)})
    grant = api.grant()
    return grant


CALLS = {
    "shortlink": lambda api, g: api.get("/v/fault01/"),
    "share_page": lambda api, g: api.get(f"/iesdouyin/share/video/{vid(T0, 1)}/"),
    "get_iframe_by_video": lambda api, g: api.get("/open/api/douyin/v1/video/get_iframe_by_video",
                                                  params={"video_id": vid(T0, 1)}),
    "access_token": lambda api, g: api.post("/open/oauth/access_token/", data={
        "client_key": SANDBOX_CLIENT_KEY, "client_secret": SANDBOX_CLIENT_SECRET, "code": api.code(),
        "grant_type": "authorization_code"}),
    "refresh_token": lambda api, g: api.post("/open/oauth/refresh_token/", data={
        "client_key": SANDBOX_CLIENT_KEY, "grant_type": "refresh_token", "refresh_token": g["refresh_token"]}),
    "renew_refresh_token": lambda api, g: api.post("/open/oauth/renew_refresh_token/", data={
        "client_key": SANDBOX_CLIENT_KEY, "refresh_token": g["refresh_token"]}),
    "userinfo": lambda api, g: api.post("/open/oauth/userinfo/", data={
        "access_token": g["access_token"], "open_id": "ou_a"}),
    "video_list": lambda api, g: api.get("/open/api/douyin/v1/video/video_list/", params={"open_id": "ou_a"},
                                         headers={"access-token": g["access_token"]}),
    "video_data": lambda api, g: api.post("/open/api/douyin/v1/video/video_data/", params={"open_id": "ou_a"},
                                          headers={"access-token": g["access_token"]},
                                          json={"video_ids": [vid(T0, 1)]}),
}
NORMAL_STATUS = {"shortlink": 302}


def test_every_fault_endpoint_has_a_call():
    from contest.douyin.sandbox.state import ENDPOINTS
    assert sorted(CALLS) == sorted(ENDPOINTS)


@pytest.mark.parametrize("endpoint", sorted(CALLS))
def test_http_500_fault_on_every_endpoint(api, endpoint):
    grant = _world_for_every_endpoint(api)
    assert api.control("faults", {"endpoint": endpoint, "kind": "http_500"}) == {
        "fault": {"endpoint": endpoint, "kind": "http_500", "times": 1}, "pending": 1}
    failed = CALLS[endpoint](api, grant)
    assert (failed.status_code, failed.headers["Content-Type"]) == (500, "text/html; charset=utf-8")
    assert "500 Internal Server Error" in failed.text
    assert CALLS[endpoint](api, grant).status_code == NORMAL_STATUS.get(endpoint, 200)


@pytest.mark.parametrize("endpoint", sorted(CALLS))
def test_bad_json_fault_on_every_endpoint(api, endpoint):
    grant = _world_for_every_endpoint(api)
    api.control("faults", {"endpoint": endpoint, "kind": "bad_json"})
    failed = CALLS[endpoint](api, grant)
    assert (failed.status_code, failed.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    with pytest.raises(ValueError):
        failed.json()
    assert CALLS[endpoint](api, grant).status_code == NORMAL_STATUS.get(endpoint, 200)


@pytest.mark.parametrize("endpoint", sorted(CALLS))
def test_error_code_fault_answers_in_the_endpoints_own_envelope(api, endpoint):
    grant = _world_for_every_endpoint(api)
    api.control("faults", {"endpoint": endpoint, "kind": "error_code", "code": 28001005})
    failed = CALLS[endpoint](api, grant)
    assert failed.status_code == 200
    body = failed.json()
    if endpoint in {"video_list", "video_data"}:
        assert_video_error(body, 28001005, "沙盒注入的故障")
    elif endpoint in {"access_token", "refresh_token", "renew_refresh_token"}:
        assert_oauth_error(body, 28001005, "沙盒注入的故障")
    elif endpoint == "userinfo":
        assert_new_userinfo_error(body, 28001005, "沙盒注入的故障")
    elif endpoint == "get_iframe_by_video":
        assert iframe_error(body) == (28001005, "沙盒注入的故障")
    else:
        assert body == {"status_code": 28001005, "status_msg": "沙盒注入的故障"}
    assert CALLS[endpoint](api, grant).status_code == NORMAL_STATUS.get(endpoint, 200)


def test_timeout_fault_answers_late_then_normally(api):
    grant = _world_for_every_endpoint(api)
    api.control("faults", {"endpoint": "video_list", "kind": "timeout", "seconds": 0.4})
    started = time.monotonic()
    slow = CALLS["video_list"](api, grant)
    assert time.monotonic() - started >= 0.4
    assert [v["video_id"] for v in slow.json()["data"]["list"]] == [vid(T0, 1)]
    started = time.monotonic()
    CALLS["video_list"](api, grant)
    assert time.monotonic() - started < 0.4


def test_timeout_fault_defaults_to_ten_seconds(api):
    assert api.control("faults", {"endpoint": "shortlink", "kind": "timeout"}) == {
        "fault": {"endpoint": "shortlink", "kind": "timeout", "times": 1, "seconds": 10.0}, "pending": 1}
    assert api.get("/__sandbox__/state").json()["faults"] == [
        {"endpoint": "shortlink", "kind": "timeout", "times": 1, "seconds": 10.0}]


def test_faults_fire_times_times_and_queue_in_order(api):
    grant = _world_for_every_endpoint(api)
    api.control("faults", {"endpoint": "get_iframe_by_video", "kind": "error_code", "code": 28001052, "times": 2})
    api.control("faults", {"endpoint": "get_iframe_by_video", "kind": "http_500"})
    assert api.control("faults", {"endpoint": "get_iframe_by_video", "kind": "bad_json"})["pending"] == 3
    api.control("faults", {"endpoint": "video_list", "kind": "http_500"})
    seen = []
    for _ in range(5):
        response = CALLS["get_iframe_by_video"](api, grant)
        kind = response.headers["Content-Type"].split(";")[0]
        seen.append((response.status_code, kind,
                     response.json()["err_no"] if kind == "application/json" else None))
    assert seen == [(200, "application/json", 28001052), (200, "application/json", 28001052),
                    (500, "text/html", None), (200, "text/html", None), (200, "application/json", 0)]
    assert api.get("/__sandbox__/state").json()["faults"] == [
        {"endpoint": "video_list", "kind": "http_500", "times": 1}]


# -- rate limit -----------------------------------------------------------------------------------------

def test_rate_limit_per_rolling_second(api):
    grant = _world_for_every_endpoint(api)
    assert api.control("rate-limit", {"endpoint": "video_data", "per_second": 2}) == {
        "endpoint": "video_data", "per_second": 2}
    answers = [CALLS["video_data"](api, grant).json() for _ in range(3)]
    assert [a["data"]["error_code"] for a in answers[:2]] == [0, 0]
    assert_video_error(answers[2], 28003018, "请求频率过高，请稍后再试")
    assert CALLS["video_list"](api, grant).json()["data"]["error_code"] == 0  # other endpoints unaffected
    time.sleep(1.05)
    assert CALLS["video_data"](api, grant).json()["data"]["error_code"] == 0
    api.control("rate-limit", {"endpoint": "video_data", "per_second": 0})
    assert [CALLS["video_data"](api, grant).json()["data"]["error_code"] for _ in range(4)] == [0, 0, 0, 0]


def test_rate_limit_on_get_iframe_by_video_uses_its_envelope(api):
    grant = _world_for_every_endpoint(api)
    api.control("rate-limit", {"endpoint": "get_iframe_by_video", "per_second": 1})
    assert CALLS["get_iframe_by_video"](api, grant).json()["err_no"] == 0
    assert iframe_error(CALLS["get_iframe_by_video"](api, grant).json()) == (28003018, "请求频率过高，请稍后再试")


# -- request log and cookies ---------------------------------------------------------------------------------

def test_log_records_every_platform_request_in_order(api):
    grant = _world_for_every_endpoint(api)  # one authorize (auto_consent) and one access_token exchange
    api.set_clock(T0)
    for endpoint in ("shortlink", "get_iframe_by_video", "video_data", "share_page"):
        CALLS[endpoint](api, grant)
    entries = api.log()
    assert [(e["endpoint"], e["method"], e["path"]) for e in entries] == [
        ("authorize", "GET", "/open/platform/oauth/connect/"),
        ("access_token", "POST", "/open/oauth/access_token/"),
        ("shortlink", "GET", "/v/fault01/"),
        ("get_iframe_by_video", "GET", "/open/api/douyin/v1/video/get_iframe_by_video"),
        ("video_data", "POST", "/open/api/douyin/v1/video/video_data/"),
        ("share_page", "GET", f"/iesdouyin/share/video/{vid(T0, 1)}/"),
    ]
    assert all(set(e) == {"endpoint", "method", "path", "at"} for e in entries)
    assert all(T0 <= e["at"] <= T0 + 2 for e in entries[2:])


def test_no_response_ever_sets_a_cookie(api):
    grant = _world_for_every_endpoint(api)
    responses = [call(api, grant) for call in CALLS.values()]
    responses += [
        api.get(api.authorize_path()),
        api.post("/open/platform/oauth/connect/", data=_form(open_id="ou_a", scopes=ALL_SCOPES, decision="allow")),
        api.post("/open/platform/oauth/connect/", data=_form(decision="deny")),
        api.get(api.authorize_path(client_key="x")),
        api.get("/v/nothing1"),
        api.get("/nowhere"),
        api.get(f"/assets/cover/{vid(T0, 1)}.svg"),
        api.get("/__sandbox__/state"),
        api.get("/__sandbox__/log"),
        api.post("/__sandbox__/clock", json={"advance": 1}),
        api.post("/__sandbox__/videos", json={"video_id": 1}),
    ]
    api.control("faults", {"endpoint": "video_list", "kind": "http_500"})
    responses.append(CALLS["video_list"](api, grant))
    assert len(responses) == 21
    assert [r for r in responses if "Set-Cookie" in r.headers] == []


# -- the real platform's unkind answers, switched through the control API (docs/douyin.md) ----------

@pytest.mark.parametrize(("path", "payload", "message"), [
    ("app", {}, 'give "scopes" and/or "renew_permission"'),
    ("app", {"scopes": "user_info"}, '"scopes" must be a list of scope names'),
    ("app", {"renew_permission": "no"}, '"renew_permission" must be true or false'),
    ("modes", {}, "give at least one of userinfo_envelope, video_objects"),
    ("modes", {"colour": "red"}, "unknown mode 'colour': one of userinfo_envelope, video_objects"),
    ("modes", {"video_objects": "none"}, '"video_objects" must be one of full, item_id_only, item_id_only_bare'),
    ("capabilities", {"endpoint": "video_list"}, '"retired" (true or false) is required'),
    ("capabilities", {"endpoint": "nope", "retired": True}, '"endpoint" must be one of ' + ", ".join([
        "shortlink", "share_page", "get_iframe_by_video", "access_token", "refresh_token", "renew_refresh_token",
        "userinfo", "video_list", "video_data"])),
    ("quota", {"endpoint": "video_data"}, '"limit" (calls a day, or null) is required'),
    ("quota", {"endpoint": "video_data", "limit": 1, "code": 28003018}, '"code" must be 28003017 or the old 2190001'),
    ("users/bad id!/revoke", {}, "the open_id in the path must be 1 to 64 of A-Z a-z 0-9 _ . : -"),
    ("users/ou_nobody/revoke", {}, "unknown open_id 'ou_nobody'"),
    ("videos", {"open_id": "ou_a", "title": "t", "public": True, "video_status": 6}, '"public" contradicts "video_status"'),
])
def test_the_platform_modes_refuse_bad_input(api, path, payload, message):
    api.author()
    assert api.refused(path, payload) == {"error": message}


def test_every_video_status_is_answered_as_set(api):
    api.author()
    token = api.grant()["access_token"]
    for n, status in enumerate((1, 2, 4, 5, 6, 7), start=1):
        api.video(vid(T0, n), public=None, video_status=status)
    found = api.video_data(token, body={"video_ids": [vid(T0, n) for n in range(1, 7)]})["data"]["list"]
    # Only a private video hides its create_time; under review is not yet reviewed.
    assert [(v["video_status"], v["create_time"], v["is_reviewed"]) for v in found] == [
        (1, T0, True), (2, T0, True), (4, T0, False), (5, T0, True), (6, T0, True), (7, 0, True)]
    shown = [n for n in range(1, 7) if api.iframe(video_id=vid(T0, n))["err_no"] == 0]
    assert shown == [1, 4]  # statuses 1 and 5: the only public ones
    assert api.get(f"/iesdouyin/share/video/{vid(T0, 6)}/").status_code == 404


@pytest.mark.parametrize("mode", ["item_id_only", "item_id_only_bare"])
def test_video_objects_with_item_id_only(api, mode):
    api.author()
    api.video(vid(T0, 1))
    token = api.grant()["access_token"]
    api.control("modes", {"video_objects": mode})
    (listed,) = api.video_list(token)["data"]["list"]
    (found,) = api.video_data(token, body={"video_ids": [vid(T0, 1)]})["data"]["list"]
    for video in (listed, found):
        assert "video_id" not in video and video["item_id"].startswith("@")
    if mode == "item_id_only":
        assert found["share_url"] == f"https://www.iesdouyin.com/share/video/{vid(T0, 1)}/"
    else:
        assert re.fullmatch(r"https://v\.douyin\.com/[A-Za-z0-9_-]{11}/", found["share_url"])


def test_revoking_invalidates_every_token_of_the_user_at_once(api):
    api.author()
    api.author("ou_b", "作者乙")
    grant, other = api.grant(), api.grant("ou_b")
    assert api.control("users/ou_a/revoke") == {"open_id": "ou_a",
                                                "revoked": {"access_tokens": 1, "refresh_tokens": 1}}
    assert_video_error(api.video_list(grant["access_token"]), 28001003, "access_token 无效")
    assert_oauth_error(api.refresh(grant["refresh_token"]), 10010, "refresh_token 过期或无效，请重新授权")
    assert api.video_list(other["access_token"], open_id="ou_b")["data"]["error_code"] == 0


def test_without_the_renew_permission_renewing_answers_10004(api):
    api.author()
    grant = api.grant()
    api.control("app", {"renew_permission": False})
    assert_oauth_error(api.renew(grant["refresh_token"]), 10004, "权限不足")
    assert api.refresh(grant["refresh_token"])["data"]["error_code"] == 0  # refreshing still works
    api.control("app", {"renew_permission": True})
    assert api.renew(grant["refresh_token"])["data"]["error_code"] == 0


def test_a_retired_capability_answers_28001056_on_every_call(api):
    api.author()
    token = api.grant()["access_token"]
    assert api.control("capabilities", {"endpoint": "video_list", "retired": True}) == {
        "endpoint": "video_list", "retired": True, "code": 28001056}
    for _ in range(2):
        assert_video_error(api.video_list(token), 28001056, "该能力API已下线,不再支持调用")
    assert api.video_data(token, body={"video_ids": []})["data"]["error_code"] == 0
    api.control("capabilities", {"endpoint": "video_list", "retired": False})
    assert api.video_list(token)["data"]["error_code"] == 0


@pytest.mark.parametrize("code", [28003017, 2190001])
def test_a_quota_counts_calls_per_beijing_day(api, code):
    api.author()
    token = api.grant()["access_token"]
    api.set_clock(T0)  # 16:00 in Beijing
    api.control("quota", {"endpoint": "video_list", "limit": 2, "code": code})
    assert [api.video_list(token)["data"]["error_code"] for _ in range(3)] == [0, 0, code]
    assert_video_error(api.video_list(token), code, "quota 已用完")
    api.set_clock(T0 + 8 * 3600)  # Beijing midnight: a new day
    assert api.video_list(token)["data"]["error_code"] == 0
    api.control("quota", {"endpoint": "video_list", "limit": None})
    assert api.get("/__sandbox__/state").json()["quota"] == {}


@pytest.mark.parametrize(("kind", "status"), [("risk", 200), ("forbidden", 403)])
def test_short_links_that_do_not_redirect(api, kind, status):
    api.control("shortlinks", {"code": "block01", "kind": kind})
    response = api.get("/v/block01/")
    assert (response.status_code, "Location" in response.headers) == (status, False)


def test_jx_short_links_live_under_their_own_host(api):
    api.author()
    api.video(vid(T0, 1))
    api.control("shortlinks", {"code": "vcode01", "video_id": vid(T0, 1)})
    api.control("shortlinks", {"code": "jxcode01", "host": "jx", "location": "https://v.douyin.com/vcode01/"})
    assert api.get("/jx/jxcode01/").headers["Location"] == "https://v.douyin.com/vcode01/"
    assert api.get("/v/jxcode01/").headers["Location"] == "https://www.douyin.com/"  # a different host's code
    assert api.get("/v/vcode01/").headers["Location"].startswith(f"https://www.iesdouyin.com/share/video/{vid(T0, 1)}/")
