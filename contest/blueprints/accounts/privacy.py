"""Privacy (PIPL): the public privacy notice, the citizen's privacy centre (with their signed-in
devices and "sign out everywhere"), the download of their data and the deletion of their account. The rules are in
:mod:`contest.domain.personal_data`."""

from __future__ import annotations

import json

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from contest.blueprints.accounts import bp
from contest.blueprints.accounts.forms import ActionForm
from contest.blueprints.accounts.privacy_forms import DeleteAccountForm
from contest.blueprints.public import bp as public_bp
from contest import clock
from contest.domain import personal_data, sessions
from contest.extensions import db
from contest.web.boundary import attempt
from contest.web.origin import canonical_url_for
from contest.web.signed_in import sign_out
from contest.web.contest_choice import contest_for_request
from contest.web.public_pages import public_page

# What the confirmation page shows after the account is gone (the user is signed out by then).
DELETED_SUMMARY = "account_deleted"


# The notice is a public page at the site's root; it lives here with the other privacy views.
@public_bp.get("/privacy")
@public_page
def privacy():
    contest = contest_for_request()
    return render_template("public/privacy.html", contest=contest, retention_days=personal_data.RETENTION_DAYS,
                           retention_ends_at=personal_data.retention_ends_at(contest),
                           confirm_phrase=personal_data.CONFIRM_PHRASE, deleted_name=personal_data.DELETED_NAME)


def _centre(form: DeleteAccountForm, *, error: str | None = None, status: int = 200):
    return render_template("accounts/privacy_center.html", form=form, error=error,
                           plan=personal_data.deletion_plan(current_user),
                           devices=sessions.sessions_of(current_user), sign_out_form=ActionForm(),
                           confirm_phrase=personal_data.CONFIRM_PHRASE,
                           deleted_name=personal_data.DELETED_NAME), status


@bp.get("/privacy")
@login_required
def privacy_center():
    return _centre(DeleteAccountForm())


@bp.get("/data")
@login_required
def my_data():
    data = {"generated_at": clock.to_local(clock.now()).isoformat(),
            "privacy_notice": canonical_url_for("public.privacy"),
            **personal_data.export_user_data(current_user)}
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{current_user.id}.json"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    return response


@bp.post("/delete")
@login_required
def delete_account():
    # CSRFProtect has refused a POST without a valid token before this runs.
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _centre(form, status=422)
    # Committed: every session of the account ended with it.
    outcome = attempt(lambda: personal_data.delete_account(current_user._get_current_object(),
                                                           confirmation=form.confirmation.data, now=clock.now()))
    if not outcome.ok:
        return _centre(form, error=outcome.error.message, status=outcome.error.status)
    plan = outcome.value
    sign_out()
    session[DELETED_SUMMARY] = {"kept": len(plan.kept), "withdrawn": len(plan.withdrawn),
                                "deleted": len(plan.deleted)}
    return redirect(url_for("accounts.account_deleted"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    # CSRFProtect has refused a POST without a valid token before this runs.
    sessions.end_sessions(current_user)
    db.session.commit()
    sign_out()
    flash("已退出所有设备上的登录（包括这台设备），请重新登录。", "success")
    return redirect(url_for("accounts.login"))


@bp.get("/deleted")
def account_deleted():
    summary = session.pop(DELETED_SUMMARY, None)
    if summary is None:
        return redirect(url_for("public.home"))
    return render_template("accounts/deleted.html", summary=summary, deleted_name=personal_data.DELETED_NAME)
