"""``seed-demo``: a demo contest open now, demo accounts, entries in every status, and
the matching videos in the Douyin sandbox. Running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import requests
import sqlalchemy as sa

from contest.domain import clock
from contest.domain.accounts import create_user
from contest.domain.contests import create_contest
from contest.domain.entries import entry_checks, existing_entries, set_entry_status
from contest.domain.ownership import mark_proven
from contest.extensions import db
from contest.models import Contest, Entry, EntryEvent, EntryStatus, OwnerProof, Role, User

DEMO_SLUG = "demo"
DEMO_PASSWORD = "zhuzhou2020"
TAGS = "#动力株洲文旅通 @株洲足迹"

# (role, phone, nickname, sandbox open_id or None)
ACCOUNTS = [
    (Role.ADMIN, "13800000001", "管理员小周", None),
    (Role.REVIEWER, "13800000002", "审核员小陈", None),
    (Role.JUDGE, "13800000003", "评委老刘", None),
    (Role.CITIZEN, "13800000004", "小李爱株洲", "ou_demo_xiaoli"),
    (Role.CITIZEN, "13800000005", "老张的乡村", "ou_demo_laozhang"),
    (Role.CITIZEN, "13800000006", "阿华才艺", "ou_demo_ahua"),
]


@dataclass(frozen=True)
class DemoVideo:
    n: int               # makes the id unique and stable
    day: int             # days after the contest opens (negative: before)
    owner: str           # phone of the entrant
    title: str
    likes: int
    status: EntryStatus | None = None   # None: in the sandbox only, for visitors to try
    theme: str = "life"
    area: str = "hetang"
    code: str | None = None             # short link code in the sandbox
    note: str | None = None


VIDEOS = [
    DemoVideo(1, 1, "13800000004", f"神农城的夜景太美了 {TAGS}", 1520, EntryStatus.APPROVED, "life", "tianyuan", "ZZdemoA1"),
    DemoVideo(2, 2, "13800000005", f"炎陵黄桃熟了，欢迎来摘 {TAGS}", 980, EntryStatus.APPROVED, "village", "yanling", "ZZdemoA2"),
    DemoVideo(3, 3, "13800000006", f"醴陵瓷器手绘，一笔一画 {TAGS}", 640, EntryStatus.PENDING, "talent", "liling", "ZZdemoA3"),
    DemoVideo(4, 4, "13800000004", f"攸县香干的做法 {TAGS}", 120, EntryStatus.NEEDS_FIX, "life", "youxian", "ZZdemoA4",
              "口号不够清晰，请补充字幕后重新提交。"),
    DemoVideo(5, 5, "13800000005", f"茶陵古城墙散步 {TAGS}", 75, EntryStatus.REJECTED, "village", "chaling", "ZZdemoA5",
              "视频内容与所选主题不符。"),
    DemoVideo(6, 6, "13800000006", f"湘江边练太极 {TAGS}", 33, EntryStatus.WITHDRAWN, "talent", "lusong", "ZZdemoA6"),
    DemoVideo(7, 8, "13800000004", f"石峰公园看樱花 {TAGS}", 12, None, code="ZZtry01"),
    DemoVideo(8, 9, "13800000004", "渌口的早餐米粉 #动力株洲文旅通", 8, None, code="ZZtry02"),
    DemoVideo(9, -30, "13800000004", f"去年拍的芦淞服装城 {TAGS}", 300, None, code="ZZtry03"),
]
OTHER_LINKS = [("ZZuser01", "user"), ("ZZlive01", "live"), ("ZZgone01", "expired"), ("ZZnote01", "note")]


def demo_window(now: datetime) -> tuple[datetime, datetime]:
    """Opens 15 days before today (Beijing) at 00:00:00 and lasts 30 days."""
    today = clock.to_local(now).date()
    opens = datetime.combine(today - timedelta(days=15), time(0, 0), tzinfo=clock.BEIJING).astimezone(clock.UTC)
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


def _entry(contest: Contest, video: DemoVideo, users: dict[str, User], reviewer: User, now: datetime) -> bool:
    vid, created = video_id(contest, video)
    if existing_entries(contest, vid):
        return False
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
    return True


def _sandbox_world(sandbox_url: str, contest: Contest) -> str:
    """Put the demo users, videos and short links into the sandbox (upserts: idempotent)."""
    http = requests.Session()
    http.trust_env = False

    def post(path: str, payload: dict) -> None:
        response = http.post(f"{sandbox_url}/__sandbox__/{path}", json=payload, timeout=5)
        response.raise_for_status()

    owners = {phone: open_id for _, phone, _, open_id in ACCOUNTS if open_id}
    nicknames = {phone: nickname for _, phone, nickname, _ in ACCOUNTS}
    try:
        for phone, open_id in owners.items():
            post("users", {"open_id": open_id, "nickname": nicknames[phone]})
        for video in VIDEOS:
            vid, created = video_id(contest, video)
            post("videos", {"video_id": vid, "open_id": owners[video.owner], "title": video.title,
                            "create_time": created, "digg_count": video.likes, "public": True})
            post("shortlinks", {"code": video.code, "video_id": vid})
        for code, kind in OTHER_LINKS:
            post("shortlinks", {"code": code, "kind": kind})
    except requests.RequestException as exc:
        return f"注意：无法写入抖音沙盒（{sandbox_url}）：{exc.__class__.__name__}。沙盒启动后请再运行一次 seed-demo。"
    return f"抖音沙盒已写入演示视频：{sandbox_url}"


def seed_demo(*, now: datetime, sandbox_url: str = "") -> list[str]:
    """Create what is missing of the demo; report what a person needs to try it."""
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
    created = sum(_entry(contest, v, users, users["13800000002"], now) for v in VIDEOS if v.status is not None)
    if created:
        report.append(f"已创建 {created} 个演示作品（待审核、已通过、待修改、未通过、已撤回各状态都有）。")
    if sandbox_url:
        report.append(_sandbox_world(sandbox_url, contest))
    report.append(f"演示账号（密码都是 {DEMO_PASSWORD}）：")
    report.extend(f"  {role.label}：{phone}（{nickname}）" for role, phone, nickname, _ in ACCOUNTS)
    report.append("可以试着粘贴这些链接报名：https://v.douyin.com/ZZtry01/（合格）、ZZtry02（缺少 @）、"
                  "ZZtry03（活动前发布）、ZZuser01（个人主页）、ZZlive01（直播间）、ZZgone01（已失效）")
    return report
