"""Staff accounts and their roles: who is staff, giving an account a role and (for a reviewer) areas, and
adding a staff member by phone. Every role change is audited; a new role ends the account's sessions.
What each role may do is :mod:`contest.domain.permissions`. The caller commits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.domain import audit
from contest.domain.errors import DomainError
from contest.domain.phones import normalise_phone
from contest.domain.privacy import mask_phone
from contest.domain.sessions import end_sessions
from contest.extensions import db
from contest.models import ContestArea, Role, User


def known_area_keys() -> set[str]:
    return set(db.session.scalars(sa.select(ContestArea.key).distinct()))


def area_names() -> dict[str, str]:
    """Every area key with a name it has in some contest (for the users page)."""
    return {key: name for key, name in db.session.execute(sa.select(ContestArea.key, ContestArea.name))}


def staff_accounts() -> list[User]:
    """Every account with a staff role, by role then id (the users page)."""
    return list(db.session.scalars(sa.select(User).where(User.role != Role.CITIZEN).order_by(User.role, User.id)))


LAST_ADMIN = "至少要保留一位管理员：请先让另一位管理员接手。"


def _keep_an_admin(leaving: User) -> None:
    """Refuse to take the admin role from ``leaving`` when no other active admin would remain,
    checked in this transaction under a lock, so that two admins demoting each other at the
    same moment cannot both succeed: PostgreSQL locks the admins' rows (``FOR UPDATE``; the
    second transaction waits, then sees the first one's change); SQLite has no row locks, so a
    write first takes its one write lock (pysqlite begins the transaction there) and the
    second demotion waits for the first to commit before it reads."""
    users = User.__table__
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(users.update().where(users.c.id == leaving.id).values(role=users.c.role))
    admins = db.session.scalars(
        sa.select(users.c.id).where(users.c.role == Role.ADMIN, users.c.active.is_(True),
                                    users.c.deleted_at.is_(None)).with_for_update()).all()
    if not set(admins) - {leaving.id}:
        raise DomainError(LAST_ADMIN)


def set_role(user: User, *, role: Role, area_keys: list[str] | None, actor: User | None, now: datetime) -> bool:
    """Give ``user`` ``role`` and, for a reviewer, the areas they review (empty: every area).

    Area keys must be areas of some contest; other roles keep no areas. An admin cannot take
    their own admin role away, and the last active admin keeps theirs (someone must be left
    to give it back; :func:`_keep_an_admin`). Returns whether
    anything changed; a change is audited as ``user.role`` with before and after. A new
    role ends every session of the account (:func:`contest.domain.sessions.end_sessions`).
    """
    keys = sorted({k.strip() for k in (area_keys or []) if k and k.strip()}) if role is Role.REVIEWER else []
    unknown = sorted(set(keys) - known_area_keys())
    if unknown:
        raise DomainError(f"没有这些区域：{', '.join(unknown)}。")
    if actor is not None and actor.id == user.id and user.role is Role.ADMIN and role is not Role.ADMIN:
        raise DomainError("不能取消自己的管理员身份。")
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        _keep_an_admin(user)
    before = (user.role, list(user.area_keys or []))
    if before == (role, keys):
        return False
    if before[0] is not role:
        end_sessions(user)  # the account signs in again under its new role
    user.role = role
    user.area_keys = keys
    audit.record("user.role", actor=actor, now=now, target=user, changes={
        "role": [before[0].value, role.value], "area_keys": [before[1], keys]})
    return True


RESET_PATH = "/accounts/reset"
STAFF_ROLES = (Role.ADMIN, Role.REVIEWER, Role.JUDGE)


def add_staff(*, phone: str, nickname: str, role: Role, area_keys: list[str] | None, actor: User | None,
              now: datetime, sender, site_url: str) -> User:
    """A new staff account with no password (it cannot sign in until its owner sets one at
    :data:`RESET_PATH` with a one-time code sent to the phone), the role and, for a reviewer,
    areas. The owner is told by SMS where to go. Audited as ``user.add_staff``. The caller commits."""
    if role not in STAFF_ROLES:
        raise DomainError("只能添加管理员、审核员或评委。")
    phone = normalise_phone(phone)
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)) is not None:
        raise DomainError("这个手机号已有账号：请在下方按手机号查找，直接修改它的角色。")
    nickname = " ".join((nickname or "").split())
    if not nickname or len(nickname) > 40:
        raise DomainError("请填写姓名或昵称（不超过 40 个字）。")
    user = User(phone=phone, nickname=nickname, password_hash=None, role=Role.CITIZEN, active=True,
                phone_verified_at=None, created_at=now)
    db.session.add(user)
    db.session.flush()
    set_role(user, role=role, area_keys=area_keys, actor=actor, now=now)
    audit.record("user.add_staff", actor=actor, now=now, target=user, changes={
        "phone": mask_phone(phone), "role": role.value, "area_keys": list(user.area_keys or [])})
    sender.send(phone, f"【株洲抖音生活秀】你已被添加为{role.label}。请打开 {site_url.rstrip('/')}{RESET_PATH} "
                       "，用手机号接收验证码并设置密码后登录工作台。")
    return user
