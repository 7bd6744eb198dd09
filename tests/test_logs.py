"""Logs: one JSON object a line (or text), request ids, request lines and redaction."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from contest import create_app
from contest.config import ConfigError, load_config
from contest.crypto import new_key
from contest.ops.logs import JsonFormatter, TextFormatter, gunicorn_logconfig, redact
from tests.conftest import make_environ


def _site_handler() -> logging.Handler:
    (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "contest", False)]
    return handler


@pytest.fixture
def logged(app, database_url, sandbox):
    """An app logging JSON into a buffer; yields (app, function returning the records so far)."""
    json_app = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_LOG_FORMAT="json"))
    buffer = io.StringIO()
    _site_handler().setStream(buffer)
    yield json_app, lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_request_is_one_json_line_without_its_query_string(logged):
    app, records = logged
    response = app.test_client().get("/no-such-page?code=abc123&state=s1", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 404
    (line,) = [r for r in records() if r["logger"] == "contest.request"]
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert set(line) == {"timestamp", "level", "logger", "message", "request_id", "method", "path", "status",
                         "duration_ms", "remote_addr"}
    assert {k: line[k] for k in ("level", "method", "path", "status", "request_id", "remote_addr")} == {
        "level": "INFO", "method": "GET", "path": "/no-such-page", "status": 404, "request_id": request_id,
        "remote_addr": "198.51.100.7"}
    assert line["message"] == f"GET /no-such-page 404 {line['duration_ms']:.1f}ms"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])


def test_an_incoming_request_id_is_kept_and_echoed(logged):
    app, records = logged
    response = app.test_client().get("/rules", headers={"X-Request-ID": "nginx-7f3a.01"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a.01"
    assert [r["request_id"] for r in records() if r["logger"] == "contest.request"] == ["nginx-7f3a.01"]


@pytest.mark.parametrize("incoming", ["has space", "x" * 129, "a\"b", ""])
def test_an_unsafe_request_id_is_replaced(logged, incoming):
    app, _ = logged
    response = app.test_client().get("/healthz", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_successful_health_probes_are_debug_only(logged):
    app, records = logged
    assert app.test_client().get("/healthz").status_code == 200
    assert records() == []


def test_an_exception_is_one_line_with_the_request_id(logged):
    app, records = logged

    def boom():
        raise RuntimeError("kaboom for 13812345678")

    app.add_url_rule("/boom", view_func=boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    (error,) = [r for r in records() if r["logger"] == "contest.web.errors"]
    assert error["level"] == "ERROR"
    assert error["message"] == "unhandled error on GET /boom"
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert error["exc_info"].startswith("Traceback (most recent call last):")
    assert error["exc_info"].endswith("RuntimeError: kaboom for 138****5678")
    assert "13812345678" not in json.dumps(records(), ensure_ascii=False)


@pytest.mark.parametrize("text, expected", [
    ("SMS to 13812345678", "SMS to 138****5678"),
    ("order 2013812345678 stays", "order 2013812345678 stays"),  # part of a longer number
    ("GET /auth/douyin/callback?code=abc&state=xyz HTTP/1.1", "GET /auth/douyin/callback?code=[redacted]&state=[redacted] HTTP/1.1"),
    ("Authorization: Bearer zz_abc.def-123", "Authorization: Bearer [redacted]"),
    ('{"access_token": "act.123", "refresh_token":"rft.9"}', '{"access_token": "[redacted]", "refresh_token":"[redacted]"}'),
    ("client_secret=s3cr3t password=hunter2", "client_secret=[redacted] password=[redacted]"),
    ("SMS to 138****5678: 您的验证码是 123456", "SMS to 138****5678: 您的验证码是 [redacted]"),
    ("douyin video_data: error_code 28001005", "douyin video_data: error_code 28001005"),
])
def test_redact_masks_phones_tokens_and_codes(text, expected):
    assert redact(text) == expected


def test_text_format_carries_the_request_id_and_redacts():
    record = logging.LogRecord("contest.integrations.sms", logging.INFO, __file__, 1, "SMS to %s", ("13812345678",), None)
    record.created = 1592438400.25  # 2020-06-18T00:00:00.250Z
    assert TextFormatter().format(record) == "2020-06-18T00:00:00.250Z INFO contest.integrations.sms [-] SMS to 138****5678"
    record.request_id = "r-1"
    assert JsonFormatter().format(record) == (
        '{"timestamp": "2020-06-18T00:00:00.250Z", "level": "INFO", "logger": "contest.integrations.sms", '
        '"message": "SMS to 138****5678", "request_id": "r-1"}')


def test_format_and_level_come_from_the_environment(tmp_path):
    production = {"CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32, "CONTEST_TOKEN_KEYS": new_key(),
                  "CONTEST_PUBLIC_URL": "https://contest.example"}
    assert (load_config(production, str(tmp_path))["CONTEST_LOG_FORMAT"],
            load_config({}, str(tmp_path))["CONTEST_LOG_FORMAT"],
            load_config({"CONTEST_ENV": "testing"}, str(tmp_path))["CONTEST_LOG_FORMAT"]) == ("json", "text", "text")
    chosen = load_config({**production, "CONTEST_LOG_FORMAT": "TEXT", "CONTEST_LOG_LEVEL": "warning"}, str(tmp_path))
    assert (chosen["CONTEST_LOG_FORMAT"], chosen["CONTEST_LOG_LEVEL"]) == ("text", "WARNING")
    with pytest.raises(ConfigError, match="CONTEST_LOG_FORMAT must be json or text"):
        load_config({"CONTEST_LOG_FORMAT": "xml"}, str(tmp_path))
    with pytest.raises(ConfigError, match="CONTEST_LOG_LEVEL must be"):
        load_config({"CONTEST_LOG_LEVEL": "loud"}, str(tmp_path))


def test_the_app_installs_one_handler_at_the_configured_level(app, database_url, sandbox):
    create_app(environ=make_environ(database_url, sandbox.url, CONTEST_LOG_LEVEL="WARNING"))
    create_app(environ=make_environ(database_url, sandbox.url, CONTEST_LOG_FORMAT="json", CONTEST_LOG_LEVEL="DEBUG"))
    assert isinstance(_site_handler().formatter, JsonFormatter)
    assert logging.getLogger().level == logging.DEBUG
    assert not logging.getLogger("contest").handlers  # no second, unformatted copy from Flask


def test_gunicorn_logs_in_the_site_format():
    config = gunicorn_logconfig({"CONTEST_ENV": "production"})
    assert config["formatters"]["site"] == {"()": JsonFormatter}
    assert config["loggers"]["gunicorn.error"] == {"level": "INFO", "handlers": ["stderr"], "propagate": False}
    assert config["loggers"]["gunicorn.access"]["level"] == "CRITICAL"  # the app logs requests itself
    assert gunicorn_logconfig({"CONTEST_LOG_LEVEL": "DEBUG"})["formatters"]["site"] == {"()": TextFormatter}
