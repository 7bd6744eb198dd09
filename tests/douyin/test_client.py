"""DouyinClient against the live sandbox: short links, embed info, every fault kind, and refusals."""

from __future__ import annotations

import re

import pytest
import requests

from contest.domain.errors import PlatformError, TokenRejected, VideoGoneError
from contest.domain.errors import QuotaExhausted as DomainQuotaExhausted
from contest.domain.links import LEFT_DOUYIN, LINK_EXPIRED, Link, LinkProblem, parse_redirect
from contest.douyin.client import (
    AccessTokenRejected, AccountUnavailable, DouyinClient, DouyinError, EmbedInfo, QuotaExhausted, VideoUnavailable,
)
from contest.douyin.gateway import translate

T0 = 1592467200  # 2020-06-18 08:00:00 UTC
VIDEO_ID = str((T0 << 32) | 7)
PRIVATE_ID = str((T0 << 32) | 8)
TITLE = "株洲的早晨 #动力株洲文旅通 @株洲足迹"
CLIENT_TIMEOUT = 0.3


@pytest.fixture
def douyin(sandbox):
    client = DouyinClient(open_base=sandbox.url + "/open", shortlink_base=sandbox.url + "/v",
                          share_base=sandbox.url + "/iesdouyin", timeout=CLIENT_TIMEOUT)
    yield client
    client.http.close()


@pytest.fixture
def platform_videos(sandbox):
    sandbox.control("users", {"open_id": "ou_a", "nickname": "作者甲"})
    sandbox.control("videos", {"video_id": VIDEO_ID, "open_id": "ou_a", "title": TITLE, "create_time": T0,
                               "digg_count": 3, "public": True})
    sandbox.control("videos", {"video_id": PRIVATE_ID, "open_id": "ou_a", "title": "私密", "create_time": T0,
                               "digg_count": 0, "public": False})
    sandbox.control("shortlinks", {"code": "L5pbfdP", "video_id": VIDEO_ID})
    for code, kind in (("note01", "note"), ("user01", "user"), ("live01", "live"), ("gone01", "expired")):
        sandbox.control("shortlinks", {"code": code, "kind": kind})
    sandbox.control("shortlinks", {"code": "away01", "location": "http://169.254.169.254/latest/meta-data/"})
    return sandbox


def _get_json(url: str) -> dict:
    with requests.Session() as http:
        http.trust_env = False
        return http.get(url, timeout=5).json()


def logged(sandbox) -> list[tuple[str, str, str]]:
    entries = _get_json(f"{sandbox.url}/__sandbox__/log")["requests"]
    return [(e["endpoint"], e["method"], e["path"]) for e in entries]


# -- short links ----------------------------------------------------------------------

def test_resolve_short_link_to_a_video(douyin, platform_videos):
    location = douyin.resolve_short_link("L5pbfdP")
    assert location.startswith(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}/?region=CN&mid=")
    assert parse_redirect(location, douyin.share_base) == Link("video", video_id=VIDEO_ID)
    assert logged(platform_videos) == [("shortlink", "GET", "/v/L5pbfdP/")]


@pytest.mark.parametrize(("code", "kind"), [("note01", "note"), ("user01", "user"), ("live01", "live")])
def test_resolve_short_links_that_are_not_videos(douyin, platform_videos, code, kind):
    assert parse_redirect(douyin.resolve_short_link(code), douyin.share_base) == Link(kind)


@pytest.mark.parametrize("code", ["gone01", "unknown99"])
def test_expired_or_unknown_short_links_land_on_the_home_page(douyin, platform_videos, code):
    location = douyin.resolve_short_link(code)
    assert location == "https://www.douyin.com/"
    with pytest.raises(LinkProblem) as caught:
        parse_redirect(location, douyin.share_base)
    assert caught.value.problem.code == LINK_EXPIRED[0]


def test_a_short_link_leaving_douyin_is_reported_and_never_followed(douyin, platform_videos):
    location = douyin.resolve_short_link("away01")
    assert location == "http://169.254.169.254/latest/meta-data/"
    with pytest.raises(LinkProblem) as caught:
        parse_redirect(location, douyin.share_base)
    assert (caught.value.problem.code, caught.value.problem.message) == LEFT_DOUYIN
    assert logged(platform_videos) == [("shortlink", "GET", "/v/away01/")]


def test_share_url(douyin, sandbox):
    assert douyin.share_url(VIDEO_ID) == f"{sandbox.url}/iesdouyin/share/video/{VIDEO_ID}/"


# -- embed info ---------------------------------------------------------------------------

def test_embed_info_of_a_public_video(douyin, platform_videos):
    src = f"https://open.douyin.com/player/video?vid={VIDEO_ID}&autoplay=0"
    assert douyin.embed_info(VIDEO_ID) == EmbedInfo(
        video_id=VIDEO_ID, title=TITLE,
        iframe_code=f'<iframe width="720" height="1280" frameborder="0" src="{src}" '
                    f'referrerpolicy="unsafe-url" allowfullscreen></iframe>',
        width=720, height=1280)
    assert logged(platform_videos) == [("get_iframe_by_video", "GET", "/open/api/douyin/v1/video/get_iframe_by_video")]


@pytest.mark.parametrize("video_id", [PRIVATE_ID, str((T0 << 32) | 99)])
def test_embed_info_of_a_private_or_missing_video_is_unavailable(douyin, platform_videos, video_id):
    with pytest.raises(VideoUnavailable) as caught:
        douyin.embed_info(video_id)
    assert (caught.value.kind, caught.value.code, caught.value.description) == (
        "platform", 28001007, "参数不合法：视频不存在或不可见")
    assert isinstance(translate(caught.value), VideoGoneError)
    assert caught.value.logid  # get_iframe_by_video's log_id is kept


def test_embed_info_of_a_deleted_video_is_unavailable(douyin, platform_videos):
    platform_videos.control(f"videos/{VIDEO_ID}/visibility", {"deleted": True})
    with pytest.raises(VideoUnavailable) as caught:
        douyin.embed_info(VIDEO_ID)
    assert caught.value.code == 28001007


# -- faults mapped to DouyinError.kind ----------------------------------------------------------

def _fault(sandbox, endpoint: str, kind: str, **extra) -> None:
    sandbox.control("faults", {"endpoint": endpoint, "kind": kind, **extra})


def test_embed_info_timeout(douyin, platform_videos):
    _fault(platform_videos, "get_iframe_by_video", "timeout", seconds=1.0)
    with pytest.raises(DouyinError) as caught:
        douyin.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code) == ("timeout", None)
    assert douyin.embed_info(VIDEO_ID).title == TITLE  # the fault fired once


def test_embed_info_http_500(douyin, platform_videos):
    _fault(platform_videos, "get_iframe_by_video", "http_500")
    with pytest.raises(DouyinError) as caught:
        douyin.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code, caught.value.description) == (
        "http", 500, "INTERNAL SERVER ERROR")
    assert not isinstance(caught.value, VideoUnavailable)


def test_embed_info_bad_json(douyin, platform_videos):
    _fault(platform_videos, "get_iframe_by_video", "bad_json", times=2)
    for _ in range(2):
        with pytest.raises(DouyinError) as caught:
            douyin.embed_info(VIDEO_ID)
        assert (caught.value.kind, caught.value.code, caught.value.description) == (
            "bad_json", 200, "response is not JSON")
    assert douyin.embed_info(VIDEO_ID).video_id == VIDEO_ID


def test_embed_info_platform_error_keeps_the_code(douyin, platform_videos):
    _fault(platform_videos, "get_iframe_by_video", "error_code", code=28001052)
    with pytest.raises(DouyinError) as caught:
        douyin.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code, caught.value.description) == (
        "platform", 28001052, "沙盒注入的故障")
    assert not isinstance(caught.value, VideoUnavailable)
    assert type(translate(caught.value)) is PlatformError


@pytest.mark.parametrize("code", [28001045, 28001046, 28001047])
def test_embed_info_banned_or_private_author_codes_mean_unavailable(douyin, platform_videos, code):
    _fault(platform_videos, "get_iframe_by_video", "error_code", code=code)
    with pytest.raises(AccountUnavailable) as caught:
        douyin.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code) == ("platform", code)


@pytest.mark.parametrize(("code", "cls", "domain"), [
    (2190001, QuotaExhausted, DomainQuotaExhausted),   # the old quota code: nothing to do with the video
    (28003017, QuotaExhausted, DomainQuotaExhausted),
    (10008, AccessTokenRejected, TokenRejected),        # the old code of an expired token
])
def test_embed_info_quota_and_token_codes_never_mean_the_video_is_gone(douyin, platform_videos, code, cls, domain):
    _fault(platform_videos, "get_iframe_by_video", "error_code", code=code)
    with pytest.raises(cls) as caught:
        douyin.embed_info(VIDEO_ID)
    assert not isinstance(caught.value, VideoUnavailable)
    assert type(translate(caught.value)) is domain


def test_embed_info_rate_limited(douyin, platform_videos):
    platform_videos.control("rate-limit", {"endpoint": "get_iframe_by_video", "per_second": 1})
    douyin.embed_info(VIDEO_ID)
    with pytest.raises(DouyinError) as caught:
        douyin.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code) == ("platform", 28003018)


def test_short_link_timeout(douyin, platform_videos):
    _fault(platform_videos, "shortlink", "timeout", seconds=1.0)
    with pytest.raises(DouyinError) as caught:
        douyin.resolve_short_link("L5pbfdP")
    assert (caught.value.kind, caught.value.code) == ("timeout", None)


def test_short_link_http_500(douyin, platform_videos):
    _fault(platform_videos, "shortlink", "http_500")
    with pytest.raises(DouyinError) as caught:
        douyin.resolve_short_link("L5pbfdP")
    assert (caught.value.kind, caught.value.code) == ("http", 500)
    assert douyin.resolve_short_link("L5pbfdP").startswith("https://www.iesdouyin.com/share/video/")


@pytest.mark.parametrize(("kind", "extra"), [("bad_json", {}), ("error_code", {"code": 28001052})])
def test_short_link_answering_a_page_instead_of_a_redirect_is_blocked_not_expired(douyin, platform_videos, kind, extra):
    _fault(platform_videos, "shortlink", kind, **extra)
    with pytest.raises(DouyinError) as caught:
        douyin.resolve_short_link("L5pbfdP")
    assert (caught.value.kind, caught.value.code) == ("blocked", 200)
    assert "风控" in caught.value.message
    assert douyin.resolve_short_link("L5pbfdP").startswith("https://www.iesdouyin.com/share/video/")


def test_an_unreachable_douyin_is_a_network_error():
    closed = DouyinClient(open_base="http://127.0.0.1:9/open", shortlink_base="http://127.0.0.1:9/v",
                          share_base="http://127.0.0.1:9/iesdouyin", timeout=CLIENT_TIMEOUT)
    with pytest.raises(DouyinError) as caught:
        closed.embed_info(VIDEO_ID)
    assert (caught.value.kind, caught.value.code) == ("network", None)


# -- refusals: no request leaves for anything outside the three bases -------------------------------

@pytest.mark.parametrize("code", ["abc", "../__sandbox__/reset", "L5pbfdP/../../x", "toolongcode12345678901234", "a b c d e",
                                  "%2e%2e%2fxx"])
def test_malformed_short_codes_are_refused_without_a_request(douyin, sandbox, code):
    with pytest.raises(DouyinError) as caught:
        douyin.resolve_short_link(code)
    assert (caught.value.kind, caught.value.description) == ("refused", "malformed short code")
    assert logged(sandbox) == []


@pytest.mark.parametrize("path", [
    "/__sandbox__/reset",
    "/openx/api/douyin/v1/video/get_iframe_by_video",
    "/open",
    "/open/../__sandbox__/reset",
    "/v/../__sandbox__/reset",
    "/iesdouyin/share/%2e%2e/%2E%2E/__sandbox__/reset",
    "/open/./api",
])
def test_urls_outside_the_bases_are_refused_without_a_request(douyin, sandbox, path):
    sandbox.control("seed")
    for method in ("GET", "POST"):
        with pytest.raises(DouyinError) as caught:
            douyin._send(method, sandbox.url + path)
        assert caught.value.kind == "refused"
        assert re.fullmatch(r"not a configured Douyin base: .+", caught.value.description)
    assert logged(sandbox) == []
    assert len(_get_json(f"{sandbox.url}/__sandbox__/state")["users"]) == 3  # no reset got through


@pytest.mark.parametrize("url", ["https://evil.example/open/x", "http://127.0.0.1:9/open/x", "file:///etc/passwd",
                                 "http://[::1"])
def test_other_hosts_are_refused(douyin, url):
    with pytest.raises(DouyinError) as caught:
        douyin._send("GET", url)
    assert caught.value.kind == "refused"
