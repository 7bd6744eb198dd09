"""The leaderboards page (the same boards as JSON: ``contest.blueprints.api.leaderboards``)."""

from __future__ import annotations

from flask import render_template, request, url_for

from contest.blueprints.public import bp
from contest.integrations.caching import cached_public
from contest import clock
from contest.domain import contests
from contest.domain.certificates import codes_for
from contest.domain.errors import NotFound
from contest.domain.leaderboards import popularity_board, public_awards, race
from contest.domain.objections import in_notice
from contest.domain.privacy import public_author
from contest.render.charts import race_chart
from contest.web.contest_choice import contest_for_request
from contest.web.public_pages import public_page


@bp.get("/leaderboards")
@public_page
def leaderboards():
    """Popularity top 10 overall or of one theme (``?theme=<key>``, the tabs), with the race of its
    entries' likes over the window; live during the window, frozen after the close."""
    contest = contest_for_request()
    now = clock.now()
    key = request.args.get("theme") or None
    theme = contests.theme_by_key(contest, key) if key else None
    if key and theme is None:
        raise NotFound("没有这个参赛主题。")
    board = popularity_board(contest, theme=theme, limit=contest.popularity_award_size, now=now, cache=cached_public)
    chart = race_chart(race(board, contest, now=now, cache=cached_public),
                       lambda entry_id: url_for("public.entry", entry_id=entry_id))
    return render_template("public/leaderboards.html", contest=contest, board=board, theme=theme, chart=chart,
                           author=public_author, phase=contests.phase(contest, now))


@bp.get("/winners")
@public_page
def winners():
    """Both award lists once drafted: in their public notice (公示, when anyone may object to a
    listed entry), then published; 总榜 first, then the themes in the contest's order."""
    contest = contest_for_request()
    awards, now = public_awards(contest), clock.now()
    return render_template("public/winners.html", contest=contest, awards=awards, author=public_author,
                           open_for_objections={a.award_list.id for a in awards
                                                if a.award_list and in_notice(a.award_list, now)},
                           codes=codes_for([p for a in awards if a.award_list for p in a.award_list.places]))
