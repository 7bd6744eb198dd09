"""The one clock. Everything that needs "now" asks :func:`now`; tests freeze it.

Times inside the site are timezone-aware UTC. :func:`to_local` converts for display.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

UTC = timezone.utc
BEIJING = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware UTC (frozen in tests)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(instant: datetime | None) -> None:
    """Freeze the clock at ``instant`` (aware), or unfreeze with ``None``."""
    global _frozen
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen = instant.astimezone(UTC) if instant is not None else None


@contextlib.contextmanager
def frozen(instant: datetime) -> Iterator[None]:
    previous = _frozen
    freeze(instant)
    try:
        yield
    finally:
        freeze(previous)


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime where an aware one is required")
    return value.astimezone(UTC)


def to_local(value: datetime | None, tz: str | ZoneInfo = BEIJING) -> datetime | None:
    if value is None:
        return None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return ensure_utc(value).astimezone(zone)
