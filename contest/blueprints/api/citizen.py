"""JSON for citizens: the contest, me, my Douyin videos, my entries (session cookie; CSRF on POST
through the ``X-CSRFToken`` header, with the token every page carries in ``<meta name="csrf-token">``)."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from contest.blueprints.api import bp
from contest.blueprints.api.schemas import (VIDEOS_PAGE_MAX, Contest, EntryCreated, EntryRequest as EntryBody, Me,
                                         MyEntries, MyVideos)
from contest import clock
from contest.domain import contests
from contest.domain.entries import EntryRequest, check_own_videos, entries_of
from contest.domain.errors import PlatformError, Refused
from contest.domain.privacy import mask_phone
from contest.douyin.author import LIST_SCOPE
from contest.web.errors import error_response
from contest.extensions import db
from contest.web.limits import entry_limit
from contest.web.contest_choice import contest_for_request
from contest.web.platform import author_videos, enter, note_platform_error, page_cursor
from contest.web.schemas import answer, parse_body
from contest.web.numbers import query_int

iso = clock.iso


@bp.get("/contest")
def contest_info():
    """The contest's public data"""
    contest = contest_for_request()
    return answer(
        Contest, slug=contest.slug, name=contest.name, organiser=contest.organiser, co_organisers=contest.co_organisers,
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
    """The signed-in citizen"""
    account = current_user.douyin
    return answer(
        Me, id=current_user.id, nickname=current_user.nickname, phone=mask_phone(current_user.phone) or None,
        role=current_user.role.value, douyin_linked=account is not None,
        douyin_nickname=account.nickname if account else None,
        scopes=account.scope_list if account else [],
        douyin_needs_reauth=bool(account and account.needs_reauth),
    )


@bp.get("/me/videos")
@login_required
def my_videos():
    """The signed-in author's own Douyin videos, with their checks"""
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
    return answer(
        MyVideos, videos=[{
            "video_id": v.video_id, "title": v.title, "cover": v.cover or None,
            "published_at": iso(c.published_at), "entered": any(p.code == "already_entered" for p in c.problems),
            "ok": c.ok, "problems": [p.as_dict() for p in c.problems],
        } for v, c in zip(page.videos, checks)],
        cursor=page.cursor, has_more=page.has_more,
    )


@bp.post("/entries")
@login_required
@entry_limit
def create_entry():
    """Enter a video (by id from /me/videos, or by pasted text)

    Besides the preflight codes: not_owner, not_public, contest_not_open, invalid_theme, invalid_area,
    rules_not_accepted."""
    body = parse_body(EntryBody)
    contest = contest_for_request(body.contest)
    req = EntryRequest(text=body.text or "", theme=body.theme, area=body.area, accept_rules=body.accept_rules,
                       show_nickname=body.show_nickname, video_id=body.video_id or None)
    try:
        entry = enter(contest, req)
    except Refused as exc:
        return error_response(exc.status, exc.message, problems=[p.as_dict() for p in exc.problems])
    return answer(EntryCreated, 201, id=entry.id, status=entry.status.value, problems=[])


@bp.get("/me/entries")
@login_required
def my_entries():
    """The signed-in citizen's entries"""
    slug = request.args.get("contest")
    contest = contest_for_request(slug) if slug else None
    return answer(MyEntries, entries=[{
        "id": e.id, "contest": e.contest.slug, "video_id": e.video_id, "caption": e.caption,
        "theme": e.theme.key, "area": e.area.key, "status": e.status.value, "status_label": e.status.label,
        "status_reason": e.status_reason, "submitted_at": iso(e.submitted_at), "published_at": iso(e.published_at),
        "checks": e.checks, "fact_sources": e.fact_sources,
        "owner_proof": e.owner_proof.value if e.owner_proof else None,
    } for e in entries_of(current_user, contest)])
