"""JSON for citizens: the contest, me, my Douyin videos, my entries (session cookie; CSRF on POST
through the ``X-CSRFToken`` header, with the token every page carries in ``<meta name="csrf-token">``)."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user, login_required

from contest.blueprints.api import bp
from contest.blueprints.api.views import BadBody, contest_field
from contest import clock
from contest.domain import contests
from contest.domain.entries import MAX_TEXT, EntryRequest, check_own_videos, entries_of
from contest.domain.errors import PlatformError, Refused
from contest.domain.privacy import mask_phone
from contest.douyin.author import LIST_SCOPE
from contest.web.errors import error_response
from contest.extensions import db
from contest.web.limits import entry_limit
from contest.web.views_support import author_videos, contest_for_request, enter, note_platform_error, page_cursor
from contest.web.json_body import json_object, text_field
from contest.web.numbers import query_int

VIDEOS_PAGE_MAX = 20  # Douyin's video.list gives at most 20 a page


iso = clock.iso


@bp.get("/contest")
def contest_info():
    contest = contest_for_request()
    return jsonify(
        slug=contest.slug, name=contest.name, organiser=contest.organiser, co_organisers=contest.co_organisers,
        topic=contest.topic, slogan=contest.slogan, hashtag=contest.hashtag, mention=contest.mention,
        timezone=contest.timezone, opens_at=iso(contest.opens_at), closes_at=iso(contest.closes_at),
        phase=contests.phase(contest, clock.now()),
        themes=[{"key": t.key, "name": t.name} for t in contest.themes],
        areas=[{"key": a.key, "name": a.name} for a in contest.areas],
        awards={"popularity": contest.popularity_award_size, "excellence": contest.excellence_award_size},
        tie_rule=contest.tie_rule,
    )


@bp.get("/me")
@login_required
def me():
    account = current_user.douyin
    return jsonify(
        id=current_user.id, nickname=current_user.nickname, phone=mask_phone(current_user.phone) or None,
        role=current_user.role.value, douyin_linked=account is not None,
        douyin_nickname=account.nickname if account else None,
        scopes=account.scope_list if account else [],
        douyin_needs_reauth=bool(account and account.needs_reauth),
    )


@bp.get("/me/videos")
@login_required
def my_videos():
    contest = contest_for_request()
    cursor, size = page_cursor(), query_int("count", 10, low=1, high=VIDEOS_PAGE_MAX)
    author = author_videos(current_user, scope=LIST_SCOPE)
    if author is None:
        return error_response(409, "请先用抖音授权登录并同意“列出作品”，或改为粘贴视频链接。", fallback="paste_link")
    try:
        page = author.page(cursor=cursor, count=size)
    except PlatformError as exc:
        note_platform_error(exc, "video_list")
        db.session.commit()  # keep a refreshed token, or the mark that it is gone
        return error_response(502, exc.message, fallback="paste_link")
    db.session.commit()
    checks = check_own_videos(contest, page.videos, current_user)
    return jsonify(
        videos=[{
            "video_id": v.video_id, "title": v.title, "cover": v.cover or None,
            "published_at": iso(c.published_at), "entered": any(p.code == "already_entered" for p in c.problems),
            "ok": c.ok, "problems": [p.as_dict() for p in c.problems],
        } for v, c in zip(page.videos, checks)],
        cursor=page.cursor, has_more=page.has_more,
    )


def _flag(body: dict, name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadBody(f"字段 {name} 必须是 true 或 false。")
    return value


def _optional_text(body: dict, name: str) -> str | None:
    # Pasted text has the one limit (MAX_TEXT); keys and ids are checked by the entry rules.
    return text_field(body, name, required=False, max_length=MAX_TEXT if name == "text" else None)


@bp.post("/entries")
@login_required
@entry_limit
def create_entry():
    body = json_object()
    video_id, text = _optional_text(body, "video_id"), _optional_text(body, "text")
    if not video_id and not text:
        raise BadBody("需要字段 video_id 或 text。")
    contest = contest_field(body)
    req = EntryRequest(text=text or "", theme=_optional_text(body, "theme"), area=_optional_text(body, "area"),
                       accept_rules=_flag(body, "accept_rules"), show_nickname=_flag(body, "show_nickname", True),
                       video_id=video_id or None)
    try:
        entry = enter(contest, req)
    except Refused as exc:
        return error_response(exc.status, exc.message, problems=[p.as_dict() for p in exc.problems])
    return jsonify(id=entry.id, status=entry.status.value, problems=[]), 201


@bp.get("/me/entries")
@login_required
def my_entries():
    slug = request.args.get("contest")
    contest = contest_for_request(slug) if slug else None
    return jsonify(entries=[{
        "id": e.id, "contest": e.contest.slug, "video_id": e.video_id, "caption": e.caption,
        "theme": e.theme.key, "area": e.area.key, "status": e.status.value, "status_label": e.status.label,
        "status_reason": e.status_reason, "submitted_at": iso(e.submitted_at), "published_at": iso(e.published_at),
        "checks": e.checks, "fact_sources": e.fact_sources,
        "owner_proof": e.owner_proof.value if e.owner_proof else None,
    } for e in entries_of(current_user, contest)])
