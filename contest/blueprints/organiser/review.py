"""The review queue and the review page (/staff): admins and reviewers only, reviewers
within their areas (403 outside them, and such entries never appear in their queue)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from contest.blueprints.organiser import bp
from contest.blueprints.organiser.forms import OwnerProofForm
from contest import clock
from contest.domain import permissions
from contest.domain import captions, contests, slogan_checks
from contest.domain import review as review_rules
from contest.domain.errors import Conflict
from contest.integrations.evidence import evidence_store, size_label
from contest.extensions import db
from contest.web.forms import FlaskForm
from contest.models import Entry, EntryEvent, EntryStatus, EntryTally
from contest.web.boundary import attempt, attempt_with_evidence, flash_and_redirect
from contest.web.security import safe_next
from contest.web.contest_choice import contest_for_request
from contest.web.platform import douyin
from contest.web.roles import reviewers_only
from contest.web import BadInput
from contest.web.numbers import parse_id, parse_int


DECISION_LABELS = {"approve": "通过", "reject": "不通过", "request_fix": "退回修改"}
DECIDED = {
    "approve": "作品 {id} 已通过审核，已通知参赛者。",
    "reject": "作品 {id} 未通过审核，已通知参赛者。",
    "request_fix": "已退回作品 {id} 请参赛者修改，已通知参赛者。",
}
FACT_LABELS = {
    "caption": {"platform": "作品描述：抖音平台（作者授权）读取", "embed": "作品描述：抖音公开播放信息读取"},
    "published_at": {"platform": "发布时间：抖音平台确认", "video_id": "发布时间：由视频编号推算"},
    "owner": {"platform": "作者：抖音确认是参赛者本人发布"},
}
PROVISIONAL_SOURCES = {"video_id"}
BULK_MAX = 200
# What a reviewer typed, carried through the conflict page back to the review form.
TYPED_FIELDS = ("decision", "reason_choice", "reason_text", "slogan", "theme", "content")


class DecisionForm(FlaskForm):
    """The review form. The domain rules check the values (Chinese messages); the template
    draws the radio buttons and the reason list itself."""

    slogan = BooleanField()
    theme = BooleanField()
    content = BooleanField()
    decision = StringField()  # approve, reject, request_fix
    reason_choice = StringField()  # one of the contest's rejection reasons
    reason_text = TextAreaField()
    version = HiddenField()
    next = HiddenField()

    def typed(self) -> dict[str, str]:
        """What was typed, for a link that brings it back (only what is set)."""
        values = {"decision": self.decision.data or "", "reason_choice": self.reason_choice.data or "",
                  "reason_text": self.reason_text.data or ""}
        values.update({k: "1" for k in review_rules.CHECKLIST if getattr(self, k).data})
        return {k: v for k, v in values.items() if v}


def _version(value: str | None) -> int | None:
    """The entry version the reviewer saw (the hidden field): none when left out, else a
    version number; anything else is refused rather than taken as none."""
    if not value:
        return None
    version = parse_id(value)
    if version is None:
        raise BadInput("页面上的作品版本无效，请刷新页面后重新审核。")
    return version


def _here() -> str:
    return request.full_path.rstrip("?")


def _reviewable(entry_id: int, *, load_events: bool = False) -> Entry:
    """The entry, or 404; 403 when the signed-in reviewer may not review it."""
    options = [selectinload(Entry.events).selectinload(EntryEvent.actor)] if load_events else []
    entry = db.get_or_404(Entry, entry_id, options=options, description="没有找到这个作品。")
    if not permissions.can_review(current_user, entry):
        raise permissions.Forbidden(permissions.OUTSIDE_AREA)
    return entry


def highlight_caption(caption: str, *, hashtag: str, mention: str) -> Markup:
    """The caption as the checks read it (normalised), HTML-escaped, with the required
    hashtag and mention in ``<mark>``. Tokens come from :func:`captions.tokens`, so what is
    marked is exactly what the check accepted (``#动力株洲文旅通吧`` stays unmarked)."""
    text = captions.normalise(caption)
    wanted = {("#", captions.bare(hashtag, "#")), ("@", captions.bare(mention, "@"))}
    parts, pos = [], 0
    for mark, name in captions.tokens(caption):
        token = mark + name
        start = text.find(token, pos)  # the next token starts at the next mark with a name
        if start < 0:
            break
        end = start + len(token)
        if (mark, name) in wanted:
            parts += [escape(text[pos:start]), Markup("<mark>"), escape(token), Markup("</mark>")]
        else:
            parts.append(escape(text[pos:end]))
        pos = end
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)


def _queue_url(contest) -> str:
    return url_for("organiser.queue", contest=contest.slug)


def _render_review(entry: Entry, form: DecisionForm, *, error: str | None = None, status: int = 200,
                   owner_form: OwnerProofForm | None = None):
    contest = entry.contest
    caption = entry.caption or ""
    slogan_check = slogan_checks.latest_check(entry)
    facts = [(FACT_LABELS.get(fact, {}).get(source, f"{fact}：{source}"), source in PROVISIONAL_SOURCES)
             for fact, source in (entry.fact_sources or {}).items()]
    return render_template(
        "organiser/review.html", entry=entry, contest=contest, form=form, error=error,
        decisions=DECISION_LABELS, reasons=review_rules.rejection_reasons(contest),
        caption=highlight_caption(caption, hashtag=contest.hashtag, mention=contest.mention) if caption else None,
        caption_problems=captions.caption_problems(caption, hashtag=contest.hashtag, mention=contest.mention),
        facts=facts, checklist=review_rules.checklist_items(contest, entry.theme.name),
        open_flags=review_rules.open_flag_counts([entry.id]).get(entry.id, 0),
        tally=db.session.get(EntryTally, entry.id), can_fix=contests.phase(contest, clock.now()) == "open",
        back=safe_next(form.next.data, _queue_url(contest)), player=douyin().player_url(entry.video_id),
        owner_form=owner_form or OwnerProofForm(formdata=None), evidence_limit=size_label(evidence_store().max_bytes),
        slogan_check=slogan_check, timeline=slogan_checks.timeline(slogan_check),
    ), status


@bp.get("/")
@reviewers_only
def queue():
    """The review queue: ``status`` (default pending; ``all``), ``theme``, ``area``,
    ``flagged=1`` (open like flags), ``sort`` (``submitted``, ``area``, ``theme``, ``likes``; ``-`` first
    reverses), ``page`` (50 a page). Before any contest exists, an admin
    is sent to create one."""
    if permissions.is_admin(current_user) and not request.args.get("contest") \
            and contests.current_contest(clock.now()) is None:
        flash("还没有任何活动，请先新建一个。", "info")
        return redirect(url_for("organiser.contests_list"))
    contest = contest_for_request()
    status_arg = request.args.get("status", "pending")
    status = None if status_arg == "all" else next((s for s in EntryStatus if s.value == status_arg), EntryStatus.PENDING)
    scope = permissions.area_scope(current_user)
    areas = [a for a in contest.areas if scope is None or a.key in scope]
    theme = request.args.get("theme") if request.args.get("theme") in {t.key for t in contest.themes} else None
    area = request.args.get("area") if request.args.get("area") in {a.key for a in areas} else None
    flagged = request.args.get("flagged") == "1"
    page = parse_int(request.args.get("page", "1"), low=1, high=999_999) or 1
    sort = review_rules.queue_order(request.args.get("sort"))
    result = review_rules.review_queue(contest, user=current_user, status=status, theme=theme, area=area,
                                       flagged=flagged, page=page, sort=sort)
    filters = {"contest": contest.slug, "status": status.value if status else "all", "theme": theme or "",
               "area": area or "", "flagged": "1" if flagged else "",
               "sort": "" if sort == review_rules.QUEUE_SORT_DEFAULT else sort}
    return render_template(
        "organiser/queue.html", contest=contest, result=result, areas=areas, filters=filters,
        statuses=list(EntryStatus), status=status, here=_here(), sort=sort,
        sort_url=lambda key: url_for("organiser.queue", **{k: v for k, v in dict(
            filters, sort=f"-{key}" if sort == key else key).items() if v}),
        page_url=lambda n: url_for("organiser.queue", **{k: v for k, v in filters.items() if v}, page=n),
        status_url=lambda s: url_for("organiser.queue", **{k: v for k, v in dict(filters, status=s).items() if v}),
    )


@bp.post("/bulk-approve")
@reviewers_only
def bulk_approve():
    """Approve the ticked entries that qualify (``entry`` values ``"<id>:<version>"``); the
    reviewer attests the checklist for all of them with the ``attest`` box."""
    back = safe_next(request.form.get("next"), url_for("organiser.queue"))
    picked: dict[int, int] = {}
    for value in request.form.getlist("entry")[:BULK_MAX]:
        entry_id, _, version = value.partition(":")
        entry_id, version = parse_id(entry_id), parse_id(version)
        if entry_id is None or version is None:
            raise BadInput(f"作品编号或版本无效：{value[:40]}")
        picked[entry_id] = version
    try:
        outcome = attempt(lambda: review_rules.approve_ticked(
            picked, attested=request.form.get("attest") == "y", reviewer=current_user._get_current_object(),
            now=clock.now()))
    except StaleDataError:
        return _conflict(None, "有作品刚被其他审核员处理过，这次批量通过没有保存任何作品。请刷新后重试。", {}, back)
    if not outcome.ok:
        return flash_and_redirect(outcome, back)
    approved, skipped = outcome.value
    if approved:
        flash(f"已批量通过 {len(approved)} 个作品（{'、'.join(str(e.id) for e in approved)}），已通知参赛者。", "success")
    for entry, why in skipped:
        flash(f"作品 {entry.id} 没有批量通过：{why}", "error")
    return redirect(back)


@bp.get("/entries/<int:entry_id>")
@reviewers_only
def review_entry(entry_id: int):
    entry = _reviewable(entry_id, load_events=True)
    form = DecisionForm(formdata=None)
    # Brought back from the conflict page: what the reviewer had typed (never the version).
    for name in TYPED_FIELDS:
        if name in request.args:
            field = getattr(form, name)
            field.data = request.args.get(name) == "1" if isinstance(field, BooleanField) else request.args.get(name)
    form.version.data = str(entry.version)
    form.next.data = safe_next(request.args.get("next"), "")
    return _render_review(entry, form)


@bp.post("/entries/<int:entry_id>/review")
@reviewers_only
def decide_entry(entry_id: int):
    entry = _reviewable(entry_id)
    contest = entry.contest
    form = DecisionForm()
    decision = form.decision.data
    back = safe_next(form.next.data, _queue_url(contest))

    def decide():
        version = _version(form.version.data)
        reason = None if decision == "approve" else review_rules.compose_reason(
            form.reason_choice.data, form.reason_text.data, review_rules.rejection_reasons(contest))
        review_rules.review_entry(
            entry, reviewer=current_user._get_current_object(), decision=decision,
            checklist={k: getattr(form, k).data for k in review_rules.CHECKLIST}, reason=reason,
            version=version, now=clock.now())

    try:
        outcome = attempt(decide, reraise=(permissions.Forbidden,))
    except StaleDataError:
        # Another reviewer's decision committed between our check and our write.
        return _conflict(entry_id, None, form.typed(), back)
    exc = outcome.error
    if isinstance(exc, Conflict):
        return _conflict(entry_id, exc.message, form.typed(), back)
    if exc is not None:
        entry = _reviewable(entry_id, load_events=True)
        form.version.data = str(entry.version)
        # 409 when the entry's state refuses (its ownership is unproven), else 422.
        return _render_review(entry, form, error=exc.message, status=409 if exc.status == 409 else 422)
    flash(DECIDED[decision].format(id=entry.id), "success")
    return redirect(back)


@bp.post("/entries/<int:entry_id>/owner")
@reviewers_only
def prove_owner(entry_id: int):
    """Record the author's identity from evidence (for an entrant who cannot authorise
    Douyin): the screenshot is stored first, then the proof; the file goes again if refused."""
    entry = _reviewable(entry_id)
    owner_form = OwnerProofForm()
    if owner_form.validate_on_submit():
        outcome = attempt_with_evidence(owner_form.screenshot.data, lambda path: review_rules.prove_owner_by_staff(
            entry, reviewer=current_user._get_current_object(), evidence_path=path, note=owner_form.note.data,
            now=clock.now()), reraise=(permissions.Forbidden,))
        if not outcome.ok:
            owner_form.note.errors = [*owner_form.note.errors, outcome.error.message]
        else:
            flash(f"已记录作品 {entry.id} 的作者身份（工作人员核实证据），现在可以审核。", "success")
            return redirect(url_for("organiser.review_entry", entry_id=entry.id, _anchor="owner"))
    entry = _reviewable(entry_id, load_events=True)
    form = DecisionForm(formdata=None)
    form.version.data = str(entry.version)
    return _render_review(entry, form, owner_form=owner_form, status=422)


def _conflict(entry_id: int | None, message: str | None, typed: dict[str, str], back: str):
    """409: what happened, the entry as it is now, what the reviewer typed (not saved), and a
    link that reloads the review page with it filled in again."""
    entry = db.session.get(Entry, entry_id, options=[selectinload(Entry.events).selectinload(EntryEvent.actor)]) \
        if entry_id is not None else None
    if message is None:
        message = review_rules.CONFLICT.format(current=entry.version)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message, version=entry.version if entry else None,
                       status=entry.status.value if entry else None), 409
    reload_url = None
    if entry is not None:
        reload_url = url_for("organiser.review_entry", entry_id=entry.id)
        query = dict(typed, next=back) if back else dict(typed)
        if query:
            reload_url += "?" + urlencode(query)
    return render_template(
        "organiser/conflict.html", entry=entry, message=message, typed=typed, reload_url=reload_url, back=back,
        decision_labels=DECISION_LABELS,
        ticked=[label for key, label in review_rules.checklist_items(entry.contest, entry.theme.name)
                if typed.get(key)] if entry else [],
    ), 409
