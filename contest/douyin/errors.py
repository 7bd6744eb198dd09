"""The Douyin client's errors: every failure is a :class:`DouyinError` keeping the platform's code
and log id.

They belong to the integration: the domain has its own (``contest.domain.errors``), and
:mod:`contest.douyin.gateway` translates one into the other. What each code means, and where the
meaning comes from, is in docs/douyin.md ("Error codes").
"""

from __future__ import annotations


class DouyinError(Exception):
    """A call to Douyin failed. ``kind``: timeout, network, http, blocked, bad_json, platform, refused.

    ``code`` is the platform's error code (kind platform) or the HTTP status; ``description``
    is the platform's own text and ``logid`` the answer's log id (``extra.logid`` or ``log_id``:
    Douyin support asks for it), both for logs and support; ``message`` is Simplified Chinese
    for the user.
    """

    default_message: str | None = None

    def __init__(self, kind: str, code: int | None = None, description: str = "", message: str | None = None,
                 logid: str | None = None):
        super().__init__(f"{kind} {code or ''} {description}".strip() + (f" (logid {logid})" if logid else ""))
        self.kind = kind
        self.code = code
        self.description = description
        self.logid = logid or None
        self.message = message or _default_message(type(self), kind, code)


class VideoUnavailable(DouyinError):
    """The video does not exist, is not visible, or its author is banned."""

    default_message = "找不到这个视频：它可能已被删除、设为私密或仍在审核中。"


class AccountUnavailable(VideoUnavailable):
    """The author's account is deleted, banned or private (28001045/46/47): none of its videos can be read."""

    default_message = "这个抖音账号已注销、被封禁或设为私密，无法读取视频。"


class DouyinAuthError(DouyinError):
    """The user's Douyin authorisation no longer works (scope missing, token of another user, code
    used, refresh token expired or renewed too often): they must authorise again. Never retried."""

    default_message = "抖音授权已失效，请重新授权。"


class AccessTokenRejected(DouyinAuthError):
    """The access token was refused as invalid or expired (28001003/28001008, the old 2190002/
    2190008/10008). Revoking the authorisation in the Douyin app does this at once; a refresh
    (which then fails too) tells a revocation from a token that merely aged."""


class AppNotPermitted(DouyinError):
    """Our application lacks a permission or capability (10004 权限不足, e.g. the renew permission;
    28001014/28001018): the organisers' matter, never the user's."""

    default_message = "本站的抖音应用还没有开通这项能力，请联系主办方。"


class ApiOffline(DouyinError):
    """The platform retired or blocked this capability for our app (28001056, 28001019): fall back
    to a pasted link, and tell the organisers."""

    default_message = "抖音接口暂时下线，请改为粘贴视频链接。"


class RateLimited(DouyinError):
    """Calls too frequent (28003018): retried after a pause."""

    default_message = "访问抖音过于频繁，请稍后再试。"


class QuotaExhausted(DouyinError):
    """The application's call quota is used up (28003017, the old 2190001): nothing to do with the
    video or the user; the next sweep tries again. Not retried now."""

    default_message = "今天调用抖音接口的次数已用完，请明天再试。"


_AUTH_EXPIRED = "抖音授权已过期，请重新授权。"
_AUTH_INVALID = "抖音授权已失效，请重新授权。"
_SCOPE_MISSING = "你没有授予所需的抖音权限，请重新授权并勾选全部权限。"
_QUOTA = "今天调用抖音接口的次数已用完，请明天再试。"
_NOT_PERMITTED = "本站的抖音应用还没有开通这项能力，请联系主办方。"
_RETIRED = "抖音接口暂时下线，请改为粘贴视频链接。"

# The one table of platform codes: code → (error class, message for the user).
ERRORS: dict[int, tuple[type[DouyinError], str]] = {
    28001003: (AccessTokenRejected, _AUTH_INVALID),
    28001008: (AccessTokenRejected, _AUTH_EXPIRED),
    2190002: (AccessTokenRejected, _AUTH_INVALID),
    2190008: (AccessTokenRejected, _AUTH_EXPIRED),
    10008: (AccessTokenRejected, _AUTH_EXPIRED),  # the old code of an expired token, never "video gone"
    28001012: (DouyinAuthError, _SCOPE_MISSING),
    28001015: (DouyinAuthError, "抖音授权与当前抖音账号不匹配，请重新授权。"),
    10007: (DouyinAuthError, "抖音授权码已失效（已被使用或超过 10 分钟），请重新授权。"),
    10010: (DouyinAuthError, _AUTH_EXPIRED),
    10020: (DouyinAuthError, "抖音授权续期次数已用完，请重新授权。"),
    10004: (AppNotPermitted, _NOT_PERMITTED),
    28001014: (AppNotPermitted, _NOT_PERMITTED),
    28001018: (AppNotPermitted, _NOT_PERMITTED),
    28001045: (AccountUnavailable, "这个抖音账号已注销，无法读取视频。"),
    28001046: (AccountUnavailable, "这个抖音账号已被封禁，无法读取视频。"),
    28001047: (AccountUnavailable, "这个抖音账号设为了私密，无法读取视频。"),
    28001056: (ApiOffline, _RETIRED),
    28001019: (ApiOffline, _RETIRED),
    28003017: (QuotaExhausted, _QUOTA),
    2190001: (QuotaExhausted, _QUOTA),  # the old code of an exhausted quota, never "video gone"
    28003018: (RateLimited, "访问抖音过于频繁，请稍后再试。"),
    28001005: (DouyinError, "抖音暂时繁忙，请稍后再试。"),
    28001006: (DouyinError, "抖音网络调用出错，请稍后再试。"),
    28001052: (DouyinError, "抖音暂时限制了访问（风控），请稍后再试。"),
}

_KIND_MESSAGES = {
    "timeout": "连接抖音超时，请稍后再试。",
    "network": "暂时无法连接抖音，请稍后再试。",
    "http": "抖音暂时出错，请稍后再试。",
    "blocked": "抖音暂时拦截了这次访问（可能是风控），请稍后再试，或在抖音里打开视频后复制完整的视频链接。",
    "bad_json": "抖音返回了无法识别的内容，请稍后再试。",
    "refused": "这不是抖音的地址，已拒绝访问。",
}


def _default_message(cls: type[DouyinError], kind: str, code: int | None) -> str:
    if kind == "platform" and code in ERRORS:
        return ERRORS[code][1]
    if cls.default_message:
        return cls.default_message
    if kind == "platform":
        return f"抖音返回了错误（错误码 {code}），请稍后再试。"
    return _KIND_MESSAGES.get(kind, "暂时无法连接抖音，请稍后再试。")


def platform_error(code: int, description: str = "", logid: str | None = None) -> DouyinError:
    """The error for an Open Platform ``error_code`` (≠ 0), through :data:`ERRORS`."""
    cls, message = ERRORS.get(code, (DouyinError, None))
    return cls("platform", code, description, message, logid=logid)
