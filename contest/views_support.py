"""What every view shares: the Douyin client, the current
contest for a request, and template filters for Beijing time and masking."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request
from flask_login import current_user, login_url

from contest.domain import accounts, clock, contests, ownership
from contest.domain.captions import without_tags
from contest.domain.entries import EntryRequest, submit_entry
from contest.domain.errors import Refused
from contest.domain.privacy import mask_name, mask_phone
from contest.domain.slogan_checks import MAX_BYTES as SLOGAN_MAX_BYTES, clock_label, subtitle_label
from contest.douyin.author import AuthorVideos
from contest.douyin.client import DouyinClient
from contest.errors import error_response, wants_json
from contest.security import safe_next
from contest.sms import sender_from_config
from contest.extensions import db, login_manager
from contest.models import Contest, Entry, Role
from contest.web.numbers import MAX_ID, MAX_INT64, parse_id, query_int  # noqa: F401 (MAX_ID: for views)


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


def send_code(phone: str, purpose: str) -> str:
    """A one-time code for ``purpose`` sent to ``phone`` with the configured sender and limits
    (:func:`contest.domain.accounts.request_code`); the caller commits."""
    config = current_app.config
    return accounts.request_code(
        phone, purpose=purpose, now=clock.now(), sender=sender_from_config(config),
        secret=config["SECRET_KEY"], ttl_seconds=config["CONTEST_OTP_TTL_SECONDS"],
        resend_seconds=config["CONTEST_OTP_RESEND_SECONDS"], daily_limit=config["CONTEST_OTP_DAILY_LIMIT"],
    )


CODE_SENT = "验证码已发送到 {phone}，{minutes} 分钟内有效。"


def flash_code_sent(phone: str, code: str | None, message: str = CODE_SENT) -> None:
    """Say where the code went (``message`` with ``{phone}`` masked and ``{minutes}``) and, in
    demo mode, the code itself when one was sent."""
    minutes = -(-current_app.config["CONTEST_OTP_TTL_SECONDS"] // 60)
    flash(message.format(phone=mask_phone(phone), minutes=minutes), "success")
    if code is not None and current_app.config["CONTEST_DEMO_MODE"]:
        flash(f"演示模式：验证码是 {code}", "demo")


def page_cursor() -> int:
    """``?cursor=N``, Douyin's paging cursor (a 64-bit integer): 0 when absent, 400 when malformed."""
    return query_int("cursor", 0, high=MAX_INT64)


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
        if wants_json():
            return error_response(401)
        flash("请先登录。", "info")
        return redirect(login_url("accounts.login", next_url=safe_next(request.full_path.rstrip("?"), "/")))

    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(without_tags, "entry_title")
    app.add_template_filter(clock_label, "clock_label")
    app.add_template_filter(subtitle_label, "slogan_label")
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
        return {"demo_mode": app.config["CONTEST_DEMO_MODE"], "Role": Role, "slogan_max_bytes": SLOGAN_MAX_BYTES,
                "owner_unproven": ownership.UNPROVEN_LABEL, "owner_why_link": ownership.WHY_LINK}
