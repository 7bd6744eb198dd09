"""Public corrections of a closed contest's tallies (docs/rules.md §7: "after the close the board is
frozen: it changes only by an admin's correction with a reason, shown publicly").

After the close the ordinary manual count is refused (:func:`contest.domain.likes.ensure_manual_open`);
an admin who finds a tally wrong records a :class:`TallyCorrection` instead: the new likes,
the instant they were observed (at or before the close), why, and optionally the evidence
screenshot. It is audited (``likes.correct``, old and new tally) and shown on the public
board, its JSON and the exports. How a corrected tally ranks (the tie rule): see
:class:`contest.models.TallyCorrection`.

While the award lists are in their public notice, a correction recomputes them at once
(audited as ``awards.refresh``). Once they are published, the tallies are final: a change
goes through the versioned correction of the lists (:func:`contest.domain.awards.correct_awards`),
and a tally correction is refused (409).
"""

from __future__ import annotations

from datetime import datetime

from contest import clock
from contest.domain import audit
from contest.domain.award_lists import current_awards
from contest.domain.awards import KINDS, refresh_notice
from contest.domain.errors import Conflict, DomainError
from contest.domain.likes import counted, frozen, refresh_tally
from contest.domain.permissions import Forbidden, is_admin
from contest.extensions import db
from contest.models import Entry, EntryTally, TallyCorrection, User

MAX_REASON = 500
COUNT_MAX = 2_000_000_000

NOT_CLOSED = "活动尚未截止，点赞数仍按读数统计；截止前请用“人工记录点赞数”。"
AWARDS_PUBLISHED = ("获奖名单已经发布，点赞数不能再更正。如需改动结果，请在“获奖名单”页发布获奖名单的更正"
                    "（生成新版本并说明原因）。")
ADMINS_ONLY = "只有管理员可以更正点赞数。"
UNCHANGED = "更正后的点赞数和读数时间与现在计入的相同，无需更正。"


def correct_tally(entry: Entry, *, likes: int, observed_at: datetime, reason: str | None, admin: User,
                  now: datetime, evidence_path: str | None = None) -> TallyCorrection:
    """Correct ``entry``'s tally to exactly ``likes``, observed (and reached, for the tie
    rule) at ``observed_at``, because of ``reason``.

    Only an admin; only after the close (before it, counts are recorded as readings);
    ``observed_at`` inside the window; not after the award lists are published (409: the
    lists' own versioned correction is the way). A correction that changes nothing is
    refused. Audited as ``likes.correct``; lists in their notice are recomputed. The caller
    commits (and stores the evidence file first).
    """
    contest = entry.contest
    if not is_admin(admin):
        raise Forbidden(ADMINS_ONLY)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写更正原因。")
    if len(reason) > MAX_REASON:
        raise DomainError(f"更正原因最多 {MAX_REASON} 个字。")
    if isinstance(likes, bool) or not isinstance(likes, int) or not 0 <= likes <= COUNT_MAX:
        raise DomainError(f"点赞数必须是 0 到 {COUNT_MAX} 之间的整数。")
    observed_at = clock.ensure_utc(observed_at)
    if observed_at < contest.opens_at or not counted(contest, observed_at):
        raise DomainError("读数时间必须在活动时间内（不晚于截止时间）。")
    if not frozen(contest, now):
        raise Conflict(NOT_CLOSED)
    if any(current_awards(contest, kind) is not None for kind in KINDS):
        raise Conflict(AWARDS_PUBLISHED)

    tally = db.session.get(EntryTally, entry.id) or EntryTally(entry_id=entry.id)
    if (tally.likes, tally.reached_at) == (likes, observed_at):
        raise Conflict(UNCHANGED)
    correction = TallyCorrection(
        entry_id=entry.id, likes=likes, observed_at=observed_at, reason=reason, evidence_path=evidence_path,
        previous_likes=tally.likes, previous_observed_at=tally.observed_at, previous_reached_at=tally.reached_at,
        corrected_by_id=admin.id, corrected_at=now)
    db.session.add(correction)
    db.session.flush()
    tally.correction_id = correction.id
    db.session.add(tally)
    refresh_tally(entry)
    audit.record("likes.correct", actor=admin, now=now, target=entry, changes={
        "correction_id": correction.id, "likes": [correction.previous_likes, likes],
        "observed_at": [_iso(correction.previous_observed_at), observed_at.isoformat()],
        "reached_at": [_iso(correction.previous_reached_at), observed_at.isoformat()],
        "evidence_path": evidence_path}, note=reason)
    db.session.flush()
    refresh_notice(contest, actor=admin, now=now, why=f"点赞数更正（作品 {entry.id}）：{reason}")
    return correction


_iso = clock.iso_utc
