"""The audit trail: every staff action is recorded here, in the same transaction as the action."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEvent, User


def record(action: str, *, actor: User | None, now: datetime, target=None, contest_id: int | None = None,
           changes: dict | None = None, note: str | None = None) -> AuditEvent:
    """Append one event. ``target`` is any model with an ``id`` (its table name is kept as its type);
    ``changes`` maps a field to ``[before, after]`` or carries the action's details. The caller commits."""
    event = AuditEvent(
        at=now, actor_id=actor.id if actor else None, action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        contest_id=contest_id if contest_id is not None else getattr(target, "contest_id", None),
        changes=changes or {}, note=note,
    )
    db.session.add(event)
    return event


def events(*, action: str | None = None, actor_id: int | None = None, target_type: str | None = None,
           target_id: int | None = None, contest_id: int | None = None, limit: int = 100,
           before_id: int | None = None) -> list[AuditEvent]:
    """Newest first, filtered; page with ``before_id``."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    for column, value in ((AuditEvent.action, action), (AuditEvent.actor_id, actor_id),
                          (AuditEvent.target_type, target_type), (AuditEvent.target_id, target_id),
                          (AuditEvent.contest_id, contest_id)):
        if value is not None:
            query = query.where(column == value)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.session.scalars(query))
