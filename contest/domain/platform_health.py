"""How the Douyin platform is treating the site, for the organisers (docs/douyin.md, "Platform health").

Each sweep records its authors by **outcome** (:data:`OUTCOMES`):

``ok``
    every entry of the author was read (or answered missing);
``rate_limited``
    calls too frequent (28003018), still so after the client's and the sweep's slower retries;
``quota``
    the application's quota is used up (28003017, the old 2190001): the rest of the sweep makes
    no more calls, and the next sweep tries again;
``auth``
    the author's authorisation is gone (revoked, expired, a scope taken back): they are told;
``unavailable``
    Douyin did not answer usefully (timeouts, 5xx, malformed answers, busy, risk control, an
    account banned or deleted);
``capability_retired``
    Douyin retired or withheld a capability from the application (28001056, 28001019,
    28001018, 10004).

An **alarm** (:class:`PlatformAlarm`) is an incident the organisers must act on: a capability
retired, the quota used up, the renew permission missing, or a sweep whose *error share* (authors
not ``ok`` over the authors it asked about; a used-up quota has its own alarm) is above the
configured threshold. It opens once — the admins get an
inbox message and an SMS then — and stays open, without texting again, while later sweeps still
show it; it closes by itself when a sweep no longer does (a capability or the renew permission:
when an admin marks it handled, or a call succeeds again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.domain import notify
from contest.domain.errors import NotFound
from contest.extensions import db
from contest.models import CLOSED_STATUSES, DouyinAccount, Entry, PlatformAlarm, Sweep, User

OUTCOMES = ("ok", "rate_limited", "quota", "auth", "unavailable", "capability_retired")
OUTCOME_LABELS = {"ok": "成功", "rate_limited": "被限流", "quota": "配额用完", "auth": "授权失效",
                  "unavailable": "平台不可用", "capability_retired": "能力下线"}
ALARM_KINDS = ("capability_retired", "quota", "renew_permission", "error_share")
ALARM_SMS_KIND = "platform.alarm"
EXPIRING_WITHIN = timedelta(days=7)
RECENT_SWEEPS = 10


def error_share(outcomes: dict) -> float:
    """The share of a sweep's authors whose reading failed, among those it asked about: a used-up
    quota has an alarm of its own, and the authors it spared are not failures (0 when none)."""
    asked = sum(int(n) for k, n in outcomes.items() if k != "quota")
    return 0.0 if asked == 0 else (asked - int(outcomes.get("ok", 0))) / asked


def open_alarms() -> list[PlatformAlarm]:
    return list(db.session.scalars(
        sa.select(PlatformAlarm).where(PlatformAlarm.closed_at.is_(None)).order_by(PlatformAlarm.opened_at,
                                                                                   PlatformAlarm.id)))


def _open(kind: str, key: str) -> PlatformAlarm | None:
    return db.session.scalar(sa.select(PlatformAlarm).where(
        PlatformAlarm.kind == kind, PlatformAlarm.key == key, PlatformAlarm.closed_at.is_(None)))


def raise_alarm(kind: str, *, message: str, now: datetime, key: str = "", details: dict | None = None) -> bool:
    """Open the incident ``kind``/``key`` and text the admins, unless it is open already (then it
    is only seen again). Returns True when it was opened now. Safe against two requests raising
    the same incident at once: the database keeps one open (the loser only sees it). The caller commits."""
    alarm = _open(kind, key)
    if alarm is not None:
        alarm.last_seen_at = now
        alarm.details = {**(alarm.details or {}), **(details or {})}
        return False
    try:
        with db.session.begin_nested():
            db.session.add(PlatformAlarm(kind=kind, key=key, message=message, details=details or {},
                                         opened_at=now, last_seen_at=now))
    except IntegrityError:
        return False
    notify.tell_admins(kind=ALARM_SMS_KIND, title="抖音平台告警", body=f"【株洲抖音生活秀】{message}", now=now)
    return True


def close_alarms(kind: str, now: datetime, *, key: str | None = None, by: User | None = None) -> int:
    """Close the open incidents of ``kind`` (and ``key`` when given). The caller commits."""
    query = sa.select(PlatformAlarm).where(PlatformAlarm.kind == kind, PlatformAlarm.closed_at.is_(None))
    if key is not None:
        query = query.where(PlatformAlarm.key == key)
    alarms = list(db.session.scalars(query))
    for alarm in alarms:
        alarm.closed_at = now
        alarm.closed_by_id = by.id if by is not None else None
    return len(alarms)


def close_alarm(alarm_id: int, *, by: User, now: datetime) -> PlatformAlarm:
    """An admin marks an incident handled (e.g. the capability was applied for again)."""
    alarm = db.session.get(PlatformAlarm, alarm_id)
    if alarm is None or alarm.closed_at is not None:
        raise NotFound("没有找到这条未处理的告警。")
    alarm.closed_at = now
    alarm.closed_by_id = by.id
    return alarm


# --- what the site reports --------------------------------------------------------------

def capability_retired(endpoint: str, *, code: int | None, logid: str | None, now: datetime) -> bool:
    """A call answered that a capability is retired or withheld (e.g. 28001056 on video_list)."""
    return raise_alarm("capability_retired", key=endpoint, now=now, details={"code": code, "logid": logid}, message=(
        f"抖音接口 {endpoint} 对本站应用不可用（错误码 {code}），相关功能已改用备用方式（如粘贴视频链接）。"
        "请登录抖音开放平台检查该能力的状态，必要时重新申请。"))


def renew_permission_missing(*, code: int | None, logid: str | None, now: datetime) -> bool:
    """renew_refresh_token answered 10004: the application lacks the renew permission."""
    return raise_alarm("renew_permission", now=now, details={"code": code, "logid": logid}, message=(
        "本站的抖音应用没有 renew_refresh_token（刷新 refresh_token）权限：作者的授权将在 30 天后到期，"
        "届时需要重新授权。请在抖音开放平台为应用申请该权限。"))


def sweep_finished(sweep: Sweep, *, threshold: float, now: datetime,
                   retired: tuple[int | None, str | None] | None = None) -> None:
    """Raise or close the sweep-level incidents after a sweep (see the module docstring).
    ``retired``: the code and log id of a capability-retired answer the sweep met."""
    outcomes = sweep.outcomes or {}
    authors = sum(int(n) for n in outcomes.values())
    asked = authors - int(outcomes.get("quota", 0))
    share = error_share(outcomes)
    counts = "，".join(f"{OUTCOME_LABELS[k]} {outcomes[k]}" for k in OUTCOMES if outcomes.get(k))
    details = {"sweep_id": sweep.id, "share": round(share, 4), "outcomes": dict(outcomes)}
    if asked and share > threshold:
        raise_alarm("error_share", now=now, details=details, message=(
            f"点赞读取扫描 #{sweep.id} 中 {asked - int(outcomes.get('ok', 0))}/{asked} 位作者读取失败"
            f"（{share:.0%}，告警阈值 {threshold:.0%}；{counts}）。请查看“平台状态”页。"))
    else:
        close_alarms("error_share", now)
    if outcomes.get("quota"):
        raise_alarm("quota", now=now, details=details, message=(
            f"抖音接口调用配额已用完（扫描 #{sweep.id}），点赞读取已暂停，下一次扫描会自动重试。"
            "如经常发生，请在抖音开放平台申请提高配额，或放慢扫描频率。"))
    elif authors:
        close_alarms("quota", now)
    if outcomes.get("capability_retired"):
        code, logid = retired or (None, None)
        capability_retired("video_data", code=code, logid=logid, now=now)
    elif outcomes.get("ok"):
        close_alarms("capability_retired", now, key="video_data")


# --- the report -------------------------------------------------------------------------

@dataclass
class Health:
    as_of: datetime
    threshold: float
    alarms: list[PlatformAlarm]
    sweeps: list[Sweep]
    needs_reauth: list[tuple[DouyinAccount, int]] = field(default_factory=list)  # (account, live entries)
    expiring: list[DouyinAccount] = field(default_factory=list)


def report(now: datetime, *, threshold: float, sweeps: int = RECENT_SWEEPS) -> Health:
    """The open alarms, the last ``sweeps`` finished sweeps (newest first), the accounts needing a
    new authorisation (with how many of their entries are still live) and the working refresh
    tokens expiring within :data:`EXPIRING_WITHIN`."""
    live = (sa.select(Entry.user_id, sa.func.count().label("n")).where(Entry.status.not_in(CLOSED_STATUSES))
            .group_by(Entry.user_id).subquery())
    lost = db.session.execute(
        sa.select(DouyinAccount, sa.func.coalesce(live.c.n, 0)).outerjoin(live, live.c.user_id == DouyinAccount.user_id)
        .where(DouyinAccount.needs_reauth.is_(True))
        .order_by(DouyinAccount.reauth_since.desc().nulls_last(), DouyinAccount.id)).all()
    expiring = db.session.scalars(sa.select(DouyinAccount).where(
        DouyinAccount.needs_reauth.is_(False), DouyinAccount.refresh_expires_at > now,
        DouyinAccount.refresh_expires_at <= now + EXPIRING_WITHIN).order_by(DouyinAccount.refresh_expires_at,
                                                                           DouyinAccount.id))
    recent = db.session.scalars(sa.select(Sweep).where(Sweep.finished_at.is_not(None))
                                .order_by(Sweep.id.desc()).limit(sweeps))
    return Health(as_of=now, threshold=threshold, alarms=open_alarms(), sweeps=list(recent),
                  needs_reauth=[(a, n) for a, n in lost], expiring=list(expiring))


def outcome_counts(sweep: Sweep) -> dict[str, int]:
    """Every outcome of :data:`OUTCOMES` with its count (0 when none)."""
    outcomes = sweep.outcomes or {}
    return {k: int(outcomes.get(k, 0)) for k in OUTCOMES}
