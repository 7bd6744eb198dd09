"""Objections during the public notice (公示): filing one from /winners, signed in or with a
one-time code to a phone, and following its status (the rules: ``contest.domain.objections``).
The lookup code is shown once with a copy button and texted to the objector's phone."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from contest.blueprints.public import bp
from contest import clock
from contest.domain import one_time_codes
from contest.domain.phones import normalise_phone
from contest.domain import objections as rules
from contest.domain.errors import DomainError, NotFound
from contest.domain.privacy import mask_phone, public_author
from contest.integrations.evidence import evidence_store, size_label
from contest.integrations.sms import SmsError, sender_from_config
from contest.extensions import db, limiter
from contest.web.boundary import attempt, attempt_with_evidence, flash_outcome
from contest.web.forms import FlaskForm, checked
from contest.web.limits import code_limits, configured
from contest.models import Contest, Entry
from contest.models.awards import FINAL, AwardList
from contest.web.codes import flash_code_sent, send_code
from contest.web.contest_choice import showing
from contest.web.numbers import parse_id

log = logging.getLogger(__name__)

# The phone an anonymous objector asked a code for, between the code form and the objection form.
PENDING_PHONE = "objection_phone"
FORM_FAILED = 422


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ObjectionForm(FlaskForm):
    reason = TextAreaField("异议理由", filters=[_strip], validators=[
        DataRequired("请填写异议理由。"),
        Length(max=rules.MAX_REASON, message=f"异议理由最多 {rules.MAX_REASON} 个字。")])
    evidence = FileField("证据截图（可不传）")
    code = StringField("短信验证码", filters=[_strip], validators=[Optional(), Length(max=12, message="验证码是 6 位数字。")])

    def validate_evidence(self, field):
        if field.data:  # early, so that every problem shows at once; the store checks again when saving
            checked(lambda: evidence_store().inspect(field.data.stream))


class CodeForm(FlaskForm):
    phone = StringField("手机号", filters=[_strip], validators=[DataRequired("请输入手机号。"), Length(max=32)])
    list_id = HiddenField()
    entry_id = HiddenField()


class LookupForm(FlaskForm):
    reference = StringField("查询码", filters=[_strip], validators=[DataRequired("请输入查询码。"), Length(max=64)])
    phone = StringField("手机号", filters=[_strip], validators=[DataRequired("请输入手机号。"), Length(max=32)])


def _target(list_raw: str | None, entry_raw: str | None) -> tuple[AwardList, Entry]:
    """The award list and the listed entry an objection is about; 404 otherwise."""
    award_list = db.session.get(AwardList, parse_id(list_raw) or 0)
    entry = db.session.get(Entry, parse_id(entry_raw) or 0)
    if award_list is None or entry is None or not any(p.entry_id == entry.id for p in award_list.places):
        raise NotFound(rules.NOT_LISTED)
    return award_list, entry


def _form_phone() -> str | None:
    return request.form.get("phone")


code_limit_per_address, code_limit_per_phone = code_limits(_form_phone)


def _contest(award_list: AwardList) -> Contest:
    return db.session.get(Contest, award_list.contest_id)


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _render_form(award_list, entry, form, status=200):
    return render_template(
        "public/objection_new.html", award_list=award_list, entry=entry, contest=showing(_contest(award_list)),
        form=form, code_form=CodeForm(formdata=None, list_id=award_list.id, entry_id=entry.id),
        author=public_author(entry), open=rules.in_notice(award_list, clock.now()), user=_signed_in(),
        published=rules.PUBLISHED if award_list.status in FINAL else None,
        pending_phone=session.get(PENDING_PHONE), evidence_limit=size_label(evidence_store().max_bytes)), status


@bp.route("/winners/objections/new", methods=["GET", "POST"])
@limiter.limit(configured("CONTEST_OBJECTION_LIMIT"), methods=["POST"])
def new_objection():
    award_list, entry = _target(request.args.get("list"), request.args.get("entry"))
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _render_form(award_list, entry, form, FORM_FAILED if form.errors else 200)
    user = _signed_in()
    # A refusal commits: it keeps the count of wrong guesses at the code (nothing else was written).
    outcome = attempt_with_evidence(form.evidence.data, lambda path: rules.file_objection(
        award_list, entry, reason=form.reason.data, now=clock.now(), user=user,
        phone=None if user else session.get(PENDING_PHONE), code=form.code.data,
        secret=current_app.config["SECRET_KEY"], evidence_path=path), keep=(DomainError,))
    if not outcome.ok:
        form.form_errors.append(outcome.error.message)
        return _render_form(award_list, entry, form,
                            outcome.error.status if outcome.error.status != 400 else FORM_FAILED)
    filed = outcome.value
    session.pop(PENDING_PHONE, None)
    reference = rules.grouped(filed.reference)
    texted = _text_reference(filed.objection, reference)
    # Rendered, not redirected: the reference is shown once and travels in no URL or cookie.
    return render_template("public/objection_filed.html", objection=filed.objection, reference=reference,
                           texted=texted, contest=_contest(award_list), entry=entry), 201


def _text_reference(objection, reference: str) -> str | None:
    """Text the lookup code to the objector's phone; the masked phone it went to, or None (no phone,
    or the gateway failed: the page still shows the code)."""
    phone = objection.phone or (objection.user.phone if objection.user is not None else None)
    if not phone:
        return None
    message = (f"你对获奖名单中作品（编号 {objection.entry_id}）的异议已提交，查询码 {reference}。"
               f"在 {url_for('public.objections', _external=True)} 输入查询码和手机号可查看处理结果。")
    try:
        sender_from_config(current_app.config).send(phone, message)
    except SmsError:
        log.warning("objection %s: lookup code not texted to %s", objection.id, mask_phone(phone))
        return None
    return mask_phone(phone)


@bp.post("/winners/objections/code")
@code_limit_per_address
@code_limit_per_phone
def objection_code():
    form = CodeForm()
    award_list, entry = _target(form.list_id.data, form.entry_id.data)
    back = redirect(url_for("public.new_objection", list=award_list.id, entry=entry.id))
    if award_list.status in FINAL:  # never a code for a list that takes no objection
        flash(rules.PUBLISHED, "error")
        return back
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return back
    outcome = flash_outcome(attempt(lambda: send_code(form.phone.data, one_time_codes.OBJECTION)))
    if outcome.ok:
        code = outcome.value
        phone = normalise_phone(form.phone.data)
        session[PENDING_PHONE] = phone
        flash_code_sent(phone, code)
    return back


@bp.get("/winners/objections")
def objections():
    """A signed-in objector's own objections; anyone: the form to look one up by reference and phone."""
    user = _signed_in()
    return render_template("public/objections.html", items=rules.objections_of(user) if user else [],
                           form=LookupForm(formdata=None), found=None)


@bp.post("/winners/objections/lookup")
@limiter.limit("30/hour")
def lookup_objection():
    form = LookupForm()
    user = _signed_in()
    found, status = None, 200
    if form.validate_on_submit():
        outcome = attempt(lambda: rules.look_up(form.reference.data, form.phone.data))
        found = outcome.value
        if not outcome.ok:
            form.form_errors.append(outcome.error.message)
    if found is None:
        status = FORM_FAILED
    return render_template("public/objections.html", items=rules.objections_of(user) if user else [],
                           form=form, found=found), status
