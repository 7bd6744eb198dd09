"""The public cache: leaderboards and the gallery.

Values are computed from public data only (never per user) and cached with Flask-Caching
(Redis when ``CONTEST_REDIS_URL`` is set, so every web process shares them; else in this
process). Each key carries the **public-data version** stored in the database
(``cache_version``). That version is bumped in the same transaction as any change that can
alter a public list — a like reading, a tally or its correction, an entry's status or consent, an award list,
a nickname — by the ORM listeners below (:data:`SESSION_LISTENERS`, registered by the factory), so the change made by any process (a web request,
``poll-likes``, an RQ worker) invalidates every process's cache the moment it commits.
Code that writes those tables with Core bulk statements calls :func:`bump` itself.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from flask import Flask, Response
from werkzeug.http import is_resource_modified

from contest import clock
from contest.extensions import cache, db
from contest.models import (
    CacheVersion, Contest, ContestArea, ContestTheme, Entry, EntryTally, Snapshot, TallyCorrection, User,
)
from contest.models.awards import Announcement, AwardList, AwardPlace
from contest.models.objection import Objection

T = TypeVar("T")
SCOPE = "public"
# A view marks a response every visitor may share with this header (an ISO 8601 instant: until
# when it holds); :class:`PublicResponses` stores it and strips the header.
CACHE_UNTIL = "X-Public-Cache-Until"
RESPONSE_PATHS = frozenset({"/api/v1/leaderboards/popularity"})
# The public pages a signed-out visitor gets from the store (request without a session cookie).
PAGE_PATHS = frozenset({"/", "/leaderboards", "/gallery", "/areas", "/winners", "/rules", "/announcements", "/privacy"})
_PAGE_PATTERN = re.compile(r"/(?:gallery|people)/[0-9]{1,10}")
log = logging.getLogger(__name__)

# Every change to these rows may change a public list or page (objections: the counts /winners shows).
_WATCHED = (Entry, EntryTally, Snapshot, TallyCorrection, AwardList, AwardPlace, Contest, ContestTheme, ContestArea,
            Announcement, Objection)
# Of a user, only what the public sees (sign-ins and the like don't invalidate anything).
_USER_PUBLIC = ("nickname",)


def is_public_page(path: str) -> bool:
    """A page every signed-out visitor sees alike, kept in the store (:data:`PAGE_PATHS`, entry and profile pages)."""
    return path in PAGE_PATHS or _PAGE_PATTERN.fullmatch(path) is not None


def current_version(bind: Session | sa.Connection | None = None) -> int:
    return (bind or db.session).scalar(sa.select(CacheVersion.version).where(CacheVersion.scope == SCOPE)) or 0


def bump(connection: sa.Connection) -> None:
    """Move the public-data version on, inside the caller's transaction."""
    table = CacheVersion.__table__
    moved = connection.execute(
        table.update().where(table.c.scope == SCOPE).values(version=table.c.version + 1)).rowcount
    if not moved:  # a database created without the migration's row
        connection.execute(table.insert().values(scope=SCOPE, version=1))


def _changes_public_data(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _WATCHED):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            return True
        if isinstance(obj, User) and obj not in session.new:  # a new user has no public entry yet
            state = sa.inspect(obj)
            if obj in session.deleted or any(state.attrs[name].history.has_changes() for name in _USER_PUBLIC):
                return True
    return False


def _note_public_change(session: Session, flush_context, instances) -> None:
    if _changes_public_data(session):
        session.info["public_changed"] = True


def _bump_once_per_transaction(session: Session, flush_context) -> None:
    if session.info.pop("public_changed", False) and not session.info.get("public_bumped"):
        bump(session.connection())
        session.info["public_bumped"] = True


def _forget_bump(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("public_bumped", None)


# (event, listener) on every Session, registered by the factory.
SESSION_LISTENERS = (("before_flush", _note_public_change), ("after_flush", _bump_once_per_transaction),
                     ("after_transaction_end", _forget_bump))


def front_parts(app: Flask) -> tuple[sa.Engine, object]:
    """The database engine and the cache backend of the middleware in front of Flask, whose reads
    are one statement each (the public-data version; a signed-in session's row). On PostgreSQL the
    engine reads in autocommit: one round trip a read, where a transaction would add a BEGIN and
    a ROLLBACK to each."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        return engine, cache.cache


def cached_public(name: str, compute: Callable[[], T], **params) -> T:
    """``compute()``, from the cache when this version of the public data has it.

    ``compute`` must return plain, picklable values built from public data only; ``params``
    (contest slug, filters, page, whether the board is frozen…) complete the key.
    """
    key = ":".join([f"pub:{name}:v{current_version()}", *(f"{k}={params[k]}" for k in sorted(params))])
    try:
        value = cache.get(key)
    except Exception:  # a cache outage slows pages down; it never breaks them
        log.warning("public cache unavailable (get %s)", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value)
        except Exception:
            log.warning("public cache unavailable (set %s)", name, exc_info=True)
    return value


def shared_until(now: datetime, boundary: datetime | None) -> datetime:
    """Until when a shared page rendered at ``now`` holds: the next window boundary, and at the
    latest the next whole minute (pages show times and countdowns to the minute)."""
    minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return min(minute, boundary) if boundary else minute


def mark_shared(response: Response, until: datetime, now: datetime, edge_seconds: int) -> None:
    """Mark ``response`` as the same for every signed-out visitor until ``until``: the store in
    front of Flask keeps it (:data:`CACHE_UNTIL`), nginx for ``edge_seconds``
    (``X-Accel-Expires``; ``CONTEST_EDGE_CACHE_SECONDS``, the spike absorber in front of the
    instances, whose own store is exact); browsers revalidate every time (``ETag``/``Last-Modified``)."""
    response.headers[CACHE_UNTIL] = until.isoformat()
    if edge_seconds:
        response.headers["X-Accel-Expires"] = str(edge_seconds)
    response.cache_control.no_cache = True
    response.last_modified = now
    response.add_etag()


def response_key(version: int, environ) -> str:
    """Where the response to this GET is stored: scheme, host, path and query, and the version."""
    return (f"pub:response:v{version}:{environ.get('wsgi.url_scheme')}://{environ.get('HTTP_HOST', '')}"
            f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")


def stored_page(environ, version: int | None = None, backend=None) -> str | None:
    """The page a signed-out visitor gets for this request, when one is stored and still holds
    (at the public-data ``version`` when known, else the current one)."""
    try:
        stored = (backend or cache.cache).get(response_key(current_version() if version is None else version, environ))
    except Exception:
        log.warning("public cache unavailable (page %s)", environ.get("PATH_INFO"), exc_info=True)
        return None
    if stored is None or not clock.now() < stored[0] or not stored[1].startswith("200 "):
        return None
    return stored[3].decode()


class PublicResponses:
    """WSGI middleware in front of Flask for the public JSON boards (:data:`RESPONSE_PATHS`) and,
    for a visitor with no session cookie, the public pages (:data:`PAGE_PATHS`, entry and profile pages).

    A warm board or page would otherwise cost several times a health check — resolving the
    contest, routing, contexts, rendering — for bytes that only change with the public-data
    version. So a GET of those paths is answered here from the finished response stored under
    its scheme, host, path, query string and :func:`current_version` (one small query and one
    cache read), while the stored response's ``valid_until`` lasts (see :func:`shared_until`).
    Only responses their view marked with :data:`CACHE_UNTIL` are stored (200s, the same for
    every visitor, with no cookie); the rest, and every cache outage, go through Flask as usual.
    A request whose ``If-None-Match``/``If-Modified-Since`` matches the stored response gets a 304.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self._engine = self._backend = None
        names = "|".join(re.escape(app.config[k]) for k in ("SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME")
                         if app.config.get(k))
        self._signed = re.compile(rf"(?:^|[;,]\s*)(?:{names})=") if names else None

    def _parts(self):
        if self._engine is None:  # resolved once: a hit needs no application context
            self._engine, self._backend = front_parts(self.app)
        return self._engine, self._backend

    def storable(self, environ) -> bool:
        """A GET of a public JSON board, or of a public page by a visitor with no session cookie."""
        if environ.get("REQUEST_METHOD") != "GET":
            return False
        path = environ.get("PATH_INFO", "")
        if path in RESPONSE_PATHS:
            return True
        if not is_public_page(path):
            return False
        return not (self._signed and self._signed.search(environ.get("HTTP_COOKIE", "")))

    def __call__(self, environ, start_response):
        if not self.storable(environ):
            return self.wsgi_app(environ, start_response)
        engine, backend = self._parts()
        try:
            with engine.connect() as connection:
                version = current_version(connection)
        except sa.exc.DBAPIError:  # Flask answers (503) and logs it
            return self.wsgi_app(environ, start_response)
        key = response_key(version, environ)
        try:
            stored = backend.get(key)
        except Exception:
            log.warning("public cache unavailable (response %s)", environ.get("PATH_INFO"), exc_info=True)
            return self.wsgi_app(environ, start_response)
        if stored is not None and clock.now() < stored[0]:
            _, status, headers, body = stored
            return self._stored(environ, start_response, status, headers, body)
        return self._answer_and_store(environ, start_response, backend, key)

    @staticmethod
    def _stored(environ, start_response, status, headers, body):
        found = {k.lower(): v for k, v in headers}
        if "etag" in found and not is_resource_modified(environ, etag=found["etag"].strip('"'),
                                                        last_modified=found.get("last-modified")):
            start_response("304 Not Modified", [(k, v) for k, v in headers
                                                if k.lower() not in ("content-length", "content-type")])
            return []
        start_response(status, list(headers))
        return [body]

    def _answer_and_store(self, environ, start_response, backend, key):
        seen: list = []

        def capture(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return lambda data: None  # the body is collected below, not written early

        iterable = self.wsgi_app(environ, capture)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        status, headers = seen
        until = next((v for k, v in headers if k == CACHE_UNTIL), None)
        headers = [(k, v) for k, v in headers if k != CACHE_UNTIL]
        if until is not None and status.startswith("200 ") and not any(k.lower() == "set-cookie" for k, _ in headers):
            try:
                backend.set(key, (datetime.fromisoformat(until), status, tuple(headers), body))
            except Exception:
                log.warning("public cache unavailable (store %s)", environ.get("PATH_INFO"), exc_info=True)
        start_response(status, headers)
        return [body]


def serve_cached_responses(app: Flask) -> None:
    app.wsgi_app = PublicResponses(app, app.wsgi_app)
