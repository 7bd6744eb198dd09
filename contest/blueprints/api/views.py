"""Public JSON API (``/api/v1``). Errors are JSON ``{"error": "..."}``, never a page."""

from __future__ import annotations

from flask import current_app, jsonify
from flask_login import current_user

from contest.blueprints.api import bp
from contest import clock
from contest.domain.captions import caption_problems
from contest.domain.entries import preflight
from contest.extensions import csrf, limiter
from contest.web.views_support import contest_for_request, douyin
from contest.web import BadInput
from contest.web.json_body import json_object, text_field


# What the API's views raise for a bad field: a 400 with the message (contest.web.errors renders it).
BadBody = BadInput


def contest_field(body: dict):
    """The optional ``"contest"`` slug: absent means the current contest; present, it is a string
    (``null`` too is refused, as the OpenAPI document says)."""
    slug = body.get("contest")
    if "contest" in body and not isinstance(slug, str):
        raise BadBody("字段 contest 必须是字符串。")
    return contest_for_request(slug)


@bp.post("/preflight")
@csrf.exempt
@limiter.limit(lambda: current_app.config["CONTEST_PREFLIGHT_LIMIT"])
def preflight_check():
    """Check pasted share text or a link before entering: the same checks an entry runs."""
    body = json_object()
    text = text_field(body, "text")
    contest = contest_field(body)
    user = current_user if current_user.is_authenticated else None
    result = preflight(text, contest, douyin=douyin(), now=clock.now(), user=user)
    return jsonify(result.as_json())


@bp.post("/caption-check")
@csrf.exempt
@limiter.limit("60/minute")
def caption_check():
    """Check a caption for the required hashtag and mention before posting it on Douyin."""
    body = json_object()
    caption = text_field(body, "caption")
    contest = contest_field(body)
    problems = caption_problems(caption, hashtag=contest.hashtag, mention=contest.mention)
    return jsonify(ok=not problems, problems=[p.as_dict() for p in problems])
