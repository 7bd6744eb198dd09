"""Public pages: the same for every signed-out visitor (stored, and kept by nginx and browsers),
with a signed-in visitor's own regions spliced into the stored copy."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, make_response, render_template, request
from flask_login import current_user

from contest import clock
from contest.domain import notify
from contest.integrations import caching
from contest.web.contest_choice import next_public_boundary
from contest.web.signed_in import VISITOR_REGION, remember_regions, splice


def with_visitor(page: str) -> str:
    """A stored signed-out page with this visitor's regions (header, token, messages, footer) in
    place, offered to :class:`contest.web.signed_in.SignedInPages` for this session's next pages."""
    unread = notify.unread_count(current_user)
    regions = {m.group(1): m.group(0)
               for m in VISITOR_REGION.finditer(render_template("_visitor.html", unread_messages=unread))}
    remember_regions(regions, unread)
    return splice(page, regions)


def public_page(view):
    """A page every signed-out visitor sees alike. For them (``g.shared_page``) it renders no
    CSRF token and no session, and its 200 is marked for the response store, nginx and browsers
    (:func:`contest.integrations.caching.mark_shared`) until the next window boundary or minute; a repeat visit
    with its ``ETag`` gets a 304. A signed-in visitor gets their own copy, never stored: the stored
    signed-out page with their regions spliced in (:func:`with_visitor`), or the page rendered."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.shared_page = not current_user.is_authenticated
        if not g.shared_page and (stored := caching.stored_page(request.environ)) is not None:
            return with_visitor(stored)
        response = make_response(view(*args, **kwargs))
        if g.shared_page and response.status_code == 200:
            now = clock.now()
            caching.mark_shared(response, caching.shared_until(now, next_public_boundary(now)), now,
                                current_app.config["CONTEST_EDGE_CACHE_SECONDS"])
            return response.make_conditional(request)
        return response
    return wrapped
