"""Public results as JSON: ``GET /api/v1/leaderboards/popularity`` and ``GET /api/v1/winners``."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import request

from contest.blueprints.api import bp
from contest.blueprints.api.schemas import MAX_LIMIT, Popularity, Winners
from contest import clock
from contest.integrations.caching import CACHE_UNTIL, cached_public
from contest.domain import contests
from contest.domain.captions import without_tags
from contest.domain.errors import DomainError
from contest.domain.leaderboards import popularity_board, public_awards
from contest.domain.privacy import public_author
from contest.web.contest_choice import contest_for_request, next_public_boundary
from contest.web import BadInput
from contest.web.numbers import parse_int
from contest.web.schemas import answer

FOREVER = datetime.max.replace(tzinfo=timezone.utc)


def _limit() -> int:
    limit = parse_int(request.args.get("limit", "10"), low=1, high=MAX_LIMIT)
    if limit is None:
        raise BadInput(f"limit 必须是 1 到 {MAX_LIMIT} 之间的整数。")
    return limit


def _theme(contest):
    key = request.args.get("theme")
    if not key:
        return None
    theme = contests.theme_by_key(contest, key)
    if theme is None:
        raise DomainError(f"没有这个主题：{key}。可选：{'、'.join(t.key for t in contest.themes)}。")
    return theme


def _correction(found) -> dict | None:
    """An admin's public correction of the tally after the close: when, why, from what."""
    if found is None:
        return None
    return {"at": clock.iso(found.at), "reason": found.reason,
            "previous_likes": found.previous_likes, "observed_at": clock.iso(found.observed_at)}


@bp.get("/leaderboards/popularity")
def popularity_json():
    """The popularity leaderboard (approved entries only)"""
    contest = contest_for_request()
    now = clock.now()
    board = popularity_board(contest, theme=_theme(contest), limit=_limit(), now=now, cache=cached_public)
    response, _ = answer(
        Popularity, contest=contest.slug, as_of=clock.iso(board.as_of), frozen=board.frozen,
        entries=[{"rank": r.rank, "entry_id": r.entry_id, "video_id": r.video_id, "title": r.title,
                  "author": r.author, "theme": r.theme_key, "likes": r.likes, "corrected": r.corrected,
                  "correction": _correction(r.correction)} for r in board.rows],
    )
    # The same for every visitor until the public data moves (a new contest moves it too) or a
    # window opens or closes; not while the board is "as of now" (no reading yet).
    if board.read:
        response.headers[CACHE_UNTIL] = (next_public_boundary(now) or FOREVER).isoformat()
    return response


@bp.get("/winners")
def winners_json():
    """Both awards, published or in their public notice (公示)

    Each is ``null`` before its notice; ``status: "notice"`` during it."""
    contest = contest_for_request()

    def one(award):
        found = award.award_list
        if found is None:
            return None
        return {
            "status": found.status.value, "version": found.version, "reason": found.reason,
            "published_at": clock.iso(found.published_at),
            "notice_ends_at": clock.iso(found.notice_ends_at),
            "places": [{"scope": p.scope, "rank": p.rank, "entry_id": p.entry_id, "video_id": p.entry.video_id,
                        "title": without_tags(p.entry.caption), "author": public_author(p.entry), "theme": p.entry.theme.key,
                        "value": p.value} for section in award.sections for p in section.places],
            "objections": {"received": award.objections_received, "handled": award.objections_handled},
        }

    return answer(Winners, contest=contest.slug, **{a.kind: one(a) for a in public_awards(contest)})
