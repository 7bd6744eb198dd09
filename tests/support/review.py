"""Staff and sign-ins for the review pages (``signed_in``, ``staff``, ``reviewer``) and the helpers that post
their forms. (Registered in tests/conftest.py; the entries come from ``make_entry``, tests/support/entries.py.)"""

import html
import re
import pytest
import sqlalchemy as sa
from contest.extensions import db
from contest.models import AuditEvent, Entry
from tests.conftest import csrf_from
# IN_WINDOW, TAGS and VERIFIED live with make_entry; the review tests import them from here too.
from tests.support.entries import IN_WINDOW, TAGS, VERIFIED


ALL = {"slogan": True, "theme": True, "content": True}


@pytest.fixture
def signed_in(app, make_user):
    """``signed_in(user)`` → a fresh test client signed in as ``user`` (one client per person)."""
    def _signed_in(user):
        client = app.test_client()
        token = csrf_from(client, "/accounts/login")
        response = client.post("/accounts/login", data={"phone": user.phone, "password": "secret-pass-1",
                                                        "csrf_token": token})
        assert response.status_code == 302
        return client
    return _signed_in


@pytest.fixture
def staff(make_user):
    def _staff(role="reviewer", areas=(), nickname=None):
        user = make_user(role=role, nickname=nickname or {"admin": "管理员小刘", "reviewer": "审核员小张",
                                                          "judge": "评委老陈"}[role])
        user.area_keys = list(areas)
        db.session.commit()
        return user
    return _staff


@pytest.fixture
def reviewer(staff):
    return staff("reviewer")


def token(client, path="/accounts/login") -> str:
    return csrf_from(client, path)


def decide(client, entry, *, csrf=True, version=None, **fields):
    """Post the review form as a reviewer fills it in (``slogan="y"`` etc. tick the boxes)."""
    data = {"version": str(entry.version if version is None else version), "next": "/staff/?contest=zhuzhou-2020"}
    data.update(fields)
    if csrf:
        data["csrf_token"] = token(client)
    return client.post(f"/staff/entries/{entry.id}/review", data={k: v for k, v in data.items() if v is not None})


APPROVE = {"decision": "approve", "slogan": "y", "theme": "y", "content": "y"}


def fresh(entry) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


def audits():
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def text(page: str) -> str:
    """The page's visible text, tags stripped and spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def flashes(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', page)]


def bulk(client, entries, *, attest="y", csrf=True, versions=None):
    data = {"entry": [f"{e.id}:{(versions or {}).get(e.id, e.version)}" for e in entries],
            "next": "/staff/?contest=zhuzhou-2020"}
    if attest:
        data["attest"] = attest
    if csrf:
        data["csrf_token"] = token(client)
    return client.post("/staff/bulk-approve", data=data)
