"""The objections queue (/staff/objections): objections (异议) filed during the public notice.
Admins answer them (uphold: the entry is disqualified and the next in line moves up; dismiss);
reviewers read them. The rules: ``contest.domain.objections``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from contest.blueprints.organiser import bp
from contest import clock
from contest.domain import permissions
from contest.domain import objections as rules
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.web.boundary import attempt, flash_outcome
from contest.web.forms import FlaskForm
from contest.models import Contest
from contest.models.objection import Objection, ObjectionStatus
from contest.web.contest_choice import contest_for_request
from contest.web.roles import admin_only, reviewers_only


class ReplyForm(FlaskForm):
    reply = TextAreaField("答复", filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        InputRequired("请填写答复。"), Length(max=rules.MAX_REPLY, message=f"答复最多 {rules.MAX_REPLY} 个字。")])


def _status() -> ObjectionStatus | None:
    raw = request.args.get("status") or None
    if raw is None:
        return None
    try:
        return ObjectionStatus(raw)
    except ValueError:
        raise DomainError("状态只能是 open、upheld 或 dismissed。") from None


@bp.get("/objections")
@reviewers_only
def objections():
    contest = contest_for_request()
    status = _status()
    return render_template("organiser/objections.html", contest=contest, items=rules.queue(contest, status),
                           status=status, statuses=list(ObjectionStatus), form=ReplyForm(formdata=None),
                           can_act=permissions.is_admin(current_user))


def _answer(objection_id: int, action, success: str):
    objection = db.get_or_404(Objection, objection_id, description="没有找到这条异议。")
    contest = db.session.get(Contest, objection.contest_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    else:
        flash_outcome(attempt(lambda: action(objection, reply=form.reply.data, staff=current_user._get_current_object(),
                                             now=clock.now())), success.format(id=objection_id))
    return redirect(url_for("organiser.objections", contest=contest.slug, _anchor=f"objection-{objection_id}"))


@bp.post("/objections/<int:objection_id>/uphold")
@admin_only
def uphold_objection(objection_id: int):
    return _answer(objection_id, rules.uphold, "异议 {id} 成立：作品已取消获奖资格，名单已顺延。")


@bp.post("/objections/<int:objection_id>/dismiss")
@admin_only
def dismiss_objection(objection_id: int):
    return _answer(objection_id, rules.dismiss, "异议 {id} 已答复：不成立。")
