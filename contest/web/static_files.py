"""Static files under content-hashed URLs, served as immutable."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, request, url_for


IMMUTABLE_SECONDS = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _fingerprint(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    """``/static/<filename>?v=<content hash>``: a new URL whenever the file changes, so it is served
    (by Flask or nginx) with ``Cache-Control: public, max-age=31536000, immutable``."""
    path = Path(current_app.static_folder) / filename
    try:
        version = _fingerprint(path, path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def register(app: Flask) -> None:
    app.add_template_global(static_url, "static_url")

    @app.after_request
    def _immutable_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code in (200, 304):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = IMMUTABLE_SECONDS
            response.cache_control.immutable = True
        return response
