"""Winner certificates (获奖证书): one for each place on a published award list.

A certificate names the contest, the award and its scope, the rank, the name the winner
agreed to show (else the masked one, as on the public lists), the entry's title, the
organiser and the day the list was published (Beijing time). Only the winner and admins may
download it; a place on a list in its notice or superseded by a correction has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from contest import clock
from contest.domain.errors import NotFound
from contest.domain.permissions import Forbidden, is_admin
from contest.domain.gallery import UNTITLED, entry_title
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Entry, User
from contest.models.awards import AwardKind, AwardList, AwardPlace, AwardStatus


@dataclass(frozen=True)
class Certificate:
    place_id: int
    contest: str
    award: str   # 人气奖 · 总榜, 优秀奖 · 株洲美好生活秀 …
    rank: int
    winner: str
    title: str
    organiser: str
    date: str    # 2026年12月06日, the publication day in Beijing time

    @property
    def lines(self) -> list[str]:
        """The certificate's text, in reading order (what the PDF and PNG show)."""
        return ["获奖证书", f"{self.winner}：", f"你的作品《{self.title}》在{self.contest}中",
                f"荣获{self.award}第 {self.rank} 名。", "特发此证，以资鼓励。", self.organiser, self.date]


def certificate(place_id: int, *, viewer: User) -> Certificate:
    """The certificate of a place on a published list, for its winner or an admin."""
    place = db.session.get(AwardPlace, place_id)
    if place is None or place.award_list.status is not AwardStatus.PUBLISHED:
        raise NotFound("没有找到这张证书：只有已发布的获奖名单才有证书。")
    entry = place.entry
    if not is_admin(viewer) and entry.user_id != viewer.id:
        raise Forbidden("只有获奖者本人和管理员可以下载这张证书。")
    contest = entry.contest
    scope = "总榜" if place.scope == "overall" else next(
        (t.name for t in contest.themes if t.key == place.scope), place.scope)
    published = clock.to_local(place.award_list.published_at, contest.timezone)
    return Certificate(
        place_id=place.id, contest=contest.name, award=f"{AwardKind(place.award_list.kind).label}（{scope}）",
        rank=place.rank, winner=public_author(entry), title=entry_title(entry.caption) or UNTITLED,
        organiser=contest.organiser, date=f"{published:%Y年%m月%d日}")


def my_certificates(user: User) -> list[tuple[int, str]]:
    """``(place id, label)`` of every published place the user's entries won."""
    rows = db.session.execute(
        sa.select(AwardPlace, AwardList).join(AwardList).join(Entry, Entry.id == AwardPlace.entry_id)
        .where(Entry.user_id == user.id, AwardList.status == AwardStatus.PUBLISHED).order_by(AwardPlace.id)).all()
    return [(place.id, f"{AwardKind(award_list.kind).label} 第 {place.rank} 名") for place, award_list in rows]
