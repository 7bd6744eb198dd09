"""The contest a request shows: ``?contest=``, a staff member's remembered choice (the switcher), or
the default contest, the one people are living (docs/rules.md §11); and what templates say of it."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, request, session
from sqlalchemy.exc import SQLAlchemyError

from contest import clock
from contest.domain import contests
from contest.extensions import db
from contest.models import Contest


# The contest a staff member chose with the switcher, for this session (its id: a slug may be edited).
STAFF_CONTEST = "staff_contest_id"
# The blueprints whose pages remember that choice (the staff console).
STAFF_BLUEPRINTS = frozenset({"organiser"})


def recent_results_days() -> int:
    return current_app.config["CONTEST_RECENT_RESULTS_DAYS"]


def next_public_boundary(now: datetime) -> datetime | None:
    """When the default contest or a contest's phase can next change by the clock alone (docs/rules.md §11)."""
    return contests.next_boundary(now, recent_days=recent_results_days())


def remembered_contest() -> Contest | None:
    """The contest chosen with the staff switcher for this session, while it exists."""
    contest_id = session.get(STAFF_CONTEST)
    return db.session.get(Contest, contest_id) if isinstance(contest_id, int) else None


def contest_for_request(slug: str | None = None) -> Contest:
    """``?contest=<slug>`` (or ``slug``); else, on a staff page, the contest chosen with the switcher
    this session; else the default contest, the one people are living (docs/rules.md §11). Kept in
    ``g.contest_shown`` for the page's phase bar and the staff switcher."""
    slug = slug or request.args.get("contest") or None
    contest = remembered_contest() if slug is None and request.blueprint in STAFF_BLUEPRINTS else None
    if contest is None:
        contest = contests.resolve_contest(slug, clock.now(), recent_days=recent_results_days())
    return showing(contest)


def showing(contest: Contest) -> Contest:
    """``contest`` is the one this page is about (its phase bar says so)."""
    g.contest_shown = contest
    return contest


def register(app: Flask) -> None:
    @app.context_processor
    def _nav_contest():
        """``?contest=`` as the navigation links keep it, so a visitor of an old contest stays in it
        (only a slug-shaped value; anything else is dropped, never echoed)."""
        slug = request.args.get("contest") or ""
        return {"nav_contest": slug if contests.SLUG.fullmatch(slug) else None}

    @app.context_processor
    def _contest_bar():
        """A public page of a contest says its phase and offers the other live contests (docs/rules.md §11)."""
        contest = g.get("contest_shown")
        if contest is None or request.blueprint in STAFF_BLUEPRINTS:
            return {}
        try:
            return {"contest_bar": contests.season(contest, clock.now(), recent_days=recent_results_days())}
        except SQLAlchemyError:  # an error page rendered after a database failure must still render
            return {}
