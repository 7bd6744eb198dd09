"""Sign in with Douyin (抖音授权登录): the OAuth authorization-code flow."""

from __future__ import annotations

import secrets

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from contest.blueprints.auth import bp
from contest import clock
from contest.domain.douyin_identity import missing_scope_notes, sign_in_with_douyin
from contest.domain.errors import DomainError, PlatformError
from contest.domain.ownership import unproven_entries, verify_own_entries
from contest.douyin.author import AuthorVideos
from contest.extensions import db, limiter
from contest.web.origin import canonical_url_for
from contest.web.security import safe_next
from contest.web.signed_in import sign_in
from contest.web.platform import douyin

STATE_KEY = "douyin_oauth"


def _redirect_uri() -> str:
    """Production registers one redirect URI; development follows the host and port asked."""
    return current_app.config["CONTEST_DOUYIN_REDIRECT_URI"] or canonical_url_for("auth.douyin_callback")


def _back_to_login(message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("accounts.login"))


@bp.get("/douyin")
@limiter.limit("20/minute")
def douyin_start():
    state = secrets.token_urlsafe(24)
    session[STATE_KEY] = {"state": state, "next": safe_next(request.args.get("next"), "")}
    # Required scopes every application has; the rest optional, so that an application without a
    # capability (video.list.bind is retired for some) is not refused outright (docs/douyin.md).
    config = current_app.config
    return redirect(douyin().authorize_url(redirect_uri=_redirect_uri(), state=state,
                                           scopes=config["CONTEST_DOUYIN_SCOPES"],
                                           optional_scopes=config["CONTEST_DOUYIN_OPTIONAL_SCOPES"]))


@bp.get("/douyin/callback")
@limiter.limit("20/minute")
def douyin_callback():
    pending = session.pop(STATE_KEY, None)
    if not pending or not secrets.compare_digest(str(pending.get("state", "")), request.args.get("state", "")):
        return _back_to_login("抖音授权请求已失效或不匹配（state 校验失败），请重新点击“抖音授权登录”。")
    if request.args.get("error"):
        return _back_to_login("你没有同意抖音授权。也可以用手机号注册、登录后参赛。", "info")
    code = request.args.get("code", "")
    if not code:
        return _back_to_login("抖音没有返回授权码，请重新授权。")

    client, now = douyin(), clock.now()
    try:
        grant = client.exchange_code(code)
        profile = client.user_info(grant.access_token, grant.open_id) if "user_info" in grant.scopes else None
        user, created = sign_in_with_douyin(
            grant, profile, current_user=current_user if current_user.is_authenticated else None, now=now)
        db.session.commit()
    except (PlatformError, DomainError) as exc:
        db.session.rollback()
        return _back_to_login(exc.message)

    if not (current_user.is_authenticated and current_user.id == user.id):
        sign_in(user)  # a new session, on the server too
    flash("抖音授权成功，已登录。" if created else "抖音授权成功。", "success")
    for note in missing_scope_notes(set(grant.scopes)):
        flash(note + "你可以稍后重新授权，或改为粘贴视频链接参赛。", "info")
    _prove_entries(user, client, now)
    return redirect(pending.get("next") or url_for("entries.new_entry"))


def _prove_entries(user, client, now) -> None:
    """The entries this user made before linking Douyin: the platform confirms those of
    their own videos (they keep their place). Sign-in never fails on it."""
    author = AuthorVideos.of(user, client, now)
    if author is None:
        if unproven_entries(user):
            flash("你还有作品的作者身份待验证：授权时请同意“查询特定视频的视频数据”，抖音才能确认作品是你发布的。", "info")
        return
    try:
        proven = verify_own_entries(user, author, now=now)
    except PlatformError:
        db.session.commit()  # keep a refreshed token, or the mark that it is gone
        flash("暂时无法向抖音核实你已报名作品的作者身份，请稍后重新授权再试。", "info")
        return
    db.session.commit()
    if proven:
        flash(f"抖音已确认你是 {len(proven)} 个已报名作品的作者，作品保留原来的报名时间，等待审核。", "success")
