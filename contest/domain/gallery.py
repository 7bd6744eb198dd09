"""What the public pages show of entries: the gallery, an entry's public page, a citizen's
public profile, and the home page at a glance.

Only **approved** entries are ever shown, with the nickname the entrant agreed to show or a
masked one (never a phone). The gallery's values are plain dataclasses of str/int/datetime,
so that they can be cached for every visitor (the public pages cache them, shared by all).

Covers: a card shows the newest cover kept (:mod:`contest.domain.covers`), on the tally row or
else on the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from contest.domain.paging import pager
from contest.domain import contests, likes, links
from contest.domain.announcements import public_announcements
from contest.domain.captions import normalise, without_tags
from contest.domain.errors import DomainError, NotFound, PlatformError
from contest.domain.leaderboards import Board, PublicCache, popularity_board, uncached
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, EntryTally, Snapshot, User
from contest.models.awards import Announcement

PER_PAGE = 20
MAX_PAGE = 10_000
MAX_QUERY = 50
UNTITLED = "未命名作品"
# ?sort= values and how the page states them.
SORTS = {"new": "最新通过审核的在前", "likes": "点赞最多的在前"}
DEFAULT_SORT = "new"
_PAGE = re.compile(r"[0-9]{1,6}")


def entry_title(caption: str | None) -> str:
    """The public title of an entry: its Douyin caption without the tags."""
    return without_tags(caption)


def _folded(text: str) -> str:
    """For searching: full-width and half-width alike, case ignored."""
    return normalise(text).casefold()


# --- cards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """An approved entry as the public sees it."""

    entry_id: int
    video_id: str  # the "去抖音点赞" link opens the video on Douyin
    title: str
    author: str
    author_id: int | None  # only when the entrant agreed to show their nickname (links the profile)
    theme: str
    area: str
    likes: int | None  # the counted tally; None before any reading
    observed_at: datetime | None
    cover: str | None  # None: the local placeholder


def card_of(entry: Entry, tally: EntryTally | None) -> Card:
    cover = (tally.cover_url if tally else None) or entry.cover_url
    return Card(
        entry_id=entry.id, video_id=entry.video_id, title=entry_title(entry.caption) or UNTITLED, author=public_author(entry),
        author_id=entry.user_id if entry.show_nickname else None, theme=entry.theme.name, area=entry.area.name,
        likes=tally.likes if tally else None, observed_at=tally.observed_at if tally else None, cover=cover)


def entry_card(entry: Entry) -> Card:
    return card_of(entry, db.session.get(EntryTally, entry.id))


def _cards(ids: list[int]) -> list[Card]:
    """The cards of ``ids``, in that order, in one query."""
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Entry, EntryTally).outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
        .where(Entry.id.in_(ids))
        .options(joinedload(Entry.user), joinedload(Entry.theme), joinedload(Entry.area))).all()
    by_id = {entry.id: card_of(entry, tally) for entry, tally in rows}
    return [by_id[i] for i in ids]


def _approved(contest: Contest):
    return Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED


# --- the gallery ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryFilters:
    theme: str
    area: str
    q: str
    page: int
    sort: str


def gallery_filters(contest: Contest, *, theme: str | None = None, area: str | None = None, q: str | None = None,
                    page: str | None = None, sort: str | None = None) -> GalleryFilters:
    """The gallery's query parameters as typed, checked. Raises :class:`DomainError` naming
    every bad one."""
    problems = []
    theme, area, sort = theme or "", area or "", sort or DEFAULT_SORT
    if theme and contests.theme_by_key(contest, theme) is None:
        problems.append("没有这个参赛主题，请从列表中选择。")
    if area and contests.area_by_key(contest, area) is None:
        problems.append("没有这个区县，请从列表中选择。")
    q = " ".join((q or "").split())
    if len(q) > MAX_QUERY:
        problems.append(f"搜索词最多 {MAX_QUERY} 个字。")
    number = 1 if not page else int(page) if _PAGE.fullmatch(page) else 0
    if not 1 <= number <= MAX_PAGE:
        problems.append(f"页码应为 1 到 {MAX_PAGE} 之间的整数。")
    if sort not in SORTS:
        problems.append("排序方式只能是“最新”或“点赞最多”。")
    if problems:
        raise DomainError("".join(problems))
    return GalleryFilters(theme=theme, area=area, q=q, page=number, sort=sort)


SHORT_LINK_DOWN = "暂时无法打开这个抖音短链接，请稍后再试，或按标题、作者昵称搜索。"


def search_term(q: str | None, douyin: links.ShortLinks) -> str | None:
    """What the gallery searches for: pasted Douyin share text or a link becomes the video's id
    (a long link read as it is, a short one resolved through ``douyin``), so a citizen finds an
    entry by the link they were sent; anything else as typed. :class:`DomainError` when the
    link is not a Douyin video's."""
    if not q or links.find_url(q) is None:
        return q
    try:
        return links.video_id_in(q, douyin)
    except links.LinkProblem as exc:
        raise DomainError(exc.problem.message) from exc
    except PlatformError as exc:
        raise DomainError(SHORT_LINK_DOWN) from exc


@dataclass(frozen=True)
class GalleryPage:
    cards: list[Card]
    total: int  # matching entries, all pages
    page: int
    pages: int
    per_page: int
    sort: str


def gallery_page(contest: Contest, *, theme: str = "", area: str = "", q: str = "", page: int = 1,
                 per_page: int = PER_PAGE, sort: str = DEFAULT_SORT) -> GalleryPage:
    """One page of the contest's approved entries (filters as :func:`gallery_filters` returns them).

    Sort ``new``: the latest approved first; ``likes``: the highest counted tally first (no
    reading counts as 0), then the latest approved. ``q`` is searched in the title (the caption
    without its tags) and in the author's nickname — only when the entrant agreed to show it,
    so a masked name cannot be uncovered by searching — ignoring case and full/half width; a
    ``q`` of digits also finds the entry whose Douyin video id it is (a pasted link becomes its
    id first: :func:`search_term`). So the ids, captions and
    nicknames of the filtered entries are read first and the page's cards after.
    """
    newest = (Entry.status_changed_at.desc(), Entry.id.desc())
    order = newest if sort == "new" else (sa.func.coalesce(EntryTally.likes, 0).desc(), *newest)
    query = (sa.select(Entry.id, Entry.caption, Entry.video_id, Entry.show_nickname, User.nickname)
             .join(User, User.id == Entry.user_id).outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
             .where(*_approved(contest)).order_by(*order))
    if theme:
        query = query.where(Entry.theme_id == contests.theme_by_key(contest, theme).id)
    if area:
        query = query.where(Entry.area_id == contests.area_by_key(contest, area).id)
    rows = db.session.execute(query).all()
    if q:
        rows = [row for row in rows if _matches(row, _folded(q), q)]
    numbers = pager(len(rows), page, per_page)
    return GalleryPage(cards=_cards([row.id for row in numbers.slice(rows)]), total=numbers.total,
                       page=numbers.page, pages=numbers.pages, per_page=per_page, sort=sort)


def _matches(row, wanted: str, q: str) -> bool:
    return (wanted in _folded(entry_title(row.caption)) or q == row.video_id
            or (row.show_nickname and wanted in _folded(row.nickname)))


# --- one entry, one citizen -------------------------------------------------------------------


def public_entry(entry_id: int) -> Entry:
    """The entry if the public may see it (approved), else :class:`NotFound` (whatever the reason,
    so an id reveals nothing)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.status is not EntryStatus.APPROVED:
        raise NotFound("没有找到这个作品。")
    return entry


def counted_history(entry: Entry) -> list[Snapshot]:
    """The readings that count for the tally (at or before the close), oldest first: the
    public chart leaves out readings kept only for the record."""
    return [s for s in likes.history(entry) if likes.counted(entry.contest, s.observed_at)]


def share_text(contest: Contest, title: str, url: str) -> str:
    """What an entrant pastes in WeChat to ask for likes."""
    return f"我在参加{contest.name}，我的作品《{title}》，请为我点赞！{url}"


@dataclass(frozen=True)
class Profile:
    user_id: int
    nickname: str
    cards: list[Card]


def public_profile(contest: Contest, user_id: int) -> Profile:
    """A citizen's approved entries in ``contest`` for which they agreed to show their nickname,
    latest approved first; :class:`NotFound` when there is none (nothing else is public)."""
    ids = list(db.session.scalars(
        sa.select(Entry.id).where(*_approved(contest), Entry.user_id == user_id, Entry.show_nickname.is_(True))
        .order_by(Entry.status_changed_at.desc(), Entry.id.desc())))
    if not ids:
        raise NotFound("没有找到这位参赛者的公开作品。")
    cards = _cards(ids)
    return Profile(user_id=user_id, nickname=cards[0].author, cards=cards)


@dataclass(frozen=True)
class Standing:
    likes: int | None  # the counted tally; None before any reading
    place: int | None  # on the overall popularity board (approved entries only)


def standings_of(contest: Contest, entry_ids: list[int], cache: PublicCache = uncached) -> dict[int, Standing]:
    """Each entry's counted likes and, once approved, its place in the whole overall ranking
    (:func:`contest.domain.likes.ranking`, looked up in ``cache``): what 我的作品 shows an entrant."""
    places = cache("places", lambda: {r.entry_id: r.rank for r in likes.ranking(contest)}, contest=contest.slug)
    tallies = dict(db.session.execute(
        sa.select(EntryTally.entry_id, EntryTally.likes).where(EntryTally.entry_id.in_(entry_ids))).all()) \
        if entry_ids else {}
    return {i: Standing(likes=tallies.get(i), place=places.get(i)) for i in entry_ids}


# --- an area (county or district) -------------------------------------------------------------


@dataclass(frozen=True)
class AreaPage:
    """One area's approved entries and its counts, so its cultural centre can promote its own."""

    key: str
    name: str
    entries: int  # approved entries
    likes: int    # their counted tallies together
    themes: list[tuple[str, int]]  # (theme name, approved entries), in the contest's theme order
    gallery: GalleryPage


def area_page(contest: Contest, key: str, *, page: int = 1, sort: str = "likes") -> AreaPage:
    """The approved entries of the area ``key`` (most liked first), with its counts;
    :class:`NotFound` for an area the contest does not have."""
    area = contests.area_by_key(contest, key)
    if area is None:
        raise NotFound("没有这个区县。")
    counts = dict((theme_id, (n, total)) for theme_id, n, total in db.session.execute(
        sa.select(Entry.theme_id, sa.func.count(), sa.func.coalesce(sa.func.sum(EntryTally.likes), 0))
        .outerjoin(EntryTally, EntryTally.entry_id == Entry.id)
        .where(*_approved(contest), Entry.area_id == area.id).group_by(Entry.theme_id)))
    return AreaPage(key=area.key, name=area.name, entries=sum(n for n, _ in counts.values()),
                    likes=sum(int(total) for _, total in counts.values()),
                    themes=[(t.name, counts.get(t.id, (0, 0))[0]) for t in contest.themes],
                    gallery=gallery_page(contest, area=key, page=page, sort=sort))


# --- the county arena (/areas) ----------------------------------------------------------------


@dataclass(frozen=True)
class AreaStanding:
    """One county or district in the arena: what it entered, what was approved, the likes its
    approved entries gathered, and its leading entry."""

    place: int
    key: str
    name: str
    entries: int   # entries submitted there, withdrawn ones left out
    approved: int
    likes: int     # the counted tallies of its approved entries together
    leader: Card | None  # its approved entry ranked highest on the overall board


def area_standings(contest: Contest) -> list[AreaStanding]:
    """Every area of ``contest``, most likes first (then more approved entries, then the
    contest's own order of areas), each with its leading entry: the first of its approved
    entries in the overall ranking, so by the board's tie rule
    (:func:`contest.domain.likes.standings`). Four queries whatever the number of entries."""
    counts = {(area_id, EntryStatus(status)): n for area_id, status, n in db.session.execute(
        sa.select(Entry.area_id, Entry.status, sa.func.count()).where(Entry.contest_id == contest.id)
        .group_by(Entry.area_id, Entry.status))}
    area_of = dict(db.session.execute(sa.select(Entry.id, Entry.area_id).where(*_approved(contest))).all())
    likes_by_area: dict[int, int] = {}
    leaders: dict[int, int] = {}
    for row in likes.ranking(contest):
        area_id = area_of[row.entry_id]
        likes_by_area[area_id] = likes_by_area.get(area_id, 0) + row.likes
        leaders.setdefault(area_id, row.entry_id)
    cards = {card.entry_id: card for card in _cards(list(leaders.values()))}
    rows = []
    for order, area in enumerate(contest.areas):
        entries = sum(n for (area_id, status), n in counts.items()
                      if area_id == area.id and status is not EntryStatus.WITHDRAWN)
        approved = counts.get((area.id, EntryStatus.APPROVED), 0)
        leader = cards.get(leaders[area.id]) if area.id in leaders else None
        rows.append((-likes_by_area.get(area.id, 0), -approved, order,
                     (area.key, area.name, entries, approved, likes_by_area.get(area.id, 0), leader)))
    rows.sort(key=lambda r: r[:3])
    return [AreaStanding(place, *values) for place, (*_, values) in enumerate(rows, start=1)]


# --- the home page ----------------------------------------------------------------------------


def remaining_text(seconds: float) -> str:
    """``3 天 4 小时 5 分`` (whole minutes, rounded down); site.js writes the same."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "不到 1 分钟"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} 天"] if days else []
    if days or hours:
        parts.append(f"{hours} 小时")
    parts.append(f"{minutes} 分")
    return " ".join(parts)


@dataclass(frozen=True)
class Countdown:
    """To the open while upcoming, to the end of the window (the close + 1 s) while open."""

    label: str  # "距离开始还有" / "距离截止还有"
    target: datetime | None  # None once closed
    text: str  # what is left, at ``now`` (the page's text without JavaScript)
    done: str  # shown when it reaches zero


def countdown(contest: Contest, now: datetime) -> Countdown:
    phase = contests.phase(contest, now)
    if phase == "closed":
        return Countdown(label="", target=None, text="已结束", done="已结束")
    if phase == "upcoming":
        target, label, done = contest.opens_at, "距离开始还有", "已开始，请刷新页面"
    else:
        target, label, done = likes.cutoff(contest), "距离截止还有", "已结束"
    return Countdown(label=label, target=target, text=remaining_text((target - now).total_seconds()), done=done)


@dataclass(frozen=True)
class Home:
    phase: str
    countdown: Countdown
    announcements: list[Announcement]
    board: Board


HOME_ANNOUNCEMENTS = 3
HOME_BOARD = 6


def home_page(contest: Contest, now: datetime, cache: PublicCache = uncached) -> Home:
    """The contest at a glance: its phase and countdown, the latest notices, the top of the overall
    board (looked up in ``cache``)."""
    return Home(phase=contests.phase(contest, now), countdown=countdown(contest, now),
                announcements=public_announcements(contest, limit=HOME_ANNOUNCEMENTS),
                board=popularity_board(contest, theme=None, limit=HOME_BOARD, now=now, cache=cache))
