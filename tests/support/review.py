"""A contest, entries, staff and sign-ins for the review pages. (Shared by several test modules.)"""

import html
import re
from datetime import datetime
import pytest
import sqlalchemy as sa
from contest import clock
from contest.domain.entries import entry_checks
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryEvent, EntryStatus
from tests.conftest import build_entry, csrf_from, video_id_at


IN_WINDOW = "2020-06-25T12:00:00+08:00"


TAGS = "#动力株洲文旅通 @株洲足迹"


VERIFIED = {"owner": "platform", "published_at": "platform", "caption": "platform"}


ALL = {"slogan": True, "theme": True, "content": True}


@pytest.fixture
def author(make_user):
    return make_user(nickname="作者小王", phone="13812345678")


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


@pytest.fixture
def make_entry(contest, author):
    serial = iter(range(1, 1_000_000))

    def _make(*, area="hetang", theme="life", facts=VERIFIED, status=EntryStatus.PENDING, caption=f"株洲的早晨 {TAGS}",
              user=None, video_id=None, checks=None):
        now = clock.now()
        entry = build_entry(
            contest, user or author, video_id=video_id or video_id_at("2020-06-20T12:00:00+08:00", next(serial)),
            theme=theme, area=area, status=status, at=now, submitted_text="link", caption=caption,
            published_at=datetime.fromisoformat("2020-06-20T12:00:00+08:00"), fact_sources=dict(facts),
            checks=checks if checks is not None else entry_checks(contest, facts),
            events=[EntryEvent(at=now, actor_id=(user or author).id, from_status=None, to_status=status, note="报名")])
        db.session.commit()
        return entry
    return _make


@pytest.fixture
def entry(make_entry):
    return make_entry()


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
