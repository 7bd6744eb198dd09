"""Staff pages for likes: an entry's readings and chart, manual counts with a screenshot,
evidence files, and like flags. Admins and reviewers only: judges must not see likes
(docs/rules.md §8), so every view carries :data:`reviewers_only`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from contest.blueprints.organiser import bp
from contest.blueprints.organiser.forms import DecideFlagForm, RecordLikesForm, TallyCorrectionForm
from contest.render.charts import likes_chart, table_rows
from contest import clock
from contest.domain import permissions
from contest.domain import flags as flag_rules
from contest.domain.errors import Conflict, DomainError
from contest.domain.likes import corrections_of, counted, ensure_manual_open, frozen, history, record_snapshot
from contest.domain.staff_reports import rows_by_id
from contest.domain.tally_corrections import correct_tally
from contest.integrations.evidence import evidence_store, size_label
from contest.extensions import db
from contest.models import Entry, EntryTally, LikeFlag, SnapshotSource, User
from contest.web.boundary import attempt, attempt_with_evidence, flash_and_redirect
from contest.web.security import safe_next
from contest.web.contest_choice import contest_for_request
from contest.web.roles import admin_only, reviewers_only


FLAG_KINDS = {"burst": "异常激增", "ratio": "赞播比异常", "night_surge": "深夜激增", "drop": "赞数骤降",
              "not_public": "视频未公开"}
DECIDED = {"clear": "已排除这条异常标记。", "confirm": "已确认这条异常标记。"}


@bp.context_processor
def _labels():
    return {"flag_kind": FLAG_KINDS}


def _entry_or_404(entry_id: int) -> Entry:
    """The entry, if it exists and the signed-in reviewer covers its area (403 otherwise)."""
    entry = db.get_or_404(Entry, entry_id, description="没有找到这个作品。")
    _require_area(entry)
    return entry


def _require_area(entry: Entry) -> None:
    permissions.require_review(current_user, entry, "你只能查看和处理所负责区县的作品。")


def _here() -> str:
    return request.full_path.rstrip("?")


def _render_entry_likes(entry: Entry, form: RecordLikesForm, status: int = 200):
    contest = entry.contest
    snapshots = history(entry)
    flags = flag_rules.flags_of(entry)
    corrections = corrections_of(entry)
    # Recorders and deciders in one query; held here so the template's look-ups hit the session.
    people = rows_by_id(User, [s.recorded_by_id for s in snapshots] + [f.decided_by_id for f in flags]
                   + [c.corrected_by_id for c in corrections])
    account = entry.user.douyin
    return render_template(
        "organiser/entry_likes.html", entry=entry, contest=contest, form=form, flags=flags, people=people,
        readings=table_rows(snapshots, closes_at=contest.closes_at), tally=db.session.get(EntryTally, entry.id),
        chart=likes_chart(snapshots, closes_at=contest.closes_at), frozen=frozen(contest, clock.now()),
        author_linked=account is not None and not account.needs_reauth, here=_here(),
        evidence_limit=size_label(evidence_store().max_bytes), corrections=corrections,
    ), status


def _with_evidence(form, act) -> tuple[object | None, DomainError | None]:
    """Store ``form.screenshot``, then ``act(path)`` and commit: ``(what act returned, None)``.
    When the file or ``act`` is refused: ``(None, the refusal)``, and the file goes again."""
    outcome = attempt_with_evidence(form.screenshot.data, act)
    return outcome.value, outcome.error


@bp.get("/entries/<int:entry_id>/likes")
@reviewers_only
def entry_likes(entry_id: int):
    form = RecordLikesForm(formdata=None)
    form.observed_at.data = clock.now()
    return _render_entry_likes(_entry_or_404(entry_id), form)


@bp.post("/entries/<int:entry_id>/likes")
@reviewers_only
def record_likes(entry_id: int):
    """A count read from a screenshot: the file is stored first, then the reading; the file
    goes again if the reading is refused. After the close: 409, nothing kept."""
    entry = _entry_or_404(entry_id)
    try:
        ensure_manual_open(entry.contest, clock.now())
    except Conflict as exc:
        flash(exc.message, "error")
        return _render_entry_likes(entry, RecordLikesForm(formdata=None), 409)
    form = RecordLikesForm()
    if form.validate_on_submit():
        snapshot, refused = _with_evidence(form, lambda path: record_snapshot(
            entry, observed_at=form.observed_at.data, likes=form.likes.data, source=SnapshotSource.MANUAL,
            comments=form.comments.data, shares=form.shares.data, plays=form.plays.data,
            recorded_by=current_user._get_current_object(), evidence_path=path, note=form.note.data or None))
        if refused is not None:
            form.likes.errors.append(refused.message)
        else:
            state = "" if counted(entry.contest, snapshot.observed_at) else "（截止后读数，不计入）"
            flash(f"已记录人工读数：{snapshot.likes} 赞，读数时间 {clock.to_local(snapshot.observed_at):%Y-%m-%d %H:%M}"
                  f"{state}。", "success")
            return redirect(url_for("organiser.entry_likes", entry_id=entry.id, _anchor=f"snapshot-{snapshot.id}"))
    return _render_entry_likes(entry, form, 422)


def _render_correction(entry: Entry, form: TallyCorrectionForm, status: int = 200, problems: list | None = None):
    corrections = corrections_of(entry)
    people = rows_by_id(User, [c.corrected_by_id for c in corrections])
    return render_template(
        "organiser/tally_correction.html", entry=entry, contest=entry.contest, form=form, corrections=corrections,
        people=people, tally=db.session.get(EntryTally, entry.id), frozen=frozen(entry.contest, clock.now()),
        evidence_limit=size_label(evidence_store().max_bytes), problems=problems or [],
    ), status


@bp.get("/entries/<int:entry_id>/tally-corrections")
@admin_only
def tally_correction(entry_id: int):
    form = TallyCorrectionForm(formdata=None)
    entry = _entry_or_404(entry_id)
    form.observed_at.data = entry.contest.closes_at
    return _render_correction(entry, form)


@bp.post("/entries/<int:entry_id>/tally-corrections")
@admin_only
def correct_likes(entry_id: int):
    """An admin's public correction of a closed contest's tally, with its evidence screenshot
    (:func:`contest.domain.tally_corrections.correct_tally`): 409 before the close and once the
    award lists are published."""
    entry = _entry_or_404(entry_id)
    form = TallyCorrectionForm()
    if not form.validate_on_submit():
        return _render_correction(entry, form, 422)
    correction, refused = _with_evidence(form, lambda path: correct_tally(
        entry, likes=form.likes.data, observed_at=form.observed_at.data, reason=form.reason.data,
        admin=current_user._get_current_object(), now=clock.now(), evidence_path=path))
    if refused is not None:
        return _render_correction(entry, form, 409 if isinstance(refused, Conflict) else 422, [refused.message])
    before = "无读数" if correction.previous_likes is None else f"{correction.previous_likes} 赞"
    flash(f"已公开更正点赞数：{before} → {correction.likes} 赞。", "success")
    return redirect(url_for("organiser.entry_likes", entry_id=entry.id, _anchor="corrections"))


@bp.get("/evidence/<path:name>")
@reviewers_only
def evidence(name: str):
    store = evidence_store()
    response = send_file(store.open(name), mimetype=store.content_type(name), max_age=0,
                         download_name=name.rsplit("/", 1)[-1])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/flags")
@reviewers_only
def flags():
    contest = contest_for_request()
    # Newest first on this page (the domain hands them over as a work queue, oldest window first).
    items = sorted(flag_rules.open_flags(contest), key=lambda f: (f.created_at, f.window_start, f.id), reverse=True)
    entries = rows_by_id(Entry, [f.entry_id for f in items])  # held so that flag.entry hits the session
    items = [f for f in items if permissions.can_review(current_user, entries[f.entry_id])]  # a reviewer's own areas
    return render_template("organiser/flags.html", contest=contest, flags=items, entries=entries, here=_here())


@bp.post("/flags/<int:flag_id>/decide")
@reviewers_only
def decide_flag(flag_id: int):
    flag = db.get_or_404(LikeFlag, flag_id, description="没有找到这条异常标记。")
    _require_area(flag.entry)
    form = DecideFlagForm()
    back = safe_next(form.next.data, url_for("organiser.flags", contest=flag.entry.contest.slug))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(back)
    return flash_and_redirect(attempt(lambda: flag_rules.decide_flag(
        flag, decision=form.decision.data, note=form.note.data, staff=current_user._get_current_object(),
        now=clock.now())), back, DECIDED[form.decision.data])
