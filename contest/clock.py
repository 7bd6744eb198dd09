"""The one clock. Everything that needs "now" asks :func:`now`; tests freeze it.

Times inside the site are timezone-aware UTC. On screen they are Beijing time (:func:`beijing`, the
``local_time`` template filter); in JSON, ISO 8601 with the Beijing offset (:func:`iso`); in audit records
and logs, UTC (:func:`iso_utc`). These are the one set of time formatters.
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


def beijing(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", tz: str | ZoneInfo = BEIJING) -> str:
    """``value`` for the screen, in Beijing time (``2020-06-18 00:00``); ``""`` for None."""
    local = to_local(value, tz)
    return local.strftime(fmt) if local else ""


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in Beijing time, as everywhere in the site's JSON (``2020-06-18T00:00:00+08:00``)."""
    local = to_local(value)
    return local.isoformat() if local else None


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC (``2020-06-17T16:00:00+00:00``), for audit records and logs."""
    return ensure_utc(value).isoformat() if value is not None else None
