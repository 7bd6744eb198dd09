"""Douyin identities: signing in with Douyin, linking, scopes, and keeping tokens fresh.

Tokens (docs/douyin.md, "OAuth"): an access token lives 15 days, a refresh token 30 days and
can be renewed at most 5 times, with the application's renew permission.
:func:`fresh_access_token` refreshes an access token that expires within :data:`ACCESS_MARGIN`
and, best effort, renews a refresh token that expires within :data:`RENEW_WINDOW`. A renewal the
platform refuses (no renew permission, five renewals used) never drops a working link: the
refresh token keeps working until it expires, and the author is reminded before then
(:func:`remind_expiring`). Only when the grant itself is gone — the refresh token expired or
refused, or an access token refused again right after a refresh (the user revoked the
authorisation in the Douyin app) — is the account marked ``needs_reauth`` (:func:`mark_lost`),
and the author told once, in the inbox and by SMS. Their entries keep their last known data.
The caller commits, also when :class:`AuthorizationLost` is raised, so that the mark is kept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, Protocol, TypeVar

import sqlalchemy as sa

from contest import clock
from contest.domain import notify, platform_health
from contest.domain.errors import (
    AuthorizationLost, DomainError, PlatformError, RenewalUnavailable, TokenRejected,
)
from contest.extensions import db
from contest.models import CLOSED_STATUSES, Contest, DouyinAccount, Entry, Role, User

log = logging.getLogger(__name__)

ACCESS_MARGIN = timedelta(hours=1)
RENEW_WINDOW = timedelta(days=7)
# Remind the author this long before the refresh token expires, when it could not be renewed.
REMIND_BEFORE = timedelta(days=3)
MAX_RENEWALS = 5
RENEWALS_USED_UP = 10020  # renew_refresh_token: the five renewals are used (the token still works)

SCOPE_USES = {
    "user_info": "读取你的抖音昵称和头像",
    "video.list.bind": "列出你的抖音作品，直接从作品中选择参赛",
    "video.data.bind": "核实作品归属、准确的发布时间和点赞数（人气奖按此统计）",
}
WANTED_SCOPES = tuple(SCOPE_USES)

REAUTH = "douyin.reauth"
REAUTH_SOON = "douyin.reauth_soon"
REAUTH_TITLE = "请重新授权抖音"
REAUTH_BODY = ("你的抖音授权已失效（可能在抖音里取消了对本站的授权，或授权已到期）。重新授权之前，本站无法读取你参赛作品的"
               "点赞数，也无法核实作者身份。请登录本站，点“抖音授权登录”重新授权；已报名的作品会保留。")

T = TypeVar("T")


class TokenGateway(Protocol):
    def refresh_access_token(self, refresh_token: str): ...

    def renew_refresh_token(self, refresh_token: str) -> tuple[str, int]:
        """Raises :class:`RenewalUnavailable` when the platform will not renew a working token."""


def missing_scope_notes(granted: frozenset[str] | set[str]) -> list[str]:
    """What will not work, in Chinese, for each wanted scope the user did not grant."""
    return [f"你没有授权“{scope}”，因此无法{use}。" for scope, use in SCOPE_USES.items() if scope not in granted]


def _store_grant(account: DouyinAccount, grant, now: datetime) -> None:
    """Keep a grant's tokens; a refresh answer without a new refresh token keeps the old one."""
    account.access_token = grant.access_token
    account.access_expires_at = now + timedelta(seconds=int(grant.expires_in))
    if grant.refresh_token and grant.refresh_token != account.refresh_token:
        account.refresh_token = grant.refresh_token
        account.refresh_expires_at = now + timedelta(seconds=int(grant.refresh_expires_in))
        account.reauth_reminded_at = None
    if grant.scopes:
        account.scopes = ",".join(grant.scopes)
    account.needs_reauth = False
    account.reauth_since = None
    account.updated_at = now


def sign_in_with_douyin(grant, profile, *, current_user: User | None, now: datetime) -> tuple[User, bool]:
    """The user for a Douyin grant: the one already linked to it; else the signed-in user,
    who links it now; else a new citizen. Returns ``(user, created)``.

    ``profile`` is the Douyin user info, or None when ``user_info`` was not granted.
    """
    account = db.session.scalar(sa.select(DouyinAccount).where(DouyinAccount.open_id == grant.open_id))
    created = False
    if account is not None:
        if current_user is not None and account.user_id != current_user.id:
            raise DomainError("这个抖音账号已经绑定了另一个本站账号。请先退出，再用抖音登录。")
        if not account.user.is_active:
            raise DomainError("账号已停用，请联系主办方。")
    else:
        if current_user is not None and current_user.douyin is not None:
            raise DomainError("你的账号已经绑定了另一个抖音账号。")
        user = current_user
        if user is None:
            nickname = (profile.nickname if profile and profile.nickname else f"抖音用户{grant.open_id[-4:]}")[:40]
            user = User(nickname=nickname, role=Role.CITIZEN, created_at=now)
            db.session.add(user)
            created = True
        account = DouyinAccount(user=user, open_id=grant.open_id, linked_at=now, renewals=0)
        db.session.add(account)
    account.scopes = ",".join(grant.scopes)
    _store_grant(account, grant, now)
    account.renewals = 0  # a new grant starts a new chain of renewals
    account.renew_refused_code = None
    account.reauth_reminded_at = None
    if profile is not None:
        account.union_id = profile.union_id or None
        account.nickname = profile.nickname or ""
        account.avatar = profile.avatar or None
    return account.user, created


def mark_lost(account: DouyinAccount, now: datetime, error: PlatformError | None = None) -> AuthorizationLost:
    """Mark the account as needing a new authorisation and, the first time, tell its user (inbox,
    and SMS to a confirmed phone). Returns the error to raise (``error`` when it is one)."""
    if not account.needs_reauth:
        account.needs_reauth = True
        account.reauth_since = now
        account.updated_at = now
        log.info("douyin account %s needs a new authorisation (%s, logid %s)", account.id,
                 getattr(error, "code", None), getattr(error, "logid", None) or "-")
        notify.tell_user(account.user, kind=REAUTH, title=REAUTH_TITLE, body=REAUTH_BODY, now=now)
    return error if isinstance(error, AuthorizationLost) else AuthorizationLost(
        error.message if isinstance(error, PlatformError) else None,
        code=getattr(error, "code", None), kind=getattr(error, "kind", None), logid=getattr(error, "logid", None))


def _renew(account: DouyinAccount, douyin: TokenGateway, now: datetime) -> None:
    """Renew the refresh token when it expires within :data:`RENEW_WINDOW`. Best effort: a refusal
    (:class:`RenewalUnavailable`) or a platform failure leaves the working token as it is (a refusal
    is remembered in ``renew_refused_code``: 10004 for the organisers, 10020 ends the renewals);
    only a refresh token the platform no longer knows (:class:`AuthorizationLost`) marks the account."""
    if (account.refresh_expires_at is None or account.refresh_expires_at - now >= RENEW_WINDOW
            or account.renewals >= MAX_RENEWALS):
        return
    try:
        token, expires_in = douyin.renew_refresh_token(account.refresh_token)
    except RenewalUnavailable as exc:
        account.renew_refused_code = exc.code
        if exc.code == RENEWALS_USED_UP:
            account.renewals = MAX_RENEWALS
        else:  # the application lacks the renew permission: the organisers must apply for it
            platform_health.renew_permission_missing(code=exc.code, logid=exc.logid, now=now)
        log.warning("douyin account %s: refresh token not renewed (%s, logid %s)", account.id, exc.code,
                    exc.logid or "-")
        return
    except AuthorizationLost as exc:
        raise mark_lost(account, now, exc) from None
    except PlatformError as exc:
        log.warning("douyin account %s: renewal failed for now (%s %s)", account.id, exc.kind, exc.code)
        return
    account.refresh_token = token
    account.refresh_expires_at = now + timedelta(seconds=int(expires_in))
    account.renewals += 1
    account.renew_refused_code = None
    account.reauth_reminded_at = None
    account.updated_at = now
    platform_health.close_alarms("renew_permission", now)


def fresh_access_token(account: DouyinAccount, *, douyin: TokenGateway, now: datetime,
                       force_refresh: bool = False) -> str:
    """A working access token for ``account``: refreshed when it expires within
    :data:`ACCESS_MARGIN` (or when ``force_refresh``), the refresh token renewed when due. An
    access token still valid keeps working after its refresh token expired: the account is marked
    only when neither works."""
    if account.needs_reauth or not account.refresh_token:
        raise AuthorizationLost()
    refresh_alive = account.refresh_expires_at is None or account.refresh_expires_at > now
    if force_refresh or not (account.access_token and account.access_expires_at
                             and account.access_expires_at - now > ACCESS_MARGIN):
        if not refresh_alive:
            raise mark_lost(account, now)
        try:
            _store_grant(account, douyin.refresh_access_token(account.refresh_token), now)
        except AuthorizationLost as exc:
            raise mark_lost(account, now, exc) from None
    if refresh_alive:
        _renew(account, douyin, now)
    return account.access_token


def with_token(account: DouyinAccount, call: Callable[[str], T], *, douyin: TokenGateway, now: datetime) -> T:
    """``call(access_token)`` with a fresh token. When the platform refuses the token
    (:class:`TokenRejected`: expired early, or the authorisation was revoked in the Douyin app) the
    token is refreshed and the call made once more; refused again, or refused for any other
    authorisation reason (a scope taken back), the account is marked at once (:func:`mark_lost`)."""
    try:
        return call(fresh_access_token(account, douyin=douyin, now=now))
    except TokenRejected:
        pass
    except AuthorizationLost as exc:
        raise mark_lost(account, now, exc) from None
    try:
        return call(fresh_access_token(account, douyin=douyin, now=now, force_refresh=True))
    except AuthorizationLost as exc:
        raise mark_lost(account, now, exc) from None


def remind_expiring(now: datetime) -> int:
    """Remind, once, each author with an entry still in play whose refresh token expires within
    :data:`REMIND_BEFORE` (it could not be renewed: no renew permission, five renewals used):
    inbox, and SMS to a confirmed phone. Returns how many were reminded. The caller commits."""
    in_play = (sa.select(Entry.user_id).join(Contest, Contest.id == Entry.contest_id)
               .where(Entry.status.not_in(CLOSED_STATUSES), Contest.closes_at > now - timedelta(days=1)))
    accounts = list(db.session.scalars(sa.select(DouyinAccount).where(
        DouyinAccount.needs_reauth.is_(False), DouyinAccount.reauth_reminded_at.is_(None),
        DouyinAccount.refresh_expires_at > now, DouyinAccount.refresh_expires_at <= now + REMIND_BEFORE,
        DouyinAccount.user_id.in_(in_play))))
    for account in accounts:
        when = clock.to_local(account.refresh_expires_at)
        notify.tell_user(account.user, kind=REAUTH_SOON, title="抖音授权即将到期", now=now, body=(
            f"你的抖音授权将在 {when:%Y年%m月%d日 %H:%M}（北京时间）到期，到期后本站无法再读取你参赛作品的点赞数。"
            "请在此之前登录本站，点“抖音授权登录”重新授权。"))
        account.reauth_reminded_at = now
    return len(accounts)


def reencrypt_tokens() -> int:
    """Write every stored token again, so it is encrypted with the newest key. Returns the
    number of accounts. (Reading decrypts with any configured key; writing uses the first.)"""
    from sqlalchemy.orm.attributes import flag_modified

    accounts = list(db.session.scalars(sa.select(DouyinAccount)))
    for account in accounts:
        flag_modified(account, "access_token")
        flag_modified(account, "refresh_token")
    return len(accounts)
