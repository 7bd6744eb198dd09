"""Douyin-linked authors and their entries, clocks moved with the sandbox's, and in-process sweeps:
the fixtures of the polling, gallery, ownership, reliability and browser tests. (Registered in
tests/conftest.py.)"""

from datetime import datetime, timedelta

import pytest

from contest import clock
from contest.extensions import db
from contest.jobs.ratelimit import Pacer
from contest.models import DouyinAccount, Entry, EntryEvent, EntryStatus, Role, User
from tests.conftest import build_entry, video_id_at

ALL_SCOPES = "user_info,video.list.bind,video.data.bind"


@pytest.fixture
def at(freeze, sandbox):
    """Move the site's clock and the sandbox's together."""
    def _at(when: str | datetime) -> datetime:
        now = freeze(when)
        sandbox.control("clock", {"now": int(now.timestamp())})
        return now
    return _at


@pytest.fixture
def linked_author(app, sandbox):
    """A citizen with a linked Douyin account whose tokens the sandbox minted."""
    def _linked_author(open_id: str, *, scopes: str = ALL_SCOPES) -> User:
        sandbox.control("users", {"open_id": open_id, "nickname": open_id})
        grant = sandbox.control("tokens", {"open_id": open_id, "scopes": scopes})
        grant = grant.get("data", grant)
        now = clock.now()
        user = User(nickname=open_id, role=Role.CITIZEN, created_at=now)
        user.douyin = DouyinAccount(
            open_id=open_id, scopes=scopes, access_token=grant["access_token"], refresh_token=grant["refresh_token"],
            access_expires_at=now + timedelta(seconds=int(grant["expires_in"])),
            refresh_expires_at=now + timedelta(seconds=int(grant["refresh_expires_in"])), linked_at=now)
        db.session.add(user)
        db.session.commit()
        return user
    return _linked_author


@pytest.fixture
def entry_of(app, sandbox):
    """An entry of ``user``'s video, published at ``published`` (also created in the sandbox)."""
    serial = iter(range(1, 1_000_000))

    def _entry(contest, user, *, published="2020-06-19T10:00:00+08:00", status=EntryStatus.APPROVED,
               submitted=None, theme="life", likes=0) -> Entry:
        vid = video_id_at(published, next(serial))
        sandbox.control("videos", {"video_id": vid, "open_id": user.douyin.open_id, "title": f"作品 {vid[-4:]}",
                                   "create_time": int(datetime.fromisoformat(published).timestamp()),
                                   "digg_count": likes, "public": True})
        when = datetime.fromisoformat(submitted or published)
        entry = build_entry(contest, user, video_id=vid, theme=theme, status=status, at=when,
                            caption=f"作品 {vid[-4:]}", published_at=when, fact_sources={}, checks=[],
                            show_nickname=True,
                            events=[EntryEvent(at=when, actor_id=user.id, from_status=None, to_status=status)])
        db.session.commit()
        return entry
    return _entry


@pytest.fixture
def sweep(app):
    """Run one sweep in-process, at full speed."""
    from contest.jobs.polling import run_sweep

    def _sweep(concurrency: int = 2):
        return run_sweep(app, client=app.extensions["douyin"], pacer=Pacer(1000), concurrency=concurrency)
    return _sweep
