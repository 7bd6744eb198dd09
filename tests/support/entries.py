"""Entries and their author: ``author``, ``make_entry``, ``entry``; a signed-in ``citizen`` and the entry
form (``form``). (Registered in tests/conftest.py.)

``make_entry`` is the one entry factory of the suite. Its defaults suit the review pages (a pending
entry of ``contest`` by ``author``, submitted now, its facts proven by the platform and its checks
computed); a module that needs other defaults says so once with a marker::

    pytestmark = pytest.mark.entries(status=EntryStatus.APPROVED, video_base=6_840_000_000_000_000_000)

and a call overrides any of them: ``make_entry("talent", area="liling", likes=300, show_nickname=True)``.
"""

import re
from datetime import datetime
from itertools import count as counter

import pytest

from contest import clock
from contest.domain.entries import entry_checks
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import EntryEvent, EntryStatus, SnapshotSource
from tests.conftest import build_entry, video_id_at


IN_WINDOW = "2020-06-25T12:00:00+08:00"


TAGS = "#动力株洲文旅通 @株洲足迹"


# Every fact of the entry proven by the platform (``facts=``).
VERIFIED = {"owner": "platform", "published_at": "platform", "caption": "platform"}


ENTRY_DEFAULTS = dict(
    theme="life", area="hetang", status=EntryStatus.PENDING, user=None,  # None: the ``author`` fixture
    caption=f"株洲的早晨 {TAGS}",  # "{n}" in it (or in submitted_text) is the entry's serial number
    submitted_text=None,  # None: the caption
    video_id=None, video_base=None,  # None, None: a Douyin-shaped id published at published_at (or June 20)
    at=None, spacing=None,  # submitted at ``at`` (default now), plus ``spacing`` × the serial number
    published_at=datetime.fromisoformat("2020-06-20T12:00:00+08:00"),
    facts=VERIFIED, checks=None,  # fact_sources, and the checks (None: computed from the facts)
    event=True,  # the "报名" event
    likes=None, likes_at=None,  # a platform reading of ``likes`` at ``likes_at`` (default now)
    commit=True,  # False: flushed only
)


@pytest.fixture
def author(make_user):
    """The entrant of ``make_entry``'s entries: 作者小王, 13812345678."""
    return make_user(nickname="作者小王", phone="13812345678")


@pytest.fixture
def make_entry(request, contest, author):
    """``make_entry(theme=…, **options)``: an entry of ``contest``; ``options`` are ENTRY_DEFAULTS's
    keys (the module's ``pytest.mark.entries`` changes the defaults) and any other Entry column."""
    marker = request.node.get_closest_marker("entries")
    defaults = {**ENTRY_DEFAULTS, **(marker.kwargs if marker else {})}
    serial = counter(1)

    def _make(theme: str | None = None, **given):
        options = {**defaults, **given}
        known = {k: options.pop(k) for k in ENTRY_DEFAULTS}
        if theme is not None:
            known["theme"] = theme
        n = next(serial)
        user = known["user"] or author
        at = known["at"] or clock.now()
        if "at" not in given and known["spacing"]:
            at = at + n * known["spacing"]
        published = known["published_at"]
        if known["video_id"]:
            video_id = known["video_id"]
        elif known["video_base"]:
            video_id = str(known["video_base"] + n)
        else:
            video_id = video_id_at(published or "2020-06-20T12:00:00+08:00", n)
        caption = known["caption"].format(n=n)
        fields = dict(options)
        if published is not None:
            fields["published_at"] = published
        if known["facts"] is not None:
            fields["fact_sources"] = dict(known["facts"])
            fields["checks"] = known["checks"] if known["checks"] is not None else entry_checks(contest, known["facts"])
        elif known["checks"] is not None:
            fields["checks"] = known["checks"]
        if known["event"]:
            fields["events"] = [EntryEvent(at=at, actor_id=user.id, from_status=None, to_status=known["status"],
                                           note="报名")]
        entry = build_entry(contest, user, video_id=video_id, theme=known["theme"], area=known["area"],
                            status=known["status"], at=at,
                            submitted_text=(known["submitted_text"] or known["caption"]).format(n=n),
                            caption=caption, **fields)
        db.session.flush()
        if known["likes"] is not None:
            record_snapshot(entry, observed_at=known["likes_at"] or clock.now(), likes=known["likes"],
                            source=SnapshotSource.PLATFORM)
        if known["commit"]:
            db.session.commit()
        return entry
    return _make


@pytest.fixture
def entry(make_entry):
    """One entry with ``make_entry``'s defaults."""
    return make_entry()


@pytest.fixture
def citizen(make_user, login):
    """小李, signed in on ``client``."""
    user = make_user(nickname="小李")
    login(user)
    return user


def form(client, **fields):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/entries/new").get_data(as_text=True)).group(1)
    data = {"text": "", "theme": "life", "area": "hetang", "accept_rules": "y", "csrf_token": token}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}

