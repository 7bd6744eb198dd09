"""Fifty citizens submit the same video at the same instant, through the real HTTP stack."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Entry, EntryEvent
from tests.conftest import count
from tests.support.sessions_http import signed_in_session

CITIZENS = 50
IN_WINDOW = "2020-06-25T12:00:00+08:00"


def test_fifty_concurrent_submissions_of_one_video_make_exactly_one_entry(live_site, make_contest, make_user,
                                                                          publish, freeze):
    freeze(IN_WINDOW)
    make_contest()
    video_id = publish()
    phones = [make_user(nickname=f"市民{i}").phone for i in range(CITIZENS)]
    barrier = threading.Barrier(CITIZENS)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def submit(phone: str) -> None:
        try:
            http, token = signed_in_session(live_site, phone)
            body = {"text": f"https://www.douyin.com/video/{video_id}", "theme": "life", "area": "tianyuan",
                    "accept_rules": True, "show_nickname": False}
            barrier.wait(timeout=120)
            response = http.post(f"{live_site}/api/v1/entries", json=body, headers={"X-CSRFToken": token},
                                 timeout=120)
            answers.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below, with the others' answers
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (CITIZENS - 1)
    db.session.expire_all()
    entry = db.session.scalar(sa.select(Entry))
    assert count(Entry) == 1 and count(EntryEvent) == 1
    created = [body for status, body in answers if status == 201]
    assert created == [{"id": entry.id, "status": "pending", "problems": []}]
    refusals = [body for status, body in answers if status == 409]
    assert {tuple(p["code"] for p in body["problems"]) for body in refusals} == {("already_entered",)}
    assert len({body["error"] for body in refusals}) == 1
