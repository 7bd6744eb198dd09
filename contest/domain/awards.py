"""Award lists: drafted after the close, shown in a public notice (公示), published, corrected.

Stages of a contest's lists (one :class:`AwardList` per award and version):

1. :func:`draft_awards`, only after the close: version N+1 of both awards, straight
   into their public notice (``notice_starts_at`` = now, ``notice_ends_at`` = now +
   ``notice_days``, 5 by default).
2. During the notice, :func:`disqualify` removes an entry (APPROVED → REJECTED, with the
   reason) and the lists are recomputed in place: the next in line moves up. A judge's
   late score (allowed until publication) recomputes them too (:func:`score_entry`,
   :func:`declare_conflict`, through :func:`refresh_notice`).
3. :func:`publish_awards`, once the notice period is over: the lists become final.
4. Published lists never change. :func:`correct_awards` marks one "superseded" and
   publishes version N+1, computed afresh, with the reason for the correction.

What a list holds
-----------------
For each award, scope ``overall``: the top N of its ranking, N being the contest's
``popularity_award_size`` or ``excellence_award_size`` (10 each: the article's "top ten",
overall). Only when the contest sets ``theme_award_places`` (off by default, never implied)
does each theme get a list of its own too, in the contest's theme order and of the same N.
Popularity comes from :func:`contest.domain.likes.standings`, excellence from
:func:`contest.domain.judging.excellence_ranking`; their tie rules apply.

Double wins: when the contest sets ``allow_double_win = False``, popularity is decided
first (it is a count, fixed at the close) and, scope by scope, the excellence list skips
the entries that won popularity in the same scope; the next in the excellence ranking
moves up. The skipped entries are listed in the first following place's ``detail``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest import clock
from contest.domain import audit, certificates, judging, notify
from contest.domain.award_lists import current_awards, notice_awards
from contest.domain.entries import set_entry_status
from contest.domain.errors import Conflict, DomainError
from contest.domain.gallery import UNTITLED, entry_title
from contest.domain.likes import frozen, standings
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, User
from contest.models.awards import AwardKind, AwardList, AwardPlace, AwardStatus, Disqualification
from contest.models.judging import JudgeConflict, Score
from contest.models.objection import Objection, ObjectionStatus

OVERALL = "overall"
DEFAULT_NOTICE_DAYS = 5
MAX_NOTICE_DAYS = 30
MAX_REASON = 500
KINDS = (AwardKind.POPULARITY, AwardKind.EXCELLENCE)  # popularity first: see the double-win rule


@dataclass
class Placing:
    scope: str
    rank: int
    entry: Entry
    value: float
    detail: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return self.scope, self.rank, self.entry.id


_iso = clock.iso_utc


def _scopes(contest: Contest):
    """``overall``, then each theme only when the contest has per-theme places."""
    themes = contest.themes if contest.theme_award_places else []
    return [(OVERALL, None)] + [(theme.key, theme) for theme in themes]


def _popularity(contest: Contest) -> list[Placing]:
    size = contest.popularity_award_size
    return [
        Placing(scope, s.rank, s.entry, float(s.likes), {
            "likes": s.likes, "reached_at": _iso(s.reached_at), "observed_at": _iso(s.observed_at),
            "source": s.source.value if s.source else None})
        for scope, theme in _scopes(contest) for s in standings(contest, theme=theme, limit=size)
    ]


def _excellence(contest: Contest, popularity: list[Placing]) -> list[Placing]:
    size = contest.excellence_award_size
    skip: dict[str, set[int]] = {}
    if not contest.allow_double_win:
        for p in popularity:
            skip.setdefault(p.scope, set()).add(p.entry.id)
    places = []
    for scope, theme in _scopes(contest):
        passed_over, rank = [], 0
        for r in judging.excellence_ranking(contest, theme=theme):
            if rank == size:
                break
            if r.entry.id in skip.get(scope, ()):
                passed_over.append(r.entry.id)
                continue
            rank += 1
            detail = {"z_mean": r.z_mean, "raw_mean": r.raw_mean, "spread": r.spread, "judges": r.judges,
                      "ranking": r.rank}
            if passed_over:
                detail["passed_over"], passed_over = passed_over, []
            places.append(Placing(scope, rank, r.entry, r.z_mean, detail))
    return places


def _compute(contest: Contest, kind: AwardKind, popularity: list[Placing] | None = None) -> list[Placing]:
    if kind is AwardKind.POPULARITY:
        return _popularity(contest)
    return _excellence(contest, _popularity(contest) if popularity is None else popularity)


def _as_placings(award_list: AwardList | None) -> list[Placing]:
    if award_list is None:
        return []
    return [Placing(p.scope, p.rank, p.entry, p.value, dict(p.detail)) for p in award_list.places]


def _summary(places) -> list[list]:
    """``[[scope, rank, entry_id], …]`` for the audit trail."""
    return [[p.scope, p.rank, p.entry_id if isinstance(p, AwardPlace) else p.entry.id] for p in places]


def _fill(award_list: AwardList, places: list[Placing]) -> None:
    """Replace a not-yet-published list's places (old ones go first: the unique ranks)."""
    if award_list.places:
        award_list.places.clear()
        db.session.flush()
    award_list.places.extend(AwardPlace(scope=p.scope, rank=p.rank, entry_id=p.entry.id, value=p.value,
                                        detail=p.detail) for p in places)


def _next_version(contest: Contest, kind: AwardKind) -> int:
    latest = db.session.scalar(sa.select(sa.func.max(AwardList.version)).where(
        AwardList.contest_id == contest.id, AwardList.kind == kind))
    return (latest or 0) + 1


def clean_reason(reason: str | None, what: str, limit: int = MAX_REASON) -> str:
    """``reason`` stripped; refused when empty or longer than ``limit`` (``what`` names it)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(f"请填写{what}。")
    if len(reason) > limit:
        raise DomainError(f"{what}最多 {limit} 个字。")
    return reason


@dataclass(frozen=True)
class Preview:
    """What one award's list will show once confirmed: ``places`` in order; ``short`` the
    scopes with fewer entries than places (``{scope: (entries, places)}``)."""

    kind: AwardKind
    places: list[Placing]
    size: int
    short: dict[str, tuple[int, int]]

    def public_rows(self, themes: dict[str, str]) -> list[dict]:
        """Each place as the public lists show it: scope, rank, title, author (as shown publicly)."""
        return [{"scope": "总榜" if p.scope == OVERALL else themes.get(p.scope, p.scope), "rank": p.rank,
                 "entry_id": p.entry.id, "title": entry_title(p.entry.caption) or UNTITLED,
                 "author": public_author(p.entry)} for p in self.places]


def fingerprint(previews: list[Preview]) -> str:
    """A short digest of exactly what ``previews`` list: the confirmation page sends it back, and
    the confirmed action is refused when the lists changed in between."""
    rows = [[p.kind.value, *_summary(p.places)] for p in previews]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def _preview(contest: Contest, kind: AwardKind, places: list[Placing]) -> Preview:
    size = contest.popularity_award_size if kind is AwardKind.POPULARITY else contest.excellence_award_size
    short = {}
    for scope, _theme in _scopes(contest):
        n = sum(p.scope == scope for p in places)
        if n < size:
            short[scope] = (n, size)
    return Preview(kind, places, size, short)


def _check_draft(contest: Contest, now: datetime) -> None:
    if not frozen(contest, now):
        raise DomainError("活动截止后才能生成获奖名单。")
    for kind in KINDS:
        if notice_awards(contest, kind) is not None:
            raise Conflict(f"{kind.label}名单已在公示中。")
        if current_awards(contest, kind) is not None:
            raise Conflict(f"{kind.label}名单已经发布；如需修改，请发布更正。")


def preview_draft(contest: Contest, *, now: datetime) -> list[Preview]:
    """Both awards' lists as :func:`draft_awards` would put them in their notice now (nothing written)."""
    _check_draft(contest, now)
    popularity = _compute(contest, AwardKind.POPULARITY)
    return [_preview(contest, AwardKind.POPULARITY, popularity),
            _preview(contest, AwardKind.EXCELLENCE, _compute(contest, AwardKind.EXCELLENCE, popularity))]


def preview_publish(contest: Contest) -> list[Preview]:
    """The lists in their notice as :func:`publish_awards` would publish them now (recomputed, nothing written)."""
    previews, popularity = [], None
    for award_list in _notice_lists(contest):
        places = _compute(contest, award_list.kind, popularity)
        if award_list.kind is AwardKind.POPULARITY:
            popularity = places
        previews.append(_preview(contest, award_list.kind, places))
    return previews


def short_message(preview: Preview, themes: dict[str, str]) -> str:
    parts = [f"{'总榜' if scope == OVERALL else themes.get(scope, scope)} {n}/{size}"
             for scope, (n, size) in preview.short.items()]
    return f"{preview.kind.label}名单不足额（{'，'.join(parts)}）"


def _confirm(contest: Contest, previews: list[Preview], *, expected: str | None, short_reason: str | None,
             verb: str) -> str | None:
    """Refuse when the lists changed since the confirmation page (``expected``), or when a list
    is short and no reason is given; the cleaned reason, or None when no list is short."""
    if expected is not None and expected != fingerprint(previews):
        raise Conflict(f"名单在你确认之后发生了变化，请重新查看后再{verb}。")
    short = [p for p in previews if p.short]
    if not short:
        return None
    themes = {t.key: t.name for t in contest.themes}
    if not (short_reason or "").strip():
        raise DomainError(f"{'；'.join(short_message(p, themes) for p in short)}。名单人数少于名额时，"
                          f"必须由管理员填写原因才能{verb}，原因会公开显示在名单旁。")
    return clean_reason(short_reason, "名单不足额的原因")


def _tell_winners(award_lists: list[AwardList], *, published: bool, now: datetime) -> int:
    """Tell every listed entrant (inbox, and a text to a confirmed phone): once per entrant,
    entry and list. Returns how many were told."""
    told = 0
    for award_list in award_lists:
        for place in award_list.places:
            entry = place.entry
            label = f"{certificates.scope_label(place)}第 {place.rank} 名"
            title = entry_title(entry.caption) or UNTITLED
            if published:
                kind, head = "award.published", "恭喜！你的作品获奖了"
                body = (f"你在“{entry.contest.name}”的作品《{title}》荣获{label}，获奖名单已正式公布。"
                        "获奖证书可在“我的作品”中查看和下载，证书上的名字可以自己选择。")
            else:
                kind, head = "award.notice", "你的作品进入拟获奖名单公示"
                body = (f"你在“{entry.contest.name}”的作品《{title}》列入{label}拟获奖名单，"
                        f"公示至 {clock.to_local(award_list.notice_ends_at):%Y年%m月%d日 %H:%M}（北京时间）。"
                        "公示结束且没有成立的异议后，名单正式公布。")
            notify.tell_entrant(entry, kind=kind, title=head, body=body, now=now)
            told += 1
    return told


def draft_awards(contest: Contest, *, staff: User, now: datetime,
                 notice_days: int = DEFAULT_NOTICE_DAYS, short_reason: str | None = None,
                 expected: str | None = None) -> list[AwardList]:
    """Version N+1 of both awards, in their public notice from ``now`` for ``notice_days``.

    Only after the close (the standings are frozen), and only while no list is in its
    notice or published (after publication, :func:`correct_awards`). A list with fewer
    entries than places (in any scope, empty included) needs ``short_reason``, kept on the
    list and shown publicly; ``expected`` (:func:`fingerprint` of the confirmation page's
    :func:`preview_draft`), when given, must still match. Every listed entrant is told. The
    caller commits.
    """
    if isinstance(notice_days, bool) or not isinstance(notice_days, int) \
            or not 1 <= notice_days <= MAX_NOTICE_DAYS:
        raise DomainError(f"公示天数必须是 1 到 {MAX_NOTICE_DAYS} 之间的整数。")
    previews = preview_draft(contest, now=now)
    reason = _confirm(contest, previews, expected=expected, short_reason=short_reason, verb="开始公示")
    made = []
    for preview in previews:
        kind, places = preview.kind, preview.places
        award_list = AwardList(contest_id=contest.id, kind=kind, version=_next_version(contest, kind),
                               status=AwardStatus.NOTICE, notice_starts_at=now,
                               notice_ends_at=now + timedelta(days=notice_days),
                               short_reason=reason if preview.short else None,
                               created_at=now, created_by_id=staff.id)
        db.session.add(award_list)
        _fill(award_list, places)
        db.session.flush()
        changes = {"kind": kind.value, "version": award_list.version, "notice_days": notice_days,
                   "notice_ends_at": award_list.notice_ends_at.isoformat(), "places": _summary(places)}
        if preview.short:
            changes["short"] = {scope: list(n) for scope, n in preview.short.items()}
        audit.record("awards.draft", actor=staff, now=now, target=award_list, changes=changes,
                     note=award_list.short_reason)
        made.append(award_list)
    _tell_winners(made, published=False, now=now)
    return made


def _recompute_notice(contest: Contest) -> dict:
    """Recompute every list in its notice, in place; ``{kind: {"before", "after"}}`` of those that changed."""
    changed, popularity = {}, None
    for kind in KINDS:
        award_list = notice_awards(contest, kind)
        if award_list is None:
            popularity = None
            continue
        places = _compute(contest, kind, popularity)
        if kind is AwardKind.POPULARITY:
            popularity = places
        before = _summary(award_list.places)
        after = _summary(places)
        values_before = [p.value for p in award_list.places]
        if before != after or values_before != [p.value for p in places]:
            _fill(award_list, places)
            changed[kind.value] = {"list_id": award_list.id, "before": before, "after": after}
    db.session.flush()
    return changed


def refresh_notice(contest: Contest, *, actor: User | None, now: datetime, why: str) -> dict:
    """Bring the lists in their notice up to date (after a late score or a conflict);
    audited as ``awards.refresh`` when anything moved. The caller commits."""
    changed = _recompute_notice(contest)
    if changed:
        audit.record("awards.refresh", actor=actor, now=now, contest_id=contest.id, changes=changed, note=why)
    return changed


def score_entry(entry: Entry, judge: User, values: dict, *, now: datetime) -> Score:
    """A judge scores ``entry`` (:func:`contest.domain.judging.submit_score`, its rules and
    errors); the lists in their public notice follow the scores until publication
    (:func:`refresh_notice`, why ``score.submit``). The caller commits."""
    score = judging.submit_score(entry, judge, values, now=now)
    refresh_notice(entry.contest, actor=judge, now=now, why="score.submit")
    return score


def declare_conflict(entry: Entry, judge: User, reason: str, *, now: datetime) -> JudgeConflict:
    """A judge declares a conflict of interest on ``entry``
    (:func:`contest.domain.judging.declare_conflict`); when that withdraws a score, the lists in
    their public notice follow (:func:`refresh_notice`, why ``score.conflict``). The caller commits."""
    withdrawn = judging.score_of(entry, judge) is not None
    conflict = judging.declare_conflict(entry, judge, reason, now=now)
    if withdrawn:
        refresh_notice(entry.contest, actor=judge, now=now, why="score.conflict")
    return conflict


def _notice_lists(contest: Contest) -> list[AwardList]:
    lists = [award_list for kind in KINDS if (award_list := notice_awards(contest, kind)) is not None]
    if not lists:
        raise DomainError("现在没有公示中的获奖名单。")
    return lists


def _disqualify_entry(contest: Contest, entry: Entry, reason: str, *, staff: User,
                      now: datetime) -> Disqualification:
    if entry.contest_id != contest.id:
        raise DomainError("这件作品不属于本活动。")
    if entry.status is not EntryStatus.APPROVED:
        raise DomainError(f"作品当前状态为“{entry.status.label}”，不在获奖候选之列。")
    set_entry_status(entry, EntryStatus.REJECTED, actor=staff, now=now, note=reason)
    row = Disqualification(contest_id=contest.id, entry_id=entry.id, reason=reason, at=now, by_id=staff.id)
    db.session.add(row)
    return row


def disqualify(contest: Contest, entry: Entry, reason: str, *, staff: User, now: datetime,
               late: bool = False) -> Disqualification:
    """Disqualify ``entry`` during the notice period (``notice_starts_at <= now <
    notice_ends_at``): APPROVED → REJECTED with ``reason`` as the note, a
    :class:`Disqualification` row, and the notice lists recomputed in place so that the
    next in line moves up. After the period, a correction of the published lists is the
    way; ``late`` (an objection filed during the period, upheld after it) allows it until
    the lists are published. The caller commits."""
    reason = clean_reason(reason, "取消资格的原因")
    lists = _notice_lists(contest)
    starts = min(award_list.notice_starts_at for award_list in lists)
    ends = max(award_list.notice_ends_at for award_list in lists)
    if not (starts <= now < ends or (late and starts <= now)):
        raise DomainError("公示期已结束，不能再在公示中取消资格；请发布后通过更正处理。")
    row = _disqualify_entry(contest, entry, reason, staff=staff, now=now)
    db.session.flush()
    changed = _recompute_notice(contest)
    audit.record("awards.disqualify", actor=staff, now=now, target=entry,
                 changes={"disqualification_id": row.id, "lists": changed}, note=reason)
    return row


def check_publishable(contest: Contest, *, now: datetime) -> list[AwardList]:
    """The lists in their notice, when they may be published now: the notice period is over
    and every objection (:mod:`contest.domain.objections`) is answered."""
    lists = _notice_lists(contest)
    ends = max(award_list.notice_ends_at for award_list in lists)
    if now < ends:
        raise DomainError("公示期尚未结束，不能发布获奖名单。")
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Objection).where(
        Objection.contest_id == contest.id, Objection.status == ObjectionStatus.OPEN))
    if waiting:
        raise DomainError(f"还有 {waiting} 条异议没有答复，答复后才能发布获奖名单。")
    return lists


def publish_awards(contest: Contest, *, staff: User, now: datetime, short_reason: str | None = None,
                   expected: str | None = None) -> list[AwardList]:
    """Publish the lists in their notice (:func:`check_publishable`). They are recomputed one
    last time first, so that a change made outside this module during the notice (an entry
    rejected on review, a manual like reading) is not published stale; what moved is in the
    audit. A short list needs ``short_reason`` (kept, shown publicly; a reason given when the
    list went to its notice stands unless a new one is given); ``expected`` (:func:`fingerprint`
    of :func:`preview_publish`), when given, must still match. Every place gets its numbered
    certificate and every winner is told. The caller commits."""
    lists = check_publishable(contest, now=now)
    previews = preview_publish(contest)
    earlier = next((a.short_reason for a in lists if a.short_reason), None)
    reason = _confirm(contest, previews, expected=expected, short_reason=short_reason or earlier, verb="发布")
    short = {p.kind: p.short for p in previews}
    changed = _recompute_notice(contest)
    for award_list in lists:
        award_list.status, award_list.published_at = AwardStatus.PUBLISHED, now
        award_list.short_reason = reason if short.get(award_list.kind) else None
        changes = {"kind": award_list.kind.value, "version": award_list.version,
                   "status": [AwardStatus.NOTICE.value, AwardStatus.PUBLISHED.value],
                   "places": _summary(award_list.places), "recomputed": changed.get(award_list.kind.value)}
        if short.get(award_list.kind):
            changes["short"] = {scope: list(n) for scope, n in short[award_list.kind].items()}
        audit.record("awards.publish", actor=staff, now=now, target=award_list, changes=changes,
                     note=award_list.short_reason)
    db.session.flush()
    for award_list in lists:
        certificates.issue(award_list, now=now)
    _tell_winners(lists, published=True, now=now)
    return lists


def correct_awards(contest: Contest, *, kind: AwardKind | str, reason: str, staff: User, now: datetime,
                   disqualify_entry: Entry | None = None) -> list[AwardList]:
    """Correct a published award: the published list becomes "superseded" (never edited)
    and version N+1, computed afresh from today's data, is published with ``reason``.

    ``disqualify_entry``, when given, is disqualified first (APPROVED → REJECTED) and
    every published list that holds it is corrected. With ``allow_double_win = False``, a
    popularity correction also corrects the excellence list when that list, recomputed
    against the new popularity winners, differs (the double-win rule). A list whose
    recomputation equals the published one is left alone; when nothing at all would
    change, the correction is refused.
    Returns the new versions, popularity first. The caller commits.
    """
    kind = AwardKind(kind)
    reason = clean_reason(reason, "更正原因")
    if current_awards(contest, kind) is None:
        raise DomainError(f"{kind.label}名单还没有发布，不能更正。")
    kinds = {kind}
    if disqualify_entry is not None:
        _disqualify_entry(contest, disqualify_entry, reason, staff=staff, now=now)
        db.session.flush()
        for other in KINDS:
            published = current_awards(contest, other)
            if published is not None and any(p.entry_id == disqualify_entry.id for p in published.places):
                kinds.add(other)
    made, popularity = [], None
    for this in KINDS:
        old = current_awards(contest, this)
        if old is None:
            continue
        base = popularity if popularity is not None else _as_placings(current_awards(contest, AwardKind.POPULARITY))
        places = _compute(contest, this, base if this is AwardKind.EXCELLENCE else None)
        same = [(p.key, p.value) for p in places] == [((p.scope, p.rank, p.entry_id), p.value) for p in old.places]
        cascades = this is AwardKind.EXCELLENCE and not contest.allow_double_win and popularity is not None
        if same or not (this in kinds or cascades):
            continue
        old.status = AwardStatus.SUPERSEDED
        db.session.flush()
        new = AwardList(contest_id=contest.id, kind=this, version=_next_version(contest, this),
                        status=AwardStatus.PUBLISHED, published_at=now, reason=reason, created_at=now,
                        created_by_id=staff.id)
        db.session.add(new)
        _fill(new, places)
        db.session.flush()
        audit.record("awards.correct", actor=staff, now=now, target=new, changes={
            "kind": this.value, "version": [old.version, new.version], "superseded_list_id": old.id,
            "places": [_summary(old.places), _summary(places)],
            "disqualified_entry_id": disqualify_entry.id if disqualify_entry is not None else None}, note=reason)
        certificates.issue(new, now=now)
        if this is AwardKind.POPULARITY:
            popularity = places
        made.append(new)
    if not made:
        raise Conflict("重新计算的获奖名单与已发布的名单相同，无需更正。")
    return made


def winners_table(contest: Contest, *, staff: User, now: datetime, fmt: str) -> tuple[list[str], list[list]]:
    """The winners of both awards for a CSV/XLSX download: the published lists, or the
    lists in their notice when none is published yet (the 状态 column says which).
    Personal data is masked: the nickname only when the entrant agreed to show it,
    masked otherwise; never a phone number. Audited as ``export.winners``. The caller commits."""
    themes = {theme.key: theme.name for theme in contest.themes}
    headers = ["奖项", "版本", "状态", "范围", "名次", "作品编号", "视频编号", "主题", "区县", "作者",
               "成绩", "原始平均分", "评委人数"]
    rows = []
    for kind in KINDS:
        award_list = current_awards(contest, kind) or notice_awards(contest, kind)
        if award_list is None:
            continue
        for p in award_list.places:
            entry = p.entry
            author = public_author(entry)
            if kind is AwardKind.POPULARITY:
                figures = [p.detail.get("likes"), None, None]
            else:
                figures = [round(p.value, 4), round(p.detail["raw_mean"], 2), p.detail["judges"]]
            rows.append([kind.label, award_list.version, award_list.status.label,
                         "总榜" if p.scope == OVERALL else themes.get(p.scope, p.scope), p.rank, entry.id,
                         entry.video_id, entry.theme.name, entry.area.name, author, *figures])
    audit.record("export.winners", actor=staff, now=now, contest_id=contest.id,
                 changes={"format": fmt, "rows": len(rows)})
    return headers, rows
