"""Blind judging with the entrant's own original (docs/rules.md §8).

The embedded Douyin player shows the author's account, so it cannot be blind. An entrant who
uploads the original video for the slogan check may tick, at upload, that the original is kept
for the judges: the judges then watch that file in a plain ``<video>`` with no author anywhere.
It is kept only until the contest's results are published (the first award list published),
and no longer than the entry is live or its author's account exists; then
:func:`to_release` lets go of it and the caller deletes the file (the like-polling loop does, and
``flask --app contest delete-judging-videos``). Where no original is kept, the judge page says
plainly that the player shows the author (:data:`PLAYER_SHOWS_AUTHOR`), and so does the rules page.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.domain import audit
from contest.extensions import db
from contest.models import CLOSED_STATUSES, Entry, User
from contest.models.awards import AwardList

PLAYER_SHOWS_AUTHOR = "该作品的抖音播放器会显示作者"


def keep(entry: Entry, file_name: str, *, user: User, now: datetime) -> str | None:
    """Keep ``file_name`` (already under the upload folder's ``kept/``) as ``entry``'s original for the
    judges, the entrant having agreed at upload. Returns the name of the original it replaces, which the
    caller deletes after committing. The caller commits."""
    previous = entry.judging_video
    entry.judging_video, entry.judging_video_consent_at = file_name, now
    # The trail's actors are staff: the entrant who agreed is named in the details (as for slogan checks).
    audit.record("entry.judging_video.keep", actor=None, now=now, target=entry, contest_id=entry.contest_id,
                 changes={"consented_by": user.id, "replaced": previous is not None})
    return previous if previous != file_name else None


def _published(contest_id) -> sa.ColumnElement[bool]:
    return sa.exists().where(AwardList.contest_id == contest_id, AwardList.published_at.is_not(None))


def watchable(entry: Entry) -> bool:
    """Whether the judges watch ``entry``'s kept original (else the Douyin player, which shows the author)."""
    if entry.judging_video is None or entry.status in CLOSED_STATUSES or entry.user.deleted_at is not None:
        return False
    return not db.session.scalar(sa.select(_published(entry.contest_id)))


def to_release(now: datetime) -> list[str]:
    """Let go of every kept original whose time is over: its contest's results are published, its entry
    is withdrawn or rejected, or its author's account is deleted. Returns the file names for the caller
    to delete once it has committed. The caller commits."""
    over = sa.or_(_published(Entry.contest_id), Entry.status.in_(CLOSED_STATUSES),
                  Entry.user_id.in_(sa.select(User.id).where(User.deleted_at.is_not(None))))
    names = []
    for entry in db.session.scalars(sa.select(Entry).where(Entry.judging_video.is_not(None), over)
                                    .order_by(Entry.id)):
        names.append(entry.judging_video)
        entry.judging_video, entry.judging_video_consent_at = None, None
        audit.record("entry.judging_video.delete", actor=None, now=now, target=entry, contest_id=entry.contest_id)
    db.session.flush()
    return names
