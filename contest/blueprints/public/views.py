from flask import render_template

from contest.blueprints.public import bp
from contest.domain import clock, contests
from contest.views_support import contest_for_request


@bp.get("/")
def home():
    contest = contest_for_request()
    now = clock.now()
    return render_template("public/home.html", contest=contest, phase=contests.phase(contest, now), now=now)


@bp.get("/rules")
def rules():
    """The rules, rendered from the contest's data (window, cut-off, ties, awards, what disqualifies)."""
    contest = contest_for_request()
    return render_template("public/rules.html", contest=contest, phase=contests.phase(contest, clock.now()))
