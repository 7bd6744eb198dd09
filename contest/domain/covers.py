"""Video covers: which URL is kept, and where.

The platform gives a video's cover with the author's token. It is kept on the entry at
submission (``Entry.cover_url``), and every sweep keeps the newest one on the tally row
(``EntryTally.cover_url``): Douyin's cover URLs are signed and expire, and polling must never
write the entry itself (its optimistic-lock version). The newer one wins (the gallery's cards).
"""

from __future__ import annotations

from contest.extensions import db
from contest.models import Entry, EntryTally

MAX_COVER = 2000


def clean_cover(url: str | None) -> str | None:
    """A cover URL worth keeping: http(s) only (it goes into ``<img src>``), and not absurdly long."""
    url = (url or "").strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_COVER:
        return None
    return url


def remember_cover(entry: Entry, cover: str | None) -> None:
    """Keep the cover a sweep just read on the entry's tally row (after :func:`likes.record_snapshot`
    created it). The caller commits."""
    tally = db.session.get(EntryTally, entry.id)
    url = clean_cover(cover)
    if tally is not None and url and tally.cover_url != url:
        tally.cover_url = url
