"""The site's own address: the only origin absolute URLs are built from.

A share link, a QR code, a poster or the Atom feed carries an absolute URL that outlives the
request (nginx and browsers keep them, people print them). They are built from
``CONTEST_PUBLIC_URL`` (the canonical origin, e.g. ``https://contest.example.cn``), never from
what a client sent. A request whose ``Host`` is neither that origin's host nor in
``CONTEST_ALLOWED_HOSTS`` is answered as if it named the canonical origin (its host is replaced
before Flask sees it); without a canonical origin (development, tests) it is refused with a 400.
``X-Forwarded-Host`` is never trusted (wsgi.py's ProxyFix takes only ``-For`` and ``-Proto``).
docs/operations.md, "The canonical address".
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for

UNKNOWN_HOST = "未知的站点地址（Host）。".encode()


def host_name(host: str) -> str:
    """``host`` (a ``Host`` header) without its port, lower case: ``[::1]:8000`` → ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def canonical_url_for(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL on the canonical origin (the request's
    own, already checked by :class:`HostGuard`, when none is configured)."""
    origin = current_app.config["CONTEST_PUBLIC_URL"]
    if origin:
        return origin + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def canonical_root() -> str:
    """The site's root URL with its trailing slash."""
    return canonical_url_for("public.home")


class HostGuard:
    """WSGI middleware (``create_app`` installs it): a ``Host`` outside the allowed ones is
    replaced by the canonical origin's, or refused with a 400 when there is none."""

    def __init__(self, wsgi_app, *, public_url: str, allowed_hosts: tuple[str, ...]):
        self.wsgi_app = wsgi_app
        self.public = urlsplit(public_url) if public_url else None
        self.allowed = {host_name(h) for h in allowed_hosts}
        if self.public:
            self.allowed.add(self.public.hostname)

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or ""
        if host_name(host) not in self.allowed:
            if self.public is None:
                start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Length", str(len(UNKNOWN_HOST)))])
                return [UNKNOWN_HOST]
            environ["HTTP_HOST"] = self.public.netloc
            environ["wsgi.url_scheme"] = self.public.scheme
        return self.wsgi_app(environ, start_response)
