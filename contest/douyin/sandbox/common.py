"""What the sandbox's endpoint views share: the world, the envelopes, and the fault/rate-limit pipeline."""

from __future__ import annotations

import functools
import time
from typing import Callable

from flask import Response, current_app, jsonify, render_template, url_for

from .state import PRIVATE_STATUS, RETIRED, PlatformError, World, item_id_for, stats_at, status_of

RATE_LIMITED = (28003018, "请求频率过高，请稍后再试")
FAULT_DESCRIPTION = "沙盒注入的故障"


def world() -> World:
    return current_app.extensions["douyin_sandbox"]


def named(name: str) -> Callable:
    """Tag a view with the endpoint name the request log uses."""
    def deco(view):
        view.sandbox_endpoint = name
        return view
    return deco


def extra(code: int, description: str) -> dict:
    w = world()
    return {"error_code": code, "description": description, "sub_error_code": 0, "sub_description": "",
            "logid": w.logid(), "now": int(w.now() * 1000)}


def _userinfo_envelope(envelope: str) -> str:
    """User info answers in the envelope the sandbox's mode says (the newer one by default)."""
    if envelope != "userinfo":
        return envelope
    return "new_userinfo" if world().mode("userinfo_envelope") == "new" else "oauth"


def ok(envelope: str, data: dict) -> Response:
    """A success body in the endpoint's own envelope."""
    envelope = _userinfo_envelope(envelope)
    if envelope == "new_userinfo":
        logid = world().logid()
        # As the documentation's sample has it: the code also inside data, as the string "0".
        return jsonify({"err_no": 0, "err_msg": "", "log_id": logid,
                        "data": {**data, "description": "", "error_code": "0", "log_id": logid}})
    if envelope == "oauth":
        return jsonify({"data": {**data, "error_code": 0, "description": ""}, "message": "success"})
    if envelope == "video":
        return jsonify({"data": {**data, "error_code": 0, "description": ""}, "extra": extra(0, "")})
    if envelope == "iframe":
        return jsonify({"data": data, "err_no": 0, "err_msg": "", "log_id": world().logid()})
    raise ValueError(envelope)


def error(envelope: str, code: int, description: str) -> Response | tuple:
    """A platform error: HTTP 200, the code in the endpoint's own envelope."""
    envelope = _userinfo_envelope(envelope)
    if envelope == "new_userinfo":
        # The newer envelope's error keeps data.error_code "0": only err_no tells (the unkindest reading).
        body = {"err_no": code, "err_msg": description, "log_id": world().logid(),
                "data": {"error_code": "0", "description": ""}}
    elif envelope == "oauth":
        body = {"data": {"error_code": code, "description": description}, "extra": extra(code, description),
                "message": "error"}
    elif envelope == "video":
        body = {"data": {"error_code": code, "description": description}, "extra": extra(code, description)}
    elif envelope == "iframe":
        body = {"data": {}, "err_no": code, "err_msg": description, "log_id": world().logid()}
    else:  # web pages (short links, share pages): the web API's status envelope
        body = {"status_code": code, "status_msg": description}
    return jsonify(body)


def endpoint(name: str, envelope: str) -> Callable:
    """Run a Douyin endpoint through the fault queue and the rate limit, and map PlatformError."""
    def deco(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            w = world()
            fault = w.take_fault(name)
            if fault is not None:
                kind = fault["kind"]
                if kind == "error_code":
                    return error(envelope, fault["code"], FAULT_DESCRIPTION)
                if kind == "http_500":
                    return render_template("sandbox/fault_500.html"), 500
                if kind == "bad_json":
                    return Response(render_template("sandbox/bad_json.html"), 200, mimetype="text/html")
                time.sleep(fault["seconds"])  # timeout: late, then a normal answer
            retired = w.retired_code(name)
            if retired is not None:
                return error(envelope, retired, RETIRED[1])
            if w.rate_limited(name):
                return error(envelope, *RATE_LIMITED)
            quota = w.over_quota(name)
            if quota is not None:
                return error(envelope, quota, "quota 已用完")
            try:
                return view(*args, **kwargs)
            except PlatformError as exc:
                return error(envelope, exc.code, exc.description)
        wrapper.sandbox_endpoint = name
        return wrapper
    return deco


def cover_url(video: dict) -> str:
    return video["cover"] or url_for("sandbox_web.cover", video_id=video["video_id"], _external=True)


def avatar_url(user: dict) -> str:
    return user["avatar"] or url_for("sandbox_web.avatar", open_id=user["open_id"], _external=True)


def share_url(video_id: str) -> str:
    return f"https://www.iesdouyin.com/share/video/{video_id}/"


def video_json(video: dict, now: float) -> dict:
    """The VIDEO shape (docs/douyin.md): ``item_id`` always; ``video_id`` unless the mode
    ``video_objects`` leaves it out; a private video (status 7) shows create_time 0."""
    stats = stats_at(video, now)
    status = status_of(video)
    mode = world().mode("video_objects")
    item_id = item_id_for(video["video_id"])
    body = {
        "item_id": item_id,
        "video_id": video["video_id"],
        "title": video["title"],
        "create_time": 0 if status == PRIVATE_STATUS else video["create_time"],
        "cover": cover_url(video),
        "share_url": share_url(video["video_id"]),
        "is_top": False,
        "is_reviewed": status != 4,
        "video_status": status,
        "media_type": 4,
        "statistics": {**stats, "download_count": 0, "forward_count": 0},
    }
    if mode != "full":
        del body["video_id"]
    if mode == "item_id_only_bare":
        body["share_url"] = "https://v.douyin.com/" + item_id[1:12] + "/"
    return body
