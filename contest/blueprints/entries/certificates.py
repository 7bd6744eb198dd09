"""Winner certificates as PDF and PNG (``/entries/certificates/<place id>.pdf|.png``): for the
winner and admins only (the rules: :mod:`contest.domain.certificates`)."""

from __future__ import annotations

from flask import Response, current_app
from flask_login import current_user, login_required

from contest.blueprints.entries import bp
from contest.render.certificates import certificate_pdf, certificate_png
from contest.domain.certificates import certificate

RENDERERS = {"pdf": (certificate_pdf, "application/pdf"), "png": (certificate_png, "image/png")}


@bp.get("/certificates/<int:place_id>.<any(pdf, png):fmt>")
@login_required
def download_certificate(place_id: int, fmt: str):
    cert = certificate(place_id, viewer=current_user._get_current_object())
    render, mimetype = RENDERERS[fmt]
    body = render(cert, font_path=current_app.config["CONTEST_CJK_FONT"],
                  font_index=current_app.config["CONTEST_CJK_FONT_INDEX"])
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{place_id}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
