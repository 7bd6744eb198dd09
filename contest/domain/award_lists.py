"""The award lists as they stand, for reading: the published one, the one in its public notice
(公示), every version, and the objections (异议) each award received.

The public pages read these, and so do the rules that change the lists
(:mod:`contest.domain.awards`, :mod:`contest.domain.objections`): this module changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from contest.extensions import db
from contest.models import Contest, Entry
from contest.models.awards import AwardKind, AwardList, AwardStatus, Disqualification
from contest.models.objection import Objection, ObjectionStatus


def _lists(contest: Contest, kind: AwardKind, *statuses: AwardStatus) -> list[AwardList]:
    query = sa.select(AwardList).where(AwardList.contest_id == contest.id, AwardList.kind == kind)
    if statuses:
        query = query.where(AwardList.status.in_(statuses))
    return list(db.session.scalars(query.order_by(AwardList.version.desc())))


def current_awards(contest: Contest, kind: AwardKind | str) -> AwardList | None:
    """The published list of ``kind`` (the latest version), or None."""
    found = _lists(contest, AwardKind(kind), AwardStatus.PUBLISHED)
    return found[0] if found else None


def notice_awards(contest: Contest, kind: AwardKind | str) -> AwardList | None:
    """The list of ``kind`` in its public notice, or None."""
    found = _lists(contest, AwardKind(kind), AwardStatus.NOTICE)
    return found[0] if found else None


def award_history(contest: Contest, kind: AwardKind | str) -> list[AwardList]:
    """Every version of ``kind``, newest first."""
    return _lists(contest, AwardKind(kind))


@dataclass(frozen=True)
class ObjectionCounts:
    received: int
    handled: int


def objection_counts(contest: Contest) -> dict[str, ObjectionCounts]:
    """``{kind: ObjectionCounts}``: objections received and handled for each award of the contest
    (over every version of its list: a correction keeps the notice's record)."""
    rows = db.session.execute(
        sa.select(AwardList.kind, Objection.status, sa.func.count())
        .join(AwardList, AwardList.id == Objection.award_list_id)
        .where(Objection.contest_id == contest.id).group_by(AwardList.kind, Objection.status)).all()
    out = {kind.value: [0, 0] for kind in AwardKind}
    for kind, status, n in rows:
        out[kind.value][0] += n
        if status is not ObjectionStatus.OPEN:
            out[kind.value][1] += n
    return {kind: ObjectionCounts(*values) for kind, values in out.items()}


def disqualifications(contest: Contest) -> list[Disqualification]:
    """The contest's disqualifications, oldest first (the awards page)."""
    return list(db.session.scalars(sa.select(Disqualification).where(Disqualification.contest_id == contest.id)
                                   .order_by(Disqualification.at, Disqualification.id)))


def entries_with_authors(entry_ids) -> list[Entry]:
    """The entries ``entry_ids`` with their authors, in one query: held by the caller, so that
    ``place.entry.user`` on the award lists hits the session."""
    entry_ids = set(entry_ids)
    if not entry_ids:
        return []
    return list(db.session.scalars(sa.select(Entry).where(Entry.id.in_(entry_ids)).options(joinedload(Entry.user))))
