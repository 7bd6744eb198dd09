"""Sign up with a phone and a one-time code, sign in with phone and password, sign out."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy.exc import IntegrityError

from contest.blueprints.accounts import bp
from contest.blueprints.accounts.forms import ActionForm, LoginForm, SignupConfirmForm, SignupForm
from contest.domain import accounts, clock
from contest.domain.errors import DomainError
from contest.extensions import db, limiter
from contest.limits import code_limits, configured
from contest.security import safe_next
from contest.views_support import flash_code_sent, send_code

# The phone waiting for its sign-up code, between the two sign-up pages.
PENDING_PHONE = "signup_phone"
FORM_FAILED = 422


def _code_phone() -> str | None:
    """The phone a code request would go to: the sign-up form's, else the one waiting for its code."""
    raw = request.form.get("phone") if request.endpoint == "accounts.signup" else session.get(PENDING_PHONE)
    try:
        return accounts.normalise_phone(raw)
    except DomainError:
        return None  # no code goes to a malformed number; the per-address limit still holds


# One budget for the two sign-up forms, and one for code requests (the sign-up form and
# "resend", shared with every other form that sends a code), per address and per phone number.
signup_limit = limiter.shared_limit(configured("CONTEST_SIGNUP_LIMIT"), scope="signup", methods=["POST"])
code_limit_per_address, code_limit_per_phone = code_limits(_code_phone)


def _next() -> str | None:
    """The local ``next`` path to carry along, or None (then ``url_for`` drops it)."""
    return safe_next(request.args.get("next"), "") or None


def _request_signup_code(phone: str) -> str:
    return send_code(phone, accounts.SIGNUP)


def _sign_in(user) -> None:
    # A fresh session on every sign-in: nothing from before (a fixated id, the pending
    # sign-up phone) survives into the signed-in session.
    session.clear()
    login_user(user)


@bp.route("/signup", methods=["GET", "POST"])
@signup_limit
@code_limit_per_address
@code_limit_per_phone
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            code = _request_signup_code(form.phone.data)
        except DomainError as exc:
            db.session.rollback()
            form.phone.errors.append(exc.message)
        else:
            db.session.commit()
            flash_code_sent(form.phone.data, code)
            session[PENDING_PHONE] = form.phone.data
            return redirect(url_for("accounts.signup_confirm", next=_next()))
    return render_template("accounts/signup.html", form=form, next=_next(),
                           pending_phone=session.get(PENDING_PHONE)), FORM_FAILED if form.errors else 200


@bp.route("/signup/confirm", methods=["GET", "POST"])
@signup_limit
def signup_confirm():
    phone = session.get(PENDING_PHONE)
    if not phone:
        flash("请先填写手机号，获取验证码。", "info")
        return redirect(url_for("accounts.signup", next=_next()))
    form = SignupConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.signup(phone=phone, code=form.code.data, nickname=form.nickname.data,
                                   password=form.password.data, now=clock.now(),
                                   secret=current_app.config["SECRET_KEY"])
        except DomainError as exc:
            db.session.commit()  # keeps the count of wrong guesses at the code
            error = exc.message
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same phone signed up a moment ago
                db.session.rollback()
                error = accounts.PHONE_TAKEN
            else:
                target = safe_next(request.args.get("next"), url_for("public.home"))
                _sign_in(user)
                flash(f"注册成功，欢迎你，{user.nickname}！", "success")
                return redirect(target)
    status = FORM_FAILED if error or form.errors else 200
    return render_template("accounts/signup_confirm.html", form=form, error=error, phone=phone,
                           next=_next(), resend_form=ActionForm()), status


@bp.post("/signup/resend")
@code_limit_per_address
@code_limit_per_phone
def signup_resend():
    phone = session.get(PENDING_PHONE)
    if not phone:
        flash("请先填写手机号，获取验证码。", "info")
        return redirect(url_for("accounts.signup", next=_next()))
    try:
        code = _request_signup_code(phone)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash_code_sent(phone, code)
    return redirect(url_for("accounts.signup_confirm", next=_next()))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("CONTEST_LOGIN_LIMIT"), methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(form.phone.data, form.password.data, now=clock.now())
        except DomainError as exc:
            db.session.commit()  # keeps the count of failed sign-ins
            error = exc.message
        else:
            db.session.commit()
            target = safe_next(request.args.get("next"), url_for("public.home"))
            _sign_in(user)
            flash(f"欢迎回来，{user.nickname}！", "success")
            return redirect(target)
    status = FORM_FAILED if error or form.errors else 200
    return render_template("accounts/login.html", form=form, error=error, next=_next()), status


@bp.post("/logout")
def logout():
    # CSRFProtect has checked the token before this runs: a cross-site form cannot sign anyone out.
    session.clear()
    logout_user()  # after clear(): it may leave a note to delete a remember-me cookie
    flash("你已退出登录。", "info")
    return redirect(url_for("public.home"))
