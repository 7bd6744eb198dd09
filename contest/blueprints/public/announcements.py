"""The public list of announcements (/announcements): published notices only, newest first."""

from flask import render_template

from contest.blueprints.public import bp
from contest.domain.announcements import public_announcements
from contest.views_support import contest_for_request, public_page

PAGE_SIZE = 50


@bp.get("/announcements")
@public_page
def announcements():
    contest = contest_for_request()
    return render_template("public/announcements.html", contest=contest,
                           items=public_announcements(contest, limit=PAGE_SIZE))
