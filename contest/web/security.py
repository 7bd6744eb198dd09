"""Security headers, safe redirects, and refusing text no database column can hold."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlsplit

from flask import Flask, request

from contest.web.errors import error_response


def content_security_policy(sandbox_url: str = "") -> str:
    """No inline scripts or styles; Douyin's player in frames; covers from Douyin's
    CDNs (https). In sandbox mode only, covers and the player also from the sandbox."""
    extra = f" {sandbox_url}" if sandbox_url else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: https:{extra}",
        f"frame-src https://open.douyin.com{extra}",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return fallback
    return target


def _texts() -> Iterator[str]:
    yield from (v for v in (request.view_args or {}).values() if isinstance(v, str))
    for data in (request.args, request.form):
        for key, values in data.lists():
            if key is not None:  # werkzeug names a multipart part None when it can't read its name ("\r")
                yield key
            yield from values


def _has_nul() -> bool:
    """U+0000 in a page request's path values, query string or posted form. PostgreSQL refuses it
    in any text, stored or only compared with, so such a request would end in a 500 wherever it
    reached a query. The JSON API checks its own input against its documented answers
    (:mod:`contest.blueprints.api`)."""
    return not request.path.startswith("/api/") and any("\x00" in text for text in _texts())


def register(app: Flask) -> None:
    csp = content_security_policy(app.config["CONTEST_DOUYIN_SANDBOX_URL"])

    @app.before_request
    def _refuse_nul():
        if _has_nul():
            return error_response(400, "请求内容含有无法保存的字符（U+0000），请删除后重试。")
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # The Douyin player needs the full referrer (docs/douyin.md, "Video endpoints": referrerpolicy="unsafe-url"
        # is set on the iframe itself); pages otherwise send the origin only.
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
