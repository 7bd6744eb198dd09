"""``seed-demo``: a demo contest open now, demo accounts, entries in every status, and
the matching videos in the Douyin sandbox. Running it again changes nothing.

``seed-demo --phase open|closed|notice|published`` puts the demo contest in that phase, with
what a person needs to see it (docs/demo.md): after the close, three judges' scores; in the
public notice (公示), both award lists and an objection waiting; published, the final lists.
A phase follows the previous ones on the same database (each runs what is missing before
it); a phase never goes back. The contest's dates are moved relative to the one clock so
that the phase is true, through the same rules the staff use
(:func:`contest.domain.contests.save_contest`, :mod:`contest.domain.awards`,
:mod:`contest.domain.objections`): every call of those rules is in this module."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

import requests
import sqlalchemy as sa

from contest import clock
from contest.domain import audit, awards, certificates, objections
from contest.domain.accounts import create_user
from contest.domain.award_lists import notice_awards
from contest.domain.contests import contest_phase, create_contest, save_contest, values_of
from contest.domain.covers import clean_cover
from contest.domain.douyin_identity import sign_in_with_douyin
from contest.domain.entries import entry_checks, existing_entries, set_entry_status
from contest.domain.errors import DomainError
from contest.domain.likes import record_snapshot
from contest.domain.ownership import mark_proven
from contest.douyin.client import DouyinClient, TokenGrant
from contest.douyin.errors import DouyinError
from contest.douyin.sandbox.state import curve_stats
from contest.extensions import db
from contest.models import Contest, Entry, EntryEvent, EntryStatus, OwnerProof, Role, SnapshotSource, Sweep, User
from contest.models.awards import AwardKind
from contest.models.judging import JudgeConflict, Score
from contest.models.objection import Objection, ObjectionStatus

DEMO_SLUG = "demo"
DEMO_PASSWORD = "zhuzhou2020"
TAGS = "#动力株洲文旅通 @株洲足迹"

# (role, phone, nickname, sandbox open_id or None)
ACCOUNTS = [
    (Role.ADMIN, "13800000001", "管理员小周", None),
    (Role.REVIEWER, "13800000002", "审核员小陈", None),
    (Role.JUDGE, "13800000003", "评委老刘", None),
    (Role.JUDGE, "13800000014", "评委小吴", None),
    (Role.JUDGE, "13800000015", "评委老谭", None),
    (Role.CITIZEN, "13800000004", "小李爱株洲", "ou_demo_xiaoli"),
    (Role.CITIZEN, "13800000005", "老张的乡村", "ou_demo_laozhang"),
    (Role.CITIZEN, "13800000006", "阿华才艺", "ou_demo_ahua"),
    (Role.CITIZEN, "13800000007", "湘江边的小陈", "ou_demo_xiaochen"),
    (Role.CITIZEN, "13800000008", "醴陵阿梅", "ou_demo_amei"),
    (Role.CITIZEN, "13800000009", "炎陵老王", "ou_demo_laowang"),
    (Role.CITIZEN, "13800000010", "攸县小芳", "ou_demo_xiaofang"),
    (Role.CITIZEN, "13800000011", "茶陵阿杰", "ou_demo_ajie"),
    (Role.CITIZEN, "13800000012", "神农城小雨", "ou_demo_xiaoyu"),
    (Role.CITIZEN, "13800000013", "渌口大刘", "ou_demo_daliu"),
]
CITIZENS = [phone for role, phone, _, _ in ACCOUNTS if role is Role.CITIZEN]


@dataclass(frozen=True)
class DemoVideo:
    n: int               # makes the id unique and stable
    day: int             # days after the contest opens (negative: before)
    owner: str           # phone of the entrant
    title: str
    status: EntryStatus | None = None   # None: in the sandbox only, for visitors to try
    theme: str = "life"
    area: str = "hetang"
    code: str | None = None             # short link code in the sandbox
    note: str | None = None


VIDEOS = [
    DemoVideo(1, 1, "13800000004", f"神农城的夜景太美了 {TAGS}", EntryStatus.APPROVED, "life", "tianyuan", "ZZdemoA1"),
    DemoVideo(2, 2, "13800000005", f"炎陵黄桃熟了，欢迎来摘 {TAGS}", EntryStatus.APPROVED, "village", "yanling", "ZZdemoA2"),
    DemoVideo(3, 3, "13800000006", f"醴陵瓷器手绘，一笔一画 {TAGS}", EntryStatus.PENDING, "talent", "liling", "ZZdemoA3"),
    DemoVideo(4, 4, "13800000004", f"攸县香干的做法 {TAGS}", EntryStatus.NEEDS_FIX, "life", "youxian", "ZZdemoA4",
              "口号不够清晰，请补充字幕后重新提交。"),
    DemoVideo(5, 5, "13800000005", f"茶陵古城墙散步 {TAGS}", EntryStatus.REJECTED, "village", "chaling", "ZZdemoA5",
              "视频内容与所选主题不符。"),
    DemoVideo(6, 6, "13800000006", f"湘江边练太极 {TAGS}", EntryStatus.WITHDRAWN, "talent", "lusong", "ZZdemoA6"),
    DemoVideo(7, 8, "13800000004", f"石峰公园看樱花 {TAGS}", None, code="ZZtry01"),
    DemoVideo(8, 9, "13800000004", "渌口的早餐米粉 #动力株洲文旅通", None, code="ZZtry02"),
    DemoVideo(9, -30, "13800000004", f"去年拍的芦淞服装城 {TAGS}", None, code="ZZtry03"),
]

# More approved entries, so the gallery, the boards and the area pages look like a running contest:
# every theme in every area, from every demo citizen.
AREA_NAMES = {"hetang": "荷塘", "lusong": "芦淞", "shifeng": "石峰", "tianyuan": "天元", "lukou": "渌口",
              "liling": "醴陵", "youxian": "攸县", "chaling": "茶陵", "yanling": "炎陵"}
THEME_TITLES = {
    "life": ("{}的早餐米粉", "{}夜市逛吃", "周末带娃逛{}", "{}的老街小巷"),
    "talent": ("{}广场舞新编排", "在{}学唢呐", "{}街头弹唱", "{}剪纸手艺"),
    "village": ("{}的稻田日落", "{}的乡村民宿", "{}古村落", "{}的油菜花"),
}
MORE_APPROVED = 34


def _more_approved() -> list[DemoVideo]:
    videos = []
    for i in range(MORE_APPROVED):
        area = list(AREA_NAMES)[i % 9]
        theme = list(THEME_TITLES)[(i + i // 9) % 3]
        title = THEME_TITLES[theme][i // 9 % 4].format(AREA_NAMES[area])
        videos.append(DemoVideo(10 + i, 1 + i % 13, CITIZENS[i % len(CITIZENS)], f"{title} {TAGS}",
                                EntryStatus.APPROVED, theme, area, f"ZZmore{i:02d}"))
    return videos


VIDEOS += _more_approved()
VIDEOS.append(DemoVideo(50, 12, "13800000008", f"醴陵窑变釉的秘密 {TAGS}", EntryStatus.PENDING, "talent", "liling",
                        "ZZdemoA7"))
OTHER_LINKS = [("ZZuser01", "user"), ("ZZlive01", "live"), ("ZZgone01", "expired"), ("ZZnote01", "note")]
HISTORY_HOUR = 21  # one demo sweep a day at 21:00 Beijing time, up to now
POLLED = (EntryStatus.APPROVED, EntryStatus.PENDING)


def _day_start(now: datetime, days_ago: int) -> datetime:
    """00:00:00 (Beijing) of the day ``days_ago`` days before today, in UTC."""
    day = clock.to_local(now).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(0, 0), tzinfo=clock.BEIJING).astimezone(clock.UTC)


# The demo opens 25 days before today and lasts 30 days; its entries were published 24 to 12 days
# ago (VIDEOS' days 1 to 13), so that the results phases fit before today: a close 8 days ago,
# a day of judging, five days of public notice, publication (see _timeline).
OPENS_DAYS_AGO = 25
CLOSED_DAYS_AGO = 8


def demo_window(now: datetime) -> tuple[datetime, datetime]:
    """Opens 25 days before today (Beijing) at 00:00:00 and lasts 30 days."""
    opens = _day_start(now, OPENS_DAYS_AGO)
    return opens, opens + timedelta(days=30) - timedelta(seconds=1)


def video_id(contest: Contest, video: DemoVideo) -> tuple[str, int]:
    """A Douyin-shaped id: the publish time in the top 32 bits."""
    created = int((contest.opens_at + timedelta(days=video.day, hours=10, minutes=video.n)).timestamp())
    return str((created << 32) | (0x5EED0000 + video.n)), created


def _account(role: Role, phone: str, nickname: str, now: datetime) -> tuple[User, bool]:
    user = db.session.scalar(sa.select(User).where(User.phone == phone))
    if user is not None:
        return user, False
    return create_user(phone=phone, nickname=nickname, password=DEMO_PASSWORD, role=role, now=now), True


def _entry(contest: Contest, video: DemoVideo, users: dict[str, User], reviewer: User,
           now: datetime) -> Entry | None:
    vid, created = video_id(contest, video)
    if existing_entries(contest, vid):
        return None
    owner = users[video.owner]
    theme = next(t for t in contest.themes if t.key == video.theme)
    area = next(a for a in contest.areas if a.key == video.area)
    submitted = datetime.fromtimestamp(created, clock.UTC) + timedelta(hours=2)
    facts = {"caption": "embed", "published_at": "video_id"}
    entry = Entry(
        contest=contest, user=owner, video_id=vid, theme=theme, area=area, status=EntryStatus.PENDING,
        submitted_text=f"https://v.douyin.com/{video.code}/", caption=video.title,
        published_at=datetime.fromtimestamp(created, clock.UTC), fact_sources=facts,
        checks=entry_checks(contest, facts),
        show_nickname=video.n % 2 == 1, rules_accepted_at=submitted, submitted_at=submitted,
        status_changed_at=submitted,
        events=[EntryEvent(at=submitted, actor_id=owner.id, from_status=None, to_status=EntryStatus.PENDING, note="报名")],
    )
    db.session.add(entry)
    # The demo citizens are the sandbox authors of these videos (ACCOUNTS): proven as when they link Douyin.
    mark_proven(entry, OwnerProof.PLATFORM, now=submitted)
    later = min(submitted + timedelta(hours=20), now)
    if video.status is EntryStatus.WITHDRAWN:
        set_entry_status(entry, video.status, actor=owner, now=later, note="参赛者撤回")
    elif video.status is not EntryStatus.PENDING:
        set_entry_status(entry, video.status, actor=reviewer, now=later, note=video.note)
    return entry


def _like_history(entries: list[Entry], now: datetime) -> int:
    """The readings daily sweeps would have left: one demo sweep a day at :data:`HISTORY_HOUR`
    (Beijing) from the first submission until now, reading each entry submitted by then on its
    video's curve (the one the sandbox serves, so polling carries on where the history stops)."""
    polled = sorted((e for e in entries if e.status in POLLED), key=lambda e: e.id)
    if not polled:
        return 0
    day = clock.to_local(min(e.submitted_at for e in polled)).date()
    readings = 0
    while True:
        start = datetime.combine(day, time(HISTORY_HOUR), tzinfo=clock.BEIJING).astimezone(clock.UTC)
        if start + timedelta(seconds=len(polled) + 1) > now:
            return readings
        due = [e for e in polled if e.submitted_at <= start]
        if due:
            sweep = Sweep(started_at=start, finished_at=start + timedelta(seconds=len(due) + 1),
                          entries_total=len(due), snapshots=len(due), failures=0,
                          outcomes={"ok": len({e.user_id for e in due})},
                          summary=f"演示数据（seed-demo）：作品 {len(due)} 个")
            db.session.add(sweep)
            db.session.flush()
            for k, entry in enumerate(due, start=1):
                at = start + timedelta(seconds=k)
                stats = curve_stats(entry.video_id, at.timestamp())
                record_snapshot(entry, observed_at=at, likes=stats["digg_count"], comments=stats["comment_count"],
                                shares=stats["share_count"], plays=stats["play_count"],
                                source=SnapshotSource.PLATFORM, sweep=sweep)
            readings += len(due)
        day += timedelta(days=1)


def _link_douyin(user: User, open_id: str, grant_json: dict, douyin: DouyinClient, contest: Contest,
                 now: datetime) -> None:
    """Link a demo citizen's sandbox Douyin account (a fresh grant each run: the sandbox forgets
    its tokens when it restarts), so polling reads their likes; keep the covers the platform gives."""
    grant = TokenGrant(open_id=open_id, access_token=grant_json["access_token"],
                       expires_in=grant_json["expires_in"], refresh_token=grant_json["refresh_token"],
                       refresh_expires_in=grant_json["refresh_expires_in"],
                       scopes=tuple(grant_json["scope"].split(",")))
    profile = douyin.user_info(grant.access_token, open_id)
    sign_in_with_douyin(grant, profile, current_user=user, now=now)
    entries = {e.video_id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.contest_id == contest.id, Entry.user_id == user.id))}
    ids = list(entries)
    for start in range(0, len(ids), douyin.batch_size):
        for video in douyin.video_data(grant.access_token, open_id, ids[start:start + douyin.batch_size]):
            entries[video.video_id].cover_url = clean_cover(video.cover)


def _sandbox_world(sandbox_url: str, contest: Contest, users: dict[str, User], douyin: DouyinClient | None,
                   now: datetime) -> str:
    """Put the demo users, videos (likes on their curves) and short links into the sandbox (upserts:
    idempotent), then link the demo citizens' Douyin accounts."""
    http = requests.Session()
    http.trust_env = False

    def post(path: str, payload: dict) -> dict:
        response = http.post(f"{sandbox_url}/__sandbox__/{path}", json=payload, timeout=5)
        response.raise_for_status()
        return response.json()

    owners = {phone: open_id for _, phone, _, open_id in ACCOUNTS if open_id}
    nicknames = {phone: nickname for _, phone, nickname, _ in ACCOUNTS}
    try:
        for phone, open_id in owners.items():
            post("users", {"open_id": open_id, "nickname": nicknames[phone]})
        for video in VIDEOS:
            vid, created = video_id(contest, video)
            post("videos", {"video_id": vid, "open_id": owners[video.owner], "title": video.title,
                            "create_time": created, "curve": True, "public": True})
            post("shortlinks", {"code": video.code, "video_id": vid})
        for code, kind in OTHER_LINKS:
            post("shortlinks", {"code": code, "kind": kind})
        if douyin is not None:
            for phone, open_id in owners.items():
                _link_douyin(users[phone], open_id, post("tokens", {"open_id": open_id}), douyin, contest, now)
    except (requests.RequestException, DouyinError) as exc:
        return f"注意：无法写入抖音沙盒（{sandbox_url}）：{exc.__class__.__name__}。沙盒启动后请再运行一次 seed-demo。"
    return f"抖音沙盒已写入演示视频：{sandbox_url}"


# --- the phases of the demo (docs/demo.md) ------------------------------------------------------

# The phases seed-demo --phase knows, in order, with what each is called on the pages.
PHASES = {"open": "进行中", "closed": "已截止，评审中", "notice": "公示中", "published": "已公布"}
# contest_phase keys in the order of PHASES ("upcoming" cannot happen: the demo opens in the past).
_REACHED = {"upcoming": 0, "open": 0, "judging": 1, "notice": 2, "published": 3}
DEMO_NOTICE_DAYS = 5
OBJECTION = "这个作品的点赞数在截止前一天突然多了几千，请核实有没有刷赞。"
OBJECTION_REPLY = "经核查，点赞增长来自作品被本地媒体转发后的正常传播，未发现刷赞，异议不成立。"


@dataclass(frozen=True)
class Timeline:
    """The results of the demo, from its close: judging the next morning, the lists drafted the
    day after, the objection filed that afternoon, the notice over five days later."""

    scores_from: datetime
    drafted: datetime
    objection: datetime
    notice_ends: datetime
    answered: datetime


def _timeline(contest: Contest) -> Timeline:
    after = contest.closes_at + timedelta(seconds=1)  # midnight, Beijing
    drafted = after + timedelta(days=1, hours=10)
    notice_ends = drafted + timedelta(days=DEMO_NOTICE_DAYS)
    return Timeline(scores_from=after + timedelta(hours=9), drafted=drafted, objection=drafted + timedelta(hours=5),
                    notice_ends=notice_ends, answered=notice_ends + timedelta(hours=1))


def _accounts(role: Role) -> list[User]:
    phones = [phone for r, phone, _, _ in ACCOUNTS if r is role]
    found = {u.phone: u for u in db.session.scalars(sa.select(User).where(User.phone.in_(phones)))}
    return [found[phone] for phone in phones]


def _close(contest: Contest, admin: User, now: datetime) -> list[str]:
    """Close the demo 8 days before today (its dates move; the tallies follow the close), unless it
    closed earlier."""
    closes = _day_start(now, CLOSED_DAYS_AGO - 1) - timedelta(seconds=1)
    if contest.closes_at <= closes:
        return []
    latest = db.session.scalar(sa.select(sa.func.max(Entry.published_at)).where(Entry.contest_id == contest.id))
    if latest is not None and latest > closes:
        raise DomainError("演示作品的发布时间晚于演示需要的截止时间（旧版演示数据）：请换一个空数据库重新运行 seed-demo。")
    save_contest(contest, replace(values_of(contest), closes_at=closes), actor=admin, now=now,
                 reason="演示：把截止时间移到 8 天前，以便展示评审、公示和公布结果。")
    return [f"演示活动已截止：截止时间改为 {clock.to_local(closes):%Y-%m-%d %H:%M:%S}（北京时间）。"]


def _demo_values(entry: Entry, judge_index: int) -> dict[str, int]:
    """A judge's scores of an entry: fixed by the entry and the judge, different between judges."""
    seed = int(entry.video_id) % 997
    return {"theme": 5 + (seed + 3 * judge_index) % 5, "creativity": 4 + (7 * seed + judge_index) % 6,
            "production": 5 + (3 * seed + 2 * judge_index) % 5, "zhuzhou": 4 + (11 * seed + 5 * judge_index) % 6}


def _score(contest: Contest, judges: list[User], start: datetime) -> list[str]:
    """Every demo judge scores every approved entry they have not scored (nor declared a conflict on)."""
    entries = list(db.session.scalars(sa.select(Entry).where(
        Entry.contest_id == contest.id, Entry.status == EntryStatus.APPROVED).order_by(Entry.id)))
    done = set(db.session.execute(sa.select(Score.entry_id, Score.judge_id).where(
        Score.entry_id.in_([e.id for e in entries]))).all())
    done |= set(db.session.execute(sa.select(JudgeConflict.entry_id, JudgeConflict.judge_id)).all())
    made = 0
    for j, judge in enumerate(judges):
        for k, entry in enumerate(entries):
            if (entry.id, judge.id) in done:
                continue
            awards.score_entry(entry, judge, _demo_values(entry, j),
                               now=start + timedelta(hours=j, minutes=k))
            made += 1
    if not made:
        return []
    return [f"{len(judges)} 位评委已给 {len(entries)} 件已通过的作品评分（新增 {made} 份评分），优秀奖可以排名了。"]


def _object(contest: Contest, now: datetime) -> list[str]:
    """A demo citizen objects to the first place of the popularity list in its notice, unless the
    lists in their notice already have an objection."""
    award_list = notice_awards(contest, AwardKind.POPULARITY)
    if award_list is None or not award_list.places:
        return []
    if db.session.scalar(sa.select(Objection.id).where(Objection.award_list_id == award_list.id).limit(1)):
        return []
    first = award_list.places[0].entry
    objector = next(u for u in _accounts(Role.CITIZEN) if u.id != first.user_id)
    objections.file_objection(award_list, first, reason=OBJECTION, now=now, user=objector)
    return [f"{objector.nickname} 对人气奖第 1 名（作品 {first.id}）提出了异议，等待管理员答复（/staff/objections）。"]


def _shift_notice(contest: Contest, to: datetime, admin: User, now: datetime) -> list[str]:
    """Move the lists in their notice (and their objections) back so that the notice started at
    ``to`` and is over: the demo's time travel, recorded in the audit trail."""
    lists = [found for kind in AwardKind if (found := notice_awards(contest, kind)) is not None]
    if not lists or max(a.notice_ends_at for a in lists) <= now:
        return []
    delta = to - min(a.notice_starts_at for a in lists)
    for award_list in lists:
        award_list.notice_starts_at += delta
        award_list.notice_ends_at += delta
        award_list.created_at += delta
    for objection in db.session.scalars(sa.select(Objection).where(
            Objection.award_list_id.in_([a.id for a in lists]))):
        objection.created_at += delta
    audit.record("demo.shift", actor=admin, now=now, contest_id=contest.id,
                 changes={"lists": [a.id for a in lists], "seconds": int(delta.total_seconds())},
                 note="演示：把公示期整体提前，使公示期已经结束，以便公布获奖名单。")
    return [f"演示：公示期整体提前到 {clock.to_local(to):%Y-%m-%d %H:%M}（北京时间）开始，现已结束。"]


def _to_phase(contest: Contest, phase: str, now: datetime) -> list[str]:
    """Run the steps from the demo's phase up to ``phase`` (each one does only what is missing)."""
    if phase not in PHASES:
        raise DomainError(f"没有“{phase}”这个阶段：可以是 {'、'.join(PHASES)}。")
    now_phase = contest_phase(contest, now)
    reached, wanted = _REACHED[now_phase.key], list(PHASES).index(phase)
    if reached > wanted:
        raise DomainError(f"演示活动已经过了“{PHASES[phase]}”阶段（现在：{now_phase.label}），阶段不能倒退："
                          "请换一个空数据库重新运行 seed-demo。")
    if wanted == 0 or reached == 3:
        return []
    admin, judges = _accounts(Role.ADMIN)[0], _accounts(Role.JUDGE)
    # The close moves only before any list exists (the lists are computed from the tallies at the close).
    report = _close(contest, admin, now) if reached <= 1 else []
    times = _timeline(contest)
    report += _score(contest, judges, times.scores_from)
    lists = [found for kind in AwardKind if (found := notice_awards(contest, kind)) is not None]
    if wanted == 2 and not lists:
        awards.draft_awards(contest, staff=admin, now=now, notice_days=DEMO_NOTICE_DAYS)
        report.append("人气奖和优秀奖的拟获奖名单已进入公示。")
    if wanted == 2:
        report += _object(contest, now)
    if wanted == 3:
        if not lists:
            awards.draft_awards(contest, staff=admin, now=times.drafted, notice_days=DEMO_NOTICE_DAYS)
        else:
            report += _shift_notice(contest, times.drafted, admin, now)
        report += _object(contest, times.objection)
        for objection in objections.queue(contest, ObjectionStatus.OPEN):
            objections.dismiss(objection, reply=OBJECTION_REPLY, staff=admin,
                               now=max(objection.created_at, min(now, times.answered)))
        published = awards.publish_awards(contest, staff=admin, now=now)
        report.append("获奖名单已公布，异议已答复。")
        codes = certificates.codes_for([p for award_list in published for p in award_list.places])
        if codes:
            report.append(f"获奖证书已生成（{len(codes)} 张），例如 /certificates/{codes[published[0].places[0].id]}"
                          "（公开核验页；获奖者在“我的作品”下载自己的证书）。")
    return report


def seed_demo(*, now: datetime, sandbox_url: str = "", douyin: DouyinClient | None = None,
              phase: str | None = None) -> list[str]:
    """Create what is missing of the demo (entries with their like history); with a sandbox, its
    world and the demo citizens' Douyin links; with ``phase`` (:data:`PHASES`), move the demo
    contest on to that phase; report what a person needs to try it."""
    report = []
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == DEMO_SLUG))
    if contest is None:
        opens, closes = demo_window(now)
        contest = create_contest(slug=DEMO_SLUG, name="“动力株洲文旅通”杯株洲抖音生活秀（演示）",
                                 opens_at=opens, closes_at=closes)
        db.session.flush()
        report.append(f"已创建演示活动 demo：{clock.to_local(opens):%Y-%m-%d %H:%M:%S} 至 "
                      f"{clock.to_local(closes):%Y-%m-%d %H:%M:%S}（北京时间）")
    users = {}
    for role, phone, nickname, _ in ACCOUNTS:
        users[phone], _created = _account(role, phone, nickname, now)
    db.session.flush()
    created = [entry for v in VIDEOS if v.status is not None
               if (entry := _entry(contest, v, users, users["13800000002"], now)) is not None]
    if created:
        db.session.flush()
        approved = sum(e.status is EntryStatus.APPROVED for e in created)
        readings = _like_history(created, now)
        report.append(f"已创建 {len(created)} 个演示作品（{approved} 个已通过，待审核、待修改、未通过、已撤回各状态都有），"
                      f"{readings} 条点赞记录。")
    if sandbox_url:
        report.append(_sandbox_world(sandbox_url, contest, users, douyin, now))
    if phase is not None:
        report += _to_phase(contest, phase, now)
    report.append(f"演示活动现在：{contest_phase(contest, now).label}")
    report.append(f"演示账号（密码都是 {DEMO_PASSWORD}）：")
    report.extend(f"  {role.label}：{phone}（{nickname}）" for role, phone, nickname, _ in ACCOUNTS)
    report.append("可以试着粘贴这些链接报名：https://v.douyin.com/ZZtry01/（合格）、ZZtry02（缺少 @）、"
                  "ZZtry03（活动前发布）、ZZuser01（个人主页）、ZZlive01（直播间）、ZZgone01（已失效）")
    return report
