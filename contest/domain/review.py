"""Reviewing entries: who may review what, the three-point checklist, decisions, bulk
approval, the entrant's resubmission after a requested fix, and the review queue.

Decisions
---------
* ``approve`` (pending → approved) needs the whole checklist: the slogan spoken clearly
  or subtitled prominently for longer than the contest's ``slogan_subtitle_seconds``;
  the video fits the chosen theme; the content is acceptable.
* ``reject`` (pending, needs-fix or approved → rejected; from approved it is a
  disqualification) and ``request_fix`` (pending → needs-fix) need a reason. The entrant
  sees the reason (it becomes the status reason and the event note).
* Asking for a fix only makes sense while the entrant can still resubmit, i.e. while the
  contest is open; after the close the reviewer approves or rejects.

Every decision is an :class:`EntryEvent` (through :func:`set_entry_status`), an audit
event ``entry.<decision>`` whose ``changes`` hold ``status: [before, after]`` and the
``checklist`` as ticked (``bulk: true`` for bulk approvals), and an inbox message
(plus an SMS when configured, see :mod:`contest.domain.notify`).

Two reviewers never silently overwrite each other: a decision names the entry
``version`` the reviewer saw; another version is a :class:`Conflict`. Between that check
and the commit, ``Entry.version`` (SQLAlchemy's ``version_id_col``) makes the database
refuse the second write (``StaleDataError``), which views turn into the same 409.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Literal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from contest.domain import audit, contests, notify, ownership
from contest.domain.captions import caption_problems
from contest.domain.entries import ALREADY_ENTERED, OwnerVideos, DouyinGateway, entry_checks, preflight, set_entry_status
from contest.domain.errors import Conflict, DomainError, Problem, Refused
from contest.domain.paging import pager
from contest.domain.permissions import OUTSIDE_AREA, Forbidden, area_scope, can_review  # noqa: F401 (re-exported)
from contest.extensions import db
from contest.models import (CLOSED_STATUSES, Contest, ContestArea, ContestTheme, Entry, EntryStatus, EntryTally,
                            FlagStatus, LikeFlag, OwnerProof, User)

Decision = Literal["approve", "reject", "request_fix"]

#: The default reasons offered for "reject" and "request fix" (a contest may bring its own:
#: see :func:`rejection_reasons`). "其他" needs a written explanation.
REJECTION_REASONS: tuple[str, ...] = (
    "未清晰说出或展示活动口号",
    "内容与所选主题不符",
    "视频内容不适宜",
    "非本人原创或盗用他人作品",
    "发布时间不在活动期内",
    "其他",
)
OTHER = "其他"
REASON_MAX = 500

CHECKLIST: tuple[str, ...] = ("slogan", "theme", "content")
CHECKLIST_SHORT = {"slogan": "口号清晰", "theme": "符合主题", "content": "内容适宜"}

DECISIONS: dict[str, EntryStatus] = {
    "approve": EntryStatus.APPROVED,
    "reject": EntryStatus.REJECTED,
    "request_fix": EntryStatus.NEEDS_FIX,
}
_OUTCOME = {"approve": "approved", "reject": "rejected", "request_fix": "needs_fix"}

#: The automatic checks an entry must carry (all passed, none provisional) to be approved in bulk.
BULK_REQUIRED_CHECKS = frozenset({"video", "hashtag", "mention", "published_in_window"})
PER_PAGE = 50

CONFLICT = "这个作品刚被其他审核员处理过（版本 {current}），请刷新后再审。"


# --- the checklist and reasons ---------------------------------------------------------

def checklist_items(contest: Contest, theme_name: str | None = None) -> list[tuple[str, str]]:
    """``[(key, label)]`` of what the reviewer attests before approving."""
    theme = f"“{theme_name}”" if theme_name else ""
    return [
        ("slogan", f"视频中清晰说出口号“{contest.slogan}”，或以醒目字幕展示超过 {contest.slogan_subtitle_seconds} 秒"),
        ("theme", f"内容符合所选主题{theme}"),
        ("content", "内容适宜（无违法违规、低俗、侵权内容）"),
    ]


def rejection_reasons(contest: Contest) -> tuple[str, ...]:
    """The reasons offered for ``contest``: its own list when it has one, else the default."""
    return tuple(getattr(contest, "rejection_reasons", None) or REJECTION_REASONS)


def compose_reason(choice: str | None, text: str | None, reasons: Iterable[str] = REJECTION_REASONS) -> str | None:
    """One reason from a listed ``choice`` and free ``text``: ``"内容与所选主题不符：…"``, the
    choice or the text alone, or None when both are empty. "其他" needs the text."""
    choice = (choice or "").strip()
    text = (text or "").strip()
    if choice and choice not in tuple(reasons):
        raise DomainError("请从列表中选择原因。")
    if choice == OTHER:
        if not text:
            raise DomainError("选择“其他”时请写明原因。")
        return text
    if choice and text:
        return f"{choice}：{text}"
    return choice or text or None


def _checklist(values: dict | None) -> dict[str, bool]:
    values = values or {}
    return {key: bool(values.get(key)) for key in CHECKLIST}


# --- decisions -------------------------------------------------------------------------

def _decide(entry: Entry, decision: str, *, reviewer: User, checklist: dict[str, bool], reason: str | None,
            now: datetime, bulk: bool = False) -> None:
    before = entry.status
    after = DECISIONS[decision]
    note = reason if decision != "approve" else "审核通过：口号、主题、内容均已确认"
    set_entry_status(entry, after, actor=reviewer, now=now, note=note)
    changes: dict = {"status": [before.value, after.value], "checklist": checklist}
    if bulk:
        changes["bulk"] = True
    audit.record(f"entry.{decision}", actor=reviewer, now=now, target=entry, changes=changes, note=reason)
    kind, title, body = notify.decision_message(entry, _OUTCOME[decision], reason)
    notify.tell_entrant(entry, kind=kind, title=title, body=body, now=now)


def review_entry(entry: Entry, *, reviewer: User, decision: Decision, checklist: dict | None,
                 reason: str | None, version: int | None, now: datetime) -> None:
    """Decide on one entry (see the module docstring). Raises :class:`Forbidden` outside the
    reviewer's areas, :class:`Conflict` when ``version`` is not the entry's, and
    :class:`DomainError` for a missing checklist item or reason, or a move the status
    machine refuses. The caller commits."""
    if not can_review(reviewer, entry):
        raise Forbidden(OUTSIDE_AREA)
    if version is not None and version != entry.version:
        raise Conflict(CONFLICT.format(current=entry.version))
    if decision not in DECISIONS:
        raise DomainError("请选择审核结果：通过、不通过或退回修改。")
    ticked = _checklist(checklist)
    reason = (reason or "").strip() or None
    if decision == "approve":
        ownership.require_proven(entry)  # the reason first: no checklist makes up for it
        missing = [CHECKLIST_SHORT[k] for k in CHECKLIST if not ticked[k]]
        if missing:
            raise DomainError(f"通过前请逐项确认：还没有确认{'、'.join(missing)}。")
    elif reason is None:
        raise DomainError("不通过或退回修改时，请选择或填写原因（参赛者会看到）。")
    if reason is not None and len(reason) > REASON_MAX:
        raise DomainError(f"原因最多 {REASON_MAX} 个字。")
    if decision == "request_fix" and contests.phase(entry.contest, now) != "open":
        raise DomainError("活动报名已截止，参赛者无法再修改重新提交，请直接通过或不通过。")
    _decide(entry, decision, reviewer=reviewer, checklist=ticked, reason=reason, now=now)


def bulk_blocker(entry: Entry, *, open_flags: int = 0) -> str | None:
    """Why ``entry`` cannot be approved in bulk, or None when it qualifies.

    It qualifies when it is pending; its ownership is proven; its automatic checks from submission include the
    link, hashtag, mention and publish-time checks, all passed and none provisional (so
    the publish time came from the platform with the author's token, not from the video
    id); its caption, as stored, still carries the hashtag and the mention and was read
    from Douyin; and it has no open like flag. Anything else needs a reviewer's own look.
    """
    if entry.status is not EntryStatus.PENDING:
        return f"状态为“{entry.status.label}”，只有待审核的作品可以批量通过。"
    if entry.owner_verified_at is None:
        return ownership.UNPROVEN_APPROVAL
    checks = entry.checks or []
    if any(not c.get("passed") for c in checks) or not BULK_REQUIRED_CHECKS <= {c.get("code") for c in checks}:
        return "自动检查没有全部通过，请逐个审核。"
    if any(c.get("provisional") for c in checks):
        return "发布时间仅由视频编号推算，尚未经抖音平台确认，请逐个审核。"
    contest = entry.contest
    if (entry.fact_sources or {}).get("caption") not in {"platform", "embed"} or entry.caption is None \
            or caption_problems(entry.caption, hashtag=contest.hashtag, mention=contest.mention):
        return "作品描述未经抖音核对或缺少话题、@主办方账号，请逐个审核。"
    if open_flags:
        return f"有 {open_flags} 条待处理的点赞异常标记，请逐个审核。"
    return None


def open_flag_counts(entry_ids: Iterable[int]) -> dict[int, int]:
    """Open like flags per entry id, in one query (entries without any are left out)."""
    ids = list(set(entry_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(LikeFlag.entry_id, sa.func.count()).where(LikeFlag.entry_id.in_(ids), LikeFlag.status == FlagStatus.OPEN)
        .group_by(LikeFlag.entry_id))
    return {entry_id: n for entry_id, n in rows}


def bulk_approve(entries: Iterable[Entry], *, reviewer: User, now: datetime,
                 versions: dict[int, int] | None = None) -> tuple[list[Entry], list[tuple[Entry, str]]]:
    """Approve every entry that qualifies (:func:`bulk_blocker`); the reviewer attests the
    checklist for all of them. ``versions`` (entry id → the version the reviewer saw)
    skips entries changed since. Returns ``(approved, [(skipped, why)])``, both in the
    given order. The caller commits."""
    entries = list(entries)
    flags = open_flag_counts(e.id for e in entries)
    approved: list[Entry] = []
    skipped: list[tuple[Entry, str]] = []
    attested = {key: True for key in CHECKLIST}
    for entry in entries:
        if not can_review(reviewer, entry):
            why = OUTSIDE_AREA
        elif versions is not None and versions.get(entry.id) != entry.version:
            why = "这个作品刚被其他人处理过，请刷新后再审。"
        else:
            why = bulk_blocker(entry, open_flags=flags.get(entry.id, 0))
        if why:
            skipped.append((entry, why))
            continue
        _decide(entry, "approve", reviewer=reviewer, checklist=dict(attested), reason=None, now=now, bulk=True)
        approved.append(entry)
    return approved, skipped


NOTHING_TICKED = "请先勾选要通过的作品。"
NOT_ATTESTED = "请先勾选“我已逐一确认口号、主题和内容”，再批量通过。"


def approve_ticked(versions: dict[int, int], *, attested: bool, reviewer: User,
                   now: datetime) -> tuple[list[Entry], list[tuple[Entry, str]]]:
    """The queue's bulk approval: the entries the reviewer ticked (entry id → the version
    they saw), approved by :func:`bulk_approve` in id order. Refused (:class:`DomainError`,
    nothing changed) when nothing is ticked or the reviewer did not attest that they checked
    the slogan, theme and content of every one. The caller commits."""
    if not versions:
        raise DomainError(NOTHING_TICKED)
    if not attested:
        raise DomainError(NOT_ATTESTED)
    entries = list(db.session.scalars(sa.select(Entry).where(Entry.id.in_(versions)).order_by(Entry.id)))
    return bulk_approve(entries, reviewer=reviewer, now=now, versions=versions)


def prove_owner_by_staff(entry: Entry, *, reviewer: User, evidence_path: str, note: str | None,
                         now: datetime) -> None:
    """A reviewer records that the entrant is the video's author, from evidence they examined
    (for an entrant who cannot authorise Douyin: e.g. a screenshot of the video in the
    author's own Douyin creator centre, with their account visible). Audited
    ``entry.owner_verified`` with the evidence file and the note. Only a live entry that is
    unproven; the note is required. Such a proof never blocks the author: if the platform
    later proves another account is the author, this entry is closed
    (:mod:`contest.domain.ownership`). The caller commits."""
    if not can_review(reviewer, entry):
        raise Forbidden(OUTSIDE_AREA)
    if entry.status in CLOSED_STATUSES:
        raise DomainError(f"作品当前状态为“{entry.status.label}”，不需要核实作者身份。")
    if entry.owner_verified_at is not None:
        raise DomainError(f"这个作品的作者身份已经确认（{entry.owner_proof.label}）。")
    note = (note or "").strip()
    if not note:
        raise DomainError("请写明核实了什么证据（例如：抖音创作者中心截图，显示该作品在参赛者本人的账号下）。")
    if len(note) > REASON_MAX:
        raise DomainError(f"说明最多 {REASON_MAX} 个字。")
    ownership.mark_proven(entry, OwnerProof.STAFF, now=now, evidence_path=evidence_path)
    audit.record("entry.owner_verified", actor=reviewer, now=now, target=entry,
                 changes={"owner_proof": [None, OwnerProof.STAFF.value], "evidence": evidence_path}, note=note)


# --- the entrant's side ----------------------------------------------------------------

def resubmit_entry(entry: Entry, *, user: User, now: datetime, douyin: DouyinGateway,
                   verifier: OwnerVideos | None = None) -> None:
    """The entrant fixed the video on Douyin (a reviewer asked): the automatic checks run
    again on the same video, and the entry waits for review again (needs-fix → pending)
    with its caption, publish time, fact sources and checks refreshed. Only the owner,
    only from needs-fix, only while the contest is open. Raises :class:`Refused` (the
    entry unchanged) when problems remain. The submission time is kept (the tie rule)."""
    if entry.user_id != user.id:
        raise DomainError("只能重新提交自己的作品。")
    if entry.status is not EntryStatus.NEEDS_FIX:
        raise DomainError(f"作品当前状态为“{entry.status.label}”，不需要重新提交。")
    contest = entry.contest
    if contests.phase(contest, now) != "open":
        raise Refused([Problem("contest_not_open", "现在不在报名时间内，不能再重新提交。")])
    check = preflight("", contest, douyin=douyin, now=now, user=user, verifier=verifier, video_id=entry.video_id)
    # The video's existing entry is this one.
    problems = [p for p in check.problems if p.code != ALREADY_ENTERED.code]
    if problems:
        raise Refused(problems)
    facts = dict(check.fact_sources)
    if ownership.by_platform(entry):  # proven once, proven for good (the token may have lapsed since)
        facts["owner"] = "platform"
    # One UPDATE (one version step): no autoflush between the refreshed facts and the status.
    with db.session.no_autoflush:
        entry.caption = check.caption
        entry.published_at = check.published_at
        entry.cover_url = check.cover or entry.cover_url
        entry.fact_sources = facts
        entry.checks = entry_checks(contest, facts)
        if facts.get("owner") == "platform" and not ownership.by_platform(entry):
            ownership.mark_proven(entry, OwnerProof.PLATFORM, now=now)
        set_entry_status(entry, EntryStatus.PENDING, actor=user, now=now, note="参赛者修改后重新提交")


# --- the queue -------------------------------------------------------------------------

@dataclass
class QueueRow:
    entry: Entry
    open_flags: int
    bulk_blocker: str | None  # None: bulk approval would take it
    likes: int | None = None  # the counted tally; None before any reading
    cover: str | None = None  # the newest cover kept (the tally's, else the entry's)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    page: int
    pages: int
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # per status value, same filters otherwise


#: The queue's orders (``?sort=``; a leading ``-`` reverses): by submission (the default: first
#: come, first reviewed), by area or theme (in the contest's order), by counted likes. Ties
#: always fall back to the submission order, then the id.
QUEUE_SORTS = ("submitted", "area", "theme", "likes")
QUEUE_SORT_DEFAULT = "submitted"


def queue_order(sort: str | None) -> str:
    """``sort`` when it is one of :data:`QUEUE_SORTS` (``-`` allowed), else the default."""
    return sort if sort and sort.lstrip("-") in QUEUE_SORTS else QUEUE_SORT_DEFAULT


def review_queue(contest: Contest, *, user: User, status: EntryStatus | None = EntryStatus.PENDING,
                 theme: str | None = None, area: str | None = None, flagged: bool = False,
                 page: int = 1, per_page: int = PER_PAGE, sort: str = QUEUE_SORT_DEFAULT) -> QueuePage:
    """The entries of ``contest`` that ``user`` may review, filtered by status (None: all),
    theme key, area key and open like flags, in the order ``sort`` (:data:`QUEUE_SORTS`).
    ``counts`` gives each status's total under the other filters."""
    base = sa.select(Entry).join(Entry.area).where(Entry.contest_id == contest.id)
    scope = area_scope(user)
    if scope is not None:
        base = base.where(ContestArea.key.in_(scope))
    if area:
        base = base.where(ContestArea.key == area)
    if theme:
        base = base.join(Entry.theme).where(ContestTheme.key == theme)
    if flagged:
        base = base.where(sa.exists().where(LikeFlag.entry_id == Entry.id, LikeFlag.status == FlagStatus.OPEN))

    counts = {s.value: 0 for s in EntryStatus}
    for value, n in db.session.execute(
            base.with_only_columns(Entry.status, sa.func.count()).group_by(Entry.status)):
        counts[EntryStatus(value).value] = n

    query = base.where(Entry.status == status) if status is not None else base
    total = counts[status.value] if status is not None else sum(counts.values())
    numbers = pager(total, page, per_page, clamp=True)
    sort = queue_order(sort)
    key = {"submitted": (), "area": (ContestArea.position,), "theme": (ContestTheme.position,),
           "likes": (sa.func.coalesce(EntryTally.likes, 0),)}[sort.lstrip("-")]
    if sort.lstrip("-") == "theme" and not theme:
        query = query.join(Entry.theme)
    if sort.lstrip("-") == "likes":
        query = query.outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
    columns = (*key, Entry.submitted_at, Entry.id)
    order = [c.desc() for c in columns] if sort.startswith("-") else list(columns)
    entries = list(db.session.scalars(
        query.options(selectinload(Entry.theme), selectinload(Entry.area), selectinload(Entry.user))
        .order_by(*order).limit(per_page).offset(numbers.offset)))
    flags = open_flag_counts(e.id for e in entries)
    tallies = {t.entry_id: t for t in db.session.scalars(
        sa.select(EntryTally).where(EntryTally.entry_id.in_([e.id for e in entries])))}
    rows = [QueueRow(e, flags.get(e.id, 0), bulk_blocker(e, open_flags=flags.get(e.id, 0)),
                     likes=tallies[e.id].likes if e.id in tallies else None,
                     cover=(tallies[e.id].cover_url if e.id in tallies else None) or e.cover_url) for e in entries]
    return QueuePage(rows=rows, page=numbers.page, pages=numbers.pages, total=total, counts=counts)
