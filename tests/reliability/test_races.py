"""Races closed by the database (issue 23, items 4 and 5), through the real HTTP stack: many
objections filed at the same instant leave one open objection per objector, entry and list (a
partial unique index); two admins demoting each other at the same instant leave one admin."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Callable

import sqlalchemy as sa

from contest.domain.objections import ALREADY_FILED
from contest.domain.staff_accounts import LAST_ADMIN
from contest.extensions import db
from contest.models import AuditEvent, Role, User
from contest.models.objection import Objection
from tests.conftest import count
from tests.support.objections import DRAFT, IN_WINDOW, awards_on_notice
from tests.support.sessions_http import signed_in_session

OBJECTORS, TRIES = 4, 8


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run ``calls`` in threads released together; their results (an exception fails the test)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=120)
            results[i] = calls[i]()
        except BaseException as exc:  # reported below
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_concurrent_objections_leave_one_open_objection_per_objector(live_site, app, make_contest, make_user,
                                                                     freeze, tmp_path):
    app.config["CONTEST_EVIDENCE_DIR"] = str(tmp_path / "evidence")
    contest = make_contest(frozen_at=IN_WINDOW, popularity_award_size=2)
    popularity, entries = awards_on_notice(contest, make_user, make_user(role="admin", nickname="管理员"), freeze)
    freeze(DRAFT + timedelta(days=1))
    phones = [make_user(nickname=f"市民{i}").phone for i in range(OBJECTORS)]
    sessions = [signed_in_session(live_site, phone) for phone in phones]
    path = f"{live_site}/winners/objections/new?list={popularity.id}&entry={entries['E1'].id}"

    def file(http, token):
        return lambda: http.post(path, data={"reason": "刷赞", "csrf_token": token}, timeout=120)

    answers = at_once([file(http, token) for http, token in sessions for _ in range(TRIES)])
    assert sorted(r.status_code for r in answers) == [201] * OBJECTORS + [409] * (OBJECTORS * (TRIES - 1))
    assert all(ALREADY_FILED in r.text for r in answers if r.status_code == 409)
    db.session.expire_all()
    assert count(Objection) == OBJECTORS
    assert sorted(db.session.scalars(sa.select(Objection.user_id))) == sorted(
        db.session.scalars(sa.select(User.id).where(User.phone.in_(phones))))


def test_two_admins_demoting_each_other_at_once_leave_one_admin(live_site, make_user):
    first, second = make_user(role="admin", nickname="甲"), make_user(role="admin", nickname="乙")
    sessions = [signed_in_session(live_site, admin.phone) for admin in (first, second)]

    def demote(session, other):
        http, token = session
        return lambda: http.post(f"{live_site}/staff/users", data={"user_id": str(other.id), "role": "reviewer",
                                                                   "csrf_token": token},
                                 timeout=120, allow_redirects=False)

    answers = at_once([demote(sessions[0], second), demote(sessions[1], first)])
    assert [r.status_code for r in answers] == [302, 302]
    db.session.expire_all()
    roles = sorted(db.session.scalars(sa.select(User.role).where(User.id.in_([first.id, second.id]))))
    assert sorted(role.value for role in roles) == ["admin", "reviewer"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "user.role")) == 1
    pages = [http.get(f"{live_site}/staff/users", timeout=30) for http, _ in sessions]
    said = [LAST_ADMIN in page.text for page in pages]
    assert sorted(said) == [False, True]  # the refused one was told why (its flash)
