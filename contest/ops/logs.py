"""Logs: one JSON object a line (``CONTEST_LOG_FORMAT=json``, the production default) or
plain text (development and tests), on standard error, at ``CONTEST_LOG_LEVEL``.

Every record has ``timestamp`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; one
logged during a request also has its ``request_id``; an exception is one ``exc_info``
string (JSON escapes its newlines, so a traceback stays on one line). Every request is
logged once, by :class:`RequestLog`, on logger ``contest.request``: ``method``, ``path``
(never the query string: OAuth callbacks carry codes there), ``status``, ``duration_ms``,
``request_id`` (the caller's ``X-Request-ID`` when it is sane, else a new one; echoed in
the response) and ``remote_addr``. Successful ``/healthz`` probes are DEBUG, so a load
balancer polling every few seconds does not drown the log.

Both formats pass messages and exception texts through :func:`redact`: mobile numbers are
masked, and tokens, codes and passwords are replaced, whichever module logged them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Mapping

from flask import Flask, has_request_context, request
from flask.logging import default_handler

from contest.config import log_settings

REQUEST_LOGGER = "contest.request"
REQUEST_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote_addr")
ENVIRON_KEY = "contest.request_id"
QUIET_PATHS = frozenset({"/healthz"})
# A caller's id is kept only when it cannot smuggle anything into a log or a header.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

REDACTED = "[redacted]"
_REDACTIONS = [
    # A mainland mobile number, not part of a longer number: 13812345678 → 138****5678.
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    (re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+"), rf"\1 {REDACTED}"),
    # key=value (query strings, form bodies) and "key": "value" (JSON) for secret-bearing keys.
    (re.compile(r"(?i)(?<![\w-])((?:access_|refresh_)?token|code|state|(?:client_)?secret|password|ticket)"
                r"(=|[\"']?\s*:\s*[\"']?)[^&\s\"',;}]+"), rf"\1\2{REDACTED}"),
    # One-time codes in SMS texts (the log SMS backend writes the message it would send).
    (re.compile(r"(验证码\D{0,4})\d{4,8}"), rf"\1{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _utc_iso(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "timestamp": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exc_info"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            data["stack_info"] = redact(self.formatStack(record.stack_info))
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record.created)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    """Tags a record logged while a request is handled with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and has_request_context():
            record.request_id = request.environ.get(ENVIRON_KEY)
        return True


class RequestLog:
    """WSGI middleware: gives each request its id, echoes it as ``X-Request-ID`` and logs
    the request once its response has started (or failed)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.log = logging.getLogger(REQUEST_LOGGER)

    def __call__(self, environ, start_response):
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        environ[ENVIRON_KEY] = request_id
        started = time.perf_counter()
        statuses: list[str] = []

        def start(status, headers, exc_info=None):
            statuses.append(status)
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            status = int(statuses[-1].split(" ", 1)[0]) if statuses else 500
            path = environ.get("PATH_INFO", "")
            quiet = path in QUIET_PATHS and status < 400
            method = environ.get("REQUEST_METHOD", "")
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            self.log.log(logging.DEBUG if quiet else logging.INFO, "%s %s %s %.1fms", method, path, status, duration_ms,
                         extra={"request_id": request_id, "method": method, "path": path, "status": status,
                                "duration_ms": duration_ms, "remote_addr": environ.get("REMOTE_ADDR")})


def _formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def register(app: Flask) -> None:
    """Send every logger's records through one standard-error handler in the configured
    format (replacing the one an earlier app in this process installed), and log requests."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "contest", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.contest = True  # type: ignore[attr-defined]
    handler.setFormatter(_formatter(app.config["CONTEST_LOG_FORMAT"]))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(app.config["CONTEST_LOG_LEVEL"])
    # Flask's own handler on app.logger would print its records a second time, unformatted.
    logging.getLogger(app.name).removeHandler(default_handler)
    app.wsgi_app = RequestLog(app.wsgi_app)


def gunicorn_logconfig(environ: Mapping[str, str]) -> dict:
    """gunicorn's ``logconfig_dict``: its own records (boot, workers, timeouts) in the site's
    format on standard error; no access log (:class:`RequestLog` logs every request, with
    its id); the root logger is left to :func:`register` in each worker."""
    log_format, level = log_settings(environ)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level, "handlers": []},
        "loggers": {"gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
                    "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "site", "stream": "ext://sys.stderr"}},
        "formatters": {"site": {"()": JsonFormatter if log_format == "json" else TextFormatter}},
    }
