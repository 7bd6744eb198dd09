"""Public leaderboards: the standings as the public may see them (consented nicknames only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from contest.domain import likes
from contest.domain.privacy import mask_name
from contest.extensions import db
from contest.models import Contest, ContestTheme, Entry, EntryStatus, EntryTally
from contest.models.awards import AwardList


@dataclass(frozen=True)
class Board:
    contest: Contest
    theme: ContestTheme | None
    as_of: datetime
    frozen: bool
    rows: list[likes.Standing]


def public_author(entry: Entry) -> str:
    """The nickname when the entrant agreed to show it, else masked (PIPL)."""
    return entry.user.nickname if entry.show_nickname else mask_name(entry.user.nickname)


def popularity_board(contest: Contest, *, theme: ContestTheme | None, limit: int, now: datetime) -> Board:
    """Top ``limit`` approved entries by the tally (see :func:`contest.domain.likes.standings`).

    ``as_of`` is the newest counted reading of the contest (the board cannot be newer than
    that), or ``now`` before any reading; after the close the board is ``frozen``.
    """
    newest = db.session.scalar(
        sa.select(sa.func.max(EntryTally.observed_at)).join(Entry, Entry.id == EntryTally.entry_id)
        .where(Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED))
    return Board(contest=contest, theme=theme, as_of=newest or now, frozen=likes.frozen(contest, now),
                 rows=likes.standings(contest, theme=theme, limit=limit))


@dataclass(frozen=True)
class PublicAwards:
    """An award as the public may see it: the published list, else the one in its notice (公示)."""

    kind: str
    award_list: AwardList | None

    @property
    def status(self) -> str | None:
        return self.award_list.status.value if self.award_list else None


def public_awards(contest: Contest) -> list[PublicAwards]:
    """Popularity then excellence, each published (latest version) or in its public notice."""
    from contest.domain.awards import current_awards, notice_awards

    return [PublicAwards(kind, current_awards(contest, kind) or notice_awards(contest, kind))
            for kind in ("popularity", "excellence")]
