"""Judging the excellence award (优秀奖): the rubric, blind scoring, conflicts of
interest, progress, and the one excellence ranking.

Blind: what a judge is shown comes from :class:`JudgeItem` only (entry id, caption,
theme, video id); never likes, nickname, phone or user id (docs/rules.md §8). The embedded
Douyin player shows the author's Douyin account, so the judges watch the original the entrant kept
for blind judging where there is one (:mod:`contest.domain.judging_videos`), and are told plainly
that the player shows the author where there is none.

Who scores: users with the judge role only. Admins see likes and identities
everywhere, so an organiser who sits on the panel gets a separate judge account.

A score's **total** is the weighted sum of its values, each scaled to its criterion's
range, so it lies between 0 and 100: ``Σ weight · (value − min) / (max − min)``
(the weights sum to 100).

The **aggregate** of an entry corrects for judges' different harshness: each judge's
totals are turned into z-scores over *all* that judge's scores in the contest,
``z = (total − mean) / σ`` with the population standard deviation σ (a judge with a
single score, or whose scores are all equal, contributes z = 0); the entry's aggregate
is the mean of its judges' z-scores. Scores of entries disqualified later stay in each
judge's pool, so a disqualification never moves the other entries' aggregates.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from contest import clock
from contest.domain import audit
from contest.domain.errors import Conflict, DomainError, Problem, Refused
from contest.domain.permissions import Forbidden, is_judge
from contest.extensions import db
from contest.models import Contest, ContestTheme, Entry, EntryStatus, Role, User
from contest.models.awards import FINAL, AwardKind, AwardList
from contest.models.judging import JudgeConflict, Rubric, Score

DEFAULT_CRITERIA: tuple[dict, ...] = (
    {"key": "theme", "name": "主题契合", "weight": 30, "min": 0, "max": 10},
    {"key": "creativity", "name": "创意", "weight": 30, "min": 0, "max": 10},
    {"key": "production", "name": "制作", "weight": 20, "min": 0, "max": 10},
    {"key": "zhuzhou", "name": "株洲特色", "weight": 20, "min": 0, "max": 10},
)
MAX_CRITERIA = 10
MAX_REASON = 500

TIE_RULE = (
    "优秀奖按各评委标准分（z 分）的平均值排名：每位评委的总分先按该评委在本活动全部评分的平均分和标准差换算成 z 分，"
    "以消除评委打分宽严的差异；只有一份评分或评分全部相同的评委，z 分记为 0。"
    "平均 z 分相同（精确到小数点后 9 位）时，原始平均分高者在前；仍相同的，评分评委多者在前；"
    "仍相同的，先提交报名的作品在前；最后按作品编号。"
)

_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


class NotAJudge(Forbidden):
    """A refusal by role (403): see :mod:`contest.domain.permissions`."""


# --- the rubric -------------------------------------------------------------------

def rubric_for(contest: Contest) -> Rubric:
    """The contest's rubric, created with :data:`DEFAULT_CRITERIA` when it has none. The caller commits."""
    query = sa.select(Rubric).where(Rubric.contest_id == contest.id)
    rubric = db.session.scalar(query)
    if rubric is None:
        # Two first requests may race to create it: the loser reads the winner's row.
        try:
            with db.session.begin_nested():
                rubric = Rubric(contest_id=contest.id, criteria=[dict(c) for c in DEFAULT_CRITERIA],
                                updated_at=clock.now())
                db.session.add(rubric)
        except IntegrityError:
            rubric = db.session.scalar(query)
    return rubric


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _clean_criteria(criteria: list[dict]) -> list[dict]:
    if not criteria:
        raise DomainError("评分标准至少要有一项。")
    if len(criteria) > MAX_CRITERIA:
        raise DomainError(f"评分标准最多 {MAX_CRITERIA} 项。")
    cleaned, keys = [], set()
    for i, item in enumerate(criteria, start=1):
        key = str(item.get("key") or "").strip()
        name = str(item.get("name") or "").strip()
        weight, low, high = (_number(item.get(f)) for f in ("weight", "min", "max"))
        if not _KEY.fullmatch(key):
            raise DomainError(f"第 {i} 项的代码只能用小写字母、数字和下划线，以字母开头，最多 32 个字符。")
        if key in keys:
            raise DomainError(f"评分项代码“{key}”重复了。")
        keys.add(key)
        if not name or len(name) > 40:
            raise DomainError(f"请填写第 {i} 项的名称（最多 40 个字）。")
        if weight is None or weight <= 0:
            raise DomainError(f"“{name}”的权重必须是大于 0 的数。")
        if low is None or high is None or not low < high:
            raise DomainError(f"“{name}”的最低分必须小于最高分。")
        cleaned.append({"key": key, "name": name, "weight": _plain(weight), "min": _plain(low), "max": _plain(high)})
    total = sum(c["weight"] for c in cleaned)
    if not math.isclose(total, 100, abs_tol=1e-9):
        raise DomainError(f"各项权重之和必须是 100（现在是 {_plain(total)}）。")
    return cleaned


def _plain(number: float) -> int | float:
    """``30.0`` → ``30``: whole numbers are kept as integers in the JSON."""
    return int(number) if float(number).is_integer() else number


def _contest_scores(contest: Contest):
    return sa.select(Score).join(Entry, Entry.id == Score.entry_id).where(Entry.contest_id == contest.id)


def update_rubric(contest: Contest, criteria: list[dict], *, staff: User, now: datetime) -> Rubric:
    """Replace the rubric. Weights must sum to 100, each range needs min < max, keys are
    unique. The criteria are locked once the first score is in (old and new scores would
    not be comparable). How many judges score each entry is the contest's ``min_judges``
    (:func:`contest.domain.contests.save_contest`). The caller commits."""
    rubric = rubric_for(contest)
    cleaned = _clean_criteria(criteria)
    if cleaned != rubric.criteria and db.session.scalar(_contest_scores(contest).limit(1)) is not None:
        raise Conflict("评委已经开始评分，评分标准不能再修改。")
    changes = {"criteria": [rubric.criteria, cleaned]} if cleaned != rubric.criteria else {}
    rubric.criteria, rubric.updated_at = cleaned, now
    audit.record("rubric.update", actor=staff, now=now, target=rubric, changes=changes)
    return rubric


def total_of(criteria: list[dict], values: dict[str, float]) -> float:
    """The weighted total on 0–100 (see the module docstring), rounded to 9 decimals so
    that fractional weights cannot leave float noise such as 100.00000000000001."""
    total = sum(c["weight"] * (values[c["key"]] - c["min"]) / (c["max"] - c["min"]) for c in criteria)
    return min(100.0, max(0.0, round(total, 9)))


# --- what a judge sees ------------------------------------------------------------

@dataclass(frozen=True)
class JudgeItem:
    """An entry as a judge sees it: nothing about likes or the entrant."""

    entry_id: int
    caption: str
    theme_key: str
    theme_name: str
    video_id: str


def _item(entry: Entry) -> JudgeItem:
    return JudgeItem(entry_id=entry.id, caption=entry.caption or "", theme_key=entry.theme.key,
                     theme_name=entry.theme.name, video_id=entry.video_id)


def _require_judge(judge: User) -> None:
    if not is_judge(judge):
        raise NotAJudge("只有评委可以评分。")


def judge_queue(contest: Contest, judge: User) -> list[JudgeItem]:
    """The approved entries ``judge`` has neither scored nor declared a conflict on, in entry order."""
    scored = sa.select(Score.entry_id).where(Score.judge_id == judge.id)
    conflicted = sa.select(JudgeConflict.entry_id).where(JudgeConflict.judge_id == judge.id)
    entries = db.session.scalars(
        sa.select(Entry).where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED,
                               Entry.id.not_in(scored), Entry.id.not_in(conflicted))
        .options(joinedload(Entry.theme)).order_by(Entry.id))
    return [_item(e) for e in entries]


@dataclass(frozen=True)
class MyScore:
    item: JudgeItem
    values: dict
    total: float
    updated_at: datetime


def scored_by(contest: Contest, judge: User) -> list[MyScore]:
    """``judge``'s own scores of approved entries, in entry order (to revisit them)."""
    rows = db.session.execute(
        sa.select(Entry, Score).join(Score, Score.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED, Score.judge_id == judge.id)
        .options(joinedload(Entry.theme)).order_by(Entry.id))
    return [MyScore(_item(e), s.values, s.total, s.updated_at) for e, s in rows]


@dataclass(frozen=True)
class ScoreSheet:
    """What the score page needs: the entry (blind), the criteria, the judge's score so far."""

    item: JudgeItem
    criteria: list[dict]
    values: dict | None
    conflict: bool
    locked: bool


def _conflict_of(entry: Entry, judge: User) -> JudgeConflict | None:
    return db.session.scalar(sa.select(JudgeConflict).where(
        JudgeConflict.entry_id == entry.id, JudgeConflict.judge_id == judge.id))


def score_of(entry: Entry, judge: User) -> Score | None:
    """``judge``'s score of ``entry``, or None."""
    return db.session.scalar(sa.select(Score).where(Score.entry_id == entry.id, Score.judge_id == judge.id))


def scoring_locked(contest: Contest) -> bool:
    """Scores stay open until the excellence award is published."""
    return db.session.scalar(sa.select(AwardList.id).where(
        AwardList.contest_id == contest.id, AwardList.kind == AwardKind.EXCELLENCE,
        AwardList.status.in_(FINAL)).limit(1)) is not None


def score_sheet(entry: Entry, judge: User) -> ScoreSheet:
    _require_judge(judge)
    if entry.status is not EntryStatus.APPROVED:
        raise DomainError("只能给已通过审核的作品评分。")
    score = score_of(entry, judge)
    return ScoreSheet(item=_item(entry), criteria=rubric_for(entry.contest).criteria,
                      values=score.values if score else None, conflict=_conflict_of(entry, judge) is not None,
                      locked=scoring_locked(entry.contest))


def submit_score(entry: Entry, judge: User, values: dict, *, now: datetime) -> Score:
    """Score ``entry`` (approved only) on every criterion, each value within its range.

    A judge may score again, overwriting the earlier score, until the excellence award
    is published; not an entry they declared a conflict on. Raises :class:`Refused` with one
    problem per bad value (its code is the criterion key). The judging pages go through
    :func:`contest.domain.awards.score_entry`, so that lists in their public notice follow the
    scores. The caller commits.
    """
    _require_judge(judge)
    contest = entry.contest
    if entry.status is not EntryStatus.APPROVED:
        raise DomainError("只能给已通过审核的作品评分。")
    if scoring_locked(contest):
        raise Conflict("优秀奖已经发布，评分已锁定。")
    if _conflict_of(entry, judge) is not None:
        raise Conflict("你已声明与这件作品存在利益冲突，不能评分。")
    criteria = rubric_for(contest).criteria
    problems, clean = [], {}
    for c in criteria:
        value = _number(values.get(c["key"]))
        if value is None:
            problems.append(Problem(c["key"], f"请给“{c['name']}”打分。"))
        elif not c["min"] <= value <= c["max"]:
            problems.append(Problem(c["key"], f"“{c['name']}”的分数必须在 {c['min']} 到 {c['max']} 之间。"))
        else:
            clean[c["key"]] = _plain(value)
    unknown = sorted(set(values) - {c["key"] for c in criteria})
    if unknown:
        problems.append(Problem("unknown", f"没有这些评分项：{'、'.join(unknown)}。"))
    if problems:
        raise Refused(problems)

    score = score_of(entry, judge)
    before = (score.values, score.total) if score else None
    if score is None:
        score = Score(entry_id=entry.id, judge_id=judge.id, created_at=now)
        db.session.add(score)
    score.values, score.total, score.updated_at = clean, total_of(criteria, clean), now
    db.session.flush()
    audit.record("score.submit", actor=judge, now=now, target=entry, changes={
        "score_id": score.id, "values": [before[0] if before else None, clean],
        "total": [before[1] if before else None, score.total]})
    return score


def declare_conflict(entry: Entry, judge: User, reason: str, *, now: datetime) -> JudgeConflict:
    """``judge`` declares a conflict of interest and skips ``entry``. A score they
    already gave it is withdrawn (kept in the audit trail); the lists in their public notice
    follow through :func:`contest.domain.awards.declare_conflict`. The caller commits."""
    _require_judge(judge)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请说明利益冲突的原因。")
    if len(reason) > MAX_REASON:
        raise DomainError(f"原因最多 {MAX_REASON} 个字。")
    if entry.status is not EntryStatus.APPROVED:
        raise DomainError("只能对已通过审核的作品声明利益冲突。")
    if scoring_locked(entry.contest):
        raise Conflict("优秀奖已经发布，评分已锁定。")
    if _conflict_of(entry, judge) is not None:
        raise Conflict("你已经声明过与这件作品的利益冲突。")
    conflict = JudgeConflict(entry_id=entry.id, judge_id=judge.id, reason=reason, created_at=now)
    db.session.add(conflict)
    score = score_of(entry, judge)
    withdrawn = {"values": score.values, "total": score.total} if score else None
    if score is not None:
        db.session.delete(score)
    db.session.flush()
    audit.record("score.conflict", actor=judge, now=now, target=entry,
                 changes={"conflict_id": conflict.id, "withdrawn_score": withdrawn}, note=reason)
    return conflict


# --- progress ---------------------------------------------------------------------

@dataclass(frozen=True)
class JudgeProgress:
    judge_id: int
    nickname: str
    scored: int
    conflicts: int
    remaining: int


@dataclass(frozen=True)
class EntryProgress:
    entry_id: int
    caption: str
    theme_name: str
    judges: int
    conflicts: int
    min_judges: int

    @property
    def enough(self) -> bool:
        return self.judges >= self.min_judges


@dataclass(frozen=True)
class Progress:
    min_judges: int
    entries_total: int
    entries_ready: int
    judges: list[JudgeProgress]
    entries: list[EntryProgress]


def progress(contest: Contest) -> Progress:
    """Per judge: approved entries scored, conflicts declared, and still to do; per approved
    entry: judges who scored it against ``min_judges``. Judges are every active judge plus
    anyone who scored in this contest."""
    min_judges = contest.min_judges
    entries = list(db.session.scalars(
        sa.select(Entry).where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED)
        .options(joinedload(Entry.theme)).order_by(Entry.id)))
    approved = sa.select(Entry.id).where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED)
    scores = db.session.execute(sa.select(Score.entry_id, Score.judge_id).where(Score.entry_id.in_(approved))).all()
    conflicts = db.session.execute(
        sa.select(JudgeConflict.entry_id, JudgeConflict.judge_id).where(JudgeConflict.entry_id.in_(approved))).all()
    by_judge_scored, by_judge_conflicts = defaultdict(int), defaultdict(int)
    by_entry_scored, by_entry_conflicts = defaultdict(int), defaultdict(int)
    for entry_id, judge_id in scores:
        by_judge_scored[judge_id] += 1
        by_entry_scored[entry_id] += 1
    for entry_id, judge_id in conflicts:
        by_judge_conflicts[judge_id] += 1
        by_entry_conflicts[entry_id] += 1
    judge_ids = set(by_judge_scored) | set(by_judge_conflicts)
    who = sa.and_(User.role == Role.JUDGE, User.active.is_(True))
    if judge_ids:
        who = sa.or_(who, User.id.in_(judge_ids))
    judges = db.session.scalars(sa.select(User).where(who).order_by(User.id)).all()
    return Progress(
        min_judges=min_judges, entries_total=len(entries),
        entries_ready=sum(1 for e in entries if by_entry_scored[e.id] >= min_judges),
        judges=[JudgeProgress(judge_id=j.id, nickname=j.nickname, scored=by_judge_scored[j.id],
                              conflicts=by_judge_conflicts[j.id],
                              remaining=len(entries) - by_judge_scored[j.id] - by_judge_conflicts[j.id])
                for j in judges],
        entries=[EntryProgress(entry_id=e.id, caption=e.caption or "", theme_name=e.theme.name,
                               judges=by_entry_scored[e.id], conflicts=by_entry_conflicts[e.id],
                               min_judges=min_judges) for e in entries],
    )


# --- the ranking ------------------------------------------------------------------

@dataclass(frozen=True)
class Excellence:
    rank: int
    entry: Entry
    z_mean: float
    raw_mean: float
    spread: float  # population standard deviation of the raw totals
    judges: int


def judge_z_scores(totals: list[tuple[int, float]]) -> dict[int, float]:
    """One judge's z-score per entry from ``[(entry_id, total)]``: ``(total − mean) / σ``
    (population σ); 0 for every entry when the judge has one score or σ = 0."""
    if len(totals) < 2:
        return {entry_id: 0.0 for entry_id, _ in totals}
    values = [t for _, t in totals]
    mean, sigma = statistics.fmean(values), statistics.pstdev(values)
    if sigma == 0:
        return {entry_id: 0.0 for entry_id, _ in totals}
    return {entry_id: (t - mean) / sigma for entry_id, t in totals}


def excellence_ranking(contest: Contest, *, theme: ContestTheme | None = None) -> list[Excellence]:
    """The excellence ranking of approved entries scored by at least ``min_judges`` judges,
    best first (of ``theme`` only, when given; z-scores are always over the whole contest).

    Aggregate: the mean of the entry's judges' z-scores (module docstring), with the raw
    mean of their totals and the spread (population standard deviation) beside it.
    **Ties** (:data:`TIE_RULE`): equal mean z (to 9 decimals, so that rounding noise
    cannot decide) → higher raw mean → more judges → earlier submission → lower entry id.
    Ranks are distinct (1, 2, 3…) because the tie rule decides between equal aggregates.
    """
    min_judges = contest.min_judges
    rows = db.session.execute(
        sa.select(Score.entry_id, Score.judge_id, Score.total).join(Entry, Entry.id == Score.entry_id)
        .where(Entry.contest_id == contest.id).order_by(Score.judge_id, Score.entry_id)).all()
    per_judge: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for entry_id, judge_id, total in rows:
        per_judge[judge_id].append((entry_id, total))
    per_entry_z: dict[int, list[float]] = defaultdict(list)
    per_entry_raw: dict[int, list[float]] = defaultdict(list)
    for totals in per_judge.values():
        z = judge_z_scores(totals)
        for entry_id, total in totals:
            per_entry_z[entry_id].append(z[entry_id])
            per_entry_raw[entry_id].append(total)
    eligible = [entry_id for entry_id, raws in per_entry_raw.items() if len(raws) >= min_judges]
    if not eligible:
        return []
    query = sa.select(Entry).where(Entry.id.in_(eligible), Entry.status == EntryStatus.APPROVED)
    if theme is not None:
        query = query.where(Entry.theme_id == theme.id)
    rows = []
    for entry in db.session.scalars(query):
        raws = per_entry_raw[entry.id]
        rows.append((statistics.fmean(per_entry_z[entry.id]), statistics.fmean(raws), statistics.pstdev(raws),
                     len(raws), entry))
    rows.sort(key=lambda r: (-round(r[0], 9), -round(r[1], 9), -r[3], r[4].submitted_at, r[4].id))
    return [Excellence(rank=i, entry=entry, z_mean=z, raw_mean=raw, spread=spread, judges=n)
            for i, (z, raw, spread, n, entry) in enumerate(rows, start=1)]


# --- export -----------------------------------------------------------------------

def score_table(contest: Contest, *, staff: User, now: datetime, fmt: str) -> tuple[list[str], list[list]]:
    """Every score of the contest, one row each (entry order, then judge), for a CSV/XLSX
    download; audited as ``export.scores``. No entrant identity. The caller commits."""
    criteria = rubric_for(contest).criteria
    headers = ["作品编号", "视频编号", "主题", "作品状态", "评委编号", "评委",
               *[f"{c['name']}（{c['min']}–{c['max']}）" for c in criteria], "总分（0–100）", "首次评分时间", "最后修改时间"]
    rows = [
        [entry.id, entry.video_id, entry.theme.name, entry.status.label, judge.id, judge.nickname,
         *[score.values.get(c["key"]) for c in criteria], round(score.total, 4), score.created_at, score.updated_at]
        for score, entry, judge in db.session.execute(
            sa.select(Score, Entry, User).join(Entry, Entry.id == Score.entry_id).join(User, User.id == Score.judge_id)
            .where(Entry.contest_id == contest.id).options(joinedload(Entry.theme))
            .order_by(Entry.id, User.id))
    ]
    audit.record("export.scores", actor=staff, now=now, contest_id=contest.id,
                 changes={"format": fmt, "rows": len(rows)})
    return headers, rows
