"""The Douyin sandbox: a faithful local fake of Douyin served over real HTTP (docs/douyin.md, "The sandbox").

A Flask app of its own (it imports nothing from the site's database or models). The
site points its three bases below one sandbox URL::

    {url}/open        Open Platform      (https://open.douyin.com)
    {url}/v           short links        (https://v.douyin.com)
    {url}/jx          精选 short links    (https://jx.douyin.com)
    {url}/iesdouyin   share pages        (https://www.iesdouyin.com)
    {url}/__sandbox__ control routes     (JSON; only on this app, never logged)
    {url}/assets      generated cover (per video id and caption) and avatar images (never logged)
    {url}/open/player/video?vid=<id>   the embeddable player's stand-in (poster, title, author; framable)

It sets no cookies, ever. The world (users, videos, short codes, codes, tokens,
faults, request log, clock offset) lives in memory behind one lock, mirrored to
``state_file`` when given (loaded at start when that file exists; otherwise the demo
world is seeded when ``seed`` is true).

It imitates the real platform, unkind answers included, each switchable through the control
routes (the table in docs/douyin.md, "The sandbox"): the newer user-info envelope, an application
without some scopes or without the renew permission, ``optionalScope``, VIDEO objects with
``item_id`` only, every ``video_status``, revocation, retired capabilities, daily quotas, short
links answering no redirect, jx.douyin.com links. ``/__sandbox__/reset`` restores the defaults.

Envelopes
---------
* OAuth (``/oauth/...``): ``{"data": {..., "error_code": 0, "description": ""}, "message": "success"}``;
  errors ``{"data": {"error_code", "description"}, "extra": {...}, "message": "error"}``.
* user info, in the newer envelope (the default mode): ``{"err_no", "err_msg", "log_id", "data": {...,
  "error_code": "0", "log_id"}}``; errors keep ``data.error_code`` "0" (only ``err_no`` tells).
* video_list / video_data: ``{"data": {..., "error_code": 0, "description": ""}, "extra": {...}}``;
  errors have the code in ``data`` and ``extra`` (``error_code, description, sub_error_code,
  sub_description, logid, now`` in ms). Always HTTP 200.
* get_iframe_by_video: ``{"data": {...}, "err_no": 0, "err_msg": "", "log_id": "…"}``.
* Short links and share pages are web pages; an injected ``error_code`` fault answers them with
  the web API's ``{"status_code": code, "status_msg": "…"}`` (HTTP 200, no redirect).

Error codes used
----------------
OAuth (``access_token``, ``refresh_token``, ``renew_refresh_token``, ``userinfo``):

* 10002 parameter error: a required field missing or ``grant_type`` wrong
* 10003 ``client_key`` unknown
* 10013 ``client_secret`` wrong
* 10007 authorization code unknown, already used, issued to another client, or older than 10 minutes
* 10010 refresh token expired, unknown or already renewed away: the user must authorise again
* 10020 the refresh token was already renewed 5 times (per original grant)
* renew_refresh_token: 10004 权限不足 when the application lacks the renew permission
* userinfo: 28001003 access token unknown or not this ``open_id``'s, 28001008 expired, 28001012 ``user_info``
  not granted (the older envelope: 2190002, 2190008, 10004)

Video endpoints: 28001003 token invalid (missing or unknown ``access-token`` header), 28001008 token
expired (sandbox clock), 2100005 parameter error (no ``open_id``, bad cursor/count, body not
``{"video_ids"|"item_ids": [...]}``), 28001015 ``open_id`` not the token's, 28001012 scope not
granted (video_list needs ``video.list.bind``, video_data ``video.data.bind``), 28003018 rate limit,
28001056 a retired capability, 28003017 (or 2190001) a used-up quota.
get_iframe_by_video: 2100005 no ``video_id``, 28001007 for a video missing, deleted or not public.

Behaviour worth knowing
-----------------------
* The authorize page accepts any loopback ``redirect_uri`` (127.0.0.1, localhost, [::1], any port);
  a bad client_key, redirect_uri, response_type, scope or optionalScope, or a required scope the
  application was not granted ("scope权限非法"), gives a 400 page, never a redirect. Required scopes
  cannot be unticked; optional ones can. ``auto_consent=<open_id>`` consents at once with every asked scope.
* The sandbox clock is real time plus an offset (it keeps ticking after ``/__sandbox__/clock``).
* A video created with ``"curve": true`` has likes on its own deterministic curve of the sandbox
  clock (:func:`state.curve_likes`: an early burst and a long tail, in full swing from the moment
  the curve was switched on, and for one video in 4,096 a night of bought likes) until counts are
  set for it.
* A new video's ``digg_count`` (etc.) is its baseline, in effect at every time; counts given later
  (upsert of an existing video, or ``/stats`` without ``at``) take effect from the sandbox's now.
* video_list's ``cursor`` is an offset; ``count`` is clamped to 1..20. Newest first.
* video_list answers every video of the user that is not deleted, with its ``video_status``.
* video_data answers the token owner's videos among the ids asked (deduplicated, in the order asked):
  private ones (status 7) with ``create_time`` 0, deleted ones and others' absent.
* Faults for one endpoint fire in the order queued; ``timeout`` sleeps, then answers normally.
* ``POST /__sandbox__/tokens {"open_id", "scopes"?}`` mints a grant without the browser.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from contest.config import SANDBOX_JX_PATH, SANDBOX_OPEN_PATH, SANDBOX_SHARE_PATH, SANDBOX_SHORTLINK_PATH

from .state import World

__all__ = ["create_sandbox_app", "World"]

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/__sandbox__"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https: http:; "
       "base-uri 'none'; frame-ancestors 'none'")


def create_sandbox_app(*, state_file: str | None = None, seed: bool = True) -> Flask:
    from . import control, platform, web

    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    world = World(state_file)
    app.extensions["douyin_sandbox"] = world
    if seed and not world.loaded:
        world.seed()

    app.register_blueprint(platform.bp, url_prefix=SANDBOX_OPEN_PATH)
    app.register_blueprint(web.short_bp, url_prefix=SANDBOX_SHORTLINK_PATH)
    app.register_blueprint(web.jx_bp, url_prefix=SANDBOX_JX_PATH)
    app.register_blueprint(web.share_bp, url_prefix=SANDBOX_SHARE_PATH)
    app.register_blueprint(web.assets_bp)
    app.register_blueprint(control.bp, url_prefix=CONTROL_PREFIX)

    def is_control() -> bool:
        return request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/")

    @app.before_request
    def _log_request():
        if is_control():
            return
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        name = getattr(view, "sandbox_endpoint", None) or "not_found"
        if name != "asset":
            world.record(name, request.method, request.path)

    @app.after_request
    def _headers(response):
        response.headers.remove("Set-Cookie")  # never, whatever happened
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if is_control():
            return jsonify({"error": f"{exc.code} {exc.name}"}), exc.code
        return render_template("sandbox/not_found.html" if exc.code == 404 else "sandbox/error.html",
                               message=f"{exc.code} {exc.name}"), exc.code

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        log.exception("sandbox crashed on %s %s", request.method, request.path)
        if is_control():
            return jsonify({"error": f"sandbox bug: {exc.__class__.__name__}: {exc}"}), 500
        return render_template("sandbox/fault_500.html"), 500

    return app
