"""The gateway: the client's errors become the domain's (message, code and kind kept), and the
layers import in one direction only (the domain never imports Douyin; the client never the domain)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from contest.config import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET
from contest.domain.errors import (
    AuthorizationLost, CapabilityUnavailable, PlatformError, QuotaExhausted, RenewalUnavailable, TokenRejected,
    VideoGoneError,
)
from contest.douyin.client import DouyinClient
from contest.douyin import errors as client_errors
from contest.douyin.errors import DouyinAuthError, DouyinError, VideoUnavailable, platform_error
from contest.douyin.gateway import DouyinGateway, translate

PACKAGE = Path(__file__).resolve().parents[2] / "contest"
T0 = 1592467200
PRIVATE_ID = str((T0 << 32) | 8)


@pytest.mark.parametrize(("error", "expected"), [
    (platform_error(28001008), (TokenRejected, "抖音授权已过期，请重新授权。", 28001008, "platform")),
    (platform_error(10008), (TokenRejected, "抖音授权已过期，请重新授权。", 10008, "platform")),
    (platform_error(10007), (AuthorizationLost, "抖音授权码已失效（已被使用或超过 10 分钟），请重新授权。", 10007, "platform")),
    (VideoUnavailable("platform", 28001007), (VideoGoneError, "找不到这个视频：它可能已被删除、设为私密或仍在审核中。", 28001007, "platform")),
    (platform_error(28001046), (VideoGoneError, "这个抖音账号已被封禁，无法读取视频。", 28001046, "platform")),
    (platform_error(28003017), (QuotaExhausted, "今天调用抖音接口的次数已用完，请明天再试。", 28003017, "platform")),
    (platform_error(2190001), (QuotaExhausted, "今天调用抖音接口的次数已用完，请明天再试。", 2190001, "platform")),
    (platform_error(28001056), (CapabilityUnavailable, "抖音接口暂时下线，请改为粘贴视频链接。", 28001056, "platform")),
    (platform_error(10004), (CapabilityUnavailable, "本站的抖音应用还没有开通这项能力，请联系主办方。", 10004, "platform")),
    (platform_error(12345), (PlatformError, "抖音返回了错误（错误码 12345），请稍后再试。", 12345, "platform")),
    (DouyinError("timeout"), (PlatformError, "连接抖音超时，请稍后再试。", None, "timeout")),
    (DouyinError("http", 502), (PlatformError, "抖音暂时出错，请稍后再试。", 502, "http")),
])
def test_translate_keeps_message_code_and_kind(error, expected):
    translated = translate(error)
    assert (type(translated), translated.message, translated.code, translated.kind) == expected
    assert str(translated) == translated.message


def test_translate_keeps_the_log_id():
    assert translate(platform_error(28001003, "invalid", "2025032420250656CC2F059B7A270851DF")).logid == (
        "2025032420250656CC2F059B7A270851DF")


def test_the_client_errors_are_not_the_domains():
    for cls in (DouyinError, DouyinAuthError, VideoUnavailable, client_errors.AccountUnavailable,
                client_errors.ApiOffline, client_errors.RateLimited):
        assert not issubclass(cls, PlatformError)


def test_a_domain_platform_error_has_a_default_message():
    assert (PlatformError().message, PlatformError().code, PlatformError().kind) == (
        "暂时无法连接抖音，请稍后再试。", None, None)
    assert AuthorizationLost().message == "抖音授权已失效，请重新授权。"


@pytest.fixture
def gateway(sandbox):
    client = DouyinClient(open_base=sandbox.url + "/open", shortlink_base=sandbox.url + "/v",
                          share_base=sandbox.url + "/iesdouyin", timeout=2.0, client_key=SANDBOX_CLIENT_KEY,
                          client_secret=SANDBOX_CLIENT_SECRET, retries=0)
    yield DouyinGateway(client)
    client.http.close()


def test_the_gateway_raises_the_domains_errors(gateway, sandbox):
    sandbox.control("users", {"open_id": "ou_a", "nickname": "作者甲"})
    sandbox.control("videos", {"video_id": PRIVATE_ID, "open_id": "ou_a", "title": "私密", "create_time": T0,
                               "public": False})
    with pytest.raises(VideoGoneError) as gone:
        gateway.embed_info(PRIVATE_ID)
    assert (gone.value.code, gone.value.kind) == (28001007, "platform")
    assert isinstance(gone.value.__cause__, VideoUnavailable)
    with pytest.raises(PlatformError) as refused:
        gateway.resolve_short_link("../x")
    assert (type(refused.value), refused.value.kind, refused.value.message) == (
        PlatformError, "refused", "这不是抖音的地址，已拒绝访问。")
    with pytest.raises(AuthorizationLost) as lost:
        gateway.exchange_code("never-issued")
    assert lost.value.kind == "platform" and isinstance(lost.value.__cause__, DouyinAuthError)


@pytest.mark.parametrize(("permission", "renewals", "code"), [(False, 0, 10004), (True, 5, 10020)])
def test_a_refused_renewal_is_not_a_lost_authorisation(gateway, sandbox, permission, renewals, code):
    sandbox.control("users", {"open_id": "ou_a", "nickname": "作者甲"})
    token = sandbox.control("tokens", {"open_id": "ou_a"})["refresh_token"]
    for _ in range(renewals):
        token, _expires = gateway.renew_refresh_token(token)
    sandbox.control("app", {"renew_permission": permission})
    with pytest.raises(RenewalUnavailable) as refused:
        gateway.renew_refresh_token(token)
    assert not isinstance(refused.value, AuthorizationLost)
    assert (refused.value.code, refused.value.kind) == (code, "platform") and refused.value.logid


def test_the_gateway_passes_plain_answers_and_addresses(gateway, sandbox):
    sandbox.control("shortlinks", {"code": "gw0001", "video_id": PRIVATE_ID})
    assert gateway.resolve_short_link("gw0001") == gateway.client.resolve_short_link("gw0001")
    assert gateway.share_base == sandbox.url + "/iesdouyin"
    assert gateway.share_url("7") == sandbox.url + "/iesdouyin/share/video/7/"
    assert gateway.player_url("7") == sandbox.url + "/open/player/video?vid=7&autoplay=0"
    assert gateway.authorize_url(redirect_uri="https://x/cb", state="s", scopes=["user_info"]) == (
        gateway.client.authorize_url(redirect_uri="https://x/cb", state="s", scopes=["user_info"]))


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, also inside functions (``from . import x`` resolved)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
    return found


def _offenders(folder: str, forbidden: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    return sorted(f"{path.relative_to(PACKAGE.parent)} imports {name}"
                  for path in (PACKAGE / folder).rglob("*.py") if path.name not in skip
                  for name in _imports(path) if name == forbidden or name.startswith(forbidden + "."))


def test_the_domain_imports_nothing_of_douyin():
    assert _offenders("domain", "contest.douyin") == []


def test_the_client_and_the_sandbox_import_nothing_of_the_domain():
    # The gateway and the author's videos are the adapters: they alone may.
    assert _offenders("douyin", "contest.domain", skip=("gateway.py", "author.py")) == []
