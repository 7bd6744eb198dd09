"""The public list of announcements (/announcements) and its Atom feed (/announcements.atom):
published notices only, newest first."""

from flask import make_response, render_template

from contest.blueprints.public import bp
from contest.domain.announcements import public_announcements
from contest.web.origin import canonical_root, canonical_url_for
from contest.web.contest_choice import contest_for_request
from contest.web.public_pages import public_page

PAGE_SIZE = 50


@bp.get("/announcements")
@public_page
def announcements():
    contest = contest_for_request()
    return render_template("public/announcements.html", contest=contest,
                           items=public_announcements(contest, limit=PAGE_SIZE))


@bp.get("/announcements.atom")
def announcements_feed():
    """The same notices as an Atom 1.0 feed (RFC 4287), for feed readers and the city's portals."""
    contest = contest_for_request()
    items = public_announcements(contest, limit=PAGE_SIZE)
    page_url = canonical_url_for("public.announcements", contest=contest.slug)
    body = render_template("public/announcements_feed.xml", contest=contest, items=items, page_url=page_url,
                           self_url=canonical_url_for("public.announcements_feed", contest=contest.slug),
                           feed_id=f"{canonical_root()}contests/{contest.slug}/announcements",
                           updated=items[0].published_at if items else contest.opens_at)
    response = make_response(body)
    response.content_type = "application/atom+xml; charset=utf-8"
    return response
