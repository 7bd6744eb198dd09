"""The Douyin client's errors: every failure is a :class:`DouyinError` keeping the platform's code.

They belong to the integration: the domain has its own (``contest.domain.errors``), and
:mod:`contest.douyin.gateway` translates one into the other.
"""

from __future__ import annotations


class DouyinError(Exception):
    """A call to Douyin failed. ``kind``: timeout, network, http, bad_json, platform, refused.

    ``code`` is the platform's error code (kind platform) or the HTTP status; ``description``
    is the platform's own text (for logs and support); ``message`` is Simplified Chinese for
    the user.
    """

    default_message: str | None = None

    def __init__(self, kind: str, code: int | None = None, description: str = "", message: str | None = None):
        super().__init__(f"{kind} {code or ''} {description}".strip())
        self.kind = kind
        self.code = code
        self.description = description
        self.message = message or _default_message(type(self), kind, code)


class VideoUnavailable(DouyinError):
    """The video does not exist, is private, or its author is banned."""

    default_message = "找不到这个视频：它可能已被删除、设为私密或仍在审核中。"


class AccountUnavailable(VideoUnavailable):
    """The author's account is deleted, banned or private (28001045/46/47): none of its videos can be read."""

    default_message = "这个抖音账号已注销、被封禁或设为私密，无法读取视频。"


class DouyinAuthError(DouyinError):
    """The user's Douyin authorisation no longer works (token invalid or expired, scope missing,
    code used, refresh token expired or renewed too often): they must authorise again. Never retried."""

    default_message = "抖音授权已失效，请重新授权。"


class ApiOffline(DouyinError):
    """The platform took this endpoint offline for our app (28001056): fall back to a pasted link."""

    default_message = "抖音接口暂时下线，请改为粘贴视频链接。"


class RateLimited(DouyinError):
    """Quota exhausted (28003017, not retried) or calls too frequent (28003018, retried)."""

    default_message = "访问抖音过于频繁，请稍后再试。"


_AUTH_EXPIRED = "抖音授权已过期，请重新授权。"
_AUTH_INVALID = "抖音授权已失效，请重新授权。"
_SCOPE_MISSING = "你没有授予所需的抖音权限，请重新授权并勾选全部权限。"

# The one table of platform codes: code → (error class, message for the user).
ERRORS: dict[int, tuple[type[DouyinError], str]] = {
    28001003: (DouyinAuthError, _AUTH_INVALID),
    28001008: (DouyinAuthError, _AUTH_EXPIRED),
    28001012: (DouyinAuthError, _SCOPE_MISSING),
    28001015: (DouyinAuthError, "抖音授权与当前抖音账号不匹配，请重新授权。"),
    2190002: (DouyinAuthError, _AUTH_INVALID),
    2190008: (DouyinAuthError, _AUTH_EXPIRED),
    10004: (DouyinAuthError, _SCOPE_MISSING),
    10007: (DouyinAuthError, "抖音授权码已失效（已被使用或超过 10 分钟），请重新授权。"),
    10010: (DouyinAuthError, _AUTH_EXPIRED),
    10020: (DouyinAuthError, "抖音授权续期次数已用完，请重新授权。"),
    28001045: (AccountUnavailable, "这个抖音账号已注销，无法读取视频。"),
    28001046: (AccountUnavailable, "这个抖音账号已被封禁，无法读取视频。"),
    28001047: (AccountUnavailable, "这个抖音账号设为了私密，无法读取视频。"),
    28001056: (ApiOffline, "抖音接口暂时下线，请改为粘贴视频链接。"),
    28003017: (RateLimited, "今天调用抖音接口的次数已用完，请明天再试。"),
    28003018: (RateLimited, "访问抖音过于频繁，请稍后再试。"),
    28001005: (DouyinError, "抖音暂时繁忙，请稍后再试。"),
    28001052: (DouyinError, "抖音暂时限制了访问（风控），请稍后再试。"),
}

_KIND_MESSAGES = {
    "timeout": "连接抖音超时，请稍后再试。",
    "network": "暂时无法连接抖音，请稍后再试。",
    "http": "抖音暂时出错，请稍后再试。",
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


def platform_error(code: int, description: str = "") -> DouyinError:
    """The error for an Open Platform ``error_code`` (≠ 0), through :data:`ERRORS`."""
    cls, message = ERRORS.get(code, (DouyinError, None))
    return cls("platform", code, description, message)
