"""Winner certificates as PDF and PNG (``/entries/certificates/<place id>.pdf|.png``): for the
winner and admins only (the rules: :mod:`contest.domain.certificates`)."""

from __future__ import annotations

from flask import Response, current_app
from flask_login import current_user, login_required

from contest.blueprints.entries import bp
from contest.domain.certificates import certificate

MIMETYPES = {"pdf": "application/pdf", "png": "image/png"}


@bp.get("/certificates/<int:place_id>.<any(pdf, png):fmt>")
@login_required
def download_certificate(place_id: int, fmt: str):
    # fpdf2, fontTools and Pillow load on the first download, not in every web worker's start-up (~0.25 s).
    from contest.render import certificates as render_certificates

    cert = certificate(place_id, viewer=current_user._get_current_object())
    render = {"pdf": render_certificates.certificate_pdf, "png": render_certificates.certificate_png}[fmt]
    mimetype = MIMETYPES[fmt]
    body = render(cert, font_path=current_app.config["CONTEST_CJK_FONT"],
                  font_index=current_app.config["CONTEST_CJK_FONT_INDEX"])
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{place_id}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
