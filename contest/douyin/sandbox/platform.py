"""The Open Platform (served under ``SANDBOX_OPEN_PATH``): authorize page, OAuth and video endpoints."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, redirect, render_template, request

from .common import avatar_url, cover_url, endpoint, named, ok, video_json, world
from .state import SCOPE, PlatformError, is_public, video_id_for_item

bp = Blueprint("sandbox_open", __name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SCOPE_LABELS = {
    "user_info": "获取你的公开信息（昵称、头像）",
    "video.list.bind": "查看你发布的视频列表",
    "video.data.bind": "查看你发布的视频数据（点赞、评论等）",
}
PARAM_ERROR = 2100005
TOKEN_INVALID = 28001003
TOKEN_EXPIRED = 28001008
SCOPE_MISSING = 28001012
OPEN_ID_MISMATCH = 28001015
# get_iframe_by_video's answer for a video that is gone or not public: not documented; the sandbox
# answers the documented parameter error (its one parameter, the id, names no visible video).
UNAVAILABLE = 28001007
ILLEGAL_SCOPE = "scope权限非法"


# -- authorize page ----------------------------------------------------------

def _loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return (parts.scheme in {"http", "https"} and parts.hostname in LOOPBACK_HOSTS
            and parts.username is None and parts.password is None and not parts.fragment)


def _with_query(uri: str, params: dict) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _error_page(message: str, status: int = 400):
    return render_template("sandbox/error.html", message=message), status


def _optional_scopes(value: str) -> list[tuple[str, bool]] | None:
    """``optionalScope=friend_relation,1,message,0``: each scope followed by 1 (ticked by default)
    or 0. None when malformed."""
    parts = [p for p in value.split(",")] if value else []
    if len(parts) % 2:
        return None
    pairs = [(parts[i], parts[i + 1]) for i in range(0, len(parts), 2)]
    if not all(SCOPE.match(scope) and flag in ("0", "1") for scope, flag in pairs):
        return None
    return [(scope, flag == "1") for scope, flag in pairs]


def _authorize_request(source) -> tuple[dict | None, tuple | None]:
    """The checked authorize parameters, or an error page (never a redirect for a bad client or redirect_uri).

    As on Douyin: a required ``scope`` the application was not granted refuses the whole
    authorisation ("scope权限非法"); an optional one it was not granted is simply not offered."""
    client_key = source.get("client_key", "")
    redirect_uri = source.get("redirect_uri", "")
    app = world().app(client_key) if client_key else None
    if app is None:
        return None, _error_page("client_key 无效：这个应用没有在沙盒里注册。")
    if not redirect_uri or not _loopback(redirect_uri):
        return None, _error_page("redirect_uri 无效：沙盒演示应用只接受本机地址（127.0.0.1、localhost、[::1]）。")
    if source.get("response_type", "") != "code":
        return None, _error_page("response_type 必须是 code。")
    scopes = list(dict.fromkeys(s for s in source.get("scope", "").split(",") if s))
    if not scopes or not all(SCOPE.match(s) for s in scopes):
        return None, _error_page("scope 无效：请至少申请一项权限。")
    optional = _optional_scopes(source.get("optionalScope", ""))
    if optional is None:
        return None, _error_page("optionalScope 无效：应为“scope,1,scope,0”的形式（1 默认勾选，0 默认不勾选）。")
    granted = set(app.get("scopes", ()))
    refused = [s for s in scopes if s not in granted]
    if refused:
        return None, _error_page(f"{ILLEGAL_SCOPE}：应用没有获得 {', '.join(refused)} 的权限。")
    optional = [(s, ticked) for s, ticked in dict(optional).items() if s in granted and s not in scopes]
    return {"client_key": client_key, "app": app, "redirect_uri": redirect_uri, "scopes": scopes,
            "optional": optional, "optional_param": source.get("optionalScope", ""),
            "state": source.get("state", ""), "response_type": "code"}, None


def _consent(req: dict, open_id: str, granted: list[str]):
    code = world().issue_code(req["client_key"], open_id, granted, req["redirect_uri"])
    return redirect(_with_query(req["redirect_uri"], {"code": code, "state": req["state"],
                                                      "scopes": ",".join(granted)}), 302)


def _page(req: dict, message: str = "", status: int = 200, chosen: str = ""):
    users = world().users()
    return render_template("sandbox/authorize.html", req=req, users=users, message=message,
                           chosen=chosen or (users[0]["open_id"] if users else ""),
                           labels=SCOPE_LABELS, action=request.path), status


@bp.route("/platform/oauth/connect/", methods=["GET", "POST"], strict_slashes=False)
@named("authorize")
def authorize():
    source = request.args if request.method == "GET" else request.form
    req, problem = _authorize_request(source)
    if problem:
        return problem
    if request.method == "GET":
        auto = request.args.get("auto_consent")
        if auto is None:
            return _page(req)
        if world().user(auto) is None:
            return _error_page(f"auto_consent：沙盒里没有用户 {auto}。")
        return _consent(req, auto, req["scopes"] + [s for s, _ in req["optional"]])
    if request.form.get("decision") != "allow":
        return redirect(_with_query(req["redirect_uri"], {
            "error": "access_denied", "error_description": "用户拒绝授权", "state": req["state"]}), 302)
    open_id = request.form.get("open_id", "")
    if world().user(open_id) is None:
        return _page(req, "请选择一个抖音用户。", 400)
    # Only optional scopes can be unticked; the required ones are granted with the consent.
    ticked = set(request.form.getlist("scopes"))
    granted = req["scopes"] + [s for s, _ in req["optional"] if s in ticked]
    return _consent(req, open_id, granted)


# -- OAuth endpoints ---------------------------------------------------------

def _params() -> dict:
    """Form fields (the documented way) or a JSON object (the newer API), as strings."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return {}
        return {k: str(v) for k, v in body.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
    return request.form.to_dict()


@bp.post("/oauth/access_token/", strict_slashes=False)
@endpoint("access_token", "oauth")
def access_token():
    return ok("oauth", world().exchange_code(_params()))


@bp.post("/oauth/refresh_token/", strict_slashes=False)
@endpoint("refresh_token", "oauth")
def refresh_token():
    return ok("oauth", world().refresh_access(_params()))


@bp.post("/oauth/renew_refresh_token/", strict_slashes=False)
@endpoint("renew_refresh_token", "oauth")
def renew_refresh_token():
    return ok("oauth", world().renew_refresh(_params()))


@bp.post("/oauth/userinfo/", strict_slashes=False)
@endpoint("userinfo", "userinfo")
def userinfo():
    """The newer envelope (the default mode) answers the newer codes (28001003, 28001008, 28001012);
    the older one the older codes (2190002, 2190008, 10004)."""
    params = _params()
    token, open_id = params.get("access_token", ""), params.get("open_id", "")
    if not token or not open_id:
        raise PlatformError(10002, "参数错误：需要 access_token 和 open_id")
    w = world()
    new = w.mode("userinfo_envelope") == "new"
    record = w.token(token)
    if record is None or record["open_id"] != open_id:
        raise PlatformError(TOKEN_INVALID if new else 2190002, "access_token 无效")
    if w.now() >= record["expires_at"]:
        raise PlatformError(TOKEN_EXPIRED if new else 2190008, "access_token 过期")
    if "user_info" not in record["scopes"]:
        raise PlatformError(SCOPE_MISSING if new else 10004, "权限不足：未获得 user_info 授权")
    user = w.user(open_id)
    if user is None:
        raise PlatformError(TOKEN_INVALID if new else 2190002, "access_token 无效")
    return ok("userinfo", {"open_id": user["open_id"], "union_id": user["union_id"], "nickname": user["nickname"],
                           "avatar": avatar_url(user)})


# -- video endpoints ---------------------------------------------------------

def _authorized(scope: str) -> str:
    """The open_id a video call acts for, after checking the ``access-token`` header."""
    w = world()
    token = request.headers.get("access-token", "")
    record = w.token(token) if token else None
    if record is None:
        raise PlatformError(TOKEN_INVALID, "access_token 无效")
    if w.now() >= record["expires_at"]:
        raise PlatformError(TOKEN_EXPIRED, "access_token 过期")
    open_id = request.args.get("open_id", "")
    if not open_id:
        raise PlatformError(PARAM_ERROR, "参数不合法：缺少 open_id")
    if open_id != record["open_id"]:
        raise PlatformError(OPEN_ID_MISMATCH, "access_token 与 open_id 不匹配")
    if scope not in record["scopes"]:
        raise PlatformError(SCOPE_MISSING, f"用户未授权 {scope}")
    return open_id


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise PlatformError(PARAM_ERROR, f"参数不合法：{name}") from None
    if value < 0:
        raise PlatformError(PARAM_ERROR, f"参数不合法：{name}")
    return value


@bp.get("/api/douyin/v1/video/video_list/", strict_slashes=False)
@endpoint("video_list", "video")
def video_list():
    open_id = _authorized("video.list.bind")
    cursor = _int_arg("cursor", 0)
    count = min(max(_int_arg("count", 10), 1), 20)
    w = world()
    now = w.now()
    # Every video of the user that is not deleted, with its video_status: the site decides what counts.
    videos = [v for v in w.videos_of(open_id) if not v["deleted"]]
    videos.sort(key=lambda v: (v["create_time"], int(v["video_id"])), reverse=True)
    page = videos[cursor:cursor + count]
    next_cursor = cursor + len(page)
    return ok("video", {"list": [video_json(v, now) for v in page], "cursor": next_cursor,
                        "has_more": next_cursor < len(videos)})


@bp.post("/api/douyin/v1/video/video_data/", strict_slashes=False)
@endpoint("video_data", "video")
def video_data():
    open_id = _authorized("video.data.bind")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise PlatformError(PARAM_ERROR, "参数不合法：请求体应为 JSON 对象")
    if isinstance(body.get("item_ids"), list):
        wanted = [video_id_for_item(i) if isinstance(i, str) else None for i in body["item_ids"]]
    elif isinstance(body.get("video_ids"), list):
        wanted = [str(i) if isinstance(i, (str, int)) and not isinstance(i, bool) else None
                  for i in body["video_ids"]]
    else:
        raise PlatformError(PARAM_ERROR, "参数不合法：需要 video_ids 或 item_ids")
    w = world()
    now = w.now()
    found = []
    for video_id in dict.fromkeys(i for i in wanted if i):
        video = w.video(video_id)
        if video is None or video["open_id"] != open_id or video["deleted"]:
            continue
        found.append(video_json(video, now))
    return ok("video", {"list": found})


@bp.get("/api/douyin/v1/video/get_iframe_by_video", strict_slashes=False)
@endpoint("get_iframe_by_video", "iframe")
def get_iframe_by_video():
    video_id = request.args.get("video_id", "")
    if not video_id and request.args.get("item_id"):
        video_id = video_id_for_item(request.args["item_id"]) or "0"
    if not video_id:
        raise PlatformError(PARAM_ERROR, "参数不合法：缺少 video_id")
    video = world().video(video_id) if video_id.isdigit() else None
    if video is None or not is_public(video):
        raise PlatformError(UNAVAILABLE, "参数不合法：视频不存在或不可见")
    src = f"https://open.douyin.com/player/video?vid={video['video_id']}&autoplay=0"
    iframe = (f'<iframe width="720" height="1280" frameborder="0" src="{src}" '
              f'referrerpolicy="unsafe-url" allowfullscreen></iframe>')
    return ok("iframe", {"iframe_code": iframe, "video_title": video["title"], "video_width": 720,
                         "video_height": 1280})


# -- the embeddable player (https://open.douyin.com/player/video?vid=<id>) ------

PLAYER_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https: http:; "
              "base-uri 'none'")


@bp.get("/player/video")
@named("asset")  # a page browsers load, like Douyin's CDN: not in the request log
def player():
    """The stand-in for Douyin's official player: the cover as a poster, the title and the author.
    Framable by any page (the real one is); it plays nothing."""
    vid = request.args.get("vid", "")
    video = world().video(vid) if vid.isdigit() and len(vid) <= 20 else None
    headers = {"Content-Security-Policy": PLAYER_CSP}
    if video is None or not is_public(video):
        return render_template("sandbox/player.html", video=None), 404, headers
    user = world().user(video["open_id"]) or {"nickname": video["open_id"]}
    return render_template("sandbox/player.html", video=video, author=user["nickname"],
                           cover=cover_url(video)), 200, headers
