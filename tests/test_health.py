"""``GET /healthz`` and the production entry point (``gunicorn wsgi:app`` with gunicorn.conf.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from contest import create_app
from contest.crypto import new_key
from contest.extensions import limiter
from tests.conftest import make_environ

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_healthz_answers_head_for_probes(client):
    response = client.head("/healthz")
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store")


def test_healthz_takes_only_get(client):
    response = client.post("/healthz")
    assert response.status_code == 405


@pytest.fixture
def limited_app(app, database_url, sandbox):
    """An app with an application-wide limit of 3 requests a minute (the limiter is shared by
    every app in this process, so the limit is taken off again afterwards)."""
    limited = create_app({"RATELIMIT_APPLICATION": "3/minute"},
                         environ=make_environ(database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true"))
    yield limited
    limiter.limit_manager.set_application_limits([])


def test_healthz_is_exempt_from_rate_limits(limited_app):
    client = limited_app.test_client()
    assert [client.get("/healthz").status_code for _ in range(6)] == [200] * 6
    assert [client.get("/rules").status_code for _ in range(4)][-1] == 429


@pytest.fixture
def gunicorn(tmp_path):
    """``gunicorn wsgi:app`` from the repository root, in production mode on a fresh SQLite file,
    behind one trusted proxy; yields (base URL, function returning its stderr lines so far)."""
    stderr = (tmp_path / "stderr.log").open("w+")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CONTEST_")},
           "CONTEST_ENV": "production", "CONTEST_SECRET_KEY": "s" * 32, "CONTEST_TOKEN_KEYS": new_key(),
           "CONTEST_PUBLIC_URL": "https://contest.example",
           "CONTEST_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}", "CONTEST_TRUSTED_PROXIES": "1"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:0", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)

    def lines() -> list[str]:
        return (tmp_path / "stderr.log").read_text().splitlines()

    try:
        url = None
        for _ in range(150):
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", "\n".join(lines()))
            if found:
                url = found.group(1)
                break
            assert process.poll() is None, "\n".join(lines())
            time.sleep(0.1)
        assert url, "\n".join(lines())
        yield url, lines
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stderr.close()


def test_gunicorn_serves_healthz_with_json_logs_and_the_forwarded_client(gunicorn):
    url, lines = gunicorn
    http = requests.Session()
    http.trust_env = False
    for _ in range(50):  # the workers may still be booting
        try:
            health = http.get(f"{url}/healthz", timeout=5)
            break
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})

    missing = http.get(f"{url}/no-such-page?code=secret-code&state=xyz", timeout=5,
                       headers={"X-Request-ID": "lb-42", "X-Forwarded-For": "203.0.113.9"})
    assert (missing.status_code, missing.headers["X-Request-ID"]) == (404, "lb-42")

    for _ in range(50):
        records = [json.loads(line) for line in lines()]
        requests_logged = [r for r in records if r["logger"] == "contest.request"]
        if requests_logged:
            break
        time.sleep(0.1)
    assert all({"timestamp", "level", "logger", "message"} <= record.keys() for record in records)
    assert any(r["logger"] == "gunicorn.error" and r["message"].startswith("Booting worker") for r in records)
    # /healthz succeeded quietly (DEBUG); the 404 is logged once, without its query string.
    assert len(requests_logged) == 1
    logged = requests_logged[0]
    assert {k: logged[k] for k in ("level", "method", "path", "status", "request_id", "remote_addr")} == {
        "level": "INFO", "method": "GET", "path": "/no-such-page", "status": 404, "request_id": "lb-42",
        "remote_addr": "203.0.113.9"}
    assert isinstance(logged["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", logged["timestamp"])
    assert "secret-code" not in "\n".join(lines())
