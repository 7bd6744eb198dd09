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
    code (or the HTTP status) and ``kind`` how the call failed (timeout, platform, …), as the
    integration that translated the failure reported them (None when unknown)."""

    message = "暂时无法连接抖音，请稍后再试。"

    def __init__(self, message: str | None = None, *, code: int | None = None, kind: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code
        self.kind = kind


class VideoGoneError(PlatformError):
    """The video does not exist (any more), is private, or its author is banned."""


class AuthorizationLost(PlatformError):
    """The entrant's Douyin authorisation no longer works (expired, revoked, scope missing):
    they must authorise again. The entry keeps its last known data."""

    message = "抖音授权已失效，请重新授权。"


class Forbidden(DomainError):
    status = 403
