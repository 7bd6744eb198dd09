"""Judging pages (/staff/judging, /staff/rubric): the judge's blind queue and score
sheet, conflicts of interest, the panel's progress and the rubric.

Who: judges score (only they: :mod:`contest.domain.judging`); admins see the progress
and edit the rubric. Nothing a judge reaches shows likes or who entered: the sheet plays the
original the entrant kept for blind judging (``GET /staff/judging/<id>/video``,
:mod:`contest.domain.judging_videos`) and, where there is none, says that the Douyin player shows
the author."""

from __future__ import annotations

import math

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from wtforms import FieldList, FloatField, Form, FormField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from contest.blueprints.organiser import bp
from contest import clock
from contest.domain import permissions
from contest.domain import awards
from contest.domain import judging as rules
from contest.domain import judging_videos
from contest.domain.judging_videos import PLAYER_SHOWS_AUTHOR
from contest.domain.errors import NotFound, Refused
from contest.extensions import db
from contest.web.boundary import attempt, flash_and_redirect
from contest.web.forms import FlaskForm
from contest.models import Entry
from contest.slogan.uploads import UploadError, UploadStore
from contest.web.contest_choice import contest_for_request
from contest.web.platform import douyin
from contest.web.roles import admin_only, judges_and_admins, judges_only



def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NumberField(FloatField):
    """A finite number; a malformed value gets a Chinese message."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            number = float(valuelist[0].strip())
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.data = None
            raise ValueError("请填写数字。")
        self.data = number


def score_form(criteria: list[dict], values: dict | None = None, **kwargs) -> FlaskForm:
    """A form with one number per criterion, named ``c_<key>`` (never clashing with the form's own attributes)."""

    class ScoreForm(FlaskForm):
        pass

    for c in criteria:
        setattr(ScoreForm, f"c_{c['key']}", NumberField(
            f"{c['name']}（{c['min']}–{c['max']} 分，权重 {c['weight']}）",
            validators=[InputRequired(f"请给“{c['name']}”打分。")],
            render_kw={"type": "number", "inputmode": "decimal", "step": "any", "min": c["min"], "max": c["max"]}))
    form = ScoreForm(**kwargs)
    if values and not form.is_submitted():
        for c in criteria:
            form[f"c_{c['key']}"].data = values.get(c["key"])
    return form


class ConflictForm(FlaskForm):
    reason = TextAreaField("利益冲突的原因", filters=[_strip], validators=[
        InputRequired("请说明利益冲突的原因。"), Length(max=rules.MAX_REASON, message="原因最多 500 个字。")])


class CriterionRow(Form):
    """One rubric row; an all-blank row is ignored."""

    key = StringField("代码", filters=[_strip])
    name = StringField("名称", filters=[_strip])
    weight = NumberField("权重")
    min = NumberField("最低分")
    max = NumberField("最高分")

    def blank(self) -> bool:
        return not (self.key.data or self.name.data) and self.weight.data is None \
            and self.min.data is None and self.max.data is None

    def as_dict(self) -> dict:
        return {"key": self.key.data, "name": self.name.data, "weight": self.weight.data,
                "min": self.min.data, "max": self.max.data}


class RubricForm(FlaskForm):
    criteria = FieldList(FormField(CriterionRow), min_entries=1, max_entries=rules.MAX_CRITERIA)

    def rubric(self) -> list[dict]:
        return [row.form.as_dict() for row in self.criteria if not row.form.blank()]


def _entry_or_404(entry_id: int) -> Entry:
    entry = db.get_or_404(Entry, entry_id, description="没有找到这件作品。")
    return entry


@bp.get("/judging")
@judges_and_admins
def judging():
    """A judge's queue and their scores so far; an admin's overview."""
    contest = contest_for_request()
    me = current_user._get_current_object()
    progress = rules.progress(contest)
    mine = rules.scored_by(contest, me) if permissions.is_judge(me) else []
    queue = rules.judge_queue(contest, me) if permissions.is_judge(me) else []
    own = next((p for p in progress.judges if p.judge_id == me.id), None)
    return render_template("organiser/judging.html", contest=contest, queue=queue, mine=mine, own=own,
                           progress=progress, is_judge=permissions.is_judge(me),
                           rubric=rules.rubric_for(contest))


def _render_sheet(entry: Entry, sheet: rules.ScoreSheet, form, status: int = 200):
    blind = judging_videos.watchable(entry)
    return render_template("organiser/score_entry.html", contest=entry.contest, sheet=sheet, form=form,
                           conflict_form=ConflictForm(formdata=None), blind=blind,
                           player=None if blind else douyin().player_url(sheet.item.video_id),
                           player_shows_author=PLAYER_SHOWS_AUTHOR,
                           fields=[form[f"c_{c['key']}"] for c in sheet.criteria]), status


@bp.get("/judging/<int:entry_id>/video")
@judges_and_admins
def judging_video(entry_id: int):
    """The original an entrant kept for blind judging, while it is kept (range requests answered)."""
    entry = _entry_or_404(entry_id)
    if not judging_videos.watchable(entry):
        raise NotFound("这件作品没有供匿名评审的原视频。")
    try:
        path = UploadStore.from_config(current_app.config).kept_path(entry.judging_video)
    except UploadError:
        raise NotFound("这件作品没有供匿名评审的原视频。") from None
    if not path.is_file():
        raise NotFound("这件作品没有供匿名评审的原视频。")
    return send_file(path, mimetype="video/mp4", conditional=True, max_age=0)  # staff pages are never stored


@bp.route("/judging/<int:entry_id>", methods=["GET", "POST"])
@judges_only
def score_entry(entry_id: int):
    entry = _entry_or_404(entry_id)
    me = current_user._get_current_object()
    sheet = rules.score_sheet(entry, me)
    form = score_form(sheet.criteria, sheet.values)
    if request.method == "POST" and form.validate_on_submit():
        values = {c["key"]: form[f"c_{c['key']}"].data for c in sheet.criteria}
        outcome = attempt(lambda: awards.score_entry(entry, me, values, now=clock.now()))
        if isinstance(outcome.error, Refused):
            for problem in outcome.error.problems:
                target = f"c_{problem.code}"
                (form[target].errors if target in form else form.form_errors).append(problem.message)
        elif not outcome.ok:
            form.form_errors.append(outcome.error.message)
        else:
            flash(f"已保存作品 {entry.id} 的评分：总分 {outcome.value.total:.2f}。", "success")
            queue = rules.judge_queue(entry.contest, me)
            if queue:
                return redirect(url_for("organiser.score_entry", entry_id=queue[0].entry_id))
            return redirect(url_for("organiser.judging", contest=entry.contest.slug))
        return _render_sheet(entry, sheet, form, 422)
    return _render_sheet(entry, sheet, form, 422 if request.method == "POST" else 200)


@bp.post("/judging/<int:entry_id>/conflict")
@judges_only
def declare_conflict(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("organiser.score_entry", entry_id=entry.id))
    outcome = attempt(lambda: awards.declare_conflict(entry, current_user._get_current_object(), form.reason.data,
                                                      now=clock.now()))
    if not outcome.ok:
        return flash_and_redirect(outcome, url_for("organiser.score_entry", entry_id=entry.id))
    return flash_and_redirect(outcome, url_for("organiser.judging", contest=entry.contest.slug),
                              f"已声明与作品 {entry.id} 的利益冲突，这件作品不再出现在你的评分列表中。")


@bp.get("/judging/progress")
@admin_only
def judging_progress():
    contest = contest_for_request()
    return render_template("organiser/judging_progress.html", contest=contest, progress=rules.progress(contest),
                           ranking=rules.excellence_ranking(contest), tie_rule=rules.TIE_RULE)


@bp.route("/rubric", methods=["GET", "POST"])
@admin_only
def rubric():
    contest = contest_for_request()
    current = rules.rubric_for(contest)
    if request.method == "POST":
        form = RubricForm()
        if form.validate_on_submit():
            outcome = attempt(lambda: rules.update_rubric(contest, form.rubric(), staff=current_user._get_current_object(),
                                                          now=clock.now()))
            if not outcome.ok:
                form.form_errors.append(outcome.error.message)
            else:
                flash("评分标准已保存。", "success")
                return redirect(url_for("organiser.rubric", contest=contest.slug))
        status = 422
    else:
        form = RubricForm(formdata=None, data={"criteria": list(current.criteria)})
        status = 200
        # Two blank rows to add criteria without scripts.
        for _ in range(2):
            if len(form.criteria) < rules.MAX_CRITERIA:
                form.criteria.append_entry()
    return render_template("organiser/rubric.html", contest=contest, form=form, rubric=current,
                           tie_rule=rules.TIE_RULE), status
