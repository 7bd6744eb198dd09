"""What every view shares: the Douyin client, the contest a request shows (the default one, a
staff member's remembered choice, or ``?contest=``), and template filters for Beijing time and masking."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime
from functools import lru_cache, wraps
from pathlib import Path

from flask import (
    Flask, abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_url
from sqlalchemy.exc import SQLAlchemyError

from contest.integrations import caching
from contest import clock
from contest.domain import contests, notify, one_time_codes, ownership, permissions, platform_health
from contest.domain.captions import without_tags
from contest.domain.entries import EntryRequest, submit_entry
from contest.domain.errors import CapabilityUnavailable, PlatformError, Refused
from contest.domain.privacy import mask_name, mask_phone
from contest.domain.slogan_checks import MAX_BYTES as SLOGAN_MAX_BYTES, clock_label, subtitle_label
from contest.douyin.author import AuthorVideos
from contest.douyin.gateway import DouyinGateway
from contest.web.errors import error_response, wants_json
from contest.web.security import safe_next
from contest.web.signed_in import VISITOR_REGION, remember_regions, splice
from contest.integrations.sms import sender_from_config
from contest.extensions import db, login_manager
from contest.models import Contest, Entry, Role, User
from contest.printable import for_xml
from contest.web.numbers import MAX_INT64, query_int


def douyin() -> DouyinGateway:
    """The app's Douyin client seen through the domain's errors: what views hand to the domain."""
    return DouyinGateway(current_app.extensions["douyin"])


def author_videos(user, **kwargs) -> AuthorVideos | None:
    """The signed-in author's own videos through their Douyin token, when they granted it."""
    return AuthorVideos.of(user if getattr(user, "is_authenticated", False) else None, douyin(), clock.now(), **kwargs)


def note_platform_error(exc: PlatformError, endpoint: str) -> None:
    """A failure the organisers must hear of — a capability Douyin retired or withheld from the
    application (e.g. 28001056 on video_list) — raises the platform alarm. The caller commits."""
    if isinstance(exc, CapabilityUnavailable):
        platform_health.capability_retired(endpoint, code=exc.code, logid=exc.logid, now=clock.now())


def folder_usage(path: str) -> dict:
    """``{"files", "bytes"}`` of the files under ``path`` (nothing when it does not exist)."""
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.stat(os.path.join(root, name)).st_size
                files += 1
            except OSError:  # removed while we looked
                continue
    return {"files": files, "bytes": size}


def platform_health_report():
    """The platform-health report the staff page and the staff API show, and the upload folder's usage."""
    config = current_app.config
    return (platform_health.report(clock.now(), threshold=config["CONTEST_PLATFORM_ALARM_ERROR_SHARE"]),
            folder_usage(config["CONTEST_SLOGAN_UPLOAD_DIR"]))


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
    (:func:`contest.domain.one_time_codes.request_code`); the caller commits."""
    config = current_app.config
    return one_time_codes.request_code(
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


# The contest a staff member chose with the switcher, for this session (its id: a slug may be edited).
STAFF_CONTEST = "staff_contest_id"
# The blueprints whose pages remember that choice (the staff console).
STAFF_BLUEPRINTS = frozenset({"organiser"})


def recent_results_days() -> int:
    return current_app.config["CONTEST_RECENT_RESULTS_DAYS"]


def next_public_boundary(now: datetime) -> datetime | None:
    """When the default contest or a contest's phase can next change by the clock alone (docs/rules.md §11)."""
    return contests.next_boundary(now, recent_days=recent_results_days())


def remembered_contest() -> Contest | None:
    """The contest chosen with the staff switcher for this session, while it exists."""
    contest_id = session.get(STAFF_CONTEST)
    return db.session.get(Contest, contest_id) if isinstance(contest_id, int) else None


def contest_for_request(slug: str | None = None) -> Contest:
    """``?contest=<slug>`` (or ``slug``); else, on a staff page, the contest chosen with the switcher
    this session; else the default contest, the one people are living (docs/rules.md §11). Kept in
    ``g.contest_shown`` for the page's phase bar and the staff switcher."""
    slug = slug or request.args.get("contest") or None
    contest = remembered_contest() if slug is None and request.blueprint in STAFF_BLUEPRINTS else None
    if contest is None:
        contest = contests.resolve_contest(slug, clock.now(), recent_days=recent_results_days())
    return showing(contest)


def showing(contest: Contest) -> Contest:
    """``contest`` is the one this page is about (its phase bar says so)."""
    g.contest_shown = contest
    return contest


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


def with_visitor(page: str) -> str:
    """A stored signed-out page with this visitor's regions (header, token, messages, footer) in
    place, offered to :class:`contest.web.signed_in.SignedInPages` for this session's next pages."""
    unread = notify.unread_count(current_user)
    regions = {m.group(1): m.group(0)
               for m in VISITOR_REGION.finditer(render_template("_visitor.html", unread_messages=unread))}
    remember_regions(regions, unread)
    return splice(page, regions)


def public_page(view):
    """A page every signed-out visitor sees alike. For them (``g.shared_page``) it renders no
    CSRF token and no session, and its 200 is marked for the response store, nginx and browsers
    (:func:`contest.integrations.caching.mark_shared`) until the next window boundary or minute; a repeat visit
    with its ``ETag`` gets a 304. A signed-in visitor gets their own copy, never stored: the stored
    signed-out page with their regions spliced in (:func:`with_visitor`), or the page rendered."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.shared_page = not current_user.is_authenticated
        if not g.shared_page and (stored := caching.stored_page(request.environ)) is not None:
            return with_visitor(stored)
        response = make_response(view(*args, **kwargs))
        if g.shared_page and response.status_code == 200:
            now = clock.now()
            caching.mark_shared(response, caching.shared_until(now, next_public_boundary(now)), now,
                                current_app.config["CONTEST_EDGE_CACHE_SECONDS"])
            return response.make_conditional(request)
        return response
    return wrapped


IMMUTABLE_SECONDS = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """``/static/<filename>?v=<content hash>``: a new URL whenever the file changes, so it is served
    (by Flask or nginx) with ``Cache-Control: public, max-age=31536000, immutable``."""
    path = Path(current_app.static_folder) / filename
    try:
        version = _fingerprint(path, path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


local_time = clock.beijing  # the template filter


def register(app: Flask) -> None:
    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            return error_response(401)
        flash("请先登录。", "info")
        return redirect(login_url("accounts.login", next_url=safe_next(request.full_path.rstrip("?"), "/")))

    app.add_template_global(static_url, "static_url")

    @app.after_request
    def _immutable_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code in (200, 304):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_SECONDS
            response.cache_control.immutable = True
        return response

    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(without_tags, "entry_title")
    app.add_template_filter(clock_label, "clock_label")
    app.add_template_filter(subtitle_label, "slogan_label")
    app.add_template_filter(for_xml, "xml_text")  # what people typed, in an XML document (the Atom feed)
    # The video on Douyin (its share page; the sandbox's in sandbox mode): where a visitor likes it.
    app.add_template_global(lambda video_id: douyin().share_url(video_id), "douyin_video_url")

    @app.context_processor
    def _nav_contest():
        """``?contest=`` as the navigation links keep it, so a visitor of an old contest stays in it
        (only a slug-shaped value; anything else is dropped, never echoed)."""
        slug = request.args.get("contest") or ""
        return {"nav_contest": slug if contests.SLUG.fullmatch(slug) else None}

    @app.context_processor
    def _contest_bar():
        """A public page of a contest says its phase and offers the other live contests (docs/rules.md §11)."""
        contest = g.get("contest_shown")
        if contest is None or request.blueprint in STAFF_BLUEPRINTS:
            return {}
        try:
            return {"contest_bar": contests.season(contest, clock.now(), recent_days=recent_results_days())}
        except SQLAlchemyError:  # an error page rendered after a database failure must still render
            return {}

    @app.context_processor
    def _globals():
        return {"demo_mode": app.config["CONTEST_DEMO_MODE"], "Role": Role, "slogan_max_bytes": SLOGAN_MAX_BYTES,
                "owner_unproven": ownership.UNPROVEN_LABEL, "owner_why_link": ownership.WHY_LINK}
