"""Award pages (/staff/awards), exports of scores and winners, and announcements
(/staff/announcements).

Who: admins act on awards and download the exports. Reviewers may *view* the awards
page, read-only: they handle the complaints that come in during the public notice and
need to see the lists, but drafting, disqualifying, publishing and correcting are the
admins'. Announcements are written by admins and reviewers alike. Judges reach none of
these pages (the lists show likes)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) pairs
    def SelectChoice(value, label):  # noqa: N802
        return value, label

from contest.blueprints.organiser import bp
from contest.domain import announcements as notices
from contest.domain import award_lists
from contest.domain import awards as rules
from contest import clock
from contest.domain.errors import DomainError, NotFound
from contest.domain.judging import progress, score_table
from contest.domain.likes import frozen
from contest.domain.objections import open_count
from contest.render.exports import table_response
from contest.extensions import db
from contest.web.forms import FlaskForm
from contest.models import Contest, Entry, Role
from contest.models.awards import Announcement, AnnouncementKind
from contest.web.views_support import admin_only, contest_for_request, reviewers_only
from contest.web.numbers import BoundedIntField, IdField


KIND_CHOICES = [SelectChoice(k.value, k.label) for k in AnnouncementKind]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _reason(label: str):
    return TextAreaField(label, filters=[_strip], validators=[
        InputRequired(f"请填写{label}。"), Length(max=rules.MAX_REASON, message=f"{label}最多 {rules.MAX_REASON} 个字。")])


class DraftForm(FlaskForm):
    notice_days = BoundedIntField("公示天数", default=rules.DEFAULT_NOTICE_DAYS, validators=[
        InputRequired("请填写公示天数。")], low=1, high=rules.MAX_NOTICE_DAYS,
        message=f"公示天数必须在 1 到 {rules.MAX_NOTICE_DAYS} 之间。")


# An id the database can hold: anything else is no entry (and no query).
NO_SUCH_ENTRY = "没有这个编号的作品。"


class DisqualifyForm(FlaskForm):
    entry_id = IdField("作品编号", validators=[InputRequired("请填写作品编号。")], message=NO_SUCH_ENTRY)
    reason = _reason("取消资格的原因")


class PublishForm(FlaskForm):
    pass


class CorrectForm(FlaskForm):
    kind = SelectField("更正哪个奖项", choices=[SelectChoice(k.value, k.label) for k in rules.KINDS],
                       validators=[AnyOf([k.value for k in rules.KINDS], message="请选择奖项。")])
    reason = _reason("更正原因")
    entry_id = IdField("同时取消资格的作品编号（可不填）", validators=[Optional()], message=NO_SUCH_ENTRY)


class AnnouncementForm(FlaskForm):
    title = StringField("标题", filters=[_strip], validators=[
        InputRequired("请填写公告标题。"), Length(max=notices.MAX_TITLE, message="公告标题最多 100 个字。")])
    kind = SelectField("类型", choices=KIND_CHOICES, default=AnnouncementKind.OTHER.value,
                       validators=[AnyOf([k.value for k in AnnouncementKind], message="请选择公告类型。")])
    body = TextAreaField("正文", filters=[_strip], validators=[
        InputRequired("请填写公告正文。"), Length(max=notices.MAX_BODY, message="公告正文最多 5000 个字。")])


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


def _flash_errors(form) -> None:
    for messages in form.errors.values():
        for message in messages:
            flash(message, "error")


def _back(contest: Contest):
    return redirect(url_for("organiser.awards", contest=contest.slug))


def _staff():
    return current_user._get_current_object()


# --- awards -------------------------------------------------------------------------

@bp.get("/awards")
@reviewers_only
def awards():
    contest = contest_for_request()
    now = clock.now()
    lists = {kind: {"notice": award_lists.notice_awards(contest, kind),
                    "current": award_lists.current_awards(contest, kind),
                    "history": award_lists.award_history(contest, kind)} for kind in rules.KINDS}
    notice = [v["notice"] for v in lists.values() if v["notice"] is not None]
    ends = max((n.notice_ends_at for n in notice), default=None)
    disqualified = award_lists.disqualifications(contest)
    panel = progress(contest)
    # Entries and their authors in one query, held so that place.entry.user hits the session.
    entry_ids = {p.entry_id for v in lists.values() for shown in (v["notice"], v["current"]) if shown
                 for p in shown.places}
    held = award_lists.entries_with_authors(entry_ids)
    return render_template(
        "organiser/awards.html", contest=contest, lists=lists, kinds=rules.KINDS, now=now,
        closed=frozen(contest, now), in_notice=bool(notice) and now < ends, notice_over=bool(notice) and now >= ends,
        notice_ends=ends, held=held,
        any_published=any(v["current"] for v in lists.values()), disqualified=disqualified,
        unjudged=panel.entries_total - panel.entries_ready, min_judges=panel.min_judges,
        themes={t.key: t.name for t in contest.themes}, can_act=current_user.role is Role.ADMIN,
        open_objections=open_count(contest),
        draft_form=DraftForm(formdata=None, notice_days=contest.notice_days), disqualify_form=DisqualifyForm(formdata=None),
        publish_form=PublishForm(formdata=None), correct_form=CorrectForm(formdata=None))


def _attempt(form, action, success: str, back):
    """Validate ``form``, run ``action()`` (a domain call), commit once, flash, and return ``back``."""
    if not form.validate_on_submit():
        _flash_errors(form)
        return back
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return back


def _act(form, contest: Contest, action, success: str):
    return _attempt(form, action, success, _back(contest))


@bp.post("/awards/draft")
@admin_only
def draft_awards():
    contest = contest_for_request()
    form = DraftForm()
    return _act(form, contest, lambda: rules.draft_awards(
        contest, staff=_staff(), now=clock.now(), notice_days=form.notice_days.data),
        f"已生成拟获奖名单，开始公示（{form.notice_days.data} 天）。")


def _contest_entry(contest: Contest, entry_id: int | None) -> Entry | None:
    if entry_id is None:
        return None
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.contest_id != contest.id:
        raise NotFound(f"本活动没有编号为 {entry_id} 的作品。")
    return entry


@bp.post("/awards/disqualify")
@admin_only
def disqualify_entry():
    contest = contest_for_request()
    form = DisqualifyForm()
    return _act(form, contest, lambda: rules.disqualify(
        contest, _contest_entry(contest, form.entry_id.data), form.reason.data, staff=_staff(), now=clock.now()),
        f"已取消作品 {form.entry_id.data} 的获奖资格，名单已顺延。")


@bp.post("/awards/publish")
@admin_only
def publish_awards():
    contest = contest_for_request()
    return _act(PublishForm(), contest, lambda: rules.publish_awards(contest, staff=_staff(), now=clock.now()),
                "获奖名单已发布。")


@bp.post("/awards/correct")
@admin_only
def correct_awards():
    contest = contest_for_request()
    form = CorrectForm()
    return _act(form, contest, lambda: rules.correct_awards(
        contest, kind=form.kind.data, reason=form.reason.data, staff=_staff(), now=clock.now(),
        disqualify_entry=_contest_entry(contest, form.entry_id.data)),
        "已发布更正后的获奖名单，原名单保留为“已被更正”。")


# --- exports ------------------------------------------------------------------------

@bp.get("/exports/scores.<any(csv, xlsx):fmt>")
@admin_only
def export_scores(fmt: str):
    contest = contest_for_request()
    headers, rows = score_table(contest, staff=_staff(), now=clock.now(), fmt=fmt)
    db.session.commit()
    return table_response(headers, rows, fmt, f"评分-{contest.slug}")


@bp.get("/exports/winners.<any(csv, xlsx):fmt>")
@admin_only
def export_winners(fmt: str):
    contest = contest_for_request()
    headers, rows = rules.winners_table(contest, staff=_staff(), now=clock.now(), fmt=fmt)
    db.session.commit()
    return table_response(headers, rows, fmt, f"获奖名单-{contest.slug}")


# --- announcements ------------------------------------------------------------------

def _announcement_or_404(announcement_id: int) -> Announcement:
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound("没有找到这条公告。")
    return announcement


def _to_list(announcement: Announcement):
    contest = db.session.get(Contest, announcement.contest_id)
    return redirect(url_for("organiser.announcements", contest=contest.slug))


def _render_announcements(contest: Contest, form: AnnouncementForm, status: int = 200):
    return render_template("organiser/announcements.html", contest=contest, form=form,
                           items=notices.all_announcements(contest), action_form=ActionForm(formdata=None)), status


@bp.get("/announcements")
@reviewers_only
def announcements():
    return _render_announcements(contest_for_request(), AnnouncementForm(formdata=None))


@bp.post("/announcements")
@reviewers_only
def create_announcement():
    contest = contest_for_request()
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            notices.create_announcement(contest, title=form.title.data, body=form.body.data, kind=form.kind.data,
                                        staff=_staff(), now=clock.now())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash("公告草稿已保存，发布后才会在公开页面显示。", "success")
            return redirect(url_for("organiser.announcements", contest=contest.slug))
    return _render_announcements(contest, form, 422)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@reviewers_only
def edit_announcement(announcement_id: int):
    announcement = _announcement_or_404(announcement_id)
    form = AnnouncementForm(obj=announcement) if request.method == "GET" else AnnouncementForm()
    if request.method == "GET":
        form.kind.data = announcement.kind.value
    elif form.validate_on_submit():
        try:
            notices.update_announcement(announcement, title=form.title.data, body=form.body.data,
                                        kind=form.kind.data, staff=_staff(), now=clock.now())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash("公告已保存。", "success")
            return _to_list(announcement)
    contest = db.session.get(Contest, announcement.contest_id)
    return render_template("organiser/announcement_edit.html", contest=contest, announcement=announcement,
                           form=form), 200 if request.method == "GET" else 422


def _announcement_action(announcement_id: int, action, success: str):
    announcement = _announcement_or_404(announcement_id)
    return _attempt(ActionForm(), lambda: action(announcement, staff=_staff(), now=clock.now()), success,
                    _to_list(announcement))


@bp.post("/announcements/<int:announcement_id>/publish")
@reviewers_only
def publish_announcement(announcement_id: int):
    return _announcement_action(announcement_id, notices.publish_announcement, "公告已发布。")


@bp.post("/announcements/<int:announcement_id>/unpublish")
@reviewers_only
def unpublish_announcement(announcement_id: int):
    return _announcement_action(announcement_id, notices.unpublish_announcement, "公告已撤回，现在是草稿。")


@bp.post("/announcements/<int:announcement_id>/delete")
@reviewers_only
def delete_announcement(announcement_id: int):
    return _announcement_action(announcement_id, notices.delete_announcement, "公告草稿已删除。")
