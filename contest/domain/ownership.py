"""Ownership: an entry belongs to the author of its video.

Proof
-----
* ``platform``: ``video_data`` with the entrant's own Douyin token returned the video
  (docs/douyin.md, "The only reliable source"). This happens when a Douyin-linked citizen enters or picks a video, and
  when a citizen who entered with a phone account links Douyin later
  (:func:`verify_own_entries`, run by the OAuth callback): their unproven entries of their
  own videos become proven and keep their place (id, submission time, status).
* ``staff``: a reviewer examined evidence (a screenshot) because the entrant cannot
  authorise (:func:`contest.domain.review.prove_owner_by_staff`); audited.

Rules
-----
* An entry whose ownership is unproven shows :data:`UNPROVEN_LABEL`, is never approved
  (:func:`require_proven`, called by the one status-transition function) and is never polled.
* The database keeps one **live** entry (not withdrawn or rejected) per video per contest.
* :func:`claim` decides what a new submission meets among the video's entries: the
  entrant's own live entry or own rejected entry blocks (a rejection is final); the
  entrant's own withdrawn entry is entered again; another account's closed entry never
  blocks; another account's live entry blocks, unless the newcomer proved ownership
  through the platform and that entry was not proven the same way: then it is
  **displaced** (closed as rejected with :data:`DISPLACED_REASON`, its entrant told,
  audited) in the same transaction as the author's entry. So no second account, not even
  one proven by staff evidence, can ever block the author.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Protocol

import sqlalchemy as sa

from contest.domain import audit
from contest.domain.errors import DomainError, Problem
from contest.extensions import db
from contest.models import CLOSED_STATUSES, Contest, Entry, EntryStatus, OwnerProof, User

UNPROVEN_LABEL = "作者身份待验证"
#: Why a phone-only entrant should link Douyin: one sentence, shown where they enter and follow entries.
WHY_LINK = "只有视频作者本人才能参赛：请用抖音授权登录，让抖音确认这个视频是你发布的，否则作品不能通过审核，也不会统计点赞。"
UNPROVEN_APPROVAL = f"{UNPROVEN_LABEL}：抖音尚未确认参赛者是这个视频的作者（也没有工作人员核实的证据），不能通过审核。"
DISPLACED_REASON = "视频作者本人已通过抖音授权报名了这个视频，你的报名已关闭。只能用自己发布的视频参赛。"

ALREADY_ENTERED = Problem("already_entered", "这个视频已经报名参赛，同一个视频只能报名一次。")
ALREADY_ENTERED_UNPROVEN = Problem(
    "already_entered",
    "这个视频已经由另一个账号报名，但对方的作者身份尚未验证。如果视频是你发布的，请用抖音授权登录证明身份后再报名，"
    "对方的报名会被关闭。",
)

#: The automatic check an entry carries once the platform confirmed its author.
OWNER_CHECK = {"code": "owner", "passed": True, "label": "抖音已确认是本人发布的作品", "provisional": False}


class OwnershipUnproven(DomainError):
    """An entry whose ownership is unproven cannot be approved."""

    status = 409


def require_proven(entry: Entry) -> None:
    if entry.owner_verified_at is None:
        raise OwnershipUnproven(UNPROVEN_APPROVAL)


def by_platform(entry: Entry) -> bool:
    return entry.owner_verified_at is not None and entry.owner_proof is OwnerProof.PLATFORM


# --- which entries a submission meets --------------------------------------------------

@dataclass
class Claim:
    """What a submission of a video by ``user`` meets among the video's entries."""

    blocker: Entry | None = None          # refuse with :attr:`problem`
    revive: Entry | None = None           # the entrant's own withdrawn entry, entered again
    displace: list[Entry] = field(default_factory=list)  # other accounts' entries to close
    blocker_is_own: bool = False

    @property
    def problem(self) -> Problem:
        if self.blocker is not None and not self.blocker_is_own and not by_platform(self.blocker):
            return ALREADY_ENTERED_UNPROVEN
        return ALREADY_ENTERED


def claim(entries: Iterable[Entry], user: User | None, *, platform_proof: bool) -> Claim:
    """Apply the rules of the module docstring to the video's ``entries`` (any order)."""
    result = Claim()
    user_id = user.id if user is not None else None
    for entry in sorted(entries, key=lambda e: e.id or 0):
        own = user_id is not None and entry.user_id == user_id
        if own:
            if entry.status is EntryStatus.WITHDRAWN:
                result.revive = entry
            else:  # live, or rejected (final)
                result.blocker, result.blocker_is_own = entry, True
        elif entry.status in CLOSED_STATUSES:
            continue
        elif platform_proof and not by_platform(entry):
            result.displace.append(entry)
        elif result.blocker is None:
            result.blocker = entry
    if result.blocker is not None:
        result.displace = []
    return result


def video_entries(contest: Contest, video_ids: Iterable[str]) -> dict[str, list[Entry]]:
    """Every entry (live or closed) of each video in ``contest``, in one query."""
    ids = list(set(video_ids))
    found: dict[str, list[Entry]] = {vid: [] for vid in ids}
    if ids:
        for entry in db.session.scalars(
                sa.select(Entry).where(Entry.contest_id == contest.id, Entry.video_id.in_(ids)).order_by(Entry.id)):
            found[entry.video_id].append(entry)
    return found


# --- recording a proof -----------------------------------------------------------------

def mark_proven(entry: Entry, proof: OwnerProof, *, now: datetime, evidence_path: str | None = None) -> None:
    """Record the proof on ``entry`` (its place — id, submission time, status — is kept)."""
    entry.owner_verified_at = now
    entry.owner_proof = proof
    entry.owner_evidence_path = evidence_path
    if proof is OwnerProof.PLATFORM:
        entry.fact_sources = {**(entry.fact_sources or {}), "owner": "platform"}
        if not any(c.get("code") == "owner" for c in entry.checks or []):
            entry.checks = [*(entry.checks or []), dict(OWNER_CHECK)]


class OwnVideos(Protocol):
    def fetch_many(self, video_ids: list[str]) -> list:
        """The platform's videos among ``video_ids`` that belong to the token's user.
        Raises :class:`contest.domain.errors.PlatformError`."""


def unproven_entries(user: User) -> list[Entry]:
    """The user's live entries whose ownership is unproven, oldest first."""
    return list(db.session.scalars(
        sa.select(Entry).where(Entry.user_id == user.id, Entry.owner_verified_at.is_(None),
                               Entry.status.not_in(CLOSED_STATUSES)).order_by(Entry.id)))


def verify_own_entries(user: User, videos: OwnVideos, *, now: datetime) -> list[Entry]:
    """Ask the platform, with the user's own token, about their unproven live entries; those
    it returns become proven (``platform``) and are audited ``entry.owner_verified``.
    Returns them. Raises :class:`PlatformError` (nothing changed). The caller commits."""
    entries = unproven_entries(user)
    if not entries:
        return []
    theirs = {v.video_id for v in videos.fetch_many([e.video_id for e in entries])}
    proven = [e for e in entries if e.video_id in theirs]
    for entry in proven:
        mark_proven(entry, OwnerProof.PLATFORM, now=now)
        audit.record("entry.owner_verified", actor=user, now=now, target=entry,
                     changes={"owner_proof": [None, OwnerProof.PLATFORM.value]}, note="参赛者绑定抖音后由平台确认")
    return proven
