"""``/accounts/phone``: a Douyin-only account adds a phone (or merges with the phone's account);
an account that has one sees it (masked) with a change action (``?change=1``: the same two steps
to a new phone). The rules: :mod:`contest.domain.phone_link`."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from contest.blueprints.accounts import bp
from contest.blueprints.accounts.forms import AddPhoneConfirmForm, AddPhoneForm
from contest import clock
from contest.domain import phone_link
from contest.domain.errors import DomainError
from contest.web.boundary import attempt
from contest.domain.privacy import mask_phone
from contest.web.limits import code_limits
from contest.web.signed_in import sign_in
from contest.integrations.sms import sender_from_config
from contest.web.codes import flash_code_sent


def _code_phone() -> str | None:
    """The phone a code would go to (the send form's); None for anything else."""
    if request.form.get("action") != "send":
        return None
    return request.form.get("phone")


# The same budgets (per address and per phone) as every other form that sends a code.
code_limit_per_address, code_limit_per_phone = code_limits(_code_phone)


def _page(send: AddPhoneForm, confirm: AddPhoneConfirmForm, error: str | None = None, status: int = 200):
    phone = current_user.phone
    changing = bool(phone) and (request.method == "POST" or request.args.get("change") == "1")
    return render_template("accounts/phone.html", send=send, confirm=confirm, error=error, phone=phone,
                           changing=changing), status


@bp.route("/phone", methods=["GET", "POST"])
@login_required
@code_limit_per_address
@code_limit_per_phone
def add_phone():
    """Send a code (``action=send``), then confirm it (``action=confirm``)."""
    config = current_app.config
    action = request.form.get("action")
    send = AddPhoneForm(formdata=request.form if action == "send" else None)
    confirm = AddPhoneConfirmForm(formdata=request.form if action == "confirm" else None)
    me = current_user._get_current_object()
    if action == "send" and send.validate():
        outcome = attempt(lambda: phone_link.request_phone_code(
            me, send.phone.data, now=clock.now(), sender=sender_from_config(config), secret=config["SECRET_KEY"],
            ttl_seconds=config["CONTEST_OTP_TTL_SECONDS"], resend_seconds=config["CONTEST_OTP_RESEND_SECONDS"],
            daily_limit=config["CONTEST_OTP_DAILY_LIMIT"]))
        if not outcome.ok:
            return _page(send, confirm, outcome.error.message, 422)
        flash_code_sent(send.phone.data, outcome.value)
        confirm.phone.data = send.phone.data
        return _page(send, confirm)
    if action == "confirm" and confirm.validate():
        had_phone = bool(me.phone)
        outcome = attempt(lambda: phone_link.add_phone(me, confirm.phone.data, confirm.code.data, now=clock.now(),
                                                       secret=config["SECRET_KEY"]),
                          keep=(DomainError,))  # a refusal keeps the count of wrong codes
        if not outcome.ok:
            return _page(send, confirm, outcome.error.message, 422)
        user, merged = outcome.value
        if merged:
            sign_in(user)
            flash("两个账号已合并：抖音授权、作品和消息都已转到你的手机号账号。", "success")
        elif had_phone:
            flash(f"手机号已更换为 {mask_phone(user.phone)}，以后用新手机号登录。", "success")
        else:
            flash("手机号已添加。获奖时主办方会通过这个手机号联系你。", "success")
        return redirect(url_for("accounts.privacy_center"))
    status = 422 if action else 200
    return _page(send, confirm, status=status)
