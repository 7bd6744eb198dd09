"""DouyinClient's Open Platform half against the live sandbox over real HTTP: OAuth, user info,
video list and data, error mapping, retries with back-off, and no credential in any log."""

from __future__ import annotations

import json
import logging
import random
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from contest.config import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET, load_config
from contest.domain.errors import (
    AuthorizationLost, CapabilityUnavailable, PlatformError, TokenRejected, VideoGoneError,
    QuotaExhausted as DomainQuotaExhausted,
)
from contest.douyin.client import (
    BACKOFF_CAP,
    DEFAULT_SCOPES,
    ERRORS,
    AccessTokenRejected,
    AccountUnavailable,
    ApiOffline,
    AppNotPermitted,
    DouyinAuthError,
    DouyinClient,
    DouyinError,
    DouyinUser,
    QuotaExhausted,
    RateLimited,
    TokenGrant,
    Video,
    VideoStats,
    VideoUnavailable,
    backoff_delay,
)
from contest.douyin.gateway import translate

T0 = 1592467200  # 2020-06-18 08:00:00 UTC
ALL_SCOPES = ("user_info", "video.list.bind", "video.data.bind")
ACCESS_TTL = 1_296_000
REFRESH_TTL = 2_592_000
REDIRECT_URI = "http://127.0.0.1:5000/douyin/callback"
SEED = 20200618
RETRIES = 3
BACKOFF = 0.2


def vid(n: int, at: int = T0) -> str:
    return str((at << 32) | n)


# ou_a's public videos, newest first (create_time T0 + n hours).
PUBLIC = [vid(n, T0 + n * 3600) for n in (5, 4, 3, 2, 1)]
PRIVATE = vid(6)
LISTED = PUBLIC + [PRIVATE]  # video_list: every video not deleted, newest first, with its status
DELETED = vid(7)
OTHERS = vid(8)  # ou_b's


class Recorder:
    def __init__(self):
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def sleeps():
    return Recorder()


def make_client(sandbox, sleeps, **overrides) -> DouyinClient:
    options = dict(open_base=sandbox.url + "/open", shortlink_base=sandbox.url + "/v",
                   share_base=sandbox.url + "/iesdouyin", timeout=5.0, client_key=SANDBOX_CLIENT_KEY,
                   client_secret=SANDBOX_CLIENT_SECRET, retries=RETRIES, backoff=BACKOFF, sleep=sleeps,
                   rng=random.Random(SEED))
    options.update(overrides)
    return DouyinClient(**options)


@pytest.fixture
def douyin(sandbox, sleeps):
    client = make_client(sandbox, sleeps)
    yield client
    client.http.close()


@pytest.fixture
def author_videos(sandbox):
    sandbox.control("users", {"open_id": "ou_a", "nickname": "作者甲"})
    sandbox.control("users", {"open_id": "ou_b", "nickname": "作者乙"})
    for n, video_id in zip((5, 4, 3, 2, 1), PUBLIC):
        sandbox.control("videos", {"video_id": video_id, "open_id": "ou_a", "title": f"第{n}条 #动力株洲文旅通 @株洲足迹",
                                   "create_time": T0 + n * 3600, "digg_count": 10 * n, "comment_count": n,
                                   "share_count": 2, "play_count": 100 * n})
    sandbox.control("videos", {"video_id": PRIVATE, "open_id": "ou_a", "title": "私密草稿", "create_time": T0,
                               "digg_count": 1, "public": False})
    sandbox.control("videos", {"video_id": DELETED, "open_id": "ou_a", "title": "删掉了", "create_time": T0,
                               "deleted": True})
    sandbox.control("videos", {"video_id": OTHERS, "open_id": "ou_b", "title": "别人的", "create_time": T0})
    return sandbox


def _session() -> requests.Session:
    http = requests.Session()
    http.trust_env = False
    return http


def logged(sandbox) -> list[str]:
    """The endpoint names the sandbox saw, in order."""
    with _session() as http:
        entries = http.get(f"{sandbox.url}/__sandbox__/log", timeout=5).json()["requests"]
    return [e["endpoint"] for e in entries]


def consent(douyin: DouyinClient, open_id: str = "ou_a", *, state: str = "st-1",
            scopes=ALL_SCOPES) -> dict:
    """Walk the authorize page with auto_consent; the callback's query (code, state, scopes)."""
    url = douyin.authorize_url(redirect_uri=REDIRECT_URI, state=state, scopes=scopes) + f"&auto_consent={open_id}"
    with _session() as http:
        response = http.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def mint(sandbox, open_id: str = "ou_a", scopes=ALL_SCOPES) -> dict:
    return sandbox.control("tokens", {"open_id": open_id, "scopes": list(scopes)})


def fault(sandbox, endpoint: str, kind: str, **extra) -> None:
    sandbox.control("faults", {"endpoint": endpoint, "kind": kind, **extra})


def expected_sleeps(n: int) -> list[float]:
    """The pauses a client seeded with SEED takes after its first ``n`` failed attempts."""
    rng = random.Random(SEED)
    return [backoff_delay(attempt, BACKOFF, rng=rng) for attempt in range(1, n + 1)]


# -- authorize URL -----------------------------------------------------------------------

def test_authorize_url_has_the_documented_shape(douyin, sandbox):
    assert douyin.authorize_url(redirect_uri=REDIRECT_URI, state="s t/a+te&x=1") == (
        f"{sandbox.url}/open/platform/oauth/connect/?client_key={SANDBOX_CLIENT_KEY}&response_type=code"
        "&scope=user_info,video.data.bind"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fdouyin%2Fcallback&state=s%20t%2Fa%2Bte%26x%3D1")
    assert douyin.authorize_url(redirect_uri=REDIRECT_URI, state="z", scopes=["user_info"]) == (
        f"{sandbox.url}/open/platform/oauth/connect/?client_key={SANDBOX_CLIENT_KEY}&response_type=code"
        "&scope=user_info&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fdouyin%2Fcallback&state=z")
    # Optional scopes go as optionalScope, each ticked by default (",1"); one also required is asked once.
    assert douyin.authorize_url(redirect_uri=REDIRECT_URI, state="z", scopes=["user_info", "video.data.bind"],
                                optional_scopes=["video.list.bind", "user_info"]) == (
        f"{sandbox.url}/open/platform/oauth/connect/?client_key={SANDBOX_CLIENT_KEY}&response_type=code"
        "&scope=user_info,video.data.bind&optionalScope=video.list.bind,1"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fdouyin%2Fcallback&state=z")
    assert DEFAULT_SCOPES == ("user_info", "video.data.bind")


def test_the_sandbox_authorize_page_accepts_the_url_and_returns_state_and_scopes(douyin, author_videos):
    callback = consent(douyin, state="s t/a+te&x=1")
    assert set(callback) == {"code", "state", "scopes"}
    assert (callback["state"], callback["scopes"]) == ("s t/a+te&x=1", ",".join(ALL_SCOPES))
    assert logged(author_videos) == ["authorize"]


# -- the whole round trip ------------------------------------------------------------------

def test_full_round_trip(douyin, author_videos, sleeps, sandbox):
    code = consent(douyin)["code"]
    grant = douyin.exchange_code(code)
    assert isinstance(grant, TokenGrant)
    assert grant.access_token.startswith("act.") and grant.refresh_token.startswith("rft.")
    assert (grant.open_id, grant.expires_in, grant.refresh_expires_in, grant.scopes) == (
        "ou_a", ACCESS_TTL, REFRESH_TTL, ALL_SCOPES)

    assert douyin.user_info(grant.access_token, grant.open_id) == DouyinUser(
        open_id="ou_a", union_id="un_ou_a", nickname="作者甲", avatar=f"{sandbox.url}/assets/avatar/ou_a.svg")

    pages = []
    cursor, has_more = 0, True
    while has_more:
        page = douyin.video_list(grant.access_token, grant.open_id, cursor=cursor, count=2)
        pages.append(([v.video_id for v in page.videos], page.cursor, page.has_more))
        cursor, has_more = page.cursor, page.has_more
    # Every video that is not deleted, with its status (the private one is the oldest).
    assert pages == [(PUBLIC[0:2], 2, True), (PUBLIC[2:4], 4, True), (PUBLIC[4:5] + [PRIVATE], 6, False)]

    newest = douyin.video_list(grant.access_token, grant.open_id, count=1).videos[0]
    assert newest == Video(
        video_id=PUBLIC[0], item_id=newest.item_id, title="第5条 #动力株洲文旅通 @株洲足迹",
        create_time=T0 + 5 * 3600, cover=f"{sandbox.url}/assets/cover/{PUBLIC[0]}.svg",
        share_url=f"https://www.iesdouyin.com/share/video/{PUBLIC[0]}/", is_top=False, video_status=1,
        statistics=VideoStats(digg_count=50, comment_count=5, share_count=2, play_count=500,
                              download_count=0, forward_count=0))
    assert newest.item_id.startswith("@") and len(newest.item_id) > 20
    assert isinstance(newest.video_id, str) and int(newest.video_id) > 2**53

    videos = douyin.video_data(grant.access_token, grant.open_id,
                               [PUBLIC[3], PRIVATE, OTHERS, DELETED, vid(99)])
    assert [(v.video_id, v.create_time, v.video_status, v.private, v.statistics.digg_count) for v in videos] == [
        (PUBLIC[3], T0 + 2 * 3600, 1, False, 20),
        (PRIVATE, 0, 7, True, 1),
    ]
    assert [(v.public, v.visibility) for v in videos] == [(True, ""), (False, "私密")]
    assert logged(author_videos) == ["authorize", "access_token", "userinfo", "video_list", "video_list", "video_list",
                             "video_list", "video_data"]
    assert sleeps.sleeps == []


def test_video_data_splits_into_batches_and_concatenates(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, batch_size=2)
    token = mint(author_videos)["access_token"]
    asked = [PUBLIC[0], PRIVATE, PUBLIC[1], OTHERS, PUBLIC[0], PUBLIC[2], DELETED]  # one duplicate
    videos = douyin.video_data(token, "ou_a", asked)
    assert [v.video_id for v in videos] == [PUBLIC[0], PRIVATE, PUBLIC[1], PUBLIC[2]]
    assert logged(author_videos) == ["video_data"] * 3  # 6 distinct ids in batches of 2
    assert douyin.video_data(token, "ou_a", []) == []
    assert logged(author_videos) == ["video_data"] * 3


def test_video_data_default_batch_is_ten(douyin, author_videos):
    token = mint(author_videos)["access_token"]
    ids = [vid(1000 + n) for n in range(21)]
    assert douyin.video_data(token, "ou_a", ids) == []
    assert logged(author_videos) == ["video_data"] * 3


def test_video_data_takes_integer_ids_exactly(douyin, author_videos):
    token = mint(author_videos)["access_token"]
    videos = douyin.video_data(token, "ou_a", [int(PUBLIC[0])])
    assert [v.video_id for v in videos] == [PUBLIC[0]]


# -- authorisation errors: mapped, never retried -------------------------------------------------

def test_a_replayed_code_is_refused_once_without_retry(douyin, author_videos, sleeps):
    code = consent(douyin)["code"]
    douyin.exchange_code(code)
    with pytest.raises(DouyinAuthError) as caught:
        douyin.exchange_code(code)
    error = caught.value
    assert (error.kind, error.code, error.description) == ("platform", 10007, "授权码已被使用")
    assert error.message == "抖音授权码已失效（已被使用或超过 10 分钟），请重新授权。"
    assert isinstance(translate(error), AuthorizationLost) and isinstance(translate(error), PlatformError)
    assert logged(author_videos) == ["authorize", "access_token", "access_token"]
    assert sleeps.sleeps == []


@pytest.mark.parametrize(("kind", "extra", "expected"), [
    ("http_500", {}, ("http", 500)),
    ("error_code", {"code": 28001005}, ("platform", 28001005)),
])
def test_exchange_code_is_never_retried(douyin, author_videos, sleeps, kind, extra, expected):
    code = consent(douyin)["code"]
    fault(author_videos, "access_token", kind, **extra)
    with pytest.raises(DouyinError) as caught:
        douyin.exchange_code(code)
    assert (caught.value.kind, caught.value.code) == expected
    assert logged(author_videos) == ["authorize", "access_token"]
    assert sleeps.sleeps == []
    assert douyin.exchange_code(code).open_id == "ou_a"  # the fault struck before the code was used


def test_exchange_code_timeout_is_not_retried(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, timeout=0.3)
    code = consent(douyin)["code"]
    fault(author_videos, "access_token", "timeout", seconds=1.0)
    with pytest.raises(DouyinError) as caught:
        douyin.exchange_code(code)
    assert (caught.value.kind, caught.value.code, caught.value.message) == ("timeout", None, "连接抖音超时，请稍后再试。")
    assert logged(author_videos) == ["authorize", "access_token"]
    assert sleeps.sleeps == []


def test_expired_access_token_then_refresh(douyin, author_videos, sleeps):
    grant = mint(author_videos)
    author_videos.control("clock", {"advance": ACCESS_TTL + 1})
    with pytest.raises(DouyinAuthError) as caught:
        douyin.video_list(grant["access_token"], "ou_a")
    assert (caught.value.kind, caught.value.code, caught.value.message) == (
        "platform", 28001008, "抖音授权已过期，请重新授权。")
    with pytest.raises(DouyinAuthError) as caught:
        douyin.user_info(grant["access_token"], "ou_a")
    assert (caught.value.code, caught.value.message) == (28001008, "抖音授权已过期，请重新授权。")
    assert isinstance(caught.value, AccessTokenRejected) and caught.value.logid

    fresh = douyin.refresh_access_token(grant["refresh_token"])
    assert fresh.access_token.startswith("act.") and fresh.access_token != grant["access_token"]
    assert (fresh.open_id, fresh.expires_in, fresh.refresh_token, fresh.scopes) == (
        "ou_a", ACCESS_TTL, grant["refresh_token"], ALL_SCOPES)
    assert REFRESH_TTL - ACCESS_TTL - 3 <= fresh.refresh_expires_in <= REFRESH_TTL - ACCESS_TTL - 1
    assert [v.video_id for v in douyin.video_list(fresh.access_token, "ou_a").videos] == LISTED
    assert logged(author_videos) == ["video_list", "userinfo", "refresh_token", "video_list"]
    assert sleeps.sleeps == []


def test_expired_refresh_token(douyin, author_videos, sleeps):
    grant = mint(author_videos)
    author_videos.control("clock", {"advance": REFRESH_TTL + 1})
    with pytest.raises(DouyinAuthError) as caught:
        douyin.refresh_access_token(grant["refresh_token"])
    assert (caught.value.code, caught.value.message) == (10010, "抖音授权已过期，请重新授权。")
    assert logged(author_videos) == ["refresh_token"]
    assert sleeps.sleeps == []


def test_refresh_token_renewals_run_out_on_the_sixth(douyin, author_videos, sleeps):
    token = mint(author_videos)["refresh_token"]
    first = token
    for _ in range(5):
        renewed, expires_in = douyin.renew_refresh_token(token)
        assert renewed.startswith("rft.") and renewed != token and expires_in == REFRESH_TTL
        token = renewed
    with pytest.raises(DouyinAuthError) as caught:
        douyin.renew_refresh_token(token)
    assert (caught.value.code, caught.value.message) == (10020, "抖音授权续期次数已用完，请重新授权。")
    with pytest.raises(DouyinAuthError) as caught:
        douyin.renew_refresh_token(first)  # renewed away
    assert caught.value.code == 10010
    assert douyin.refresh_access_token(token).refresh_token == token  # the last one still refreshes
    assert logged(author_videos) == ["renew_refresh_token"] * 7 + ["refresh_token"]
    assert sleeps.sleeps == []


def test_scope_not_granted_and_wrong_open_id(douyin, author_videos, sleeps):
    token = mint(author_videos, scopes=["user_info"])["access_token"]
    with pytest.raises(DouyinAuthError) as caught:
        douyin.video_list(token, "ou_a")
    assert (caught.value.code, caught.value.message) == (28001012, "你没有授予所需的抖音权限，请重新授权并勾选全部权限。")
    with pytest.raises(DouyinAuthError) as caught:
        douyin.video_data(token, "ou_b", [OTHERS])
    assert caught.value.code == 28001015
    with pytest.raises(DouyinAuthError) as caught:
        douyin.video_list("act.not-a-token", "ou_a")
    assert caught.value.code == 28001003
    assert logged(author_videos) == ["video_list", "video_data", "video_list"]
    assert sleeps.sleeps == []


# -- retries ------------------------------------------------------------------------------------

RETRYABLE = [
    ("http_500", {}, DouyinError, ("http", 500)),
    ("error_code", {"code": 28001005}, DouyinError, ("platform", 28001005)),
    ("error_code", {"code": 28001006}, DouyinError, ("platform", 28001006)),
    ("error_code", {"code": 28001052}, DouyinError, ("platform", 28001052)),
    ("error_code", {"code": 28003018}, RateLimited, ("platform", 28003018)),
]


@pytest.mark.parametrize(("kind", "extra", "cls", "expected"), RETRYABLE)
def test_retryable_faults_recover_within_the_budget(douyin, author_videos, sleeps, caplog, kind, extra, cls, expected):
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_list", kind, times=RETRIES, **extra)
    with caplog.at_level(logging.WARNING, logger="contest.douyin.client"):
        page = douyin.video_list(token, "ou_a", count=20)
    assert [v.video_id for v in page.videos] == LISTED
    assert logged(author_videos) == ["video_list"] * (RETRIES + 1)
    assert sleeps.sleeps == expected_sleeps(RETRIES)
    code = f" {expected[1]}"
    logid = r", logid [0-9]{14}[0-9A-F]{20}" if expected[0] == "platform" else ""  # the platform's answer names it
    warnings = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "contest.douyin.client"]
    assert [level for level, _ in warnings] == [logging.WARNING] * 3
    for n, (_, message) in enumerate(warnings, start=1):
        assert re.fullmatch(rf"douyin video_list: attempt {n} of 4 failed \({expected[0]}{code}{logid}\), "
                            rf"retrying in {sleeps.sleeps[n - 1]:.2f} s", message), message


@pytest.mark.parametrize(("kind", "extra", "cls", "expected"), RETRYABLE)
def test_retryable_faults_beyond_the_budget_raise(douyin, author_videos, sleeps, kind, extra, cls, expected):
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_list", kind, times=RETRIES + 1, **extra)
    with pytest.raises(cls) as caught:
        douyin.video_list(token, "ou_a")
    assert type(caught.value) is cls
    assert (caught.value.kind, caught.value.code) == expected
    assert logged(author_videos) == ["video_list"] * (RETRIES + 1)
    assert sleeps.sleeps == expected_sleeps(RETRIES)
    assert douyin.video_list(token, "ou_a").videos  # the faults are used up


def test_timeouts_recover_within_the_budget(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, timeout=0.3)
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_list", "timeout", seconds=1.0, times=RETRIES)
    assert [v.video_id for v in douyin.video_list(token, "ou_a").videos] == LISTED
    assert logged(author_videos) == ["video_list"] * (RETRIES + 1)
    assert sleeps.sleeps == expected_sleeps(RETRIES)


def test_timeouts_beyond_the_budget_raise(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, timeout=0.3, retries=1)
    token = mint(author_videos)["access_token"]
    fault(author_videos, "userinfo", "timeout", seconds=1.0, times=2)
    with pytest.raises(DouyinError) as caught:
        douyin.user_info(token, "ou_a")
    assert (type(caught.value), caught.value.kind, caught.value.code) == (DouyinError, "timeout", None)
    assert caught.value.message == "连接抖音超时，请稍后再试。"
    assert logged(author_videos) == ["userinfo"] * 2
    assert sleeps.sleeps == expected_sleeps(1)


@pytest.mark.parametrize(("endpoint", "call"), [
    ("refresh_token", lambda c, g: c.refresh_access_token(g["refresh_token"]).access_token.startswith("act.")),
    ("renew_refresh_token", lambda c, g: c.renew_refresh_token(g["refresh_token"])[1] == REFRESH_TTL),
    ("userinfo", lambda c, g: c.user_info(g["access_token"], "ou_a").nickname == "作者甲"),
    ("video_data", lambda c, g: [v.video_id for v in c.video_data(g["access_token"], "ou_a", [PRIVATE])] == [PRIVATE]),
])
def test_every_token_call_retries(douyin, author_videos, sleeps, endpoint, call):
    grant = mint(author_videos)
    fault(author_videos, endpoint, "http_500")
    fault(author_videos, endpoint, "error_code", code=28001052)
    assert call(douyin, grant) is True
    assert logged(author_videos) == [endpoint] * 3
    assert sleeps.sleeps == expected_sleeps(2)


def test_a_video_data_batch_is_retried_alone(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, batch_size=3)
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_data", "error_code", code=28001005)
    videos = douyin.video_data(token, "ou_a", PUBLIC)
    assert [v.video_id for v in videos] == PUBLIC
    assert logged(author_videos) == ["video_data"] * 3  # batch 1 twice, batch 2 once
    assert sleeps.sleeps == expected_sleeps(1)


def test_zero_retries_means_one_attempt(author_videos, sleeps, sandbox):
    douyin = make_client(sandbox, sleeps, retries=0)
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_list", "http_500")
    with pytest.raises(DouyinError) as caught:
        douyin.video_list(token, "ou_a")
    assert (caught.value.kind, caught.value.code) == ("http", 500)
    assert logged(author_videos) == ["video_list"]
    assert sleeps.sleeps == []


@pytest.mark.parametrize(("kind", "extra", "cls", "expected", "message"), [
    ("error_code", {"code": 28001008}, AccessTokenRejected, ("platform", 28001008), "抖音授权已过期，请重新授权。"),
    ("error_code", {"code": 10008}, AccessTokenRejected, ("platform", 10008), "抖音授权已过期，请重新授权。"),
    ("error_code", {"code": 28001012}, DouyinAuthError, ("platform", 28001012),
     "你没有授予所需的抖音权限，请重新授权并勾选全部权限。"),
    ("error_code", {"code": 28003017}, QuotaExhausted, ("platform", 28003017), "今天调用抖音接口的次数已用完，请明天再试。"),
    ("error_code", {"code": 2190001}, QuotaExhausted, ("platform", 2190001), "今天调用抖音接口的次数已用完，请明天再试。"),
    ("error_code", {"code": 28001019}, ApiOffline, ("platform", 28001019), "抖音接口暂时下线，请改为粘贴视频链接。"),
    ("error_code", {"code": 10004}, AppNotPermitted, ("platform", 10004), "本站的抖音应用还没有开通这项能力，请联系主办方。"),
    ("error_code", {"code": 28001056}, ApiOffline, ("platform", 28001056), "抖音接口暂时下线，请改为粘贴视频链接。"),
    ("error_code", {"code": 28001045}, AccountUnavailable, ("platform", 28001045), "这个抖音账号已注销，无法读取视频。"),
    ("error_code", {"code": 28001046}, AccountUnavailable, ("platform", 28001046), "这个抖音账号已被封禁，无法读取视频。"),
    ("error_code", {"code": 28001047}, AccountUnavailable, ("platform", 28001047),
     "这个抖音账号设为了私密，无法读取视频。"),
    ("error_code", {"code": 12345}, DouyinError, ("platform", 12345), "抖音返回了错误（错误码 12345），请稍后再试。"),
    ("bad_json", {}, DouyinError, ("bad_json", 200), "抖音返回了无法识别的内容，请稍后再试。"),
])
def test_non_retryable_errors_raise_at_once(douyin, author_videos, sleeps, kind, extra, cls, expected, message):
    token = mint(author_videos)["access_token"]
    fault(author_videos, "video_list", kind, times=2, **extra)
    with pytest.raises(cls) as caught:
        douyin.video_list(token, "ou_a")
    error = caught.value
    assert type(error) is cls
    assert (error.kind, error.code, error.message) == (*expected, message)
    assert logged(author_videos) == ["video_list"]
    assert sleeps.sleeps == []


def test_error_classes_map_to_domain_errors():
    assert issubclass(DouyinAuthError, DouyinError) and not issubclass(DouyinAuthError, PlatformError)
    assert issubclass(AccountUnavailable, VideoUnavailable) and issubclass(AccessTokenRejected, DouyinAuthError)
    assert isinstance(translate(DouyinAuthError("platform", 10010)), AuthorizationLost)
    assert isinstance(translate(AccessTokenRejected("platform", 28001003)), TokenRejected)
    assert isinstance(translate(AccountUnavailable("platform", 28001045)), VideoGoneError)
    for cls in (ApiOffline, AppNotPermitted, RateLimited, QuotaExhausted):
        assert issubclass(cls, DouyinError) and not issubclass(cls, (DouyinAuthError, VideoUnavailable))
        assert not isinstance(translate(cls("platform", 1)), (AuthorizationLost, VideoGoneError))
    assert type(translate(QuotaExhausted("platform", 2190001))) is DomainQuotaExhausted
    assert type(translate(ApiOffline("platform", 28001056))) is CapabilityUnavailable
    assert type(translate(AppNotPermitted("platform", 10004))) is CapabilityUnavailable
    auth = {code: cls for code, (cls, _) in ERRORS.items() if issubclass(cls, DouyinAuthError)}
    assert auth == {28001003: AccessTokenRejected, 28001008: AccessTokenRejected, 2190002: AccessTokenRejected,
                    2190008: AccessTokenRejected, 10008: AccessTokenRejected, 28001012: DouyinAuthError,
                    28001015: DouyinAuthError, 10007: DouyinAuthError, 10010: DouyinAuthError,
                    10020: DouyinAuthError}
    assert {code: cls for code, (cls, _) in ERRORS.items() if not issubclass(cls, DouyinAuthError)} == {
        28001045: AccountUnavailable, 28001046: AccountUnavailable, 28001047: AccountUnavailable,
        28001056: ApiOffline, 28001019: ApiOffline, 10004: AppNotPermitted, 28001014: AppNotPermitted,
        28001018: AppNotPermitted, 28003017: QuotaExhausted, 2190001: QuotaExhausted, 28003018: RateLimited,
        28001005: DouyinError, 28001006: DouyinError, 28001052: DouyinError}


# -- back-off -----------------------------------------------------------------------------------

def test_backoff_is_full_jitter_exponential_and_capped():
    class Top:  # always the upper bound: shows the ceilings
        def uniform(self, a, b):
            assert a == 0
            return b
    assert [backoff_delay(n, 0.2, rng=Top()) for n in range(1, 9)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    assert BACKOFF_CAP == 5.0
    assert backoff_delay(1000, 0.2, rng=Top()) == 5.0

    seeded, reference = random.Random(7), random.Random(7)
    delays = [backoff_delay(n, 0.2, rng=seeded) for n in range(1, 9)]
    assert delays == [reference.uniform(0, c) for c in (0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0)]
    for n, delay in enumerate(delays, start=1):
        assert 0 <= delay <= min(5.0, 0.2 * 2 ** (n - 1))
    many = random.Random(11)
    samples = [backoff_delay(3, 0.2, rng=many) for _ in range(2000)]
    assert min(samples) >= 0 and max(samples) <= 0.8
    assert min(samples) < 0.05 and max(samples) > 0.75  # spread over the whole range: full jitter
    assert backoff_delay(5, 0.0, rng=random.Random(1)) == 0.0


# -- lenient parsing ----------------------------------------------------------------------------

def test_videos_parse_numbers_given_as_strings():
    video = Video.from_api({
        "item_id": "@abc", "video_id": 7298145681699622182, "title": "t", "create_time": " 1592467200 ",
        "cover": None, "share_url": "https://www.iesdouyin.com/share/video/7298145681699622182/",
        "is_top": "true", "video_status": "1",
        "statistics": {"digg_count": "200", "comment_count": 100, "share_count": "x", "play_count": "300.0"},
    })
    assert video == Video(video_id="7298145681699622182", item_id="@abc", title="t", create_time=1592467200,
                          cover="", share_url="https://www.iesdouyin.com/share/video/7298145681699622182/",
                          is_top=True, video_status=1,
                          statistics=VideoStats(digg_count=200, comment_count=100, share_count=0, play_count=300))
    bare = Video.from_api({"video_id": "7298145681699622182"})
    assert (bare.create_time, bare.private, bare.is_top, bare.video_status, bare.statistics) == (
        0, True, False, None, VideoStats())


@pytest.mark.parametrize(("raw", "problem"), [
    ({"video_id": 7.298145681699622e18}, "video_id came as a JSON float: its precision is lost"),
    ({"video_id": "72981456816996x"}, "video_id missing or not digits"),
    ({}, "neither video_id nor item_id"),
    ({"video_id": "", "item_id": ""}, "neither video_id nor item_id"),
    ({"video_id": True}, "video_id is not an id"),
    ({"video_id": "1", "create_time": "yesterday"}, "create_time is not Unix seconds"),
    ("not a dict", "a video is not a JSON object"),
])
def test_unusable_videos_are_refused(raw, problem):
    with pytest.raises(ValueError) as caught:
        Video.from_api(raw)
    assert str(caught.value) == problem


def test_grants_parse_leniently_and_keep_the_old_refresh_token():
    from contest.douyin.client import _grant

    data = {"access_token": "act.x", "open_id": "ou_a", "expires_in": "1296000", "scope": "user_info, video.list.bind"}
    assert _grant(data, old_refresh_token="rft.old") == TokenGrant(
        open_id="ou_a", access_token="act.x", expires_in=1296000, refresh_token="rft.old", refresh_expires_in=None,
        scopes=("user_info", "video.list.bind"))
    assert _grant({**data, "refresh_token": "rft.new", "refresh_expires_in": "2592000"},
                  old_refresh_token="rft.old").refresh_token == "rft.new"
    for bad, problem in (({**data, "refresh_token": "rft.new"}, "refresh_expires_in missing"),
                         ({**data, "access_token": ""}, "access_token missing"),
                         ({**data, "expires_in": "soon"}, "expires_in missing")):
        with pytest.raises(ValueError) as caught:
            _grant(bad, old_refresh_token="rft.old")
        assert str(caught.value) == problem
    with pytest.raises(ValueError) as caught:
        _grant(data)  # an exchange must carry a refresh token
    assert str(caught.value) == "refresh_token missing"
    assert "act.x" not in repr(_grant(data, old_refresh_token="rft.old"))


def _response(body, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.encoding = "utf-8"
    return response


def test_envelope_codes_are_read_leniently_from_data_or_extra():
    with pytest.raises(DouyinAuthError) as caught:
        DouyinClient._open_data(_response({"data": None, "extra": {"error_code": "28001008", "description": "过期"}}))
    assert (caught.value.code, caught.value.description) == (28001008, "过期")
    with pytest.raises(RateLimited) as caught:
        DouyinClient._open_data(_response({"data": {"error_code": "28003018", "description": "太快"}}))
    assert caught.value.code == 28003018
    assert DouyinClient._open_data(_response({"data": {"error_code": "0", "list": []}})) == {
        "error_code": "0", "list": []}
    for body, description in (({"extra": {}}, "data missing"), ({"data": []}, "data is not a JSON object"),
                              ({"data": {"error_code": "x"}}, "error_code is not a number")):
        with pytest.raises(DouyinError) as caught:
            DouyinClient._open_data(_response(body))
        assert (caught.value.kind, caught.value.description) == ("bad_json", description)
    with pytest.raises(DouyinError) as caught:
        DouyinClient._open_data(_response(b"<html>captcha</html>"))
    assert (caught.value.kind, caught.value.code) == ("bad_json", 200)


# -- configuration ------------------------------------------------------------------------------

def test_config_keys_and_from_config(tmp_path, sandbox, sleeps):
    defaults = load_config({}, str(tmp_path))
    assert (defaults["CONTEST_DOUYIN_RETRIES"], defaults["CONTEST_DOUYIN_BACKOFF"],
            defaults["CONTEST_DOUYIN_BATCH_SIZE"]) == (3, 0.2, 10)
    config = load_config({"CONTEST_DOUYIN_SANDBOX_URL": sandbox.url, "CONTEST_DOUYIN_RETRIES": "5",
                          "CONTEST_DOUYIN_BACKOFF": "0.05", "CONTEST_DOUYIN_BATCH_SIZE": "20"}, str(tmp_path))
    client = DouyinClient.from_config(config, sleep=sleeps)
    assert (client.retries, client.backoff, client.batch_size, client.sleep) == (5, 0.05, 20, sleeps)
    assert (client.client_key, client.open_base) == (SANDBOX_CLIENT_KEY, sandbox.url + "/open")
    assert SANDBOX_CLIENT_SECRET not in repr(client)
    with pytest.raises(ValueError):
        make_client(sandbox, sleeps, retries=-1)
    with pytest.raises(ValueError):
        make_client(sandbox, sleeps, batch_size=0)


# -- no credential in any log -------------------------------------------------------------------

def test_no_token_code_or_secret_is_ever_logged(douyin, author_videos, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    fault(author_videos, "userinfo", "error_code", code=28001005)   # one retry warning
    fault(author_videos, "video_list", "http_500")                   # another

    code = consent(douyin)["code"]
    grant = douyin.exchange_code(code)
    with pytest.raises(DouyinAuthError) as replay:
        douyin.exchange_code(code)
    user = douyin.user_info(grant.access_token, grant.open_id)
    page = douyin.video_list(grant.access_token, grant.open_id)
    videos = douyin.video_data(grant.access_token, grant.open_id, [PUBLIC[0], PRIVATE])
    fresh = douyin.refresh_access_token(grant.refresh_token)
    renewed, _ = douyin.renew_refresh_token(grant.refresh_token)
    author_videos.control("clock", {"advance": ACCESS_TTL + 1})
    with pytest.raises(DouyinAuthError) as expired:
        douyin.video_list(grant.access_token, grant.open_id)
    assert (user.nickname, len(page.videos), len(videos), expired.value.code) == ("作者甲", 6, 2, 28001008)

    secrets = {code, grant.access_token, grant.refresh_token, fresh.access_token, renewed, SANDBOX_CLIENT_SECRET}
    assert all(len(s) >= 16 for s in secrets)
    texts = []
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    texts += [str(replay.value), repr(replay.value), str(expired.value), repr(grant), repr(fresh), repr(douyin)]
    leaks = [(secret[:8], text) for text in texts for secret in secrets if secret in text]
    assert leaks == []

    names = {r.name for r in caplog.records}
    assert "urllib3.connectionpool" in names  # DEBUG request lines were captured, and were clean
    assert sum(1 for r in caplog.records if r.name == "urllib3.connectionpool" and "video_list" in r.getMessage()) >= 3
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "contest.douyin.client" and r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert re.fullmatch(r"douyin userinfo: attempt 1 of 4 failed \(platform 28001005, logid [0-9]{14}[0-9A-F]{20}\), "
                        rf"retrying in {sleeps.sleeps[0]:.2f} s", warnings[0]), warnings[0]
    assert warnings[1] == f"douyin video_list: attempt 1 of 4 failed (http 500), retrying in {sleeps.sleeps[1]:.2f} s"
    # The final errors are logged with their log id, for Douyin support (and never a credential).
    finals = [r.getMessage() for r in caplog.records if r.name == "contest.douyin.client" and r.levelno == logging.INFO]
    assert [re.sub(r"logid \w+", "logid L", m) for m in finals] == [
        "douyin access_token: error 10007 (logid L)", "douyin video_list: error 28001008 (logid L)"]


# -- the real platform's answers (docs/douyin.md) -----------------------------------------------------

def test_user_info_in_both_envelopes(douyin, author_videos, sandbox):
    token = mint(author_videos)["access_token"]
    expected = DouyinUser(open_id="ou_a", union_id="un_ou_a", nickname="作者甲",
                          avatar=f"{sandbox.url}/assets/avatar/ou_a.svg")
    assert douyin.user_info(token, "ou_a") == expected  # the newer envelope (the sandbox's default)
    author_videos.control("modes", {"userinfo_envelope": "old"})
    assert douyin.user_info(token, "ou_a") == expected


def test_a_non_zero_err_no_is_an_error_whatever_data_error_code_says(douyin, author_videos):
    token = mint(author_videos)["access_token"]
    fault(author_videos, "userinfo", "error_code", code=28001003)  # answers data.error_code "0" beside err_no
    with pytest.raises(AccessTokenRejected) as caught:
        douyin.user_info(token, "ou_a")
    assert (caught.value.code, caught.value.message) == (28001003, "抖音授权已失效，请重新授权。")
    assert re.fullmatch(r"[0-9]{14}[0-9A-F]{20}", caught.value.logid)


@pytest.mark.parametrize("mode", ["item_id_only", "item_id_only_bare"])
def test_video_data_matches_answers_without_video_id(douyin, author_videos, sleeps, sandbox, mode):
    token = mint(author_videos)["access_token"]
    author_videos.control("modes", {"video_objects": mode})
    asked = [PUBLIC[0], PRIVATE, OTHERS, PUBLIC[2]]
    first = douyin.video_data(token, "ou_a", asked)
    assert [(v.video_id, v.public, v.statistics.digg_count) for v in first] == [
        (PUBLIC[0], True, 50), (PRIVATE, False, 1), (PUBLIC[2], True, 30)]
    # Without the id in the share URL either, each asked id is asked alone once; the item ids are learnt.
    calls = 1 if mode == "item_id_only" else 1 + len(asked)
    assert logged(author_videos) == ["video_data"] * calls
    assert [v.video_id for v in douyin.video_data(token, "ou_a", asked)] == [PUBLIC[0], PRIVATE, PUBLIC[2]]
    assert logged(author_videos) == ["video_data"] * (calls + 1)
    assert [v.video_id for v in douyin.video_list(token, "ou_a").videos] == (
        LISTED if mode == "item_id_only" else [PUBLIC[0], PUBLIC[2], PRIVATE])  # the others' ids are not known yet


@pytest.mark.parametrize(("status", "create_time", "public", "visibility"), [
    (1, T0, True, ""), (5, T0, True, ""), (2, T0, False, "不适宜公开"), (4, T0, False, "审核中"),
    (6, T0, False, "好友可见"), (7, 0, False, "私密"), (3, T0, False, "未公开（状态 3）"), (None, T0, True, ""),
    (None, 0, False, "私密"), (1, 0, False, "私密"),
])
def test_only_statuses_1_and_5_are_public(status, create_time, public, visibility):
    video = Video.from_api({"item_id": "@x", "video_status": status, "create_time": create_time})
    assert (video.video_id, video.public, video.visibility) == (None, public, visibility)
