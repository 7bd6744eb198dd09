"""The database unreachable: a clear 503 (page or JSON) with Retry-After, no traceback, logged once."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from contest import create_app
from tests.conftest import make_environ

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/test",       # nothing listens on port 1
    "sqlite": "sqlite:////nonexistent-directory/contest.sqlite3",  # a file that cannot be opened
}
BUSY = "系统繁忙，请稍后再试。"


@pytest.fixture(params=sorted(UNREACHABLE))
def down(request):
    """An app whose database cannot be reached."""
    app = create_app(environ=make_environ(UNREACHABLE[request.param], ""))
    with app.app_context():
        yield app


def _leaks(body: str) -> bool:
    return any(word in body for word in ("Traceback", "OperationalError", "psycopg", "sqlite3", "File \""))


@pytest.mark.parametrize("path", ["/", "/leaderboards"])
def test_pages_answer_a_clear_503_page(down, path, caplog):
    with caplog.at_level(logging.INFO, logger="contest"):
        response = down.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    assert "<h1>出错了（503）</h1>" in body and f"<p>{BUSY}</p>" in body
    assert not _leaks(body)
    errors = [r for r in caplog.records if r.name == "contest.web.errors"]
    assert len(errors) == 1
    assert errors[0].levelno == logging.ERROR
    assert errors[0].getMessage().startswith(f"database unavailable on GET {path}: OperationalError: ")
    assert errors[0].exc_info is None


def test_the_api_answers_json_503(down, caplog):
    with caplog.at_level(logging.INFO, logger="contest"):
        response = down.test_client().get("/api/v1/leaderboards/popularity")
    assert response.status_code == 503
    assert response.get_json() == {"error": BUSY}
    assert response.headers["Retry-After"] == "30"
    assert not _leaks(response.get_data(as_text=True))
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == ["contest.web.errors"]


def test_healthz_answers_503_unavailable(down, caplog):
    with caplog.at_level(logging.INFO, logger="contest"):
        response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "error"}
    assert response.headers["Cache-Control"] == "no-store"
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [("contest.blueprints.health", "health check: database unavailable (OperationalError)")]


def test_a_signed_in_visitor_still_gets_the_503_page(down):
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # loading this user would need the database
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert BUSY in body and "登录" in body
    assert not _leaks(body)


def test_other_database_errors_stay_500(fresh_app):
    """A refused row is a bug to fix, not an outage: the usual 500, with its traceback logged."""
    def duplicate():
        raise IntegrityError("INSERT INTO entry …", {}, Exception("duplicate key"))

    fresh_app.add_url_rule("/api/v1/test-duplicate", view_func=duplicate)
    response = fresh_app.test_client().get("/api/v1/test-duplicate")
    assert response.status_code == 500
    assert response.get_json() == {"error": "服务器出错了，我们会尽快处理。请稍后再试。"}
    assert "Retry-After" not in response.headers
