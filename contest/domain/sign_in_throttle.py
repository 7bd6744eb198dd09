"""Growing delays after failed sign-ins, per phone number and source (table ``sign_in_throttle``;
docs/operations.md, "Sign-in throttling"): after
:data:`FREE_FAILURES` failures in a row each attempt waits 1, 2, 4, 8, then 15 minutes after the last
failure; attempts during the wait are refused unchecked; a success forgets (:func:`forget`), a day's
quiet too. Failures from one source never hold back another, so a stranger guessing cannot keep
the owner out."""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import SignInThrottle

FREE_FAILURES = 3  # failures in a row before the first wait
MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)  # a run of failures this old no longer counts
CLAIM_TRIES = 5


def sign_in_wait(failures: int) -> timedelta:
    """The wait after ``failures`` failed sign-ins in a row: none before the third, then
    1, 2, 4, 8 … minutes, at most :data:`MAX_WAIT`."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(minutes=2 ** min(failures - FREE_FAILURES, 10)), MAX_WAIT)


def wait_text(wait: timedelta) -> str:
    """``45 秒`` or ``3 分钟``, rounded up so that nobody is told to come back too early."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def _insert_ignoring_conflict(table: sa.Table, **values) -> sa.Executable:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    return insert(table).values(**values).on_conflict_do_nothing()


def sign_in_source(address: str | None) -> str:
    """The source a failed sign-in is counted against: the client's IPv4 address, or its IPv6
    /64 (one household or phone gets a whole /64, so counting single addresses would count
    nothing); ``""`` when unknown."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def count_attempt(phone: str, source: str, now: datetime) -> timedelta:
    """Count this sign-in attempt as a failure before its password is checked; return the wait
    it starts. Refused (password unchecked, nothing changed) while an earlier wait lasts.

    Counting first, with a compare-and-set on ``failures``, is what makes concurrent attempts
    see each other: of parallel guesses at one phone, each gets its own count, so a burst gets
    no more tries than the same guesses one after another. :func:`forget` forgets the row on a
    success (``contest.domain.accounts.sign_in``).
    """
    table = SignInThrottle.__table__
    key = (table.c.phone == phone) & (table.c.source == source)
    for _ in range(CLAIM_TRIES):
        row = db.session.execute(
            sa.select(table.c.failures, table.c.last_failed_at, table.c.locked_until).where(key)
        ).first()
        if row is not None and row.locked_until is not None and now < row.locked_until:
            raise DomainError(f"登录失败次数过多，请 {wait_text(row.locked_until - now)}后再试。")
        recent = row is not None and row.last_failed_at is not None and now - row.last_failed_at < FORGET_AFTER
        failures = (row.failures if recent else 0) + 1
        wait = sign_in_wait(failures)
        values = dict(failures=failures, last_failed_at=now, locked_until=now + wait if wait else None)
        if row is None:
            claim = _insert_ignoring_conflict(table, phone=phone, source=source, **values)
        else:
            claim = table.update().where(key, table.c.failures == row.failures).values(**values)
        # RETURNING says whether this statement wrote the row (an INSERT's rowcount isn't reliable on every driver).
        if db.session.execute(claim.returning(table.c.phone)).first() is not None:
            return wait
    # Lost the race every time: many attempts at this phone at once.
    raise DomainError("登录尝试太频繁，请稍后再试。")


def forget(phone: str) -> None:
    """Forget the failed sign-ins counted against ``phone`` from every source (a success, or a proven owner)."""
    db.session.execute(sa.delete(SignInThrottle).where(SignInThrottle.phone == phone))
