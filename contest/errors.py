"""Error handlers: JSON ``{"error": ...}`` under /api/, a Chinese page elsewhere; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from contest.domain.errors import DomainError

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


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, **extra):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if wants_json():
        return jsonify(error=message, **extra), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status == 429:
            return error_response(429)
        message = MESSAGES.get(status) or exc.description
        return error_response(status, message)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status, exc.message)

    @app.errorhandler(OperationalError)
    def _db_down(exc: OperationalError):
        log.error("database error: %s", exc.__class__.__name__)
        return error_response(503)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
