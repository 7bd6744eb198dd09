"""Signing in and out of the site, on server-side sessions (:mod:`contest.domain.sessions`).

Flask-Login keeps the account id in the signed session cookie (``_user_id``), and
:data:`SESSION_TOKEN` the session's token next to it. The user loader accepts the cookie only
while the token's row exists, so a copy of the cookie stops working the moment the session
ends; a remember-me cookie, which carries no token, never signs anyone in. Also here: the
``Cache-Control: no-store`` on everything a signed-in visitor sees and on every JSON answer
about a person.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import Flask, g, request, session
from flask_login import current_user, login_user, logout_user
from werkzeug.http import parse_cookie

from contest.integrations import caching
from contest import clock
from contest.domain import sessions
from contest.extensions import db, login_manager
from contest.models import CacheVersion, User, UserSession
from contest.models.notification import Notification
from contest.web.numbers import parse_id

log = logging.getLogger(__name__)

SESSION_TOKEN = "_session_token"
OFFERED = "contest.visitor_regions"  # the environ key of regions offered to SignedInPages


def _end_this_session() -> None:
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        sessions.end_session(token)


def sign_in(user: User) -> None:
    """Start a session for ``user`` in a fresh cookie: nothing from before (a fixated id, a
    pending sign-up phone, the session of whoever was signed in here) survives. Commits."""
    _end_this_session()
    session.clear()
    token = sessions.start_session(user, now=clock.now(), user_agent=request.headers.get("User-Agent"))
    db.session.commit()
    login_user(user)
    session[SESSION_TOKEN] = token


def sign_out() -> None:
    """End this browser's session on the server, then empty its cookie. Commits."""
    _end_this_session()
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it may leave a note to delete a remember-me cookie


def _about_a_person() -> bool:
    """JSON answers about a person, signed in or not: /api/v1/me and below, the data download,
    the staff API."""
    path = request.path
    return (request.blueprint == "staff_api" or request.endpoint == "accounts.my_data"
            or path == "/api/v1/me" or path.startswith("/api/v1/me/"))


@dataclass(frozen=True)
class VisitorState:
    """Everything the visitor regions of a page show of a signed-in person, as the database has it now."""

    role: str
    nickname: str
    unread: int


@dataclass(frozen=True)
class _Regions:
    token_hash: str  # the session they were rendered for
    state: VisitorState
    regions: dict[str, str]
    headers: tuple[tuple[str, str], ...]  # of the signed-in answer, but its length
    made: float  # time.time(): the same clock in every process that reads the shared copy


class SignedInPages:
    """WSGI middleware: a signed-in visitor's GET of a stored public page without Flask.

    The first time a session opens a public page, Flask answers it as usual
    (:func:`contest.web.public_pages.public_page` splices the visitor's regions into the stored
    signed-out page) and the regions it rendered are kept for :data:`MAX_AGE`, in this process
    and in the cache (Redis in production: the other workers and instances find them there),
    under the hash of the whole session cookie, the client's address and ``User-Agent`` (what
    Flask-Login's session protection looks at) and ``?contest=`` (the navigation keeps it) — but
    only when that answer left the session unchanged (no message shown, no new token, no cookie set).
    A later request with the same key is answered here with one indexed query — the session's
    row joined with its account, the account's unread count and the public-data version, in
    one statement — and one cache read (the stored page): the session must still exist (signing
    out deletes the row, so it ends at once on every instance), must not be due a last-seen
    write, and the account's role, nickname and unread count must be those the regions show;
    otherwise, and on any error, Flask answers. One person's regions can only be served to the
    holder of that person's session cookie.
    """

    MAX_KEPT = 4096  # region sets kept in this process (the cache keeps more)
    MAX_AGE = 300  # seconds a kept region set is used before Flask renders it again
    PREFIX = "signed-in:"  # the cache keys of the shared copies: PREFIX + key()

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.shared = None  # the public store in front (caching.PublicResponses): a signed-out request through it
        self._kept: OrderedDict[str, _Regions] = OrderedDict()
        self._lock = threading.Lock()
        self._engine = self._backend = None
        self._cookie = app.config["SESSION_COOKIE_NAME"]

    def key(self, environ) -> str | None:
        """Whose regions this request would show; None without a session cookie."""
        cookie = parse_cookie(environ).get(self._cookie)
        if not cookie:
            return None
        parts = (cookie, environ.get("HTTP_X_FORWARDED_FOR", ""), environ.get("REMOTE_ADDR", ""),
                 environ.get("HTTP_USER_AGENT", ""), _contest_arg(environ.get("QUERY_STRING", "")))
        return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def keep(self, key: str, token_hash: str, state: VisitorState, regions: dict[str, str], headers) -> None:
        entry = _Regions(token_hash, state, dict(regions),
                         tuple((k, v) for k, v in headers if k.lower() != "content-length"), time.time())
        self._keep_here(key, entry)
        try:
            self._parts()[1].set(self.PREFIX + key, entry, timeout=self.MAX_AGE)
        except Exception:  # the cache is down: this process still has them
            log.warning("could not share a signed-in visitor's regions", exc_info=True)

    def _keep_here(self, key: str, entry: _Regions) -> None:
        with self._lock:
            self._kept[key] = entry
            self._kept.move_to_end(key)
            while len(self._kept) > self.MAX_KEPT:
                self._kept.popitem(last=False)

    def kept(self, key: str) -> _Regions | None:
        """The regions kept for ``key`` while they are young enough: this process's, else the
        shared copy another process kept (then kept here as well)."""
        def young(entry) -> bool:
            return isinstance(entry, _Regions) and time.time() - entry.made <= self.MAX_AGE

        entry = self._kept.get(key)
        if not young(entry):
            try:
                entry = self._parts()[1].get(self.PREFIX + key)
            except Exception:
                entry = None
            if not young(entry):
                return None
            self._keep_here(key, entry)
        return entry

    def forget(self, key: str) -> None:
        with self._lock:
            self._kept.pop(key, None)
        try:
            self._parts()[1].delete(self.PREFIX + key)
        except Exception:
            log.warning("could not forget a signed-in visitor's shared regions", exc_info=True)

    def _parts(self):
        if self._engine is None:
            self._engine, self._backend = caching.front_parts(self.app)
        return self._engine, self._backend

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not caching.is_public_page(environ.get("PATH_INFO", "")):
            return self.wsgi_app(environ, start_response)
        key = self.key(environ)
        kept = self.kept(key) if key else None
        if kept is None:
            if key is not None:
                self._signed_out_page(environ)  # stored first, so that Flask splices rather than renders
            return self._through_flask(environ, start_response, key)
        try:
            body = self._page(environ, kept)
        except Exception:  # the database or the cache: Flask answers (and logs what it must)
            body = False
        if body is False:  # the regions no longer hold: Flask renders them again, into a stored page
            self.forget(key)
            self._signed_out_page(environ)
        if not body:
            return self._through_flask(environ, start_response, key)
        start_response("200 OK", [*kept.headers, ("Content-Length", str(len(body)))])
        return [body]

    def _through_flask(self, environ, start_response, key: str | None):
        if key is None:
            return self.wsgi_app(environ, start_response)

        def capture(status, headers, exc_info=None):
            offered = environ.pop(OFFERED, None)
            if (offered is not None and status.startswith("200 ")
                    and not any(k.lower() == "set-cookie" for k, _ in headers)):
                self.keep(key, *offered, headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.wsgi_app(environ, capture)

    def _page(self, environ, kept: _Regions) -> bytes | bool:
        """The page with the kept regions; False when they no longer hold (the session ended, the
        account changed), None when no signed-out page is stored for this request."""
        engine, backend = self._parts()
        now = clock.now()
        with engine.connect() as connection:
            row = connection.execute(_visitor_query(), {"token_hash": kept.token_hash,
                                                        "idle_since": now - sessions.IDLE_LIMIT}).first()
        if row is None:
            return False  # the session has ended (or idled out)
        version, last_seen_at, role, nickname, unread = row
        if (now - last_seen_at >= sessions.LAST_SEEN_GRANULARITY
                or VisitorState(_role_value(role), nickname, unread or 0) != kept.state):
            return False
        page = caching.stored_page(environ, version or 0, backend) or self._signed_out_page(environ)
        if page is None:
            return None
        return splice(page, kept.regions).encode()

    def _signed_out_page(self, environ) -> str | None:
        """The page a signed-out visitor gets for this request, through the public store (which
        keeps it for everyone): so signed-in visitors alone keep the stored pages fresh."""
        if self.shared is None:
            return None
        anonymous = {k: v for k, v in environ.items()
                     if k not in ("HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")}
        seen = []
        with self.app.app_context():  # its own g, whatever context the caller has (a test's)
            body = b"".join(self.shared(anonymous, lambda status, headers, exc_info=None: seen.append(status)))
        return body.decode() if seen and seen[0].startswith("200 ") else None


def _role_value(role) -> str:
    return getattr(role, "value", role)


def _contest_arg(query: str) -> str:
    return next((part for part in query.split("&") if part.startswith("contest=")), "")


@lru_cache(maxsize=1)
def _visitor_query():
    """The session's account as its regions show it, and the public-data version: one statement
    (built once; ``token_hash`` and ``idle_since`` are bound per request)."""
    unread = (sa.select(sa.func.count()).select_from(Notification)
              .where(Notification.user_id == UserSession.user_id, Notification.read_at.is_(None))
              .scalar_subquery())
    version = sa.select(CacheVersion.version).where(CacheVersion.scope == caching.SCOPE).scalar_subquery()
    return (sa.select(version, UserSession.last_seen_at, User.role, User.nickname, unread)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == sa.bindparam("token_hash", type_=UserSession.token_hash.type),
                   UserSession.last_seen_at > sa.bindparam("idle_since", type_=UserSession.last_seen_at.type),
                   User.active.is_(True)))


# The parts of base.html that depend on the visitor (templates/_visitor*.html), between markers.
VISITOR_REGION = re.compile(r"<!--visitor:(\w+)-->.*?<!--/visitor:\1-->", re.S)


def splice(page: str, regions: dict[str, str]) -> str:
    """``page`` (a stored signed-out page) with the visitor ``regions`` in place of its own."""
    return VISITOR_REGION.sub(lambda m: regions[m.group(1)], page)


def serve_signed_in_pages(app: Flask) -> None:
    app.wsgi_app = SignedInPages(app, app.wsgi_app)
    app.extensions["signed_in_pages"] = app.wsgi_app


def remember_regions(regions: dict[str, str], unread: int) -> None:
    """Called by the view that spliced ``regions`` into a stored page for the signed-in visitor:
    they may be kept for this session once the answer proves to leave the session unchanged."""
    g.visitor_regions = (regions, VisitorState(current_user.role.value, current_user.nickname, unread))


def register(app: Flask) -> None:
    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        token = session.get(SESSION_TOKEN)
        number = parse_id(user_id)
        if not isinstance(token, str) or number is None:
            return None
        found = sessions.user_for_session(token, now=clock.now())
        if found is None or found[0].id != number:
            return None
        user, seen = found
        if seen:
            db.session.commit()  # safe: the hook below loads the user before any view runs
        return user

    @app.before_request
    def _load_signed_in_user():
        # Static files skip the session look-up: they are the same for everyone.
        if request.endpoint != "static" and SESSION_TOKEN in session:
            current_user._get_current_object()
        return None

    @app.after_request
    def _offer_regions(response):
        # For SignedInPages, which keeps them if the answer it sees sets no cookie.
        kept = g.pop("visitor_regions", None)
        token = session.get(SESSION_TOKEN)
        if kept is not None and isinstance(token, str) and response.status_code == 200 and not session.modified:
            request.environ[OFFERED] = (sessions.token_hash(token), kept[1], kept[0])
        return response

    @app.after_request
    def _no_store(response):
        if request.endpoint == "static" or caching.CACHE_UNTIL in response.headers:
            return response  # the same for every visitor (a stored public board never has a cookie)
        if _about_a_person() or current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
