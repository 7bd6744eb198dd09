"""What every view shares: the signed-in user loader, the Douyin client, the current
contest for a request, and template filters for Beijing time and masking."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request
from flask_login import current_user, login_url
from werkzeug.routing import IntegerConverter

from contest.domain import clock, contests
from contest.domain.captions import without_tags
from contest.domain.entries import EntryRequest, submit_entry
from contest.domain.errors import Refused
from contest.domain.privacy import mask_name, mask_phone
from contest.douyin.author import AuthorVideos
from contest.douyin.client import DouyinClient
from contest.errors import error_response
from contest.security import safe_next
from contest.extensions import db, login_manager
from contest.models import Contest, Entry, Role, User


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (32 bits on PostgreSQL)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: at most :data:`MAX_ID`, so a larger number is a 404 rather
    than a database error (SQLite cannot even look up a number beyond 64 bits)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def douyin() -> DouyinClient:
    return current_app.extensions["douyin"]


def author_videos(user, **kwargs) -> AuthorVideos | None:
    """The signed-in author's own videos through their Douyin token, when they granted it."""
    return AuthorVideos.of(user if getattr(user, "is_authenticated", False) else None, douyin(), clock.now(), **kwargs)


def enter(contest: Contest, req: EntryRequest) -> Entry:
    """Submit an entry for the signed-in citizen (their Douyin token verifies it when linked).
    Commits also when refused: a token refreshed on the way must be kept."""
    try:
        entry = submit_entry(contest, current_user, req, douyin=douyin(), now=clock.now(),
                             verifier=author_videos(current_user))
    except Refused:
        db.session.commit()
        raise
    db.session.commit()
    return entry


def page_cursor() -> int:
    """``?cursor=N`` as a non-negative integer (0 when absent or malformed)."""
    value = request.args.get("cursor", "0")
    return int(value) if value.isdecimal() and len(value) < 10 else 0


def contest_for_request(slug: str | None = None) -> Contest:
    """``?contest=<slug>`` (or ``slug``), else the current contest."""
    return contests.resolve_contest(slug or request.args.get("contest") or None, clock.now())


def roles_required(*roles: Role):
    """Only signed-in users with one of ``roles`` (401 when signed out, 403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M", tz: str = "Asia/Shanghai") -> str:
    local = clock.to_local(value, tz)
    return local.strftime(fmt) if local else ""


def register(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            return error_response(401)
        flash("请先登录。", "info")
        return redirect(login_url("accounts.login", next_url=safe_next(request.full_path.rstrip("?"), "/")))

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        if not user_id.isdecimal():
            return None
        return db.session.get(User, int(user_id))

    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(without_tags, "entry_title")
    # The video on Douyin (its share page; the sandbox's in sandbox mode): where a visitor likes it.
    app.add_template_global(lambda video_id: douyin().share_url(video_id), "douyin_video_url")

    @app.context_processor
    def _nav_contest():
        """``?contest=`` as the navigation links keep it, so a visitor of an old contest stays in it
        (only a slug-shaped value; anything else is dropped, never echoed)."""
        slug = request.args.get("contest") or ""
        return {"nav_contest": slug if contests.SLUG.fullmatch(slug) else None}

    @app.context_processor
    def _globals():
        return {"demo_mode": app.config["CONTEST_DEMO_MODE"], "Role": Role}
