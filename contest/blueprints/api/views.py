"""Public JSON API (``/api/v1``). Errors are JSON ``{"error": "..."}``, never a page."""

from __future__ import annotations

import re

from flask import current_app, jsonify, request
from flask_login import current_user

from contest.blueprints.api import bp
from contest.domain import clock
from contest.domain.captions import caption_problems
from contest.domain.entries import MAX_TEXT, preflight
from contest.errors import error_response
from contest.extensions import csrf, limiter
from contest.views_support import contest_for_request, douyin


class BadBody(Exception):
    def __init__(self, message: str):
        self.message = message


def json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadBody("请求体必须是 JSON 对象。")
    if not _storable(body):
        raise BadBody("请求内容含有无法保存的字符（U+0000 或不成对的代理字符）。")
    return body


# PostgreSQL text cannot hold U+0000, and a lone surrogate (JSON's escape \ud800) has no UTF-8:
# refused at the door rather than answered with a 500 when saved.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def text_field(body: dict, name: str, *, max_length: int = MAX_TEXT) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadBody(f"缺少字段 {name}（字符串）。")
    if len(value) > max_length:
        raise BadBody(f"字段 {name} 太长（最多 {max_length} 个字符）。")
    return value


def contest_field(body: dict):
    slug = body.get("contest")
    if slug is not None and not isinstance(slug, str):
        raise BadBody("字段 contest 必须是字符串。")
    return contest_for_request(slug)


@bp.errorhandler(BadBody)
def _bad_body(exc: BadBody):
    return error_response(400, exc.message)


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
