"""Certificates anyone can verify: ``/certificates/<code>`` (the page its QR code opens) and the
public copies ``/certificates/<code>.png|.pdf`` (the author as the public pages show them).
The rules: :mod:`contest.domain.certificates`."""

from __future__ import annotations

from flask import render_template

from contest.blueprints.entries.certificates import certificate_response, verify_url
from contest.blueprints.public import bp
from contest.domain import certificates as rules
from contest.web.public_pages import public_page


@bp.get("/certificates/<int:code>")
@public_page
def verify_certificate(code: int):
    found = rules.verification(str(code))
    return render_template("public/certificate.html", cert=found)


@bp.get("/certificates/<int:code>.<any(pdf, png):fmt>")
def public_certificate(code: int, fmt: str):
    cert = rules.public_certificate(str(code), url=verify_url)
    return certificate_response(cert, fmt, filename=f"certificate-{code}", private=False)
