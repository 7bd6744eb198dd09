"""Signed-in sessions as rows (:class:`~contest.models.UserSession`).

A sign-in starts a session: a random token goes into the browser's session cookie and only
its SHA-256 is stored. A request is signed in only while its token's row exists and its
account is active, so ending a session (deleting its row) ends it on every instance at once,
whatever copies of the cookie exist. :func:`end_sessions` is the one place that ends all of
an account's sessions; it is called by signing out everywhere, :func:`contest.domain.accounts.set_password`,
:func:`contest.domain.staff_accounts.set_role` and :func:`contest.domain.personal_data.delete_account`.
The caller commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.extensions import db
from contest.models import User, UserSession

# Writing on every request would cost a write per page; the time a device was last seen to
# within a few minutes is enough for the privacy page.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)
# A session unused this long has ended (a phone left signed in and forgotten); its row is
# deleted at the account's next sign-in.
IDLE_LIMIT = timedelta(days=90)

# (pattern in the User-Agent header, name shown), first match wins.
_APPS = ((r"aweme|douyin", "抖音"), (r"MicroMessenger", "微信"), (r"Edg/", "Edge"), (r"Firefox/", "Firefox"),
         (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari"))
_SYSTEMS = ((r"iPhone", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android"), (r"HarmonyOS", "鸿蒙"),
            (r"Windows", "Windows"), (r"Macintosh|Mac OS X", "Mac"), (r"Linux", "Linux"))


def token_hash(token: str) -> str:
    """What the database keeps of a session's token (its SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _first(table, text: str) -> str | None:
    return next((name for pattern, name in table if re.search(pattern, text, re.IGNORECASE)), None)


def device_summary(user_agent: str | None) -> str:
    """``微信 · iPhone``, ``Chrome · Windows``…: the app or browser and the system, from a
    ``User-Agent`` header (``未知设备`` when neither is recognised)."""
    text = (user_agent or "")[:512]
    found = [name for name in (_first(_APPS, text), _first(_SYSTEMS, text)) if name]
    return " · ".join(found) or "未知设备"


def start_session(user: User, *, now: datetime, user_agent: str | None = None) -> str:
    """Start a session for ``user`` and return its token (256 random bits), which only the
    session cookie keeps. The account's sessions idle beyond :data:`IDLE_LIMIT` are deleted."""
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.last_seen_at <= now - IDLE_LIMIT))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                               device=device_summary(user_agent)))
    db.session.flush()
    return token


def user_for_session(token: str, *, now: datetime) -> tuple[User, bool] | None:
    """The active account whose session has this token, and whether its last-seen time was
    just recorded (then the caller commits); None once the session has ended (its row is
    gone, or it was idle for :data:`IDLE_LIMIT`).

    One query (the session joined with its user); the time it was last seen is written at
    most every :data:`LAST_SEEN_GRANULARITY`.
    """
    row = db.session.execute(
        sa.select(User, UserSession.id, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token), UserSession.last_seen_at > now - IDLE_LIMIT,
               User.active.is_(True))
    ).first()
    if row is None:
        return None
    user, session_id, last_seen_at = row
    stale = now - last_seen_at >= LAST_SEEN_GRANULARITY
    if stale:
        db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    return user, stale


def end_session(token: str) -> None:
    """End the session with this token (signing out); nothing happens if it already ended."""
    db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_sessions(user: User) -> int:
    """End every session of ``user``, on every device; returns how many there were."""
    return db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id)).rowcount


def sessions_of(user: User) -> list[UserSession]:
    """``user``'s sessions, the most recently seen first."""
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))
