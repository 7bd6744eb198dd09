"""The contest site: :func:`create_app` wires config, extensions, blueprints, errors and CLI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None) -> Flask:
    from contest import cli
    from contest.integrations import caching, sms_outbox
    from contest.ops import logs
    from contest.web import contest_choice, errors, roles, security, signed_in, static_files, templating
    from contest.config import load_config
    from contest.crypto import cipher_from_config, use_token_cipher
    from contest.domain import passwords
    from contest.douyin.client import DouyinClient
    from contest.extensions import cache, csrf, db, limiter, login_manager, migrate
    from contest.web.numbers import IdConverter
    from contest.web.origin import HostGuard

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["int"] = IdConverter  # every <int:…> is an id; before any route is added
    app.config.from_mapping(load_config(os.environ if environ is None else environ, app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    signed_in.serve_signed_in_pages(app)  # a signed-in visitor's public page, inside the public store
    caching.serve_cached_responses(app)  # inside the request log, which wraps it next
    app.extensions["signed_in_pages"].shared = app.wsgi_app
    logs.register(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    app.extensions["douyin"] = DouyinClient.from_config(app.config)
    use_token_cipher(cipher_from_config(app.config))
    passwords.use_hash_method(app.config["CONTEST_PASSWORD_HASH_METHOD"])
    _listen_to_sessions(caching.SESSION_LISTENERS + sms_outbox.SESSION_LISTENERS)

    from contest.blueprints.accounts import bp as accounts_bp
    from contest.blueprints.api import bp as api_bp
    from contest.blueprints.auth import bp as auth_bp
    from contest.blueprints.entries import bp as entries_bp
    from contest.blueprints.health import bp as health_bp
    from contest.blueprints.organiser import bp as organiser_bp
    from contest.blueprints.public import bp as public_bp
    from contest.blueprints.staff_api import bp as staff_api_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(accounts_bp, url_prefix="/accounts")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(entries_bp, url_prefix="/entries")
    app.register_blueprint(organiser_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(staff_api_bp, url_prefix="/api/v1/staff")
    app.register_blueprint(health_bp)

    for part in (roles, contest_choice, static_files, templating):
        part.register(app)
    signed_in.register(app)
    errors.register(app)
    security.register(app)
    cli.register(app)
    # Outermost but for wsgi.py's ProxyFix: a request's Host is checked before anything reads it.
    app.wsgi_app = HostGuard(app.wsgi_app, public_url=app.config["CONTEST_PUBLIC_URL"],
                             allowed_hosts=app.config["CONTEST_ALLOWED_HOSTS"])
    return app


def _listen_to_sessions(listeners) -> None:
    """Listen to every ORM session; the listeners are global, so each is registered once per process."""
    for name, listener in listeners:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
