"""A phone for a Douyin account: winners must be reachable.

A citizen who signed in with Douyin only adds a phone, proven by a one-time code sent to it
(purpose ``add_phone``). When the phone already belongs to a citizen's phone account that
has no Douyin link, the same person owns both — the code proves the phone, the signed-in
Douyin session proves the Douyin account — and the two are merged into the phone account:
the Douyin link, entries, their history and messages move to it, and the Douyin-only
account is deleted. Audited as ``user.add_phone`` or ``user.merge``.

An account that has a phone changes it the same way, to a phone no account has (never a
merge); the new phone is also the one to sign in with. Audited as ``user.change_phone``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.domain import audit
from contest.domain.one_time_codes import ADD_PHONE, request_code, verify_code
from contest.domain.phones import normalise_phone
from contest.domain.errors import DomainError
from contest.domain.privacy import mask_phone
from contest.extensions import db
from contest.models import AuditEvent, DouyinAccount, Entry, EntryEvent, Role, User
from contest.models.notification import Notification



def _check_can_add(user: User) -> None:
    if user.phone:
        return  # a change of phone
    if user.douyin is None:
        raise DomainError("只有用抖音登录的账号需要添加手机号。")


def _merge_target(user: User, phone: str) -> User | None:
    """The phone account ``user`` would merge into (None: the phone is free); refuses what cannot merge,
    and, for a change of phone, any phone that is not free."""
    if phone == user.phone:
        raise DomainError("这就是你现在的手机号。")
    other = db.session.scalar(sa.select(User).where(User.phone == phone))
    if other is None:
        return None
    if user.phone:
        raise DomainError("这个手机号已经注册过本站账号，不能换成它。如有疑问请联系主办方。")
    if other.douyin is not None:
        raise DomainError("这个手机号的账号已绑定另一个抖音账号，不能合并。如有疑问请联系主办方。")
    if other.role is not Role.CITIZEN or not other.active or other.deleted_at is not None:
        raise DomainError("这个手机号的账号不能合并，请联系主办方。")
    return other  # no entry can clash: one video has one entry per contest, whoever entered it


def request_phone_code(user: User, phone: str, *, now: datetime, **code_settings) -> str:
    """Send the code that proves ``phone``, whoever's it is: the answer never tells whether the
    phone is a staff member's or linked to another Douyin account (only the code's holder, who
    confirms it, learns that it cannot be merged)."""
    _check_can_add(user)
    return request_code(phone, purpose=ADD_PHONE, now=now, **code_settings)


def add_phone(user: User, phone: str, code: str, *, now: datetime, secret: str) -> tuple[User, bool]:
    """Add ``phone`` to the Douyin-only ``user`` with the code sent to it, or merge ``user`` into
    the phone's account. Returns ``(the account to be signed in, merged)``. The caller commits,
    also when a wrong code raises (the attempt is counted)."""
    phone = normalise_phone(phone)
    _check_can_add(user)
    verify_code(phone, code, purpose=ADD_PHONE, now=now, secret=secret)  # first: only the phone's holder learns more
    other = _merge_target(user, phone)
    if other is None:
        previous = user.phone
        user.phone, user.phone_verified_at = phone, now
        if previous:
            audit.record("user.change_phone", actor=user, now=now, target=user,
                         changes={"phone": [mask_phone(previous), mask_phone(phone)]})
        else:
            audit.record("user.add_phone", actor=user, now=now, target=user)
        return user, False
    merged_id, open_id = user.id, user.douyin.open_id
    moved = {}
    for model, column in ((DouyinAccount, DouyinAccount.user_id), (Entry, Entry.user_id),
                          (Notification, Notification.user_id), (EntryEvent, EntryEvent.actor_id),
                          (AuditEvent, AuditEvent.actor_id)):
        moved[model.__tablename__] = db.session.execute(
            sa.update(model).where(column == merged_id).values({column.key: other.id})
            .execution_options(synchronize_session=False)).rowcount
    db.session.expire_all()  # the Douyin link is no longer the merged account's: deleting it keeps the link
    db.session.delete(db.session.get(User, merged_id))
    db.session.flush()
    audit.record("user.merge", actor=other, now=now, target=other,
                 changes={"merged_user_id": merged_id, "open_id": open_id,
                          "entries": moved["entry"], "notifications": moved["notification"]})
    return other, True
