"""Who may call a route: the one role check of pages and the staff API (per-entry area limits are
:mod:`contest.domain.permissions`'), and what a visitor who is not signed in is told."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, flash, g, redirect, request
from flask_login import current_user, login_url

from contest.domain import permissions
from contest.extensions import login_manager
from contest.models import Role, User
from contest.web.errors import error_response, wants_json
from contest.web.security import safe_next


def acting_user() -> User | None:
    """Who is asking: the staff API's token holder (``g.staff_user``), else the signed-in user, else None."""
    staff = g.get("staff_user")
    if staff is not None:
        return staff
    return current_user._get_current_object() if current_user.is_authenticated else None


def roles_required(roles: frozenset[Role]):
    """Only users with one of ``roles`` (:func:`contest.domain.permissions.has_role`): 401 when nobody is
    signed in, 403 otherwise. Pages and the staff API (whose token holder is the acting user) alike."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = acting_user()
            if user is None:
                return login_manager.unauthorized()
            if not permissions.has_role(user, roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# Every staff route's role check, one name for each set of roles (per-entry area limits are checked by
# contest.domain.permissions: can_review, require_review).
admin_only = roles_required(permissions.ADMINS)
reviewers_only = roles_required(permissions.REVIEWERS)
judges_only = roles_required(permissions.JUDGES)
judges_and_admins = roles_required(permissions.JUDGES_AND_ADMINS)
any_staff = roles_required(permissions.STAFF)


def register(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            return error_response(401)
        flash("请先登录。", "info")
        return redirect(login_url("accounts.login", next_url=safe_next(request.full_path.rstrip("?"), "/")))
