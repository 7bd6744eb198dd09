"""Public JSON API (``/api/v1``). Errors are JSON ``{"error": "..."}``, never a page."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from contest.blueprints.api import bp
from contest import clock
from contest.domain.captions import caption_problems
from contest.domain.entries import preflight
from contest.extensions import csrf, limiter
from contest.web.contest_choice import contest_for_request
from contest.web.platform import douyin
from contest.blueprints.api.schemas import CaptionCheck, CaptionCheckRequest, Preflight, PreflightRequest
from contest.web.schemas import answer, parse_body


@bp.post("/preflight")
@csrf.exempt
@limiter.limit(lambda: current_app.config["CONTEST_PREFLIGHT_LIMIT"])
def preflight_check():
    """Check pasted share text or a link before entering

    The same checks an entry runs. Problem codes: no_link, not_douyin, not_a_video, link_expired,
    video_unavailable, missing_hashtag, missing_mention, published_outside_window, already_entered,
    platform_error. No CSRF token needed; rate limited per address."""
    body = parse_body(PreflightRequest)
    contest = contest_for_request(body.contest)
    user = current_user if current_user.is_authenticated else None
    result = preflight(body.text, contest, douyin=douyin(), now=clock.now(), user=user)
    return answer(Preflight, **result.as_json())


@bp.post("/caption-check")
@csrf.exempt
@limiter.limit("60/minute")
def caption_check():
    """Check a caption for the contest's hashtag and mention

    Before posting it on Douyin."""
    body = parse_body(CaptionCheckRequest)
    contest = contest_for_request(body.contest)
    problems = caption_problems(body.caption, hashtag=contest.hashtag, mention=contest.mention)
    return answer(CaptionCheck, ok=not problems, problems=[p.as_dict() for p in problems])
