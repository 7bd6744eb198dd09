"""Winner certificates as PDF and PNG: the winner's own copy (``/entries/certificates/<place id>.pdf|.png``,
for the winner and admins, with the name the winner chose) and the name they choose for it
(``POST /entries/certificates/name``). The rules: :mod:`contest.domain.certificates`; the public
copies and the verification page: :mod:`contest.blueprints.public.certificates`."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from wtforms import RadioField, StringField
from wtforms.validators import AnyOf, Length, Optional

from contest import clock
from contest.blueprints.entries import bp
from contest.domain import certificates as rules
from contest.extensions import db
from contest.web.boundary import attempt, flash_outcome
from contest.web.forms import FlaskForm

MIMETYPES = {"pdf": "application/pdf", "png": "image/png"}


def verify_url(code: str) -> str:
    """The verification page of certificate ``code``, absolute: what its QR code opens."""
    return url_for("public.verify_certificate", code=code, _external=True)


def certificate_response(cert: rules.Certificate, fmt: str, *, filename: str, private: bool) -> Response:
    """``cert`` rendered once and kept (:func:`contest.domain.certificates.stored_copy`), as a download."""
    # fpdf2, fontTools and Pillow load on the first render, not in every web worker's start-up (~0.25 s).
    from contest.render import certificates as render_certificates

    config = current_app.config
    render = {"pdf": render_certificates.certificate_pdf, "png": render_certificates.certificate_png}[fmt]
    body = rules.stored_copy(cert, fmt, lambda c: render(c, font_path=config["CONTEST_CJK_FONT"],
                                                         font_index=config["CONTEST_CJK_FONT_INDEX"]),
                             now=clock.now())
    db.session.commit()
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


@bp.get("/certificates/<int:place_id>.<any(pdf, png):fmt>")
@login_required
def download_certificate(place_id: int, fmt: str):
    cert = rules.certificate(place_id, viewer=current_user._get_current_object(), url=verify_url)
    return certificate_response(cert, fmt, filename=f"certificate-{place_id}", private=True)


class CertificateNameForm(FlaskForm):
    choice = RadioField("证书上的名字", choices=[("nickname", "我的昵称"), ("real", "我填写的名字")],
                        validators=[AnyOf(["nickname", "real"], message="请选择证书上的名字。")])
    name = StringField("证书上的名字（例如真实姓名）", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[Optional(), Length(max=rules.MAX_NAME, message=f"最多 {rules.MAX_NAME} 个字。")])


@bp.post("/certificates/name")
@login_required
def certificate_name():
    """The winner chooses the name printed on their own copies: their nickname or a name they type."""
    form = CertificateNameForm()
    back = redirect(url_for("entries.my_entries", contest=request.args.get("contest"), _anchor="certificates"))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return back
    if form.choice.data == "real" and not form.name.data:
        flash("请填写证书上的名字。", "error")
        return back
    flash_outcome(attempt(lambda: rules.set_certificate_name(
        current_user._get_current_object(), form.name.data if form.choice.data == "real" else None, now=clock.now())),
        "证书上的名字已保存，重新下载的证书会使用这个名字。")
    return back
