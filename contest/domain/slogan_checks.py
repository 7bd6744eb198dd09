"""The slogan check's rules: who may upload an original, what an upload may be, and the
check's states (queued → running → done | failed), each move audited.

The rule checked is the contest's (``Contest.slogan``, ``Contest.slogan_subtitle_seconds``):
the slogan on screen, one continuous appearance longer than that many seconds. The detectors
(``contest.slogan``) and the upload store live outside the domain; their results come in
here as plain values.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.permissions import REVIEWERS, can_review, has_role
from contest.domain.contests import Rules, resolve_contest
from contest.domain.errors import DomainError, NotFound
from contest.extensions import db
from contest.models import CheckState, Contest, Entry, EntryStatus, SloganCheck, User

MiB = 1024 * 1024
MAX_BYTES = 200 * MiB
MAX_SECONDS = 5 * 60
TOO_LARGE = "原视频不能超过 200 MB。"
TOO_LONG = "原视频不能超过 5 分钟。"
EMPTY = "请选择要上传的原视频。"
NOT_YOURS = "只能为自己的作品上传原视频。"
WITHDRAWN = "这个作品已撤回，不需要检查口号。"
NOT_SPOKEN = "未检测到口号字幕——请听视频确认口述"


def slogan_rule(slug: str | None, now: datetime) -> tuple[str, int]:
    """``(slogan, seconds)`` of the contest named by ``slug`` or the current one; with no
    contest at all (a fresh install) and no slug, the rule of the 2020 contest."""
    if slug is None and db.session.scalar(sa.select(Contest.id).limit(1)) is None:
        return Rules.slogan, Rules.slogan_subtitle_seconds
    contest = resolve_contest(slug, now)
    return contest.slogan, contest.slogan_subtitle_seconds


def check_access(entry: Entry | None, user: User) -> Entry:
    """The entry when ``user`` may upload for it and see its checks: its author, or staff
    who may review it. :class:`NotFound` for anyone else (an entrant learns nothing of others')."""
    if entry is None:
        raise NotFound("没有找到这个作品。")
    if entry.user_id == user.id:
        return entry
    if has_role(user, REVIEWERS) and can_review(user, entry):
        return entry
    raise NotFound("没有找到这个作品。")


def check_upload(entry: Entry, *, size: int) -> None:
    """Before any byte is sent: the declared size, and an entry that can still be checked."""
    if entry.status is EntryStatus.WITHDRAWN:
        raise DomainError(WITHDRAWN)
    if size <= 0:
        raise DomainError(EMPTY)
    if size > MAX_BYTES:
        raise DomainError(TOO_LARGE)


def queue_check(entry: Entry, *, user: User, upload_name: str, size: int, duration: float,
                now: datetime) -> SloganCheck:
    """A complete upload of ``duration`` seconds becomes a queued check (audited). The caller
    commits, then enqueues the check."""
    check_upload(entry, size=size)
    if duration > MAX_SECONDS + 0.5:
        raise DomainError(TOO_LONG)
    check = SloganCheck(entry=entry, uploaded_by=user, uploaded_at=now, upload_bytes=size, upload_name=upload_name,
                        video_seconds=round(duration, 2), state=CheckState.QUEUED, frames=[])
    db.session.add(check)
    db.session.flush()
    # The trail's actors are staff (the staff list counts them): an entrant's upload names them in the details.
    audit.record("slogan_check.queued", actor=user if user.role.is_staff else None, now=now, target=entry,
                 changes={"check_id": check.id, "uploaded_by": user.id, "bytes": size, "seconds": round(duration, 2)})
    return check


def start_check(check: SloganCheck, *, now: datetime) -> None:
    if check.state is not CheckState.QUEUED:
        raise DomainError("这个检查已经开始过了。")
    check.state, check.started_at = CheckState.RUNNING, now


def finish_check(check: SloganCheck, *, result: dict, frames: list[dict], now: datetime) -> None:
    """Record the detectors' findings (by kind) and the evidence frames; the upload is gone."""
    check.state, check.finished_at, check.result, check.frames = CheckState.DONE, now, result, frames
    check.upload_name = None
    subtitle = result.get("subtitle") or {}
    audit.record("slogan_check.done", actor=None, now=now, target=check.entry,
                 changes={"check_id": check.id, "found": subtitle.get("found"),
                          "meets_rule": subtitle.get("meets_rule"),
                          "longest_seconds": subtitle.get("longest_seconds"),
                          "segments": subtitle.get("segments", [])})


def fail_check(check: SloganCheck, *, message: str, now: datetime) -> None:
    check.state, check.finished_at, check.error, check.upload_name = CheckState.FAILED, now, message, None
    audit.record("slogan_check.failed", actor=None, now=now, target=check.entry,
                 changes={"check_id": check.id}, note=message)


def latest_check(entry: Entry) -> SloganCheck | None:
    return db.session.scalar(sa.select(SloganCheck).where(SloganCheck.entry_id == entry.id)
                             .order_by(SloganCheck.id.desc()).limit(1))


def checks_of(entry: Entry) -> list[SloganCheck]:
    """Every check of an entry, oldest first."""
    return list(db.session.scalars(sa.select(SloganCheck).where(SloganCheck.entry_id == entry.id)
                                   .order_by(SloganCheck.id)))


def latest_checks(entries: list[Entry]) -> dict[int, SloganCheck]:
    """Each entry's latest check (entries without one are absent), in one query."""
    ids = [e.id for e in entries]
    if not ids:
        return {}
    newest = (sa.select(sa.func.max(SloganCheck.id)).where(SloganCheck.entry_id.in_(ids))
              .group_by(SloganCheck.entry_id))
    return {c.entry_id: c for c in db.session.scalars(sa.select(SloganCheck).where(SloganCheck.id.in_(newest)))}


def timeline(check: SloganCheck | None, width: int = 1000) -> dict | None:
    """The subtitle segments of a finished check placed on a ``width``-wide axis of the video's
    length: ``{"duration_label", "segments": [{"x", "width", "label", "text", "longest"}]}``."""
    if check is None or check.state is not CheckState.DONE:
        return None
    segments = ((check.result or {}).get("subtitle") or {}).get("segments") or []
    duration = max([check.video_seconds or 0.0] + [s["end"] for s in segments]) or 1.0
    longest = max(segments, key=lambda s: s["end"] - s["start"], default=None)
    return {"duration_label": clock_label(duration), "segments": [
        {"x": round(s["start"] / duration * width, 1),
         "width": max(2.0, round((s["end"] - s["start"]) / duration * width, 1)),
         "label": f"{clock_label(s['start'])}–{clock_label(s['end'])}", "text": s["text"], "longest": s is longest}
        for s in segments]}


def clock_label(seconds: float) -> str:
    """``00:02.5``: minutes and seconds to a tenth."""
    minutes, rest = divmod(max(0.0, round(seconds, 1)), 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def subtitle_label(check: SloganCheck | None) -> str | None:
    """What the checklist's slogan box says of a finished check: ``字幕检测：3.2 秒（00:02.5–00:05.7）``
    for its longest appearance, or that none was seen (the spoken half stays the reviewer's)."""
    if check is None or check.state is not CheckState.DONE:
        return None
    subtitle = (check.result or {}).get("subtitle") or {}
    segments = subtitle.get("segments") or []
    if not segments:
        return NOT_SPOKEN
    longest = max(segments, key=lambda s: s["end"] - s["start"])
    return (f"字幕检测：{longest['end'] - longest['start']:.1f} 秒"
            f"（{clock_label(longest['start'])}–{clock_label(longest['end'])}）")


def check_json(check: SloganCheck | None) -> dict | None:
    """The check as the pages' script and the evidence pack see it."""
    if check is None:
        return None
    return {"id": check.id, "entry_id": check.entry_id, "state": check.state.value, "state_label": check.state.label,
            "uploaded_at": clock.iso(check.uploaded_at), "upload_bytes": check.upload_bytes,
            "video_seconds": check.video_seconds,
            "finished_at": clock.iso(check.finished_at),
            "result": check.result, "error": check.error, "label": subtitle_label(check),
            "frames": [{"index": i, "time": f["time"], "name": f["name"]} for i, f in enumerate(check.frames or [])]}
