"""Signing in and out of the site, on server-side sessions (:mod:`contest.domain.sessions`).

Flask-Login keeps the account id in the signed session cookie (``_user_id``), and
:data:`SESSION_TOKEN` the session's token next to it. The user loader accepts the cookie only
while the token's row exists, so a copy of the cookie stops working the moment the session
ends; a remember-me cookie, which carries no token, never signs anyone in. Also here: the
``Cache-Control: no-store`` on everything a signed-in visitor sees and on every JSON answer
about a person.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user, login_user, logout_user

from contest.integrations import caching
from contest import clock
from contest.domain import sessions
from contest.extensions import db, login_manager
from contest.models import User
from contest.web.numbers import parse_id

SESSION_TOKEN = "_session_token"


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
    def _no_store(response):
        if request.endpoint == "static" or caching.CACHE_UNTIL in response.headers:
            return response  # the same for every visitor (a stored public board never has a cookie)
        if _about_a_person() or current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
