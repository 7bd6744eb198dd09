"""Who may do what: the roles and the reviewers' area scopes, asked one way by the pages, the staff
API and the rules (docs/rules.md §2, §8).

- **admin**: everything.
- **reviewer**: review, likes, flags, announcements, the dashboard; limited to their areas when
  ``area_keys`` is set (each county's cultural centre reviews its own).
- **judge**: scoring only; never sees like counts or entrants (docs/rules.md §8).
- **citizen**: their own entries.

Views take the role check from the decorators of :mod:`contest.web.roles` (``admin_only``,
``reviewers_only``, …), built on :data:`ADMINS`, :data:`REVIEWERS`, … here; per-entry area limits and
role-dependent page content ask the functions below. A refusal is :class:`Forbidden` (403).
"""

from __future__ import annotations

from contest.domain.errors import Forbidden
from contest.models import Entry, Role, User

__all__ = ["ADMINS", "REVIEWERS", "JUDGES", "JUDGES_AND_ADMINS", "STAFF", "OUTSIDE_AREA", "Forbidden",
           "area_scope", "can_review", "has_role", "is_admin", "is_judge", "require_area", "require_review"]

ADMINS = frozenset({Role.ADMIN})
REVIEWERS = frozenset({Role.ADMIN, Role.REVIEWER})
JUDGES = frozenset({Role.JUDGE})
JUDGES_AND_ADMINS = frozenset({Role.JUDGE, Role.ADMIN})
STAFF = frozenset({Role.ADMIN, Role.REVIEWER, Role.JUDGE})

OUTSIDE_AREA = "你只能审核所负责区县的作品。"


def has_role(user: User | None, roles: frozenset[Role] | set[Role]) -> bool:
    """``user`` is signed in (or holds a token) and has one of ``roles``."""
    return user is not None and getattr(user, "role", None) in roles


def is_admin(user: User | None) -> bool:
    return has_role(user, ADMINS)


def is_judge(user: User | None) -> bool:
    return has_role(user, JUDGES)


def area_scope(user: User) -> list[str] | None:
    """The area keys ``user`` may review: None for every area (admins, unrestricted
    reviewers), an empty list for nobody else."""
    if user.role is Role.ADMIN:
        return None
    if user.role is Role.REVIEWER:
        return list(user.area_keys) if user.area_keys else None
    return []


def can_review(user: User, entry: Entry) -> bool:
    """Admins always; reviewers when their ``area_keys`` are empty or hold the entry's area."""
    scope = area_scope(user)
    return scope is None or entry.area.key in scope


def require_review(user: User, entry: Entry, message: str = OUTSIDE_AREA) -> Entry:
    """``entry`` when ``user`` may review it; :class:`Forbidden` otherwise."""
    if not can_review(user, entry):
        raise Forbidden(message)
    return entry


def require_area(user: User, area_key: str | None, message: str = OUTSIDE_AREA) -> list[str] | None:
    """``user``'s area scope (see :func:`area_scope`) when ``area_key`` (None: no area asked) is in it;
    :class:`Forbidden` otherwise."""
    scope = area_scope(user)
    if scope is not None and area_key is not None and area_key not in scope:
        raise Forbidden(message)
    return scope
