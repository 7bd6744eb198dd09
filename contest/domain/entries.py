"""Entering a video: the checks (preflight), submission, withdrawal, and the status machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from contest import clock
from contest.domain import audit, contests, links, notify, ownership
from contest.domain.captions import caption_problems
from contest.domain.covers import clean_cover
from contest.domain.errors import DomainError, NotFound, PlatformError, Problem, Refused, VideoGoneError
from contest.extensions import db
from contest.models import Contest, Entry, EntryEvent, EntryStatus, OwnerProof, User

# The one limit on pasted text (share text, a link, a caption), in characters: the entry
# rules, the entry form, the API's bodies and both caption checks all read it.
MAX_TEXT = 2000

PLATFORM_ERROR = Problem("platform_error", "暂时无法连接抖音核对这个视频，请稍后再试。")
VIDEO_UNAVAILABLE = Problem("video_unavailable", "找不到这个视频：它可能已被删除、设为私密或仍在审核中。请确认视频已公开发布。")
ALREADY_ENTERED = ownership.ALREADY_ENTERED
NOT_OWNER = Problem("not_owner", "这个视频不是你绑定的抖音账号发布的。只能用自己发布的视频参赛。")
NOT_PUBLIC = Problem("not_public", "这个视频目前是私密的。请在抖音把它设为公开，再来报名。")


def not_public(visibility: str) -> Problem:
    """Why a video that is not public cannot be entered (its status, as :attr:`Video.visibility` says it)."""
    if visibility in ("", "私密"):
        return NOT_PUBLIC
    return Problem("not_public", f"这个视频目前是“{visibility}”状态，只有公开的视频才能报名。"
                                 "请在抖音把它设为公开（审核中的视频请等审核通过），再来报名。")


class DouyinGateway(Protocol):
    """What the entry rules need from Douyin (implemented by ``contest.douyin.gateway.DouyinGateway``)."""

    share_base: str

    def resolve_short_link(self, code: str, host: str | None = None) -> str | None: ...

    def embed_info(self, video_id: str): ...


@dataclass
class Preflight:
    """The outcome of the automatic checks on pasted text."""

    video_id: str | None = None
    caption: str | None = None
    published_at: datetime | None = None
    cover: str | None = None  # from the platform only (the embed has none)
    problems: list[Problem] = field(default_factory=list)
    # How each fact was learnt: "embed" (get_iframe_by_video), "video_id" (provisional), "platform".
    fact_sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "video_id": self.video_id,
            "caption": self.caption,
            "problems": [p.as_dict() for p in self.problems],
        }


class OwnerVideos(Protocol):
    """The signed-in author's own videos on the platform (``video_data`` with their token)."""

    def fetch(self, video_id: str):
        """The platform's video (``title``, ``create_time``, ``public`` and ``visibility``), or None
        when it is not this author's (or deleted). Raises :class:`PlatformError`."""


def _window_text(contest: Contest) -> str:
    fmt = "%Y年%m月%d日 %H:%M"
    return (f"{clock.to_local(contest.opens_at, contest.timezone):{fmt}}至"
            f"{clock.to_local(contest.closes_at, contest.timezone):{fmt}}")


def existing_entries(contest: Contest, video_id: str) -> list[Entry]:
    """Every entry of the video in ``contest`` (at most one of them live), oldest first."""
    return ownership.video_entries(contest, [video_id])[video_id]


def _claim(contest: Contest, video_id: str, user: User | None, result: Preflight) -> ownership.Claim:
    return ownership.claim(existing_entries(contest, video_id), user,
                           platform_proof=result.fact_sources.get("owner") == "platform")


def _check_published(result: Preflight, contest: Contest, published: datetime | None, source: str) -> None:
    if published is None:
        return
    result.published_at = published
    result.fact_sources["published_at"] = source
    if not contests.window_contains(contest, published):
        when = clock.to_local(published, contest.timezone)
        result.problems.append(Problem(
            "published_outside_window",
            f"这个视频发布于 {when:%Y年%m月%d日 %H:%M}，不在活动时间（{_window_text(contest)}）内。"
            "请在活动期间发布新视频后再报名。",
        ))


def _check_caption(result: Preflight, contest: Contest, caption: str, source: str) -> None:
    result.caption = caption
    result.fact_sources["caption"] = source
    result.problems.extend(caption_problems(caption, hashtag=contest.hashtag, mention=contest.mention))


def _apply_platform_video(result: Preflight, contest: Contest, video) -> None:
    """The facts of the author's own video as the platform gives them (``create_time`` 0: private)."""
    result.fact_sources["owner"] = "platform"
    result.cover = clean_cover(video.cover)
    if not video.public:
        result.problems.append(not_public(video.visibility))
    if int(video.create_time) != 0:
        _check_published(result, contest, datetime.fromtimestamp(int(video.create_time), clock.UTC), "platform")
    _check_caption(result, contest, video.title, "platform")


def _platform_facts(result: Preflight, contest: Contest, verifier: OwnerVideos) -> bool:
    """Check with the author's own token. False when the platform could not answer
    (the provisional checks then run instead)."""
    try:
        video = verifier.fetch(result.video_id)
    except PlatformError:
        return False
    if video is None:
        result.problems.append(NOT_OWNER)
    else:
        _apply_platform_video(result, contest, video)
    return True


def check_own_videos(contest: Contest, videos: list, user: User) -> list[Preflight]:
    """The checks of each of the author's own videos (from their list), in one query for
    those already entered."""
    entered = ownership.video_entries(contest, [v.video_id for v in videos])
    results = []
    for video in videos:
        result = Preflight(video_id=video.video_id)
        _apply_platform_video(result, contest, video)
        found = ownership.claim(entered[video.video_id], user, platform_proof=True)
        if found.blocker is not None:
            result.problems.append(found.problem)
        results.append(result)
    return results


def _embed_facts(result: Preflight, contest: Contest, douyin: DouyinGateway) -> None:
    """Provisional checks without a token: the publish time from the id, the caption from the embed."""
    _check_published(result, contest, links.published_at_from_id(result.video_id), "video_id")
    try:
        info = douyin.embed_info(result.video_id)
    except VideoGoneError:
        result.problems.append(VIDEO_UNAVAILABLE)
    except PlatformError:
        result.problems.append(PLATFORM_ERROR)
    else:
        _check_caption(result, contest, info.title, "embed")


def preflight(text: str, contest: Contest, *, douyin: DouyinGateway, now: datetime,
              user: User | None = None, verifier: OwnerVideos | None = None,
              video_id: str | None = None) -> Preflight:
    """Run every automatic check on pasted share text or a link (docs/douyin.md), or on
    a ``video_id`` picked from the author's own list.

    Stops at the first problem that leaves no video id. With a ``verifier`` (the
    signed-in author's Douyin token) the platform's facts are used: ownership, the
    exact publish time, the whole caption; without one, or when the platform cannot
    answer, the provisional ones (publish time from the id, caption from the embed).
    """
    result = Preflight()
    try:
        result.video_id = video_id if video_id and links.is_video_id(video_id) \
            else links.video_id_in(text, douyin)
    except links.LinkProblem as exc:
        result.problems.append(exc.problem)
        return result
    except PlatformError as exc:
        # A short link Douyin would not resolve for us (risk control) says so: never "expired".
        result.problems.append(Problem(PLATFORM_ERROR.code, exc.message) if exc.kind == "blocked" else PLATFORM_ERROR)
        return result

    if verifier is None or not _platform_facts(result, contest, verifier):
        _embed_facts(result, contest, douyin)
    found = _claim(contest, result.video_id, user, result)
    if found.blocker is not None:
        result.problems.append(found.problem)
    return result


def entry_checks(contest: Contest, fact_sources: dict[str, str]) -> list[dict]:
    """What passed at submission, for the entrant and reviewers; provisional facts are marked."""
    # The caption comes from Douyin either way (the embed or the author's token);
    # only a publish time read from the video id is provisional.
    items = [
        {"code": "video", "passed": True, "label": "抖音视频链接有效", "provisional": False},
        {"code": "hashtag", "passed": True, "label": f"作品描述包含话题 #{contest.hashtag}", "provisional": False},
        {"code": "mention", "passed": True, "label": f"作品描述 @了{contest.mention}", "provisional": False},
    ]
    if fact_sources.get("owner") == "platform":
        items.append(dict(ownership.OWNER_CHECK))
    if "published_at" in fact_sources:
        items.append({
            "code": "published_in_window", "passed": True, "label": "发布时间在活动期内",
            "provisional": fact_sources["published_at"] != "platform",
        })
    return items


def set_entry_status(entry: Entry, to: EntryStatus, *, actor: User | None, now: datetime,
                     note: str | None = None) -> None:
    """The one transition function: checks the move, records who and when. Nothing is
    approved whose ownership is unproven (:class:`ownership.OwnershipUnproven`, 409)."""
    allowed = TRANSITIONS[entry.status]
    if to not in allowed:
        raise DomainError(f"作品当前状态为“{entry.status.label}”，不能改为“{to.label}”。")
    if to is EntryStatus.APPROVED:
        ownership.require_proven(entry)
    entry.events.append(EntryEvent(at=now, actor_id=actor.id if actor else None,
                                   from_status=entry.status, to_status=to, note=note))
    entry.status = to
    entry.status_changed_at = now
    entry.status_reason = note


TRANSITIONS: dict[EntryStatus, frozenset[EntryStatus]] = {
    EntryStatus.PENDING: frozenset({EntryStatus.APPROVED, EntryStatus.REJECTED, EntryStatus.NEEDS_FIX,
                                    EntryStatus.WITHDRAWN}),
    EntryStatus.NEEDS_FIX: frozenset({EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN}),
    EntryStatus.WITHDRAWN: frozenset({EntryStatus.PENDING}),
    # Disqualification; or the entrant deleted their account (contest.domain.personal_data).
    EntryStatus.APPROVED: frozenset({EntryStatus.REJECTED, EntryStatus.WITHDRAWN}),
    EntryStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True)
class EntryRequest:
    """What an entrant submits, as typed."""

    text: str
    theme: str | None
    area: str | None
    accept_rules: bool
    show_nickname: bool
    video_id: str | None = None  # picked from the author's own list instead of pasted

    @property
    def as_typed(self) -> str:
        return self.text if self.text.strip() else f"抖音作品 {self.video_id}"


def validate_request(contest: Contest, req: EntryRequest, now: datetime) -> list[Problem]:
    """Problems with the form itself (theme, area, rules, window), before any Douyin call."""
    problems = []
    if contests.phase(contest, now) != "open":
        problems.append(Problem("contest_not_open", f"现在不在报名时间内。报名和积赞时间为{_window_text(contest)}（北京时间）。"))
    if req.video_id:
        if not links.is_video_id(req.video_id):
            problems.append(Problem("not_a_video", "视频编号应当是一串数字。"))
    elif not req.text.strip():
        problems.append(Problem("no_link", links.NO_LINK[1]))
    if len(req.text) > MAX_TEXT:  # kept as typed even beside a picked video
        problems.append(Problem("text_too_long", f"粘贴的内容太长了（超过 {MAX_TEXT} 个字），请只粘贴抖音的分享文字。"))
    if contests.theme_by_key(contest, req.theme) is None:
        problems.append(Problem("invalid_theme", "请选择参赛主题。"))
    if contests.area_by_key(contest, req.area) is None:
        problems.append(Problem("invalid_area", "请选择所在区县。"))
    if not req.accept_rules:
        problems.append(Problem("rules_not_accepted", "请阅读并同意参赛规则。"))
    return problems


def submit_entry(contest: Contest, user: User, req: EntryRequest, *, douyin: DouyinGateway,
                 now: datetime, verifier: OwnerVideos | None = None) -> Entry:
    """Enter a video: every check must pass; the entry waits for review.

    One live entry per video per contest (:mod:`contest.domain.ownership` says which entries
    block and which are displaced): the database's partial unique index decides between
    concurrent submissions, and the loser gets ``already_entered`` (409). An entrant who
    withdrew an entry may enter the same video again. When the platform proves the
    entrant is the author, another account's entry of the video that is not proven the
    same way is closed in this same transaction (:func:`_close_for_author`).
    """
    problems = validate_request(contest, req, now)
    if problems:
        raise Refused(problems)
    check = preflight(req.text, contest, douyin=douyin, now=now, user=user, verifier=verifier,
                      video_id=req.video_id)
    if not check.ok:
        only_duplicate = [p.code for p in check.problems] == [ALREADY_ENTERED.code]
        raise Refused(check.problems, status=409 if only_duplicate else 422)

    fields = dict(
        theme=contests.theme_by_key(contest, req.theme), area=contests.area_by_key(contest, req.area),
        submitted_text=req.as_typed, caption=check.caption, published_at=check.published_at, cover_url=check.cover,
        fact_sources=check.fact_sources, checks=entry_checks(contest, check.fact_sources),
        show_nickname=req.show_nickname, rules_accepted_at=now, submitted_at=now,
    )
    proven = check.fact_sources.get("owner") == "platform"
    # Looked up again: another request may have entered the video since the preflight.
    found = _claim(contest, check.video_id, user, check)
    if found.blocker is not None:
        raise Refused([found.problem], status=409)
    try:
        for other in found.displace:
            set_entry_status(other, EntryStatus.REJECTED, actor=None, now=now, note=ownership.DISPLACED_REASON)
        db.session.flush()  # the displaced entries leave the live index before the author's enters
        entry = found.revive
        if entry is not None:  # the entrant's own withdrawn entry, entered again
            for name, value in fields.items():
                setattr(entry, name, value)
            set_entry_status(entry, EntryStatus.PENDING, actor=user, now=now, note="重新报名")
        else:
            entry = Entry(contest=contest, user=user, video_id=check.video_id, status=EntryStatus.PENDING,
                          status_changed_at=now, **fields)
            entry.events.append(EntryEvent(at=now, actor_id=user.id, from_status=None,
                                           to_status=EntryStatus.PENDING, note="报名"))
            db.session.add(entry)
        if proven:
            ownership.mark_proven(entry, OwnerProof.PLATFORM, now=now)
        db.session.flush()
    except (IntegrityError, StaleDataError):
        # A concurrent request won the live entry (or changed the same rows first).
        db.session.rollback()
        raise Refused([_claim(contest, check.video_id, user, check).problem], status=409) from None
    for other in found.displace:
        _close_for_author(other, entry, now=now)
    return entry


def _close_for_author(other: Entry, author_entry: Entry, *, now: datetime) -> None:
    """Audit and announce that ``other`` (already rejected) gave way to the proven author's entry."""
    before = other.events[-1].from_status if other.events else None
    audit.record("entry.closed_for_author", actor=None, now=now, target=other,
                 changes={"status": [before.value if before else None, EntryStatus.REJECTED.value],
                          "author_entry_id": author_entry.id},
                 note=ownership.DISPLACED_REASON)
    kind, title, body = notify.closed_for_author_message(other)
    notify.tell_entrant(other, kind=kind, title=title, body=body, now=now)


def own_entry(entry_id: int, user: User) -> Entry:
    """``user``'s own entry ``entry_id``; anyone else's, or none, is "not found" (404), so ids reveal nothing."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound("没有找到这个作品。")
    return entry


def withdraw_refusal(entry: Entry, user: User) -> str | None:
    """Why ``user`` may not withdraw ``entry`` (Chinese), or None when they may: only its
    entrant, only while it waits for review (pending or needs-fix)."""
    if entry.user_id != user.id:
        return "只能撤回自己的作品。"
    if entry.status not in {EntryStatus.PENDING, EntryStatus.NEEDS_FIX}:
        return f"作品当前状态为“{entry.status.label}”，不能再撤回。"
    return None


def can_withdraw(entry: Entry, user: User) -> bool:
    """Whether ``user`` may withdraw ``entry`` (:func:`withdraw_refusal`): the entrant's page offers the button."""
    return withdraw_refusal(entry, user) is None


def withdraw_entry(entry: Entry, *, user: User, now: datetime) -> None:
    """The entrant withdraws an entry that has not been reviewed yet (:func:`withdraw_refusal`)."""
    if (why := withdraw_refusal(entry, user)) is not None:
        raise DomainError(why)
    set_entry_status(entry, EntryStatus.WITHDRAWN, actor=user, now=now, note="参赛者撤回")


def entries_of(user: User, contest: Contest | None = None) -> list[Entry]:
    query = sa.select(Entry).where(Entry.user_id == user.id).order_by(Entry.submitted_at.desc(), Entry.id.desc())
    if contest is not None:
        query = query.where(Entry.contest_id == contest.id)
    return list(db.session.scalars(query))
