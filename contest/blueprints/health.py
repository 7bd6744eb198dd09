"""``GET /healthz`` for load balancers: 200 when the database answers ``SELECT 1``, else 503.

Cheap on purpose: no session, cookie or CSRF token, no template, exempt from rate limits,
never cached. A failure answers JSON, never a traceback, and is logged without one (a
balancer probes every few seconds).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify

from contest.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # whatever the driver raises, the answer is the same
        log.warning("health check: database unavailable (%s)", exc.__class__.__name__)
        response = jsonify(status="unavailable", database="error")
        response.status_code = 503
    else:
        response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
