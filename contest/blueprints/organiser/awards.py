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
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) pairs
    def SelectChoice(value, label):  # noqa: N802
        return value, label

from contest.blueprints.organiser import bp
from contest.domain import permissions
from contest.domain import announcements as notices
from contest.domain import award_lists
from contest.domain import awards as rules
from contest import clock
from contest.domain.errors import NotFound
from contest.domain.judging import progress, score_table
from contest.domain.likes import frozen
from contest.domain.objections import open_count
from contest.render.exports import table_response
from contest.extensions import db
from contest.web.boundary import attempt, flash_outcome
from contest.web.forms import FlaskForm
from contest.models import Contest, Entry
from contest.models.awards import Announcement, AnnouncementKind
from contest.web.contest_choice import contest_for_request
from contest.web.roles import admin_only, reviewers_only
from contest.web.numbers import BoundedIntField, IdField


KIND_CHOICES = [SelectChoice(k.value, k.label) for k in AnnouncementKind]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _reason(label: str):
    return TextAreaField(label, filters=[_strip], validators=[
        InputRequired(f"请填写{label}。"), Length(max=rules.MAX_REASON, message=f"{label}最多 {rules.MAX_REASON} 个字。")])


def _short_reason():
    return TextAreaField("名单不足额的原因（公开显示在名单旁）", filters=[_strip], validators=[
        Optional(), Length(max=rules.MAX_REASON, message=f"原因最多 {rules.MAX_REASON} 个字。")])


class ConfirmFields:
    """What the confirmation page sends back: the digest of the lists it showed, and the reason
    for a short list."""
    expected = HiddenField()
    short_reason = _short_reason()


class DraftForm(ConfirmFields, FlaskForm):
    notice_days = BoundedIntField("公示天数", default=rules.DEFAULT_NOTICE_DAYS, validators=[
        InputRequired("请填写公示天数。")], low=1, high=rules.MAX_NOTICE_DAYS,
        message=f"公示天数必须在 1 到 {rules.MAX_NOTICE_DAYS} 之间。")


# An id the database can hold: anything else is no entry (and no query).
NO_SUCH_ENTRY = "没有这个编号的作品。"


class DisqualifyForm(FlaskForm):
    entry_id = IdField("作品编号", validators=[InputRequired("请填写作品编号。")], message=NO_SUCH_ENTRY)
    reason = _reason("取消资格的原因")


class PublishForm(ConfirmFields, FlaskForm):
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
        themes={t.key: t.name for t in contest.themes}, can_act=permissions.is_admin(current_user),
        open_objections=open_count(contest),
        draft_form=DraftForm(formdata=None, notice_days=contest.notice_days), disqualify_form=DisqualifyForm(formdata=None),
        publish_form=PublishForm(formdata=None), correct_form=CorrectForm(formdata=None))


def _attempt(form, action, success: str, back):
    """Validate ``form``, run ``action()`` (a domain call), commit once, flash, and return ``back``."""
    if not form.validate_on_submit():
        _flash_errors(form)
        return back
    flash_outcome(attempt(action), success)
    return back


def _act(form, contest: Contest, action, success: str):
    return _attempt(form, action, success, _back(contest))


def _confirmed(form, contest: Contest, action, success: str, again: str):
    """:func:`_act` for a confirmed action: a refusal goes back to the confirmation page (``again``)."""
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(again)
    outcome = flash_outcome(attempt(action), success)
    return _back(contest) if outcome.ok else redirect(again)


def _confirm_page(contest: Contest, form, previews, *, action: str, heading: str, button: str, notice_days=None):
    themes = {t.key: t.name for t in contest.themes}
    form.expected.data = rules.fingerprint(previews)
    # The reason given when the lists went to their notice, offered again for their publication.
    form.short_reason.data = next((a.short_reason for k in rules.KINDS
                                   if (a := award_lists.notice_awards(contest, k)) is not None and a.short_reason), None)
    return render_template(
        "organiser/awards_confirm.html", contest=contest, form=form, previews=previews, themes=themes,
        shorts=[rules.short_message(p, themes) for p in previews if p.short], action=action, heading=heading,
        button=button, notice_days=notice_days)


@bp.get("/awards/draft")
@admin_only
def confirm_draft():
    """The confirmation page before the lists go to their notice: exactly what will be shown."""
    contest = contest_for_request()
    form = DraftForm(formdata=request.args if "notice_days" in request.args else None,
                     notice_days=contest.notice_days, meta={"csrf": False})
    if not form.notice_days.validate(form):
        _flash_errors(form)
        return _back(contest)
    previews = flash_outcome(attempt(lambda: rules.preview_draft(contest, now=clock.now())))
    if not previews.ok:
        return _back(contest)
    return _confirm_page(contest, DraftForm(formdata=None, notice_days=form.notice_days.data), previews.value,
                         action=url_for("organiser.draft_awards", contest=contest.slug),
                         heading="确认公示拟获奖名单", button="确认无误，开始公示", notice_days=form.notice_days.data)


@bp.post("/awards/draft")
@admin_only
def draft_awards():
    contest = contest_for_request()
    form = DraftForm()
    return _confirmed(form, contest, lambda: rules.draft_awards(
        contest, staff=_staff(), now=clock.now(), notice_days=form.notice_days.data,
        short_reason=form.short_reason.data, expected=form.expected.data or None),
        f"已生成拟获奖名单，开始公示（{form.notice_days.data} 天），名单上的作者已收到通知。",
        url_for("organiser.confirm_draft", contest=contest.slug, notice_days=request.form.get("notice_days", "")))


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


@bp.get("/awards/publish")
@admin_only
def confirm_publish():
    """The confirmation page before publication: the lists exactly as they will be published."""
    contest = contest_for_request()
    def preview():
        rules.check_publishable(contest, now=clock.now())
        return rules.preview_publish(contest)

    previews = flash_outcome(attempt(preview))
    if not previews.ok:
        return _back(contest)
    return _confirm_page(contest, PublishForm(formdata=None), previews.value,
                         action=url_for("organiser.publish_awards", contest=contest.slug),
                         heading="确认发布获奖名单", button="确认无误，正式发布")


@bp.post("/awards/publish")
@admin_only
def publish_awards():
    contest = contest_for_request()
    form = PublishForm()
    return _confirmed(form, contest, lambda: rules.publish_awards(
        contest, staff=_staff(), now=clock.now(), short_reason=form.short_reason.data,
        expected=form.expected.data or None), "获奖名单已发布，获奖者已收到通知，证书已生成。",
        url_for("organiser.confirm_publish", contest=contest.slug))


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
    return table_response(headers, rows, fmt, f"{contest.slug}-scores")


@bp.get("/exports/winners.<any(csv, xlsx):fmt>")
@admin_only
def export_winners(fmt: str):
    contest = contest_for_request()
    headers, rows = rules.winners_table(contest, staff=_staff(), now=clock.now(), fmt=fmt)
    db.session.commit()
    return table_response(headers, rows, fmt, f"{contest.slug}-winners")


# --- announcements ------------------------------------------------------------------

def _announcement_or_404(announcement_id: int) -> Announcement:
    announcement = db.get_or_404(Announcement, announcement_id, description="没有找到这条公告。")
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
        outcome = attempt(lambda: notices.create_announcement(
            contest, title=form.title.data, body=form.body.data, kind=form.kind.data, staff=_staff(), now=clock.now()))
        if not outcome.ok:
            form.form_errors.append(outcome.error.message)
        else:
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
        outcome = attempt(lambda: notices.update_announcement(
            announcement, title=form.title.data, body=form.body.data, kind=form.kind.data, staff=_staff(),
            now=clock.now()))
        if not outcome.ok:
            form.form_errors.append(outcome.error.message)
        else:
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
