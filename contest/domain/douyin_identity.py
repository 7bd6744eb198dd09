"""Douyin identities: signing in with Douyin, linking, scopes, and keeping tokens fresh.

Tokens: an access token lives 15 days, a refresh token 30 days and can be renewed
at most 5 times (DOUYIN.md §3). :func:`fresh_access_token` refreshes an access
token that expires within :data:`ACCESS_MARGIN` and renews a refresh token that
expires within :data:`RENEW_WINDOW`; once the refresh token is gone the account is
marked ``needs_reauth`` and the entrant must authorise again (their entries keep
their last known data). The caller commits, also when :class:`AuthorizationLost`
is raised, so that the mark is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from contest.domain.errors import AuthorizationLost, DomainError
from contest.extensions import db
from contest.models import DouyinAccount, Role, User

ACCESS_MARGIN = timedelta(hours=1)
RENEW_WINDOW = timedelta(days=7)
MAX_RENEWALS = 5

SCOPE_USES = {
    "user_info": "读取你的抖音昵称和头像",
    "video.list.bind": "列出你的抖音作品，直接从作品中选择参赛",
    "video.data.bind": "核实作品归属、准确的发布时间和点赞数（人气奖按此统计）",
}
WANTED_SCOPES = tuple(SCOPE_USES)


class TokenGateway(Protocol):
    def refresh_access_token(self, refresh_token: str): ...

    def renew_refresh_token(self, refresh_token: str) -> tuple[str, int]: ...


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
    if grant.scopes:
        account.scopes = ",".join(grant.scopes)
    account.needs_reauth = False
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
    if profile is not None:
        account.union_id = profile.union_id or None
        account.nickname = profile.nickname or ""
        account.avatar = profile.avatar or None
    return account.user, created


def _lost(account: DouyinAccount, now: datetime) -> AuthorizationLost:
    account.needs_reauth = True
    account.updated_at = now
    return AuthorizationLost()


def fresh_access_token(account: DouyinAccount, *, douyin: TokenGateway, now: datetime) -> str:
    """A working access token for ``account``, refreshing and renewing as needed."""
    if account.needs_reauth or not account.refresh_token:
        raise AuthorizationLost()
    if account.refresh_expires_at is not None and account.refresh_expires_at <= now:
        raise _lost(account, now)
    try:
        if not (account.access_token and account.access_expires_at
                and account.access_expires_at - now > ACCESS_MARGIN):
            _store_grant(account, douyin.refresh_access_token(account.refresh_token), now)
        if (account.refresh_expires_at is not None and account.refresh_expires_at - now < RENEW_WINDOW
                and account.renewals < MAX_RENEWALS):
            token, expires_in = douyin.renew_refresh_token(account.refresh_token)
            account.refresh_token = token
            account.refresh_expires_at = now + timedelta(seconds=int(expires_in))
            account.renewals += 1
            account.updated_at = now
    except AuthorizationLost:
        raise _lost(account, now) from None
    return account.access_token


def reencrypt_tokens() -> int:
    """Write every stored token again, so it is encrypted with the newest key. Returns the
    number of accounts. (Reading decrypts with any configured key; writing uses the first.)"""
    from sqlalchemy.orm.attributes import flag_modified

    accounts = list(db.session.scalars(sa.select(DouyinAccount)))
    for account in accounts:
        flag_modified(account, "access_token")
        flag_modified(account, "refresh_token")
    return len(accounts)
