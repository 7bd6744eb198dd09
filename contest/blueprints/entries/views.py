from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from contest.blueprints.entries import bp
from contest.blueprints.entries.forms import ConfirmForm, EntryForm
from contest.render.charts import likes_chart, table_rows
from contest import clock
from contest.domain import contests, ownership
from contest.blueprints.entries.certificates import CertificateNameForm
from contest.domain.certificates import my_awards, winner_name
from contest.domain.gallery import entry_title, standings_of
from contest.domain.links import is_video_id
from contest.integrations.caching import cached_public
from contest.domain.entries import (
    EntryRequest, can_withdraw, check_own_videos, entries_of, own_entry, withdraw_entry,
)
from contest.domain.errors import PlatformError, Problem, Refused
from contest.domain.likes import history
from contest.domain.slogan_checks import latest_checks
from contest.douyin.author import LIST_SCOPE
from contest.extensions import db
from contest.web.boundary import attempt, flash_outcome
from contest.web.limits import entry_limit
from contest.models import EntryTally
from contest.web.contest_choice import contest_for_request
from contest.web.platform import author_videos, enter, note_platform_error, page_cursor


def picked_video(video_id: str | None):
    """The signed-in author's video picked from their list (its cover and caption for the form),
    or None when there is none or Douyin cannot say now (the form then shows the id alone)."""
    author = author_videos(current_user) if video_id and is_video_id(video_id) else None
    if author is None:
        return None
    try:
        return author.fetch(video_id)
    except PlatformError:
        return None
    finally:
        db.session.commit()  # keep a refreshed token, or the mark that it is gone


@bp.route("/new", methods=["GET", "POST"])
@login_required
@entry_limit
def new_entry():
    contest = contest_for_request()
    form = EntryForm()
    form.set_choices(contest)
    if request.method == "GET" and request.args.get("video_id"):
        form.video_id.data = request.args["video_id"]
    problems = []
    if form.validate_on_submit():
        req = EntryRequest(text=form.text.data or "", theme=form.theme.data, area=form.area.data or None,
                           accept_rules=bool(form.accept_rules.data), show_nickname=bool(form.show_nickname.data),
                           video_id=form.video_id.data or None)
        try:
            entry = enter(contest, req)
        except Refused as exc:
            problems = exc.problems
        else:
            flash("报名成功！作品正在等待审核，审核结果会在“我的作品”中显示。", "success")
            if not entry.owner_proven:
                flash(f"{ownership.UNPROVEN_LABEL}。{ownership.WHY_LINK}", "info")
            return redirect(url_for("entries.my_entries", contest=contest.slug, _anchor=f"entry-{entry.id}"))
    elif form.errors:
        problems = [Problem("form", m) for ms in form.errors.values() for m in ms]
    status = 422 if problems else 200
    return render_template("entries/new.html", form=form, contest=contest, problems=problems,
                           phase=contests.phase(contest, clock.now()), picked=picked_video(form.video_id.data),
                           title_of=entry_title,
                           can_pick=author_videos(current_user, scope=LIST_SCOPE) is not None), status


@bp.get("/pick")
@login_required
def pick_video():
    """The author's own public videos, to enter one in a tap."""
    contest = contest_for_request()
    author = author_videos(current_user, scope=LIST_SCOPE)
    page, error = None, None
    if author is None:
        error = "请先用抖音授权登录（并同意“列出作品”），才能从作品中选择。也可以直接粘贴视频链接。"
    else:
        try:
            page = author.page(cursor=page_cursor(), count=10)
        except PlatformError as exc:
            note_platform_error(exc, "video_list")
            error = f"暂时无法读取你的抖音作品：{exc.message}你可以改为粘贴视频链接参赛。"
        finally:
            db.session.commit()  # keep a refreshed token, or the mark that it is gone
    choices = list(zip(page.videos, check_own_videos(contest, page.videos, current_user))) if page else []
    return render_template("entries/pick.html", contest=contest, choices=choices, page=page, error=error)


@bp.get("/mine")
@login_required
def my_entries():
    contest = contest_for_request()
    entries = entries_of(current_user, contest)
    return render_template("entries/mine.html", contest=contest, entries=entries, form=ConfirmForm(),
                           standings=standings_of(contest, [e.id for e in entries], cache=cached_public),
                           title_of=entry_title,
                           withdrawable={e.id for e in entries if can_withdraw(e, current_user)},
                           slogan_checks=latest_checks(entries), awards=my_awards(current_user),
                           certificate_name=winner_name(current_user), name_form=CertificateNameForm(
                               formdata=None, choice="real" if current_user.certificate_name else "nickname",
                               name=current_user.certificate_name))


@bp.post("/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    form = ConfirmForm()
    entry = own_entry(entry_id, current_user)
    if form.validate_on_submit():
        flash_outcome(attempt(lambda: withdraw_entry(entry, user=current_user, now=clock.now())),
                      "作品已撤回。如需重新参赛，可以再次提交同一个视频。")
    return redirect(url_for("entries.my_entries", contest=entry.contest.slug))


@bp.get("/<int:entry_id>/likes")
@login_required
def entry_likes(entry_id: int):
    """The entry's like history, for its author only (404 for anyone else, so ids reveal nothing)."""
    entry = own_entry(entry_id, current_user)
    snapshots = history(entry)
    closes_at = entry.contest.closes_at
    return render_template("entries/likes.html", entry=entry, contest=entry.contest,
                           tally=db.session.get(EntryTally, entry.id),
                           chart=likes_chart(snapshots, closes_at=closes_at),
                           readings=table_rows(snapshots, closes_at=closes_at))
