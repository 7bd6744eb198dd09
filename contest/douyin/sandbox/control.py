"""Control routes under ``/__sandbox__/``: JSON in, JSON out, ``400 {"error": …}`` on bad input.

They exist only on the sandbox app (never on the site) and are never logged.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from .common import world as _world
from .state import VIDEO_ID, ControlError

bp = Blueprint("sandbox_control", __name__)


def _payload(*, optional: bool = False) -> dict:
    if optional and not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _video_id(video_id: str) -> str:
    if not VIDEO_ID.match(video_id) or int(video_id) >= 2**64:
        raise ControlError("the video id in the path must be 1 to 20 digits below 2^64")
    return str(int(video_id))


@bp.errorhandler(ControlError)
def _bad_input(exc: ControlError):
    return jsonify({"error": str(exc)}), 400


@bp.post("/reset")
def reset():
    _payload(optional=True)
    _world().reset()
    return jsonify({"ok": True})


@bp.post("/seed")
def seed():
    _payload(optional=True)
    return jsonify({"ok": True, **_world().seed()})


@bp.post("/users")
def users():
    return jsonify({"user": _world().upsert_user(_payload())})


@bp.post("/videos")
def videos():
    return jsonify({"video": _world().upsert_video(_payload())})


@bp.post("/videos/<video_id>/stats")
def video_stats(video_id: str):
    return jsonify({"video": _world().set_stats(_video_id(video_id), _payload())})


@bp.post("/videos/<video_id>/visibility")
def video_visibility(video_id: str):
    return jsonify({"video": _world().set_visibility(_video_id(video_id), _payload())})


@bp.post("/users/<open_id>/revoke")
def revoke(open_id: str):
    """The user revokes the authorisation in the Douyin app: their tokens stop working at once."""
    _payload(optional=True)
    return jsonify(_world().revoke(open_id))


@bp.post("/app")
def app_settings():
    """``{"scopes"?: [...], "renew_permission"?: bool}``: what the demo application was granted."""
    return jsonify({"app": _world().set_app(_payload())})


@bp.post("/modes")
def modes():
    """``{"userinfo_envelope"?: "new"|"old", "video_objects"?: "full"|"item_id_only"|"item_id_only_bare"}``."""
    return jsonify({"modes": _world().set_modes(_payload())})


@bp.post("/capabilities")
def capabilities():
    """``{"endpoint", "retired": bool, "code"?}``: the capability answers 28001056 (or ``code``) to every call."""
    return jsonify(_world().set_retired(_payload()))


@bp.post("/quota")
def quota():
    """``{"endpoint", "limit": n | null, "code"?: 28003017 | 2190001}``: calls a day before the quota answer."""
    return jsonify(_world().set_quota(_payload()))


@bp.post("/shortlinks")
def shortlinks():
    return jsonify({"shortlink": _world().add_shortlink(_payload())})


@bp.post("/faults")
def faults():
    return jsonify(_world().add_fault(_payload()))


@bp.route("/clock", methods=["GET", "POST"])
def sandbox_clock():
    if request.method == "GET":
        return jsonify({"now": _world().now_int()})
    return jsonify({"now": _world().set_clock(_payload())})


@bp.post("/rate-limit")
def rate_limit():
    return jsonify(_world().set_rate_limit(_payload()))


@bp.post("/tokens")
def tokens():
    """A grant without the browser: ``{"open_id", "scopes"?}`` → the access_token exchange's data."""
    return jsonify(_world().mint_grant(_payload()))


@bp.get("/log")
def request_log():
    return jsonify({"requests": _world().requests()})


@bp.get("/state")
def state():
    return jsonify(_world().snapshot())
