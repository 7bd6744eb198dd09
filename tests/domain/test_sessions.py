"""Session rows: start, look up (one query), end one, end all."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from contest.domain import sessions
from contest.extensions import db
from contest.models import UserSession
from tests.conftest import count

T0 = "2020-06-20T10:00:00+08:00"


@pytest.mark.parametrize("agent, summary", [
    ("Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/110 Mobile Safari/537.36"
     " aweme_280000 JsSdk/2.0 AppName/aweme", "抖音 · Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
     " MicroMessenger/8.0.40", "微信 · iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"
     " Edg/120", "Edge · Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17 Safari/605",
     "Safari · Mac"),
    ("curl/8.4", "未知设备"),
    (None, "未知设备"),
])
def test_device_summary_names_the_app_and_the_system(agent, summary):
    assert sessions.device_summary(agent) == summary


def test_a_session_is_found_by_its_token_in_one_query(app, make_user, freeze):
    user = make_user()
    now = freeze(T0)
    token = sessions.start_session(user, now=now, user_agent="curl/8.4")
    db.session.commit()
    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert sessions.user_for_session(token, now=now + timedelta(minutes=1)) == (user, False)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "JOIN user_session" in statements[0]
    assert sessions.user_for_session(token + "x", now=now) is None


def test_end_session_and_end_sessions(app, make_user, freeze):
    alice, bob = make_user(), make_user()
    now = freeze(T0)
    first, second = (sessions.start_session(alice, now=now) for _ in range(2))
    bobs = sessions.start_session(bob, now=now)
    sessions.end_session(first)
    assert sessions.user_for_session(first, now=now) is None
    assert sessions.user_for_session(second, now=now) == (alice, False)
    assert sessions.end_sessions(alice) == 1
    assert sessions.user_for_session(second, now=now) is None
    assert sessions.user_for_session(bobs, now=now) == (bob, False)
    assert count(UserSession) == 1


def test_sessions_of_lists_the_most_recently_seen_first(app, make_user, freeze):
    user = make_user()
    now = freeze(T0)
    older = sessions.start_session(user, now=now - timedelta(hours=1))
    sessions.start_session(user, now=now)
    sessions.user_for_session(older, now=now + timedelta(hours=1))
    listed = sessions.sessions_of(user)
    assert [s.last_seen_at for s in listed] == [now + timedelta(hours=1), now]
    assert db.session.scalars(sa.select(UserSession.device)).all() == ["未知设备", "未知设备"]
