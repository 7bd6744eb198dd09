"""Column types shared by the models."""

from __future__ import annotations

from datetime import datetime, timezone

import enum

from sqlalchemy import DateTime, Enum, Text
from sqlalchemy.types import TypeDecorator

from contest.crypto import token_cipher


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored as naive UTC on every backend.

    Refuses naive values on the way in, so a local time can never slip in unconverted.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def str_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """A string column holding ``enum_cls`` values, with a CHECK constraint called ``name``."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda cls: [m.value for m in cls], length=16)


class EncryptedText(TypeDecorator):
    """Text encrypted at rest with the token cipher the factory installed (``contest.crypto``).

    The column holds Fernet ciphertext; Python code sees plain text. A database
    dump or file therefore never shows a token.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        if value is None:
            return None
        return token_cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None
        return token_cipher().decrypt(value)
