"""Only public videos count (docs/douyin.md, "video_status").

The platform reports each video's ``video_status``: 1 or 5 is public; 2 不适宜公开, 4 审核中,
6 好友可见 and 7 私密 are not (a private one also answers ``create_time`` 0). A video that is not
public can never be entered (:func:`contest.domain.entries.preflight`). When a sweep finds that an
entry's video has stopped being public, :func:`not_public` pauses its tally — the standings leave
it out, and the entrant's and the staff's pages say why — and raises a flag (kind ``not_public``)
for staff to look at; the entrant is told once. When the video is public again,
:func:`public_again` lets it count again (the flag stays for the record until staff decide it).
"""

from __future__ import annotations

from datetime import datetime

from contest.domain import notify
from contest.extensions import db
from contest.models import Entry, EntryTally, FlagStatus, LikeFlag

FLAG_KIND = "not_public"
PAUSED = "entry.not_public"


def _tally(entry: Entry) -> EntryTally:
    tally = db.session.get(EntryTally, entry.id)
    if tally is None:
        tally = EntryTally(entry_id=entry.id)
        db.session.add(tally)
    return tally


def paused_reason(visibility: str) -> str:
    return f"抖音上这个视频目前是“{visibility}”状态，不是公开视频，暂停计入点赞排名；恢复公开后会重新计入。"


def not_public(entry: Entry, *, visibility: str, video_status: int | None, now: datetime) -> bool:
    """The platform says ``entry``'s video is not public (``visibility``: 好友可见, 私密, …): pause its
    tally, flag it for staff and tell the entrant, the first time. Returns True when it was counting
    until now. The caller commits."""
    tally = _tally(entry)
    reason = paused_reason(visibility)
    if tally.paused_at is not None:
        tally.paused_reason = reason
        return False
    tally.paused_at, tally.paused_reason = now, reason
    db.session.add(LikeFlag(entry_id=entry.id, kind=FLAG_KIND, window_start=now, window_end=now,
                            message=reason, numbers={"video_status": video_status}, status=FlagStatus.OPEN,
                            created_at=now))
    notify.tell_entrant(entry, kind=PAUSED, title="作品暂停计入排名", now=now, body=(
        f"你报名{notify.quoted(entry.contest.name)}的作品（视频编号 {entry.video_id}）{reason}请在抖音把视频设为公开。"))
    return True


def public_again(entry: Entry) -> bool:
    """The video is public again: its tally counts again. Returns True when it was paused."""
    tally = db.session.get(EntryTally, entry.id)
    if tally is None or tally.paused_at is None:
        return False
    tally.paused_at = tally.paused_reason = None
    return True
