"""Short links (under ``SANDBOX_SHORTLINK_PATH``), share pages (under ``SANDBOX_SHARE_PATH``) and
placeholder images for covers and avatars (``/assets/…``, not logged: they stand in for Douyin's CDN)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template
from markupsafe import escape

from .common import endpoint, named, world
from .state import SHORT_CODE, is_public, mint_video_id, sec_uid_for

short_bp = Blueprint("sandbox_short", __name__)
jx_bp = Blueprint("sandbox_jx", __name__)
share_bp = Blueprint("sandbox_share", __name__)
assets_bp = Blueprint("sandbox_web", __name__)

HOME = "https://www.douyin.com/"


def _digits(*parts: object, length: int = 19) -> str:
    n = int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")
    return str(10 ** (length - 1) + n % (9 * 10 ** (length - 1)))


def _share_params(code: str, now: int) -> dict:
    digest = hashlib.sha256(("share:" + code).encode()).digest()
    u_code = base64.b32encode(digest[:8]).decode().lower().rstrip("=")[:12]
    sign = base64.urlsafe_b64encode(hashlib.sha256(digest).digest()).decode()[:43] + "-"
    return {"u_code": u_code, "share_sign": sign, "share_version": "170400", "ts": str(now), "with_sec_did": "1"}


def location_for(link: dict | None, code: str) -> str:
    """Where a short code redirects, shaped like the real ones."""
    if link is None or link["kind"] == "expired":
        return HOME
    if link["kind"] == "location":
        return link["location"]
    now = world().now_int()
    share = _share_params(code, now)
    if link["kind"] == "video":
        query = {"region": "CN", "mid": _digits("mid", link["video_id"]), **share}
        return f"https://www.iesdouyin.com/share/video/{link['video_id']}/?" + urlencode(query)
    if link["kind"] == "note":
        note_id = link.get("video_id") or mint_video_id(now - 86400, "note", code)
        query = {"region": "CN", "mid": _digits("mid", note_id), **share}
        return f"https://www.iesdouyin.com/share/note/{note_id}/?" + urlencode(query)
    if link["kind"] == "user":
        sec_uid = sec_uid_for(link.get("open_id") or "code:" + code)
        query = {"u_code": share["u_code"], "did": _digits("did", code), "iid": _digits("iid", code),
                 "with_sec_did": "1", "sec_uid": sec_uid, "from_ssr": "1", "timestamp": str(now)}
        return f"https://www.iesdouyin.com/share/user/{sec_uid}?" + urlencode(query)
    room = _digits("room", code)
    query = {"u_code": share["u_code"], "did": _digits("did", code), "iid": _digits("iid", code),
             "with_sec_did": "1", "from_ssr": "1", "ts": str(now)}
    return f"https://webcast.amemv.com/douyin/webcast/reflow/{room}?" + urlencode(query)


def _short_answer(code: str, host: str):
    link = world().shortlink(code, host) if SHORT_CODE.match(code) else None
    if link is not None and link["kind"] == "risk":  # risk control: a verification page, no redirect
        return render_template("sandbox/verify.html"), 200
    if link is not None and link["kind"] == "forbidden":
        return render_template("sandbox/error.html", message="403 Forbidden"), 403
    location = location_for(link, code)
    response = Response(f'<a href="{escape(location)}">Found</a>.\n', 302, mimetype="text/html")
    response.headers["Location"] = location  # exactly as given: no rewriting
    return response


@short_bp.get("/<code>")
@short_bp.get("/<code>/")
@endpoint("shortlink", "web")
def shortlink(code: str):
    return _short_answer(code, "v")


@jx_bp.get("/<code>")
@jx_bp.get("/<code>/")
@endpoint("shortlink", "web")
def jx_shortlink(code: str):
    """jx.douyin.com codes (registered with ``"host": "jx"``); they often redirect to a v.douyin.com link."""
    return _short_answer(code, "jx")


@share_bp.get("/share/video/<video_id>/", strict_slashes=False)
@endpoint("share_page", "web")
def share_page(video_id: str):
    video = world().video(video_id) if video_id.isdigit() else None
    if video is None or not is_public(video):
        return render_template("sandbox/not_found.html"), 404
    user = world().user(video["open_id"]) or {"nickname": video["open_id"]}
    return render_template("sandbox/share.html", video=video, author=user["nickname"])


def _svg(label: str, hue: int, width: int, height: int) -> Response:
    text = escape(label[:12])
    body = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="hsl({hue},55%,42%)"/>'
            f'<text x="50%" y="50%" fill="#fff" font-size="{max(12, width // 10)}" text-anchor="middle" '
            f'dominant-baseline="middle" font-family="sans-serif">{text}</text></svg>')
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def cover_svg(video_id: str, title: str) -> str:
    """A small, varied, deterministic cover (270×480, ~1 KB): two hues and a few circles from the
    id's hash, and the first words of the caption (tags dropped)."""
    h = hashlib.sha256(("cover:" + video_id).encode()).digest()
    hue, hue2 = h[0] * 360 // 256, (h[0] * 360 // 256 + 40 + h[1] % 120) % 360
    circles = "".join(
        f'<circle cx="{h[2 + i] * 270 // 256}" cy="{h[5 + i] * 480 // 256}" r="{20 + h[8 + i] % 70}" '
        f'fill="hsl({(hue + 60 * i) % 360},70%,70%)" fill-opacity="0.35"/>' for i in range(3))
    words = " ".join(w for w in title.split() if not w.startswith(("#", "@")))[:16] or "抖音视频"
    lines = [escape(words[i:i + 8]) for i in range(0, len(words), 8)]
    text = "".join(f'<tspan x="24" dy="{0 if i == 0 else 34}">{line}</tspan>' for i, line in enumerate(lines))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="270" height="480" viewBox="0 0 270 480">'
            f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl({hue},60%,45%)"/>'
            f'<stop offset="1" stop-color="hsl({hue2},65%,30%)"/></linearGradient></defs>'
            f'<rect width="270" height="480" fill="url(#g)"/>{circles}'
            f'<text x="24" y="96" fill="#fff" font-size="26" font-weight="bold" font-family="sans-serif">{text}</text>'
            f'<text x="24" y="460" fill="#fff" fill-opacity="0.8" font-size="14" font-family="sans-serif">抖音沙盒 · {video_id[-6:]}</text></svg>')


@assets_bp.get("/assets/cover/<video_id>.svg")
@named("asset")
def cover(video_id: str):
    """Every video's cover (the VIDEO ``cover`` field points here unless a video was given its own)."""
    if not video_id.isdigit() or len(video_id) > 20:
        abort(404)
    video = world().video(video_id)
    response = Response(cover_svg(video_id, video["title"] if video else ""), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@assets_bp.get("/assets/avatar/<open_id>.svg")
@named("asset")
def avatar(open_id: str):
    user = world().user(open_id)
    hue = int(hashlib.sha256(open_id.encode()).hexdigest()[:4], 16) % 360
    return _svg((user or {}).get("nickname", "?")[:2], hue, 100, 100)
