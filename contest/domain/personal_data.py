"""A citizen's personal data (PIPL): everything the site holds about them, as a download,
and the deletion of their account.

Deleting an account (:func:`delete_account`)
--------------------------------------------
The ``user`` row stays as a tombstone, because the audit trail, the like readings and the
winning entries point at it; every personal field on it is erased (phone, nickname →
:data:`DELETED_NAME`, password, phone confirmation) and it can never sign in again
(inactive, no phone, no password, no Douyin link). Deleted with it: the Douyin link and
its tokens, the one-time codes sent to the phone, the inbox messages, every signed-in
session (on every device).

The entrant's entries, by what still points at them:

1. **Winners**: an entry in any award list (in its notice, published, or superseded by
   a correction). Published lists are never edited and a list in its notice is about
   to be published, so the entry stays as it is (status, caption: the title of a public
   result), anonymised: the public author becomes 已注销用户 and the pasted share text
   (which names the Douyin author) is erased.
2. **On the record**: a like reading (snapshots are append-only), a judge's score
   (scores stay in each judge's pool, or the other entries' aggregates would move), a
   conflict of interest, a flag, a disqualification or an audit event names it. The
   entry is withdrawn (no longer public, no longer in the running) and emptied: caption
   and pasted text erased; the row stays so that those records still point at something.
3. **Everything else** is deleted, with its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.entries import entries_of, set_entry_status
from contest.domain.errors import DomainError
from contest.domain.permissions import Forbidden
from contest.domain.likes import counted
from contest.domain.sessions import end_sessions
from contest.extensions import db
from contest.models import (
    AuditEvent, Contest, DouyinAccount, Entry, EntryStatus, EntryTally, LikeFlag, PhoneCode, Snapshot, User,
)
from contest.models.awards import FINAL, AwardList, AwardPlace, Disqualification
from contest.models.judging import JudgeConflict, Score
from contest.models.notification import Notification

CONFIRM_PHRASE = "注销账号"
DELETED_NAME = "已注销用户"
# Contest records (entries, like readings, reviews) are kept this many days after the
# contest's award lists were published; stated on the privacy notice.
RETENTION_DAYS = 180

WRONG_CONFIRMATION = f"请在输入框中准确输入“{CONFIRM_PHRASE}”四个字，以确认注销。账号没有注销。"
ALREADY_DELETED = "这个账号已经注销。"
STAFF_REFUSED = "工作人员账号不能自行注销，请联系管理员处理。"
WITHDRAWN_NOTE = "参赛者注销账号"

# What keeps a non-winning entry's row: records that are append-only or that other
# entries' results depend on.
_ON_RECORD = (Snapshot.entry_id, Score.entry_id, JudgeConflict.entry_id, LikeFlag.entry_id,
              Disqualification.entry_id)
_STILL_RUNNING = frozenset({EntryStatus.PENDING, EntryStatus.NEEDS_FIX, EntryStatus.APPROVED})


class StaffAccount(Forbidden):
    """A refusal by role (403): see :mod:`contest.domain.permissions`."""


class Unconfirmed(DomainError):
    status = 422


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting the account does to each of its entries (see the module docstring)."""

    kept: list[Entry]       # winners, kept anonymised
    withdrawn: list[Entry]  # on the record: withdrawn and emptied
    deleted: list[Entry]

    @property
    def entries(self) -> list[Entry]:
        return [*self.kept, *self.withdrawn, *self.deleted]


_iso = clock.iso


def _readings(entries: list[Entry]) -> dict[int, list[Snapshot]]:
    found: dict[int, list[Snapshot]] = {}
    rows = db.session.scalars(sa.select(Snapshot).where(Snapshot.entry_id.in_([e.id for e in entries]))
                              .order_by(Snapshot.observed_at, Snapshot.id))
    for snapshot in rows:
        found.setdefault(snapshot.entry_id, []).append(snapshot)
    return found


def _entry_data(entry: Entry, readings: list[Snapshot]) -> dict:
    return {
        "id": entry.id, "contest": entry.contest.slug, "contest_name": entry.contest.name,
        "video_id": entry.video_id, "caption": entry.caption, "submitted_text": entry.submitted_text,
        "theme": {"key": entry.theme.key, "name": entry.theme.name},
        "area": {"key": entry.area.key, "name": entry.area.name},
        "status": entry.status.value, "status_label": entry.status.label, "status_reason": entry.status_reason,
        "checks": entry.checks, "fact_sources": entry.fact_sources, "show_nickname": entry.show_nickname,
        "submitted_at": _iso(entry.submitted_at), "published_at": _iso(entry.published_at),
        "status_changed_at": _iso(entry.status_changed_at), "rules_accepted_at": _iso(entry.rules_accepted_at),
        # Who moved it is left out: reviewers' names are their personal data, not the entrant's.
        "history": [{"at": _iso(e.at), "from": e.from_status.value if e.from_status else None,
                     "to": e.to_status.value, "note": e.note} for e in entry.events],
        "like_readings": [{"observed_at": _iso(s.observed_at), "likes": s.likes, "comments": s.comments,
                           "shares": s.shares, "plays": s.plays, "source": s.source.value,
                           "counted": counted(entry.contest, s.observed_at)} for s in readings],
        # The original kept for blind judging (contest.domain.judging_videos): not the file, which
        # the entrant has, but that it is kept, since when, and until when.
        "original_kept_for_judging": None if entry.judging_video is None else {
            "agreed_at": _iso(entry.judging_video_consent_at), "kept_until": KEPT_UNTIL},
    }


def _douyin_data(account: DouyinAccount | None) -> dict | None:
    if account is None:
        return None
    # Never the tokens: they are keys to the citizen's Douyin account, and a download
    # ends up in mail and chat apps.
    return {"open_id": account.open_id, "union_id": account.union_id, "nickname": account.nickname,
            "avatar": account.avatar, "scopes": account.scope_list, "linked_at": _iso(account.linked_at),
            "needs_reauth": account.needs_reauth}


KEPT_UNTIL = "评奖结果公布时删除（作品撤回、未通过或账号注销时也会删除）"


def export_user_data(user: User) -> dict:
    """Everything the site holds about ``user``: the account (the phone unmasked: it is
    theirs), the Douyin link without its tokens, every entry with its history, like readings
    and whether its original is kept for blind judging, the inbox. Times in Beijing time; video ids as strings."""
    entries = entries_of(user)
    readings = _readings(entries)
    messages = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                  .order_by(Notification.created_at, Notification.id))
    return {
        "account": {"id": user.id, "phone": user.phone, "nickname": user.nickname, "role": user.role.value,
                    "certificate_name": user.certificate_name,
                    "created_at": _iso(user.created_at), "phone_verified_at": _iso(user.phone_verified_at)},
        "douyin": _douyin_data(user.douyin),
        "entries": [_entry_data(entry, readings.get(entry.id, [])) for entry in entries],
        "messages": [{"id": m.id, "created_at": _iso(m.created_at), "kind": m.kind, "title": m.title,
                      "body": m.body, "entry_id": m.entry_id, "read_at": _iso(m.read_at)} for m in messages],
    }


def _referenced(columns, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for column in columns:
        found.update(db.session.scalars(sa.select(column).where(column.in_(ids)).distinct()))
    return found


def deletion_plan(user: User) -> DeletionPlan:
    """What :func:`delete_account` would do to each of ``user``'s entries."""
    entries = entries_of(user)
    ids = [entry.id for entry in entries]
    winners = _referenced([AwardPlace.entry_id], ids)
    on_record = _referenced(_ON_RECORD, ids) | set(db.session.scalars(
        sa.select(AuditEvent.target_id).where(AuditEvent.target_type == Entry.__tablename__,
                                              AuditEvent.target_id.in_(ids))))
    return DeletionPlan(kept=[e for e in entries if e.id in winners],
                        withdrawn=[e for e in entries if e.id in on_record - winners],
                        deleted=[e for e in entries if e.id not in winners | on_record])


def delete_account(user: User, *, confirmation: str | None, now: datetime) -> DeletionPlan:
    """Delete ``user``'s account for good, once they typed :data:`CONFIRM_PHRASE` (see the
    module docstring for what is erased and what happens to the entries). Staff accounts
    are refused (an admin changes their role first). Records ``account.delete`` in the
    audit trail with entry ids and counts only. The caller commits, then signs the user out."""
    if user.deleted_at is not None:
        raise DomainError(ALREADY_DELETED)
    if user.is_staff:
        raise StaffAccount(STAFF_REFUSED)
    if (confirmation or "").strip() != CONFIRM_PHRASE:
        raise Unconfirmed(WRONG_CONFIRMATION)
    plan = deletion_plan(user)
    for entry in plan.kept:
        entry.show_nickname, entry.submitted_text = False, ""
    for entry in plan.withdrawn:
        if entry.status in _STILL_RUNNING:
            set_entry_status(entry, EntryStatus.WITHDRAWN, actor=user, now=now, note=WITHDRAWN_NOTE)
        entry.show_nickname, entry.submitted_text, entry.caption = False, "", None
    gone = [entry.id for entry in plan.deleted]
    if gone:  # said outright: SQLite runs without enforcing the ON DELETE CASCADE
        db.session.execute(sa.delete(EntryTally).where(EntryTally.entry_id.in_(gone)))
    for entry in plan.deleted:
        db.session.delete(entry)

    messages = db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id)).rowcount
    codes = db.session.execute(sa.delete(PhoneCode).where(PhoneCode.phone == user.phone)).rowcount \
        if user.phone else 0
    linked = user.douyin is not None
    user.douyin = None  # delete-orphan: the account row goes, and its tokens with it
    user.phone, user.nickname, user.password_hash, user.phone_verified_at = None, DELETED_NAME, None, None
    user.certificate_name = None
    user.active, user.area_keys, user.deleted_at = False, [], now
    sessions = end_sessions(user)
    audit.record("account.delete", actor=user, now=now, target=user, changes={
        "entries_kept": [e.id for e in plan.kept], "entries_withdrawn": [e.id for e in plan.withdrawn],
        "entries_deleted": gone, "douyin_unlinked": linked, "messages_deleted": messages, "codes_deleted": codes,
        "sessions_ended": sessions})
    db.session.flush()
    return plan


def retention_ends_at(contest: Contest) -> datetime | None:
    """The end of :data:`RETENTION_DAYS` after the contest's award lists were last published
    (a correction restarts it); None while nothing is published."""
    published = db.session.scalar(sa.select(sa.func.max(AwardList.published_at)).where(
        AwardList.contest_id == contest.id, AwardList.status.in_(FINAL)))
    return published + timedelta(days=RETENTION_DAYS) if published else None
