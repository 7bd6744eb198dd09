"""Domain errors: each carries a message a user can read (Simplified Chinese)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason an entry cannot (yet) count, with a stable code and a message for the user."""

    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class DomainError(Exception):
    """A rule said no. ``message`` is for the user; views show it as is."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Refused(DomainError):
    """A submission was refused for one or more :class:`Problem` s."""

    def __init__(self, problems: list[Problem], status: int = 422):
        super().__init__("；".join(p.message for p in problems))
        self.problems = problems
        self.status = status


class PlatformError(Exception):
    """Douyin failed or refused. ``message`` is for the user; ``code`` is the platform's error
    code (or the HTTP status), ``kind`` how the call failed (timeout, platform, …) and ``logid``
    the answer's log id (Douyin support asks for it), as the integration that translated the
    failure reported them (None when unknown)."""

    message = "暂时无法连接抖音，请稍后再试。"

    def __init__(self, message: str | None = None, *, code: int | None = None, kind: str | None = None,
                 logid: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code
        self.kind = kind
        self.logid = logid


class VideoGoneError(PlatformError):
    """The video does not exist (any more), is private, or its author is banned."""


class AuthorizationLost(PlatformError):
    """The entrant's Douyin authorisation no longer works (expired, revoked, scope missing):
    they must authorise again. The entry keeps its last known data."""

    message = "抖音授权已失效，请重新授权。"


class TokenRejected(AuthorizationLost):
    """The access token itself was refused (invalid or expired, also right after the user revoked
    the authorisation in the Douyin app): a refresh decides whether the grant still works."""


class RateLimited(PlatformError):
    """Douyin said the calls come too fast (after the retries at a slower pace)."""


class QuotaExhausted(PlatformError):
    """The site's call quota with Douyin is used up: nobody's fault; try again later."""


class CapabilityUnavailable(PlatformError):
    """Douyin retired or withheld a capability from the site's application (the organisers'
    matter): fall back where there is a way (paste a link), and alert the organisers."""


class RenewalUnavailable(PlatformError):
    """A refresh token cannot be renewed (the application lacks the renew permission, or the five
    renewals are used up); it keeps working until it expires."""


class Forbidden(DomainError):
    status = 403
