from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class CacheVersion(db.Model):
    """The version of the public data (standings, the gallery): cached pages are keyed on it,
    so one bump in the database reaches every web process. See :mod:`contest.integrations.caching`."""

    __tablename__ = "cache_version"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
