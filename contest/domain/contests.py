"""Contests as data: the 2020 rules, windows, and which contest is current."""

from __future__ import annotations

import hashlib

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.captions import has_token, normalise
from contest.domain.errors import DomainError, NotFound
from contest.domain.likes import ONE_SECOND, refresh_tally
from contest.extensions import db
from contest.models import Contest, ContestArea, ContestTheme, Entry
from contest.models.awards import AwardList, AwardStatus
from contest.models.types import UTCDateTime

# How many judges score each entry of the excellence award, unless the contest says otherwise (docs/rules.md §8).
DEFAULT_MIN_JUDGES = 3
MAX_JUDGES = 50
JUDGES_RANGE = f"每件作品的评委人数必须是 1 到 {MAX_JUDGES} 之间的整数。"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

TIE_RULE = (
    "赞数相同时，先达到该赞数的作品排名在前（以平台赞数快照的记录时间为准）；"
    "仍相同的，先提交报名的作品排名在前。"
)


@dataclass(frozen=True)
class Rules:
    """Everything about a contest except its slug, name and window: docs/rules.md §3, as data."""

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
    min_judges: int = DEFAULT_MIN_JUDGES
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
    if not 1 <= rules.min_judges <= MAX_JUDGES:
        raise DomainError(JUDGES_RANGE)
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
        min_judges=rules.min_judges, tie_rule=rules.tie_rule,
        themes=[ContestTheme(key=k, name=n, description=d, position=i) for i, (k, n, d) in enumerate(rules.themes)],
        areas=[ContestArea(key=k, name=n, position=i) for i, (k, n) in enumerate(rules.areas)],
    )
    db.session.add(contest)
    return contest


# --- the contest the city is living (docs/rules.md §11) ----------------------------------------

DEFAULT_RECENT_RESULTS_DAYS = 30


@dataclass(frozen=True)
class Phase:
    """Where a contest stands, in plain Chinese (docs/rules.md §11).

    ``key``: ``upcoming``, ``open``, ``judging`` (closed, no list in its notice or published),
    ``notice`` (a list in its public notice, 公示) or ``published``. ``until``: the close while
    open, the end of the notice while in it. ``published_at``: the latest publication, once published."""

    key: str
    label: str
    until: datetime | None = None
    published_at: datetime | None = None

    def live(self, now: datetime, recent_days: int) -> bool:
        """Open, in judging, in its notice, or published less than ``recent_days`` ago."""
        if self.key == "published":
            return now < self.published_at + timedelta(days=recent_days)
        return self.key != "upcoming"


def _notice_label(contest: Contest, ends: datetime) -> str:
    local = clock.to_local(ends, contest.timezone)
    return f"公示中（至{local.month}月{local.day}日 {local:%H:%M}）"


def _phase(contest: Contest, now: datetime, notice_ends: datetime | None, published_at: datetime | None) -> Phase:
    window = phase(contest, now)
    if window == "upcoming":
        return Phase("upcoming", "未开始", until=contest.opens_at)
    if window == "open":
        return Phase("open", "进行中", until=contest.closes_at)
    if notice_ends is not None:  # a list in its notice outranks an earlier publication (a correction's notice)
        return Phase("notice", _notice_label(contest, notice_ends), until=notice_ends)
    if published_at is not None:
        return Phase("published", "已公布", published_at=published_at)
    return Phase("judging", "已截止，评审中")


def _latest(column, status: AwardStatus):
    """``max(column)`` over the lists in ``status``, read back as an aware UTC instant."""
    return sa.type_coerce(sa.func.max(sa.case((AwardList.status == status, column))), UTCDateTime())


def contest_phases(items: list[Contest], now: datetime) -> dict[int, Phase]:
    """:func:`contest_phase` of each contest of ``items``, with one query for their award lists."""
    if not items:
        return {}
    rows = db.session.execute(
        sa.select(AwardList.contest_id, _latest(AwardList.notice_ends_at, AwardStatus.NOTICE),
                  _latest(AwardList.published_at, AwardStatus.PUBLISHED))
        .where(AwardList.contest_id.in_([c.id for c in items])).group_by(AwardList.contest_id)).all()
    lists = {cid: (notice_ends, published_at) for cid, notice_ends, published_at in rows}
    return {c.id: _phase(c, now, *lists.get(c.id, (None, None))) for c in items}


def contest_phase(contest: Contest, now: datetime) -> Phase:
    """The phase of ``contest`` at ``now``: the one answer every page and the staff switcher show."""
    return contest_phases([contest], now)[contest.id]


def _by_id(items: list[Contest]) -> list[Contest]:
    return sorted(items, key=lambda c: c.id)


def live_contests(now: datetime, *, recent_days: int = DEFAULT_RECENT_RESULTS_DAYS) -> list[tuple[Contest, Phase]]:
    """The contests people are living (docs/rules.md §11), the default first: open contests before
    closed ones, then the one that closes (or closed) first."""
    everything = _by_id(list(db.session.scalars(sa.select(Contest))))
    phases = contest_phases(everything, now)
    live = [(c, phases[c.id]) for c in everything if phases[c.id].live(now, recent_days)]
    return sorted(live, key=lambda cp: (cp[1].key != "open", cp[0].closes_at, cp[0].id))


def current_contest(now: datetime, *, recent_days: int = DEFAULT_RECENT_RESULTS_DAYS) -> Contest | None:
    """The default contest (docs/rules.md §11): the first of :func:`live_contests`; when nothing
    is live, the next to open; else the one that closed last."""
    live = live_contests(now, recent_days=recent_days)
    if live:
        return live[0][0]
    upcoming = db.session.scalar(
        sa.select(Contest).where(Contest.opens_at > now).order_by(Contest.opens_at, Contest.id).limit(1)
    )
    if upcoming is not None:
        return upcoming
    return db.session.scalar(sa.select(Contest).order_by(Contest.closes_at.desc(), Contest.id.desc()).limit(1))


@dataclass(frozen=True)
class Season:
    """A contest as a public page introduces it: its phase, and the other live contests a tap away."""

    contest: Contest
    phase: Phase
    others: list[tuple[Contest, Phase]]


def season(contest: Contest, now: datetime, *, recent_days: int = DEFAULT_RECENT_RESULTS_DAYS) -> Season:
    """``contest``'s phase and the other contests of :func:`live_contests` (the default first),
    so that a visitor of one live contest, or of an old one, is a tap away from the rest."""
    live = live_contests(now, recent_days=recent_days)
    phase_now = next((p for c, p in live if c.id == contest.id), None) or contest_phase(contest, now)
    return Season(contest, phase_now, [(c, p) for c, p in live if c.id != contest.id])


def next_boundary(now: datetime, *, recent_days: int = DEFAULT_RECENT_RESULTS_DAYS) -> datetime | None:
    """The next instant after ``now`` at which the default contest or a phase can change without
    anything being written: a contest opens, closes (``closes_at`` + 1 s) or its results stop
    being recent (the latest publication + ``recent_days``). A list going to its notice or being
    published is a write, which moves the public cache's version instead."""
    windows = db.session.execute(sa.select(Contest.opens_at, Contest.closes_at)).all()
    instants = [t for opens, closes in windows for t in (opens, closes + ONE_SECOND)]
    published = db.session.scalars(
        sa.select(_latest(AwardList.published_at, AwardStatus.PUBLISHED)).group_by(AwardList.contest_id))
    instants += [t + timedelta(days=recent_days) for t in published if t is not None]
    return min((t for t in instants if t > now), default=None)


def resolve_contest(slug: str | None, now: datetime, *,
                    recent_days: int = DEFAULT_RECENT_RESULTS_DAYS) -> Contest:
    """The contest named by ``slug``, or the default one; :class:`NotFound` with a Chinese message otherwise."""
    if slug:
        # Not slug-shaped names no contest, and is never sent to the database (PostgreSQL refuses NUL).
        contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug)) if SLUG.fullmatch(slug) else None
        if contest is None:
            raise NotFound(f"没有找到活动“{slug}”。")
        return contest
    contest = current_contest(now, recent_days=recent_days)
    if contest is None:
        raise NotFound("还没有创建任何活动。")
    return contest


def theme_by_key(contest: Contest, key: str | None) -> ContestTheme | None:
    return next((t for t in contest.themes if t.key == key), None)


def area_by_key(contest: Contest, key: str | None) -> ContestArea | None:
    return next((a for a in contest.areas if a.key == key), None)


# --- contests edited on the web (/staff/contests) ---------------------------------------------

KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
MAX_AWARD_SIZE = 100
MAX_NOTICE_DAYS = 30
# The fields whose change can decide whether an entry is valid: once a contest has entries,
# changing one needs a recorded reason (and is in the audit trail, as every change is).
DECIDING = ("opens_at", "closes_at", "hashtag", "mention", "themes")


@dataclass(frozen=True)
class ContestValues:
    """What an admin types to create or edit a contest (times already parsed, lists as lines)."""

    slug: str
    name: str
    opens_at: datetime
    closes_at: datetime
    hashtag: str
    mention: str
    slogan: str
    themes: tuple[tuple[str, str, str], ...]  # (key, name, description), in order
    areas: tuple[tuple[str, str], ...]        # (key, name), in order
    popularity_award_size: int = 10
    excellence_award_size: int = 10
    allow_double_win: bool = True
    theme_award_places: bool = False
    notice_days: int = 5
    min_judges: int = DEFAULT_MIN_JUDGES
    # On the certificates (None: leave as it is): the organiser's name, a signatory line, a seal image (PNG).
    organiser: str | None = None
    signatory: str | None = None
    seal_png: bytes | None = None
    remove_seal: bool = False


MAX_SEAL_BYTES = 512 * 1024


def _seal_digest(contest: Contest) -> str | None:
    return hashlib.sha256(contest.seal_png).hexdigest()[:16] if contest.seal_png else None


def values_of(contest: Contest) -> ContestValues:
    """``contest``'s editable values as they stand (to change a few of them)."""
    return ContestValues(
        slug=contest.slug, name=contest.name, opens_at=contest.opens_at, closes_at=contest.closes_at,
        hashtag=contest.hashtag, mention=contest.mention, slogan=contest.slogan,
        themes=tuple((t.key, t.name, t.description) for t in contest.themes),
        areas=tuple((a.key, a.name) for a in contest.areas),
        popularity_award_size=contest.popularity_award_size, excellence_award_size=contest.excellence_award_size,
        allow_double_win=contest.allow_double_win, theme_award_places=contest.theme_award_places,
        notice_days=contest.notice_days, min_judges=contest.min_judges)


def parse_lines(text: str, *, parts: int, what: str) -> tuple[tuple[str, ...], ...]:
    """``key|name[|description]`` a line (blank lines skipped) into tuples of ``parts`` strings."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 2 or len(cells) > parts or not all(cells[:2]):
            raise DomainError(f"{what}第 {n} 行应为“标识|名称{'|说明' if parts == 3 else ''}”。")
        rows.append(tuple(cells + [""] * (parts - len(cells))))
    return tuple(rows)


def _check_tag(tag: str, mark: str, label: str) -> list[str]:
    """A tag the caption check can match: one token with nothing the token rules would cut off."""
    if not tag:
        return [f"请填写{label}（不带 {mark}）。"]
    if tag.startswith(("#", "@", "＃", "＠")):
        return [f"{label}不要带 {mark}，只填文字。"]
    if len(tag) > 50 or normalise(tag) != tag or not has_token(f"{mark}{tag}", mark, tag):
        return [f"{label}“{tag}”不能包含空格、标点或特殊字符，否则作品描述里的{mark}{tag}无法被识别。"]
    return []


def _check_values(values: ContestValues, contest: Contest | None) -> None:
    """Every problem with the typed values, in one Chinese message."""
    problems = []
    if not SLUG.fullmatch(values.slug):
        problems.append("活动标识只能包含小写字母、数字和连字符，且不超过 64 个字符。")
    else:
        taken = db.session.scalar(sa.select(Contest.id).where(Contest.slug == values.slug))
        if taken is not None and (contest is None or taken != contest.id):
            problems.append(f"活动标识 {values.slug} 已被使用。")
    if not values.name.strip() or len(values.name) > 200:
        problems.append("请填写活动名称（不超过 200 个字）。")
    if values.closes_at <= values.opens_at:
        problems.append("结束时间必须晚于开始时间。")
    problems += _check_tag(values.hashtag, "#", "话题")
    problems += _check_tag(values.mention, "@", "需要 @ 的账号")
    if not values.slogan.strip() or len(values.slogan) > 200:
        problems.append("请填写口号（不超过 200 个字）。")
    for rows, what in ((values.themes, "主题"), (values.areas, "区县")):
        keys = [row[0] for row in rows]
        if not rows:
            problems.append(f"至少要有一个{what}。")
        elif any(not KEY.fullmatch(k) for k in keys):
            problems.append(f"{what}标识只能用小写字母开头，包含小写字母、数字和下划线（不超过 32 个字符）。")
        elif len(set(keys)) != len(keys):
            problems.append(f"{what}标识不能重复。")
        if any(len(row[1]) > 100 for row in rows):
            problems.append(f"{what}名称不能超过 100 个字。")
    for size, label in ((values.popularity_award_size, "人气奖"), (values.excellence_award_size, "优秀奖")):
        if not 1 <= size <= MAX_AWARD_SIZE:
            problems.append(f"{label}名额必须是 1 到 {MAX_AWARD_SIZE} 之间的整数。")
    if not 1 <= values.notice_days <= MAX_NOTICE_DAYS:
        problems.append(f"公示天数必须是 1 到 {MAX_NOTICE_DAYS} 之间的整数。")
    if isinstance(values.min_judges, bool) or not isinstance(values.min_judges, int) \
            or not 1 <= values.min_judges <= MAX_JUDGES:
        problems.append(JUDGES_RANGE)
    if problems:
        raise DomainError("".join(problems))


def _snapshot(contest: Contest) -> dict:
    return {
        "slug": contest.slug, "name": contest.name, "opens_at": contest.opens_at.isoformat(),
        "closes_at": contest.closes_at.isoformat(), "hashtag": contest.hashtag, "mention": contest.mention,
        "slogan": contest.slogan, "themes": [[t.key, t.name, t.description] for t in contest.themes],
        "areas": [[a.key, a.name] for a in contest.areas],
        "popularity_award_size": contest.popularity_award_size,
        "excellence_award_size": contest.excellence_award_size, "allow_double_win": contest.allow_double_win,
        "theme_award_places": contest.theme_award_places, "notice_days": contest.notice_days,
        "min_judges": contest.min_judges, "organiser": contest.organiser, "signatory": contest.signatory,
        "seal": _seal_digest(contest),
    }


def _sync(children: list, rows, make, used_ids: set[int], what: str) -> list:
    """``children`` (themes or areas) made to match ``rows`` by key, in order; one still used by an
    entry cannot be removed."""
    by_key = {c.key: c for c in children}
    kept = []
    for position, row in enumerate(rows):
        child = by_key.pop(row[0], None) or make(row[0])
        child.name = row[1]
        if len(row) > 2:
            child.description = row[2]
        child.position = position
        kept.append(child)
    gone = [c for c in by_key.values() if c.id in used_ids]
    if gone:
        raise DomainError(f"{what}“{gone[0].name}”已有作品，不能删除。")
    return kept


def _certificate_settings(contest: Contest, values: ContestValues) -> None:
    """The organiser, signatory line and seal the certificates print (docs/rules.md §12)."""
    if values.organiser is not None:
        organiser = " ".join(values.organiser.split())
        if not organiser or len(organiser) > 200:
            raise DomainError("请填写主办单位（最多 200 个字），它会印在获奖证书上。")
        contest.organiser = organiser
    if values.signatory is not None:
        signatory = " ".join(values.signatory.split())
        if len(signatory) > 100:
            raise DomainError("证书落款最多 100 个字。")
        contest.signatory = signatory or None
    if values.remove_seal:
        contest.seal_png = None
    elif values.seal_png is not None:
        if len(values.seal_png) > MAX_SEAL_BYTES or not values.seal_png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise DomainError("印章图片必须是 PNG 格式（建议透明背景），不超过 512 KB。")
        contest.seal_png = values.seal_png


def save_contest(contest: Contest | None, values: ContestValues, *, actor, now: datetime,
                 reason: str = "") -> Contest:
    """Create a contest (``contest`` None) or change one, audited (``contest.create`` /
    ``contest.update`` with every changed field as ``[before, after]``). Once the contest has
    entries, a change to a field of :data:`DECIDING` (the window, the tags, the themes) needs a
    ``reason``, kept in the audit note. The caller commits."""
    _check_values(values, contest)
    if contest is None:
        contest = create_contest(slug=values.slug, name=values.name, opens_at=values.opens_at,
                                 closes_at=values.closes_at, rules=Rules(
                                     slogan=values.slogan, hashtag=values.hashtag, mention=values.mention,
                                     popularity_award_size=values.popularity_award_size,
                                     excellence_award_size=values.excellence_award_size,
                                     allow_double_win=values.allow_double_win,
                                     theme_award_places=values.theme_award_places, min_judges=values.min_judges,
                                     themes=values.themes, areas=values.areas))
        contest.created_at = now
        contest.notice_days = values.notice_days
        _certificate_settings(contest, values)
        db.session.flush()
        audit.record("contest.create", actor=actor, now=now, target=contest, contest_id=contest.id,
                     changes=_snapshot(contest))
        return contest
    before = _snapshot(contest)
    used = db.session.execute(sa.select(Entry.theme_id, Entry.area_id).where(Entry.contest_id == contest.id)).all()
    contest.themes = _sync(contest.themes, values.themes, lambda k: ContestTheme(key=k, description=""),
                           {t for t, _ in used}, "主题")
    contest.areas = _sync(contest.areas, values.areas, lambda k: ContestArea(key=k), {a for _, a in used}, "区县")
    for name in ("slug", "name", "opens_at", "closes_at", "hashtag", "mention", "slogan", "popularity_award_size",
                 "excellence_award_size", "allow_double_win", "theme_award_places", "notice_days", "min_judges"):
        setattr(contest, name, getattr(values, name))
    _certificate_settings(contest, values)
    after = _snapshot(contest)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        return contest
    deciding = [k for k in DECIDING if k in changes]
    reason = " ".join((reason or "").split())
    if deciding and used and not reason:
        raise DomainError("活动已有作品，修改开始/结束时间、话题、@账号或主题需要填写修改原因。")
    db.session.flush()
    if "closes_at" in changes:
        # A tally is the last reading at or before the close (docs/rules.md §7): a moved close moves it.
        for entry in db.session.scalars(sa.select(Entry).where(Entry.contest_id == contest.id)):
            refresh_tally(entry)
    audit.record("contest.update", actor=actor, now=now, target=contest, contest_id=contest.id,
                 changes=changes, note=reason or None)
    return contest


def latest_first() -> list[Contest]:
    """Every contest, the latest to open first (the staff pages' contest pickers)."""
    return list(db.session.scalars(sa.select(Contest).order_by(Contest.opens_at.desc(), Contest.id.desc())))


def all_contests(now: datetime) -> list[tuple[Contest, Phase]]:
    """Every contest with its phase (:func:`contest_phase`), the latest to open first."""
    items = latest_first()
    phases = contest_phases(items, now)
    return [(c, phases[c.id]) for c in items]
