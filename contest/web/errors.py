"""Error handlers: JSON ``{"error": ...}`` under /api/ (and the slogan check's endpoints), a Chinese page
elsewhere; never a traceback."""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from contest.domain.errors import DomainError
from contest.extensions import limiter, login_manager

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求有误，请检查后重试。",
    401: "请先登录。",
    403: "你没有权限进行这个操作。",
    404: "页面不存在。",
    405: "不支持这种请求方式。",
    409: "操作冲突，请刷新后重试。",
    413: "提交的内容太大。",
    415: "请以 JSON 格式提交。",
    422: "提交的内容没有通过检查。",
    429: "操作太频繁，请稍后再试。",
    500: "服务器出错了，我们会尽快处理。请稍后再试。",
    503: "服务暂时不可用，请稍后再试。",
}
DATABASE_BUSY = "系统繁忙，请稍后再试。"
DATABASE_RETRY_AFTER = 30  # seconds, in Retry-After


def database_unavailable(exc: Exception) -> bool:
    """The database could not be reached or kept (as opposed to a bug or a refused row)."""
    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout)) or bool(
        getattr(exc, "connection_invalidated", False))


# The slogan check's upload and state endpoints answer JSON, errors included.
JSON_PATHS = re.compile(r"\A(/api/|/entries/\d+/slogan/)")


def wants_json() -> bool:
    return bool(JSON_PATHS.match(request.path))


def error_response(status: int, message: str | None = None, **extra):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return jsonify(error=message, **extra), status
    return render_template("error.html", status=status, message=message), status


def _too_many_message() -> str:
    """Says how long to wait: the seconds Flask-Limiter also puts in ``Retry-After``."""
    limit = limiter.current_limit
    if limit is None:
        return MESSAGES[429]
    return f"操作太频繁，请 {max(1, int(limit.reset_at - time.time()))} 秒后再试。"


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status == 429:
            return error_response(429, _too_many_message())
        # A view's own Chinese description (``db.get_or_404(…, description="没有找到这个作品。")``) says more;
        # Werkzeug's and Flask's descriptions are English and never shown.
        own = exc.description if exc.description and not exc.description.isascii() else None
        return error_response(status, own or MESSAGES.get(status) or exc.description)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status, exc.message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _db_down(exc: Exception):
        if not database_unavailable(exc):
            return _unexpected(exc)
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
        log.error("database unavailable on %s %s: %s: %s", request.method, request.path,
                  exc.__class__.__name__, reason)
        # The page must render without the database: no signed-in user to load for the header.
        g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user
        response = make_response(error_response(503, DATABASE_BUSY))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
