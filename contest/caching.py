"""The public cache: leaderboards and the gallery.

Values are computed from public data only (never per user) and cached with Flask-Caching
(Redis when ``CONTEST_REDIS_URL`` is set, so every web process shares them; else in this
process). Each key carries the **public-data version** stored in the database
(``cache_version``). That version is bumped in the same transaction as any change that can
alter a public list — a like reading, a tally or its correction, an entry's status or consent, an award list,
a nickname — by one ORM listener below, so the change made by any process (a web request,
``poll-likes``, an RQ worker) invalidates every process's cache the moment it commits.
Code that writes those tables with Core bulk statements calls :func:`bump` itself.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from flask import Flask

from contest.domain import clock
from contest.extensions import cache, db
from contest.models import (
    CacheVersion, Contest, ContestArea, ContestTheme, Entry, EntryTally, Snapshot, TallyCorrection, User,
)
from contest.models.awards import AwardList, AwardPlace

T = TypeVar("T")
SCOPE = "public"
# A view marks a response every visitor may share with this header (an ISO 8601 instant: until
# when it holds); :class:`PublicResponses` stores it and strips the header.
CACHE_UNTIL = "X-Public-Cache-Until"
RESPONSE_PATHS = frozenset({"/api/v1/leaderboards/popularity"})
log = logging.getLogger(__name__)

# Every change to these rows may change a public list.
_WATCHED = (Entry, EntryTally, Snapshot, TallyCorrection, AwardList, AwardPlace, Contest, ContestTheme, ContestArea)
# Of a user, only what the public sees (sign-ins and the like don't invalidate anything).
_USER_PUBLIC = ("nickname",)


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


@event.listens_for(Session, "before_flush")
def _note_public_change(session: Session, flush_context, instances) -> None:
    if _changes_public_data(session):
        session.info["public_changed"] = True


@event.listens_for(Session, "after_flush")
def _bump_once_per_transaction(session: Session, flush_context) -> None:
    if session.info.pop("public_changed", False) and not session.info.get("public_bumped"):
        bump(session.connection())
        session.info["public_bumped"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_bump(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("public_bumped", None)


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


class PublicResponses:
    """WSGI middleware in front of Flask for the public JSON boards (:data:`RESPONSE_PATHS`).

    A warm board would otherwise cost several times a health check — resolving the contest,
    routing, contexts — for bytes that only change with the public-data version. So a GET of
    those paths is answered here from the finished response stored under its path, query
    string and :func:`current_version` (one small query and one cache read), while the
    stored response's ``valid_until`` lasts (the next window boundary: the current contest
    and the freeze depend on the clock). Only responses their view marked with
    :data:`CACHE_UNTIL` are stored (200s, the same for every visitor, with no cookie); the
    rest, and every cache outage, go through Flask as usual.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self._engine = self._backend = None

    def _parts(self):
        if self._engine is None:  # resolved once: a hit needs no application context
            with self.app.app_context():
                self._engine, self._backend = db.engine, cache.cache
        return self._engine, self._backend

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or path not in RESPONSE_PATHS:
            return self.wsgi_app(environ, start_response)
        engine, backend = self._parts()
        try:
            with engine.connect() as connection:
                version = current_version(connection)
        except sa.exc.DBAPIError:  # Flask answers (503) and logs it
            return self.wsgi_app(environ, start_response)
        key = f"pub:response:v{version}:{path}?{environ.get('QUERY_STRING', '')}"
        try:
            stored = backend.get(key)
        except Exception:
            log.warning("public cache unavailable (response %s)", path, exc_info=True)
            return self.wsgi_app(environ, start_response)
        if stored is not None and clock.now() < stored[0]:
            _, status, headers, body = stored
            start_response(status, list(headers))
            return [body]
        return self._answer_and_store(environ, start_response, backend, key)

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
