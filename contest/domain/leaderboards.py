"""Public leaderboards: the standings as the public may see them (consented nicknames only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol, TypeVar

import sqlalchemy as sa

from contest.domain import likes
from contest.domain.award_lists import current_awards, notice_awards, objection_counts
from contest.domain.captions import without_tags
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Contest, ContestTheme, Entry, EntryStatus, EntryTally, Snapshot, User
from contest.models.awards import AwardList, AwardPlace


T = TypeVar("T")


class PublicCache(Protocol):
    """``cache(name, compute, **params)``: ``compute()``, or the value stored under ``name`` and
    ``params`` for this version of the public data (the public pages pass the shared public cache)."""

    def __call__(self, name: str, compute: Callable[[], T], **params: Any) -> T: ...


def uncached(name: str, compute: Callable[[], T], **params: Any) -> T:
    """The :class:`PublicCache` that stores nothing."""
    return compute()


@dataclass(frozen=True)
class PublicCorrection:
    """What the public sees of a tally's correction after the close: when it was made, why,
    the tally before it and the instant the corrected count was observed."""

    at: datetime
    reason: str
    previous_likes: int | None
    observed_at: datetime


@dataclass(frozen=True)
class BoardRow:
    rank: int
    entry_id: int
    video_id: str
    title: str
    author: str
    theme_key: str
    theme_name: str
    likes: int
    observed_at: datetime | None
    correction: PublicCorrection | None = None
    cover: str | None = None  # the newest cover kept (as the gallery's cards); None: the placeholder

    @property
    def corrected(self) -> bool:
        return self.correction is not None


@dataclass(frozen=True)
class Board:
    """A popularity board as the public sees it: plain values only, so it can be cached."""

    theme_key: str | None
    theme_name: str | None
    as_of: datetime
    frozen: bool
    rows: list[BoardRow]
    read: bool = True  # False before any reading: then ``as_of`` is the moment of asking


def popularity_boards(contest: Contest, *, themes: list[ContestTheme | None], limit: int,
                      now: datetime, cache: PublicCache = uncached) -> list[Board]:
    """Top ``limit`` approved entries by the tally (see :func:`contest.domain.likes.standings`),
    overall (``None``) or for a theme, for each of ``themes``: one ``cache`` look-up for them all
    (the leaderboards page shows four boards).

    ``as_of`` is the newest counted reading of the contest (the board cannot be newer than
    that), or ``now`` before any reading; after the close the board is ``frozen``, and a row
    whose tally an admin corrected carries that :class:`PublicCorrection`.
    """
    frozen = likes.frozen(contest, now)

    def compute() -> tuple[datetime | None, list[list[BoardRow]]]:
        newest = db.session.scalar(
            sa.select(sa.func.max(EntryTally.observed_at)).join(Entry, Entry.id == EntryTally.entry_id)
            .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED))
        tables = [likes.standings(contest, theme=theme, limit=limit) for theme in themes]
        user_ids = {s.entry.user_id for table in tables for s in table}
        if user_ids:  # into the identity map: one query for every row's entry.user, not one a row
            db.session.scalars(sa.select(User).where(User.id.in_(user_ids))).all()
        covers = dict(db.session.execute(
            sa.select(EntryTally.entry_id, EntryTally.cover_url)
            .where(EntryTally.entry_id.in_({s.entry.id for table in tables for s in table}))).all())
        corrections = {i: PublicCorrection(at=c.corrected_at, reason=c.reason, previous_likes=c.previous_likes,
                                           observed_at=c.observed_at)
                       for i, c in likes.corrections_by_id(s.correction_id for table in tables for s in table).items()}
        return newest, [[
            BoardRow(rank=s.rank, entry_id=s.entry.id, video_id=s.entry.video_id, title=without_tags(s.entry.caption),
                     author=public_author(s.entry), theme_key=s.entry.theme.key, theme_name=s.entry.theme.name,
                     likes=s.likes, observed_at=s.observed_at, correction=corrections.get(s.correction_id),
                     cover=covers.get(s.entry.id) or s.entry.cover_url)
            for s in table] for table in tables]

    newest, tables = cache("popularity", compute, contest=contest.slug,
                           themes=",".join(t.key if t else "" for t in themes), limit=limit)
    return [Board(theme_key=theme.key if theme else None, theme_name=theme.name if theme else None,
                  as_of=newest or now, frozen=frozen, rows=rows, read=newest is not None)
            for theme, rows in zip(themes, tables)]


def popularity_board(contest: Contest, *, theme: ContestTheme | None, limit: int, now: datetime,
                     cache: PublicCache = uncached) -> Board:
    """One board (overall when ``theme`` is None) of :func:`popularity_boards`."""
    return popularity_boards(contest, themes=[theme], limit=limit, now=now, cache=cache)[0]


RACE_POINTS = 120  # readings kept per curve: enough for a phone's width, small enough to send


@dataclass(frozen=True)
class RaceCurve:
    """One entry's counted likes over the window, as the race chart draws it."""

    rank: int
    entry_id: int
    title: str
    author: str
    likes: int  # its tally (what the board shows; a correction after the close included)
    points: list[tuple[datetime, int]]  # (observed_at, likes), oldest first


@dataclass(frozen=True)
class Race:
    opens_at: datetime
    cutoff: datetime  # the first instant whose readings no longer count
    frozen: bool
    curves: list[RaceCurve]


def thinned(points: list[tuple[datetime, int]], keep: int = RACE_POINTS) -> list[tuple[datetime, int]]:
    """At most about ``keep`` of ``points`` (oldest first): the last reading of each of ``keep``
    equal slices of their span, and always the first and the last reading, so the curve keeps
    its shape and ends at its latest count."""
    if len(points) <= keep:
        return list(points)
    first, last = points[0][0], points[-1][0]
    step = (last - first) / keep
    kept: dict[int, tuple[datetime, int]] = {}
    for point in points:
        kept[min(keep - 1, int((point[0] - first) / step))] = point
    return [points[0], *(p for p in kept.values() if p is not points[0])]


def race(board: Board, contest: Contest, *, now: datetime, cache: PublicCache = uncached) -> Race:
    """The like curves of ``board``'s entries (the top of a popularity board, in its order): every
    counted reading (at or before the close, see :func:`contest.domain.likes.counted`),
    :func:`thinned` to :data:`RACE_POINTS` each. One query for all of them, looked up in ``cache``."""
    ids = [row.entry_id for row in board.rows]

    def compute() -> dict[int, list[tuple[datetime, int]]]:
        by_entry: dict[int, list[tuple[datetime, int]]] = {i: [] for i in ids}
        if ids:
            for entry_id, at, count in db.session.execute(
                    sa.select(Snapshot.entry_id, Snapshot.observed_at, Snapshot.likes)
                    .where(Snapshot.entry_id.in_(ids), Snapshot.observed_at < likes.cutoff(contest))
                    .order_by(Snapshot.entry_id, Snapshot.observed_at, Snapshot.id)):
                by_entry[entry_id].append((at, count))
        return {i: thinned(points) for i, points in by_entry.items()}

    points = cache("race", compute, contest=contest.slug, entries=",".join(map(str, ids)))
    curves = [RaceCurve(rank=row.rank, entry_id=row.entry_id, title=row.title or UNTITLED_ROW, author=row.author,
                        likes=row.likes, points=points.get(row.entry_id, [])) for row in board.rows]
    return Race(opens_at=contest.opens_at, cutoff=likes.cutoff(contest), frozen=board.frozen, curves=curves)


UNTITLED_ROW = "（没有作品描述）"


@dataclass(frozen=True)
class AwardSection:
    """One scope of a list as shown: ``overall`` (总榜) or a theme, with its places by rank."""

    scope: str
    name: str
    places: list[AwardPlace]


@dataclass(frozen=True)
class PublicAwards:
    """An award as the public may see it: the published list, else the one in its notice (公示),
    with how many objections (异议) it received and how many were answered."""

    kind: str
    award_list: AwardList | None
    sections: list[AwardSection] = field(default_factory=list)
    objections_received: int = 0
    objections_handled: int = 0

    @property
    def status(self) -> str | None:
        return self.award_list.status.value if self.award_list else None


def award_sections(contest: Contest, award_list: AwardList) -> list[AwardSection]:
    """总榜 first, then the themes in the contest's order (a scope the contest no longer
    knows comes last, under its key)."""
    by_scope: dict[str, list[AwardPlace]] = {}
    for place in award_list.places:
        by_scope.setdefault(place.scope, []).append(place)
    order = [("overall", "总榜")] + [(t.key, t.name) for t in contest.themes]
    order += [(scope, scope) for scope in by_scope if scope not in dict(order)]
    return [AwardSection(scope, name, sorted(by_scope[scope], key=lambda p: p.rank))
            for scope, name in order if scope in by_scope]


def public_awards(contest: Contest) -> list[PublicAwards]:
    """Popularity then excellence, each published (latest version) or in its public notice."""
    received = objection_counts(contest)
    shown = []
    for kind in ("popularity", "excellence"):
        found = current_awards(contest, kind) or notice_awards(contest, kind)
        shown.append(PublicAwards(kind, found, award_sections(contest, found) if found else [],
                                  received[kind].received, received[kind].handled))
    return shown
