"""Staff API tokens: issuing, revoking and looking them up (roles and staff accounts: staff_accounts.py).

A token is ``zzst_`` followed by ``secrets.token_urlsafe(32)`` (256 random bits). Only its
SHA-256 is stored; it is shown once, when issued. Looking a token up by its hash is the
constant-time comparison: the database compares digests, never the secret, and the
secret's first characters do not narrow the search. Every issue and revocation is written
to the audit trail. The caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.domain import audit
from contest.domain.errors import DomainError
from contest.domain.permissions import Forbidden, is_admin
from contest.extensions import db
from contest.models import User
from contest.models.tokens import StaffToken

MARKER = "zzst_"
PREFIX_LENGTH = len(MARKER) + 8  # the marker and the first 8 characters of the secret, for display
NAME_MAX = 60
# Recording every use would write on every API call; once a minute says enough.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class NotAllowed(Forbidden):
    """A refusal by role (403): see :mod:`contest.domain.permissions`."""


def token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def issue_token(user: User, *, name: str, now: datetime) -> tuple[StaffToken, str]:
    """A new token for ``user`` (staff only), and its plain text, which is never stored."""
    if not user.active or not user.role.is_staff:
        raise NotAllowed("只有工作人员可以申请访问令牌。")
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写令牌用途。")
    if len(name) > NAME_MAX:
        raise DomainError(f"令牌用途最多 {NAME_MAX} 个字。")
    plain = MARKER + secrets.token_urlsafe(32)
    token = StaffToken(user_id=user.id, name=name, token_hash=token_hash(plain), prefix=plain[:PREFIX_LENGTH],
                       created_at=now)
    db.session.add(token)
    db.session.flush()
    audit.record("token.issue", actor=user, now=now, target=token,
                 changes={"user_id": user.id, "name": name, "prefix": token.prefix})
    return token, plain


def revoke_token(token: StaffToken, *, actor: User | None, now: datetime) -> None:
    """Revoke ``token``: its owner or an admin may (``actor`` None: the command line)."""
    if actor is not None and actor.id != token.user_id and not is_admin(actor):
        raise NotAllowed("只能撤销自己的令牌。")
    if token.revoked_at is not None:
        raise DomainError(f"令牌 {token.prefix}… 已经撤销。")
    token.revoked_at = now
    audit.record("token.revoke", actor=actor, now=now, target=token,
                 changes={"user_id": token.user_id, "name": token.name, "prefix": token.prefix})


def user_for_token(plain: str | None, *, now: datetime) -> User | None:
    """The user a token belongs to; None for an unknown or revoked token or an inactive user.

    The role is not checked here: a user who is no longer staff is refused by role (403) by
    the caller. Updates ``last_used_at`` at most once a minute (the caller commits).
    """
    if not isinstance(plain, str) or not plain.startswith(MARKER) or len(plain) > 200:
        return None
    digest = token_hash(plain)
    token = db.session.scalar(sa.select(StaffToken).where(StaffToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest) or token.revoked_at is not None:
        return None
    user = token.user
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        token.last_used_at = now
    return user


def tokens_of(user: User | None) -> list[StaffToken]:
    """``user``'s tokens (None: everyone's), newest first."""
    query = sa.select(StaffToken).order_by(StaffToken.id.desc())
    if user is not None:
        query = query.where(StaffToken.user_id == user.id)
    return list(db.session.scalars(query))


def tokens_by_prefix(prefix: str) -> list[StaffToken]:
    """Active tokens whose display prefix starts with ``prefix`` (with or without the marker)."""
    prefix = (prefix or "").strip()
    if not prefix.startswith(MARKER):
        prefix = MARKER + prefix
    if len(prefix) <= len(MARKER):
        raise DomainError("请给出令牌前缀。")
    escaped = prefix[:PREFIX_LENGTH].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(db.session.scalars(sa.select(StaffToken).where(
        StaffToken.prefix.like(escaped + "%", escape="\\"),
        StaffToken.revoked_at.is_(None)).order_by(StaffToken.id)))


def revoke_all(user: User, *, actor: User | None, now: datetime) -> list[StaffToken]:
    """Revoke every active token of ``user``."""
    active = [t for t in tokens_of(user) if t.revoked_at is None]
    for token in active:
        revoke_token(token, actor=actor, now=now)
    return active
