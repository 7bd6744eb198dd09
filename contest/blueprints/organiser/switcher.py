"""The staff contest switcher: every staff page shows one contest, the one chosen here for the
session (``POST /staff/contest``), else the default one (docs/rules.md §11); ``?contest=`` still
names one for a single page. The partial: ``templates/organiser/_contest_switcher.html``."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import flash, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField

from contest import clock
from contest.blueprints.organiser import bp
from contest.domain import permissions
from contest.domain import contests, staff_reports
from contest.domain.errors import NotFound
from contest.web.forms import FlaskForm
from contest.web.security import safe_next
from contest.web.contest_choice import STAFF_CONTEST, recent_results_days, remembered_contest
from contest.web.roles import any_staff


class ChooseContestForm(FlaskForm):
    contest = HiddenField()  # a slug; empty: follow the default contest again
    next = HiddenField()


def _here() -> str:
    """This page without its ``?contest=``, where the switcher comes back to."""
    return _without_contest(request.full_path)


def _without_contest(target: str) -> str:
    parts = urlsplit(target)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "contest"])
    return urlunsplit(("", "", parts.path, query, ""))


def _home() -> str:
    return url_for("organiser.judging" if permissions.is_judge(current_user) else "organiser.queue")


@bp.context_processor
def _contest_switcher():
    """What the switcher shows, on every staff page a staff member sees."""
    if not (current_user.is_authenticated and current_user.is_staff):
        return {}
    try:
        now = clock.now()
        choices = staff_reports.contest_choices(now, recent_days=recent_results_days())
        chosen = remembered_contest()
    except SQLAlchemyError:  # an error page rendered after a database failure must still render
        return {}
    # The contest this page shows: the one it resolved (?contest=, the choice, the default), else the choice.
    current = g.get("contest_shown") or chosen or next((c.contest for c in choices if c.default), None)
    return {"contest_switcher": {"choices": choices, "remembered": chosen is not None, "next": _here(),
                                 "current_id": current.id if current is not None else None}}


@bp.post("/contest")
@any_staff
def choose_contest():
    """Remember a contest for this session's staff pages (or, with an empty choice, forget it)."""
    form = ChooseContestForm()
    back = _without_contest(safe_next(form.next.data, _home()))
    if not form.validate_on_submit():
        flash("页面已过期，请刷新后再切换活动。", "error")
        return redirect(back)
    slug = (form.contest.data or "").strip()
    if not slug:
        session.pop(STAFF_CONTEST, None)
        flash("工作台已改为显示默认活动（正在进行或正在评审、公示、公布结果的活动）。", "success")
        return redirect(back)
    try:
        contest = contests.resolve_contest(slug, clock.now())
    except NotFound as exc:
        flash(exc.message, "error")
        return redirect(back)
    session[STAFF_CONTEST] = contest.id
    flash(f"工作台已切换到活动：{contest.name}。本次登录期间，工作人员页面都显示这个活动。", "success")
    return redirect(back)
