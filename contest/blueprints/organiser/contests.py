"""Contests on the web (admins): list every contest, create one, edit one (``/staff/contests``).
The rules: :func:`contest.domain.contests.save_contest`."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from contest.blueprints.organiser import bp
from contest.blueprints.organiser.forms import ContestForm
from contest import clock
from contest.domain import contests
from contest.domain.notify import quoted
from contest.extensions import db
from contest.models import Contest
from contest.web.boundary import attempt
from contest.web.roles import admin_only



@bp.get("/contests")
@admin_only
def contests_list():
    now = clock.now()
    return render_template("organiser/contests.html", items=contests.all_contests(now))


def _defaults() -> dict:
    rules = contests.Rules()
    return {"hashtag": rules.hashtag, "mention": rules.mention, "slogan": rules.slogan,
            "themes": "\n".join("|".join(t) for t in rules.themes),
            "areas": "\n".join("|".join(a) for a in rules.areas),
            "popularity_award_size": rules.popularity_award_size,
            "excellence_award_size": rules.excellence_award_size, "allow_double_win": rules.allow_double_win,
            "theme_award_places": rules.theme_award_places, "notice_days": 5, "min_judges": rules.min_judges,
            "organiser": rules.organiser}


def _of(contest: Contest) -> dict:
    return {"name": contest.name, "slug": contest.slug, "opens_at": contest.opens_at, "closes_at": contest.closes_at,
            "hashtag": contest.hashtag, "mention": contest.mention, "slogan": contest.slogan,
            "themes": "\n".join(f"{t.key}|{t.name}|{t.description}" for t in contest.themes),
            "areas": "\n".join(f"{a.key}|{a.name}" for a in contest.areas),
            "popularity_award_size": contest.popularity_award_size,
            "excellence_award_size": contest.excellence_award_size, "allow_double_win": contest.allow_double_win,
            "theme_award_places": contest.theme_award_places, "notice_days": contest.notice_days,
            "min_judges": contest.min_judges, "organiser": contest.organiser, "signatory": contest.signatory or ""}


def _save(contest: Contest | None, form: ContestForm):
    """Validate, save through the domain, commit once; the page again with the reason when refused."""
    if form.validate_on_submit():
        def save():
            values = contests.ContestValues(
                slug=form.slug.data.strip(), name=form.name.data.strip(), opens_at=form.opens_at.data,
                closes_at=form.closes_at.data, hashtag=form.hashtag.data.strip(), mention=form.mention.data.strip(),
                slogan=form.slogan.data.strip(),
                themes=contests.parse_lines(form.themes.data, parts=3, what="主题"),
                areas=contests.parse_lines(form.areas.data, parts=2, what="区县"),
                popularity_award_size=form.popularity_award_size.data,
                excellence_award_size=form.excellence_award_size.data,
                allow_double_win=bool(form.allow_double_win.data),
                theme_award_places=bool(form.theme_award_places.data), notice_days=form.notice_days.data,
                min_judges=form.min_judges.data, organiser=form.organiser.data or None,
                signatory=form.signatory.data or "", seal_png=form.seal.data.read() if form.seal.data else None,
                remove_seal=bool(form.remove_seal.data))
            return contests.save_contest(contest, values, actor=current_user._get_current_object(),
                                         now=clock.now(), reason=form.reason.data or "")

        outcome = attempt(save)
        if not outcome.ok:
            form.form_errors.append(outcome.error.message)
        else:
            flash(f"已保存活动{quoted(outcome.value.name)}。", "success")
            return redirect(url_for("organiser.contests_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("organiser/contest_edit.html", form=form, edited=contest,
                           has_seal=contest is not None and contest.seal_png is not None), status


@bp.route("/contests/new", methods=["GET", "POST"])
@admin_only
def contest_new():
    form = ContestForm(data=_defaults())
    return _save(None, form)


@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@admin_only
def contest_edit(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = ContestForm(data=_of(contest))
    return _save(contest, form)
