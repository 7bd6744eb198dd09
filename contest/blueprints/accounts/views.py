"""Sign up with a phone and a one-time code, sign in with phone and password, sign out, and reset a
forgotten password with a one-time code."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy.exc import IntegrityError

from contest.blueprints.accounts import bp
from contest.blueprints.accounts.forms import (
    ActionForm, LoginForm, ResetConfirmForm, SignupConfirmForm, SignupForm,
)
from contest import clock
from contest.domain import accounts, one_time_codes, sign_in_throttle
from contest.domain.phones import PHONE_TAKEN
from contest.domain.errors import DomainError
from contest.extensions import limiter
from contest.web.boundary import attempt
from contest.web.limits import code_limits, configured
from contest.web.security import safe_next
from contest.web.signed_in import sign_in, sign_out
from contest.web.codes import flash_code_sent, send_code

FORM_FAILED = 422


@dataclass(frozen=True)
class CodeFlow:
    """Two pages around a one-time code: a phone page that sends it, a code page that spends it."""

    purpose: str
    pending: str  # the session key of the phone waiting for its code, between the two pages
    start: str    # the phone page's endpoint
    confirm: str  # the code page's endpoint
    resend: str
    sent: str     # what the phone page says once it has asked for a code


SIGNUP = CodeFlow(one_time_codes.SIGNUP, "signup_phone", "accounts.signup", "accounts.signup_confirm",
                  "accounts.signup_resend", "验证码已发送到 {phone}，{minutes} 分钟内有效。")
# Says the same whether or not the phone has an account (a code went out only if it has).
RESET = CodeFlow(one_time_codes.RESET, "reset_phone", "accounts.reset", "accounts.reset_confirm",
                 "accounts.reset_resend", "如果 {phone} 已注册，验证码已发送到这个手机，{minutes} 分钟内有效。")
FLOWS = {endpoint: flow for flow in (SIGNUP, RESET) for endpoint in (flow.start, flow.confirm, flow.resend)}


def _code_phone() -> str | None:
    """The phone a code request would go to: the phone page's, else the one waiting for its code."""
    flow = FLOWS.get(request.endpoint or "")
    if flow is None:
        return None
    raw = request.form.get("phone") if request.endpoint == flow.start else session.get(flow.pending)
    return raw  # code_limits normalises it: no code goes to a malformed number


# One budget for the sign-up and reset forms, and one for code requests (the phone pages and
# their "resend", sign-up and reset alike), per address and per phone number, so that neither
# many addresses nor many numbers make a flood of SMS.
signup_limit = limiter.shared_limit(configured("CONTEST_SIGNUP_LIMIT"), scope="signup", methods=["POST"])
code_limit_per_address, code_limit_per_phone = code_limits(_code_phone)


def _next() -> str | None:
    """The local ``next`` path to carry along, or None (then ``url_for`` drops it)."""
    return safe_next(request.args.get("next"), "") or None


def _send_code(flow: CodeFlow, phone: str) -> str | None:
    """Ask for a code to ``phone`` and remember the phone for the code page; the refusal, if any."""
    outcome = attempt(lambda: send_code(phone, flow.purpose))
    if not outcome.ok:
        return outcome.error.message
    flash_code_sent(phone, outcome.value, flow.sent)
    session[flow.pending] = phone
    return None


def _phone_page(flow: CodeFlow, template: str, **context):
    form = SignupForm()
    if form.validate_on_submit():
        refusal = _send_code(flow, form.phone.data)
        if refusal is None:
            return redirect(url_for(flow.confirm, next=_next()))
        form.phone.errors.append(refusal)
    return render_template(template, form=form, next=_next(), **context), FORM_FAILED if form.errors else 200


def _no_pending_phone(flow: CodeFlow):
    flash("请先填写手机号，获取验证码。", "info")
    return redirect(url_for(flow.start, next=_next()))


def _resend(flow: CodeFlow):
    phone = session.get(flow.pending)
    if not phone:
        return _no_pending_phone(flow)
    refusal = _send_code(flow, phone)
    if refusal is not None:
        flash(refusal, "error")
    return redirect(url_for(flow.confirm, next=_next()))


def _code_page(flow: CodeFlow, template: str, form, error: str | None, phone: str):
    status = FORM_FAILED if error or form.errors else 200
    return render_template(template, form=form, error=error, phone=phone, next=_next(), resend_form=ActionForm(),
                           resend=flow.resend, start=flow.start), status


@bp.route("/signup", methods=["GET", "POST"])
@signup_limit
@code_limit_per_address
@code_limit_per_phone
def signup():
    return _phone_page(SIGNUP, "accounts/signup.html", pending_phone=session.get(SIGNUP.pending))


@bp.route("/signup/confirm", methods=["GET", "POST"])
@signup_limit
def signup_confirm():
    phone = session.get(SIGNUP.pending)
    if not phone:
        return _no_pending_phone(SIGNUP)
    form = SignupConfirmForm()
    error = None
    if form.validate_on_submit():
        try:  # a refusal commits: it keeps the count of wrong guesses at the code
            outcome = attempt(lambda: accounts.signup(
                phone=phone, code=form.code.data, nickname=form.nickname.data, password=form.password.data,
                now=clock.now(), secret=current_app.config["SECRET_KEY"]), keep=(DomainError,))
            error = outcome.error and outcome.error.message
        except IntegrityError:  # the same phone signed up a moment ago
            error = PHONE_TAKEN
        if error is None:
            user = outcome.value
            target = safe_next(request.args.get("next"), url_for("public.home"))
            sign_in(user)
            flash(f"注册成功，欢迎你，{user.nickname}！", "success")
            return redirect(target)
    return _code_page(SIGNUP, "accounts/signup_confirm.html", form, error, phone)


@bp.post("/signup/resend")
@code_limit_per_address
@code_limit_per_phone
def signup_resend():
    return _resend(SIGNUP)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("CONTEST_LOGIN_LIMIT"), methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        # A refusal commits: it keeps the count of failed sign-ins.
        outcome = attempt(lambda: accounts.sign_in(
            form.phone.data, form.password.data, now=clock.now(),
            source=sign_in_throttle.sign_in_source(request.remote_addr)),
                          keep=(DomainError,))
        error = outcome.error and outcome.error.message
        if outcome.ok:
            user = outcome.value
            target = safe_next(request.args.get("next"), url_for("public.home"))
            sign_in(user)
            flash(f"欢迎回来，{user.nickname}！", "success")
            return redirect(target)
    status = FORM_FAILED if error or form.errors else 200
    return render_template("accounts/login.html", form=form, error=error, next=_next()), status


@bp.post("/logout")
def logout():
    # CSRFProtect has checked the token before this runs: a cross-site form cannot sign anyone out.
    sign_out()  # ends the session on the server: a copy of the cookie no longer signs in
    flash("你已退出登录。", "info")
    return redirect(url_for("public.home"))


# --- password reset ------------------------------------------------------------------
# Generic on purpose: any account with a phone sets a new password here (a staff account
# created by an admin sets its first one the same way).

@bp.route("/reset", methods=["GET", "POST"])
@signup_limit
@code_limit_per_address
@code_limit_per_phone
def reset():
    return _phone_page(RESET, "accounts/reset.html")


@bp.route("/reset/confirm", methods=["GET", "POST"])
@signup_limit
def reset_confirm():
    phone = session.get(RESET.pending)
    if not phone:
        return _no_pending_phone(RESET)
    form = ResetConfirmForm()
    error = None
    if form.validate_on_submit():
        # Committed either way: the new password, or the count of guesses at the code.
        outcome = attempt(lambda: accounts.reset_password(phone=phone, code=form.code.data, password=form.password.data,
                                                          now=clock.now(), secret=current_app.config["SECRET_KEY"]),
                          keep=(DomainError,))
        error = outcome.error and outcome.error.message
        if error is None:
            sign_out()  # this browser too, if it was signed in: every session of the account ended
            flash("密码已重新设置，所有设备上的登录已退出。请用新密码登录。", "success")
            return redirect(url_for("accounts.login", next=_next()))
    return _code_page(RESET, "accounts/reset_confirm.html", form, error, phone)


@bp.post("/reset/resend")
@code_limit_per_address
@code_limit_per_phone
def reset_resend():
    return _resend(RESET)
