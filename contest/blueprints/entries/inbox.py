"""The entrant's inbox (review decisions) and resubmitting an entry after a requested fix."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from contest.blueprints.entries import bp
from contest.blueprints.entries.forms import ConfirmForm
from contest import clock
from contest.domain import notify
from contest.domain.entries import own_entry
from contest.domain.errors import Refused
from contest.domain.review import resubmit_entry
from contest.extensions import db
from contest.web.boundary import attempt, flash_outcome
from contest.web.platform import author_videos, douyin
from contest.web.numbers import form_ids

MARK_MAX = 200


@bp.app_context_processor
def _unread_messages():
    """The nav badge's count, for signed-in users only (anonymous pages query nothing)."""
    if not current_user.is_authenticated:
        return {}
    try:
        return {"unread_messages": notify.unread_count(current_user)}
    except SQLAlchemyError:
        # An error page rendered after a database failure must still render.
        return {}


@bp.get("/inbox")
@login_required
def inbox():
    return render_template("entries/inbox.html", items=notify.inbox(current_user), form=ConfirmForm())


@bp.post("/inbox/read")
@login_required
def inbox_read():
    """Mark messages read: ``all=1``, or the ``id`` values given."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if request.form.get("all") == "1":
            ids = "all"
        else:
            ids = form_ids("id", limit=MARK_MAX)
        notify.mark_read(current_user, ids, clock.now())
        db.session.commit()
    return redirect(url_for("entries.inbox"))


@bp.post("/<int:entry_id>/resubmit")
@login_required
def resubmit(entry_id: int):
    """After a reviewer asked for a fix: check the (fixed) video again and put it back in the queue."""
    form = ConfirmForm()
    entry = own_entry(entry_id, current_user)
    slug = entry.contest.slug
    if form.validate_on_submit():
        try:  # a refused resubmission commits a Douyin token refreshed on the way; the entry is unchanged
            outcome = attempt(lambda: resubmit_entry(entry, user=current_user._get_current_object(), now=clock.now(),
                                                     douyin=douyin(), verifier=author_videos(current_user)),
                              keep=(Refused,))
        except StaleDataError:  # a reviewer decided on it in the meantime
            flash("作品刚被审核员处理过，请查看最新状态。", "error")
        else:
            if isinstance(outcome.error, Refused):
                flash("还不能重新提交：" + "；".join(p.message for p in outcome.error.problems), "error")
            else:
                flash_outcome(outcome, "已重新提交，作品正在等待审核。")
    return redirect(url_for("entries.my_entries", contest=slug, _anchor=f"entry-{entry_id}"))
