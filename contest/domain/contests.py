"""Contests as data: the 2020 rules, windows, and which contest is current."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from contest.domain import clock
from contest.domain.errors import DomainError, NotFound
from contest.extensions import db
from contest.models import Contest, ContestArea, ContestTheme

ONE_SECOND = timedelta(seconds=1)
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

TIE_RULE = (
    "赞数相同时，先达到该赞数的作品排名在前（以平台赞数快照的记录时间为准）；"
    "仍相同的，先提交报名的作品排名在前。"
)


@dataclass(frozen=True)
class Rules:
    """Everything about a contest except its slug, name and window: CONTEST.md, as data."""

    organiser: str = "株洲市文化旅游广电体育局"
    co_organisers: tuple[str, ...] = ("株洲市文化馆", "各县市区文化馆")
    topic: str = "动力株洲文旅通·美好生活抖起来"
    slogan: str = "动力株洲文旅通，美好生活抖起来"
    slogan_subtitle_seconds: int = 2
    hashtag: str = "动力株洲文旅通"
    mention: str = "株洲足迹"
    timezone: str = "Asia/Shanghai"
    popularity_award_size: int = 10
    excellence_award_size: int = 10
    allow_double_win: bool = True
    theme_award_places: bool = False  # the article: ten places per award, overall
    tie_rule: str = TIE_RULE
    themes: tuple[tuple[str, str, str], ...] = (
        ("life", "株洲美好生活秀", "吃喝玩乐、衣食住行，秀出株洲的美好生活。"),
        ("talent", "株洲达人才艺秀", "唱歌跳舞、书画手艺……各类才艺都可以秀。"),
        ("village", "美丽乡村旅游秀", "家乡的美丽乡村、特色风物和土特产。"),
    )
    areas: tuple[tuple[str, str], ...] = field(default_factory=lambda: (
        ("hetang", "荷塘区"), ("lusong", "芦淞区"), ("shifeng", "石峰区"), ("tianyuan", "天元区"),
        ("lukou", "渌口区"), ("liling", "醴陵市"), ("youxian", "攸县"), ("chaling", "茶陵县"),
        ("yanling", "炎陵县"),
    ))


ZHUZHOU_2020 = {
    "slug": "zhuzhou-2020",
    "name": "“动力株洲文旅通”杯株洲抖音生活秀",
    "opens": "2020-06-18",
    "closes": "2020-07-17",
}

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(text: str, *, end_of_day: bool, tz: str = "Asia/Shanghai") -> datetime:
    """An ISO 8601 instant as aware UTC. No offset means ``tz``; a bare date means
    00:00:00 (``end_of_day=False``) or 23:59:59 (``end_of_day=True``) of that day in ``tz``."""
    text = text.strip()
    zone = ZoneInfo(tz)
    try:
        if _DATE_ONLY.match(text):
            day = date.fromisoformat(text)
            local = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0, 0), tzinfo=zone)
        else:
            local = datetime.fromisoformat(text)
            if local.tzinfo is None:
                local = local.replace(tzinfo=zone)
    except ValueError as exc:
        raise DomainError(f"无法识别的时间：{text}（请用 ISO 8601 格式，例如 2020-06-18 或 2020-06-18T08:00:00+08:00）") from exc
    return local.astimezone(clock.UTC).replace(microsecond=0)


def window_contains(contest: Contest, instant: datetime) -> bool:
    """True when ``opens_at <= instant < closes_at + 1 s`` (the close second is inside)."""
    instant = clock.ensure_utc(instant)
    return contest.opens_at <= instant < contest.closes_at + ONE_SECOND


def phase(contest: Contest, now: datetime) -> str:
    """``upcoming``, ``open`` or ``closed``."""
    if now < contest.opens_at:
        return "upcoming"
    return "open" if window_contains(contest, now) else "closed"


def create_contest(*, slug: str, name: str, opens_at: datetime, closes_at: datetime,
                   rules: Rules = Rules()) -> Contest:
    """A new contest with ``rules``. Refuses a taken slug or a window that closes before it opens."""
    if not SLUG.fullmatch(slug):
        raise DomainError("活动标识只能包含小写字母、数字和连字符，且不超过 64 个字符。")
    if closes_at < opens_at:
        raise DomainError("结束时间不能早于开始时间。")
    if db.session.scalar(sa.select(Contest.id).where(Contest.slug == slug)) is not None:
        raise DomainError(f"活动标识 {slug} 已被使用。")
    contest = Contest(
        slug=slug, name=name, opens_at=opens_at, closes_at=closes_at,
        organiser=rules.organiser, co_organisers=list(rules.co_organisers), topic=rules.topic,
        slogan=rules.slogan, slogan_subtitle_seconds=rules.slogan_subtitle_seconds,
        hashtag=rules.hashtag, mention=rules.mention, timezone=rules.timezone,
        popularity_award_size=rules.popularity_award_size,
        excellence_award_size=rules.excellence_award_size,
        allow_double_win=rules.allow_double_win, theme_award_places=rules.theme_award_places,
        tie_rule=rules.tie_rule,
        themes=[ContestTheme(key=k, name=n, description=d, position=i) for i, (k, n, d) in enumerate(rules.themes)],
        areas=[ContestArea(key=k, name=n, position=i) for i, (k, n) in enumerate(rules.areas)],
    )
    db.session.add(contest)
    return contest


def current_contest(now: datetime) -> Contest | None:
    """The open contest that opened last; else the next to open; else the one that closed last."""
    # t < closes_at + 1 s  <=>  closes_at > t - 1 s (no interval arithmetic in SQL).
    open_ = db.session.scalar(
        sa.select(Contest)
        .where(Contest.opens_at <= now, Contest.closes_at > now - ONE_SECOND)
        .order_by(Contest.opens_at.desc(), Contest.id.desc()).limit(1)
    )
    if open_ is not None:
        return open_
    upcoming = db.session.scalar(
        sa.select(Contest).where(Contest.opens_at > now).order_by(Contest.opens_at, Contest.id).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return db.session.scalar(sa.select(Contest).order_by(Contest.closes_at.desc(), Contest.id.desc()).limit(1))


def next_boundary(now: datetime) -> datetime | None:
    """The next instant after ``now`` at which a contest opens or closes (``closes_at`` + 1 s),
    if any: until then, which contest is current and whether it is frozen cannot change."""
    windows = db.session.execute(sa.select(Contest.opens_at, Contest.closes_at)).all()
    return min((t for opens, closes in windows for t in (opens, closes + ONE_SECOND) if t > now), default=None)


def resolve_contest(slug: str | None, now: datetime) -> Contest:
    """The contest named by ``slug``, or the current one; :class:`NotFound` with a Chinese message otherwise."""
    if slug:
        # Not slug-shaped names no contest, and is never sent to the database (PostgreSQL refuses NUL).
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug)) if SLUG.fullmatch(slug) else None
        if contest is None:
            raise NotFound(f"没有找到活动“{slug}”。")
        return contest
    contest = current_contest(now)
    if contest is None:
        raise NotFound("还没有创建任何活动。")
    return contest


def theme_by_key(contest: Contest, key: str | None) -> ContestTheme | None:
    return next((t for t in contest.themes if t.key == key), None)


def area_by_key(contest: Contest, key: str | None) -> ContestArea | None:
    return next((a for a in contest.areas if a.key == key), None)
