"""The sandbox's world: apps, users, videos, short codes, OAuth grants, faults, a request log and a clock.

Everything lives in one plain JSON-able dict guarded by one re-entrant lock, so the
threaded dev server can serve several requests at once. With ``state_file`` the dict
is mirrored to that JSON file after every change (written atomically) and re-read
when another process changed it, so a sandbox restarted with the same file keeps its
world. Rate-limit windows are wall-clock and never saved.

Methods that answer a Douyin endpoint raise :class:`PlatformError` (the platform's
code and description); control-route methods raise :class:`ControlError` (HTTP 400).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Iterator

from contest.config import SANDBOX_CLIENT_KEY, SANDBOX_CLIENT_SECRET

log = logging.getLogger(__name__)

ACCESS_TTL = 1_296_000   # 15 days
REFRESH_TTL = 2_592_000  # 30 days
CODE_TTL = 600           # 10 minutes
MAX_RENEWALS = 5
LOG_LIMIT = 10_000

ENDPOINTS = (
    "shortlink", "share_page", "get_iframe_by_video", "access_token", "refresh_token",
    "renew_refresh_token", "userinfo", "video_list", "video_data",
)
FAULT_KINDS = ("error_code", "timeout", "http_500", "bad_json")
STAT_FIELDS = ("digg_count", "comment_count", "share_count", "play_count")
# "risk": a 200 verification page instead of a redirect (risk control); "forbidden": a 403.
LINK_KINDS = ("video", "note", "user", "live", "expired", "risk", "forbidden")
LINK_HOSTS = ("v", "jx")  # v.douyin.com, jx.douyin.com
ALL_SCOPES = ("user_info", "video.list.bind", "video.data.bind")

# video_status (docs/douyin.md): 1 and 5 public; 2 不适宜公开, 4 审核中, 6 好友可见, 7 私密.
VIDEO_STATUSES = (1, 2, 4, 5, 6, 7)
PUBLIC_STATUSES = (1, 5)
PRIVATE_STATUS = 7
# Modes of the sandbox's answers (POST /__sandbox__/modes), the first value of each the default.
MODES = {
    # user info: the newer {"err_no", "err_msg", "log_id", "data"} envelope, or the older {"data", "extra"}.
    "userinfo_envelope": ("new", "old"),
    # VIDEO objects: with video_id; with item_id only (share_url still names the video); with item_id
    # only and a share_url that names nothing (a short link).
    "video_objects": ("full", "item_id_only", "item_id_only_bare"),
}
RETIRED = (28001056, "该能力API已下线,不再支持调用")
QUOTA_CODES = (28003017, 2190001)

SHORT_CODE = re.compile(r"^[A-Za-z0-9_-]{6,24}$")
VIDEO_ID = re.compile(r"^[0-9]{1,20}$")
OPEN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SCOPE = re.compile(r"^[A-Za-z0-9_.]{1,64}$")
# A Location header must be printable ASCII without spaces (WSGI headers are latin-1; no CR/LF injection).
LOCATION = re.compile(r"^[!-~]{1,2000}$")

_ITEM_KEY = hashlib.sha256(b"zhuzhou-contest douyin sandbox item_id key").digest()

# (seed key, open_id, days ago, hours ago, caption, public, final likes)
_TAGS = "#动力株洲文旅通 @株洲足迹"
DEMO_USERS = (
    ("ou_demo_xiaoli", "小李爱株洲"),
    ("ou_demo_laozhang", "老张的乡村"),
    ("ou_demo_ahua", "阿华才艺"),
)
DEMO_VIDEOS = (
    ("xiaoli-1", "ou_demo_xiaoli", 18, 3, f"神农城的夜景太美了 {_TAGS}", True, 1280),
    ("xiaoli-2", "ou_demo_xiaoli", 9, 5, f"炎帝陵祭祖大典现场 #株洲 {_TAGS}", True, 356),
    ("xiaoli-3", "ou_demo_xiaoli", 3, 2, "湘江风光带骑行，风真舒服 #动力株洲文旅通", True, 88),  # no @ mention
    ("xiaoli-p", "ou_demo_xiaoli", 5, 1, f"草稿：醴陵瓷谷 {_TAGS}", False, 4),
    ("laozhang-1", "ou_demo_laozhang", 15, 4, f"炎陵黄桃熟了，欢迎来摘 {_TAGS}", True, 2450),
    ("laozhang-2", "ou_demo_laozhang", 6, 6, f"茶陵古城墙下的老手艺 {_TAGS}", True, 512),
    ("laozhang-p", "ou_demo_laozhang", 4, 3, f"自家菜园 {_TAGS}", False, 2),
    ("ahua-1", "ou_demo_ahua", 12, 7, f"醴陵釉下五彩瓷，边画边唱 {_TAGS}", True, 3021),
    ("ahua-2", "ou_demo_ahua", 7, 2, f"攸县香干的一百种吃法 {_TAGS}", True, 640),
    ("ahua-3", "ou_demo_ahua", 1, 3, f"石峰公园樱花舞 {_TAGS}", True, 145),
    ("ahua-p", "ou_demo_ahua", 2, 1, f"练习中，还没剪好 {_TAGS}", False, 0),
)
DEMO_LINKS = (
    ("sbxLi001", "xiaoli-1"), ("sbxLi002", "xiaoli-2"), ("sbxLi003", "xiaoli-3"), ("sbxLi004", "xiaoli-p"),
    ("sbxZh001", "laozhang-1"), ("sbxZh002", "laozhang-2"),
    ("sbxHu001", "ahua-1"), ("sbxHu002", "ahua-2"), ("sbxHu003", "ahua-3"),
)
DEMO_OTHER_LINKS = (("sbxUser01", "user"), ("sbxLive01", "live"), ("sbxNote01", "note"), ("sbxGone01", "expired"))


class PlatformError(Exception):
    """What a Douyin endpoint answers with ``error_code`` (or ``err_no``) ≠ 0."""

    def __init__(self, code: int, description: str):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


class ControlError(Exception):
    """Bad input to a control route: HTTP 400 ``{"error": message}``."""


# -- ids ---------------------------------------------------------------------

def _bits(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "big")


def mint_video_id(create_time: int, *salt: object) -> str:
    """Douyin's rule: the publish time in the top 32 bits, 32 (deterministic) random bits below."""
    return str((int(create_time) << 32) | _bits("video", create_time, *salt))


def item_id_for(video_id: str) -> str:
    """An opaque ``@…`` item id that maps back to the video id (:func:`video_id_for_item`)."""
    raw = int(video_id).to_bytes(8, "big")
    tag = hmac.new(_ITEM_KEY, raw, hashlib.sha256).digest()[:24]
    pad = hashlib.sha256(_ITEM_KEY + tag).digest()[:8]
    body = bytes(a ^ b for a, b in zip(raw, pad))
    return "@" + base64.urlsafe_b64encode(tag + body).decode().rstrip("=")


def video_id_for_item(item_id: str) -> str | None:
    if not isinstance(item_id, str) or not item_id.startswith("@"):
        return None
    try:
        blob = base64.urlsafe_b64decode(item_id[1:] + "=" * (-len(item_id[1:]) % 4))
    except (ValueError, TypeError):
        return None
    if len(blob) != 32:
        return None
    tag, body = blob[:24], blob[24:]
    pad = hashlib.sha256(_ITEM_KEY + tag).digest()[:8]
    raw = bytes(a ^ b for a, b in zip(body, pad))
    if not hmac.compare_digest(hmac.new(_ITEM_KEY, raw, hashlib.sha256).digest()[:24], tag):
        return None
    return str(int.from_bytes(raw, "big"))


def sec_uid_for(open_id: str) -> str:
    """A profile's ``sec_uid`` shaped like the real ones (``MS4wLjABAAAA`` + opaque)."""
    digest = hashlib.sha256(("sec_uid:" + open_id).encode()).digest() + hashlib.sha256(open_id.encode()).digest()[:12]
    return "MS4wLjABAAAA" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


# The demo's like curves (curve_likes). Organic likes: an early burst that saturates in about two
# days plus a long tail (hours^0.7). From the moment a curve is switched on (``since``: the demo is
# seeded), the contest is in full swing: likes come at LIVE_RATE of a video's size an hour, each
# video at its own pace (LIVE_PACE), slowing over LIVE_DAYS, so that the leaders visibly move and
# sometimes overtake one another. One video in SURGE_EVERY buys likes one night: they arrive between
# 01:00 and 04:00 Beijing time, come without plays (what the bought-likes flags look for), and outnumber
# its organic likes several times.
BURST_HOURS = 18.0       # the early burst: 1 − e^(−h/18) of BURST_SIZE
BURST_SIZE = 40.0
TAIL_POWER = 0.7
LIVE_RATE = 0.045        # of a video's likes, an hour, when the demo starts
LIVE_DAYS = 2.0          # the pace falls to 1/e after this many days
LIVE_PACE = (0.8, 1.5)   # a video's own pace: this range, from its id
SURGE_EVERY = 4096       # a video whose id's low 12 bits are SURGE_TAG (the demo's video 13) buys likes
SURGE_TAG = 0x00D
SURGE_AFTER = 36 * 3600  # the first night at least this long after it was published
SURGE_FOLD = 6           # bought likes: this many times its organic likes at that night, plus SURGE_EXTRA
SURGE_EXTRA = 2000
BEIJING = 8 * 3600


def _scale(video_id: str) -> int:
    """One video in seven goes viral (scale 120–219, 12,000–22,000 likes after two weeks); the rest
    are modest (8–31, a few hundred to about 3,000)."""
    bits = _bits("curve", video_id)
    return 120 + bits % 100 if bits % 7 == 0 else 8 + bits % 24


def organic_likes(video_id: str, t: float) -> float:
    """Likes from viewers, ``t`` seconds since the epoch: the early burst and the long tail."""
    hours = max(0.0, (t - (int(video_id) >> 32)) / 3600)
    return _scale(video_id) * (BURST_SIZE * (1 - math.exp(-hours / BURST_HOURS)) + hours ** TAIL_POWER)


def surge_window(video_id: str) -> tuple[float, float] | None:
    """When a buying video's bought likes arrive (01:00–04:00 Beijing time of its night), else None."""
    if int(video_id) & (SURGE_EVERY - 1) != SURGE_TAG:
        return None
    after = (int(video_id) >> 32) + SURGE_AFTER
    midnight = (after + BEIJING) // 86400 * 86400 - BEIJING + 86400  # the next Beijing midnight
    return midnight + 3600, midnight + 4 * 3600


def bought_likes(video_id: str, t: float) -> int:
    window = surge_window(video_id)
    if window is None or t <= window[0]:
        return 0
    total = SURGE_FOLD * organic_likes(video_id, window[0]) + SURGE_EXTRA
    return int(total * min(1.0, (t - window[0]) / (window[1] - window[0])))


def live_likes(video_id: str, t: float, since: float | None) -> float:
    """The likes of the demo's full swing since ``since`` (none before it, or without it)."""
    if since is None or t <= since:
        return 0.0
    low, high = LIVE_PACE
    pace = low + (high - low) * (_bits("pace", video_id) % 1000) / 999
    days = LIVE_DAYS * 86400
    return organic_likes(video_id, since) * LIVE_RATE * 24 * LIVE_DAYS * pace * (1 - math.exp(-(t - since) / days))


def curve_likes(video_id: str, t: float, since: float | None = None) -> int:
    """A demo video's likes at sandbox time ``t`` on its own deterministic curve (the constants
    above): organic, bought (one video in :data:`SURGE_EVERY`) and, from ``since``, live."""
    return int(organic_likes(video_id, t) + live_likes(video_id, t, since)) + bought_likes(video_id, t)


def curve_stats(video_id: str, t: float, since: float | None = None) -> dict:
    """Every statistic of a curved video at ``t``, in organic proportions to its likes (bought
    likes come with no comments, shares or plays)."""
    likes = curve_likes(video_id, t, since)
    viewed = likes - bought_likes(video_id, t)
    return {"digg_count": likes, "comment_count": viewed // 9, "share_count": viewed // 25,
            "play_count": viewed * 11 + (40 if viewed else 0)}


def stats_at(video: dict, t: float) -> dict:
    """The statistics a video shows at sandbox time ``t``: its curve (``"curve": true`` when created)
    until counts are set explicitly, then the latest series entry with ``at <= t``."""
    curve_until = video.get("curve_until", 0)
    if video.get("curve") and (curve_until is None or t < curve_until):
        return curve_stats(video["video_id"], t, video.get("curve_since"))
    current = {field: 0 for field in STAT_FIELDS}
    for at, counts in video["series"]:
        if at > t:
            break
        current = counts
    return dict(current)


def status_of(video: dict) -> int:
    """A video's ``video_status``: as set, else 1 (public) or 7 (private) from ``public``."""
    status = video.get("video_status")
    if status is None:
        return 1 if video["public"] else PRIVATE_STATUS
    return int(status)


def is_public(video: dict) -> bool:
    """Shown to everybody: not deleted, and a public status."""
    return not video["deleted"] and status_of(video) in PUBLIC_STATUSES


def _empty() -> dict:
    return {
        # The demo application: the scopes (capabilities) it was granted, and the renew permission.
        "apps": {SANDBOX_CLIENT_KEY: {"client_secret": SANDBOX_CLIENT_SECRET, "name": "株洲抖音生活秀（沙盒演示应用）",
                                      "scopes": list(ALL_SCOPES), "renew_permission": True}},
        "users": {}, "videos": {}, "shortlinks": {}, "codes": {}, "access_tokens": {}, "refresh_tokens": {},
        "grants": {}, "faults": [], "rate_limits": {}, "log": [], "clock_offset": 0.0, "counter": 0,
        "modes": {name: values[0] for name, values in MODES.items()},
        "retired": {},  # endpoint → error code: the capability is offline for the app
        "quota": {},    # endpoint → {"limit", "code", "used", "day"}: calls a (Beijing) day
    }


# -- validation helpers for control routes -------------------------------------

def _require(payload: dict, key: str) -> Any:
    if key not in payload or payload[key] is None:
        raise ControlError(f'"{key}" is required')
    return payload[key]


def _int_field(payload: dict, key: str, *, minimum: int | None = 0, maximum: int = 10**15,
               default: Any = None) -> Any:
    value = payload.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f'"{key}" must be an integer')
    if minimum is not None and value < minimum:
        raise ControlError(f'"{key}" must be at least {minimum}')
    if value > maximum:
        raise ControlError(f'"{key}" must be at most {maximum}')
    return value


def _number_field(payload: dict, key: str) -> float | None:
    value = payload.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or abs(value) > 1e12:
        raise ControlError(f'"{key}" must be a number')
    return float(value)


def _bool_field(payload: dict, key: str) -> bool | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ControlError(f'"{key}" must be true or false')
    return value


def _str_field(payload: dict, key: str, *, required: bool = False, limit: int = 2000) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise ControlError(f'"{key}" is required')
        return None
    if not isinstance(value, str):
        raise ControlError(f'"{key}" must be a string')
    if len(value) > limit:
        raise ControlError(f'"{key}" is longer than {limit} characters')
    return value


def _video_id_field(payload: dict, key: str = "video_id", *, required: bool = True) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise ControlError(f'"{key}" is required')
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ControlError(f'"{key}" must be a string of digits, not a number: ids exceed 2^53 and lose precision')
    if not isinstance(value, str) or not VIDEO_ID.match(value) or int(value) >= 2**64:
        raise ControlError(f'"{key}" must be a string of 1 to 20 digits below 2^64')
    return str(int(value))


def _status_field(payload: dict) -> int | None:
    value = _int_field(payload, "video_status", minimum=None)
    if value is not None and value not in VIDEO_STATUSES:
        raise ControlError('"video_status" must be one of ' + ", ".join(map(str, VIDEO_STATUSES)))
    return value


def _set_visibility(video: dict, public: bool | None, status: int | None) -> None:
    """``video_status`` wins; ``public`` alone means 1 (public) or 7 (private)."""
    if public is not None and status is not None and public != (status in PUBLIC_STATUSES):
        raise ControlError('"public" contradicts "video_status"')
    if status is None and public is not None:
        status = 1 if public else PRIVATE_STATUS
    if status is not None:
        video["video_status"] = status
        video["public"] = status in PUBLIC_STATUSES


def _endpoint_field(payload: dict) -> str:
    endpoint = _str_field(payload, "endpoint", required=True, limit=40)
    if endpoint not in ENDPOINTS:
        raise ControlError('"endpoint" must be one of ' + ", ".join(ENDPOINTS))
    return endpoint


def _open_id_field(payload: dict, *, required: bool = True) -> str | None:
    value = _str_field(payload, "open_id", required=required, limit=64)
    if value is not None and not OPEN_ID.match(value):
        raise ControlError('"open_id" must be 1 to 64 of A-Z a-z 0-9 _ . : -')
    return value


class World:
    def __init__(self, state_file: str | None = None):
        self.lock = threading.RLock()
        self.state_file = state_file
        self._mtime: float | None = None
        self._hits: dict[str, deque] = {}
        self.data = _empty()
        self.loaded = False  # true when the world came from an existing state file
        if state_file and os.path.exists(state_file):
            self._load()

    # -- persistence -------------------------------------------------------
    def _load(self) -> None:
        try:
            with open(self.state_file, encoding="utf-8") as fh:
                loaded = json.load(fh)
            self._mtime = os.stat(self.state_file).st_mtime_ns
        except (OSError, ValueError) as exc:
            log.warning("sandbox state file %s unreadable (%s): starting empty", self.state_file, exc)
            return
        if not isinstance(loaded, dict):
            log.warning("sandbox state file %s is not a JSON object: starting empty", self.state_file)
            return
        fresh = _empty()
        for key, default in fresh.items():
            if key in loaded and isinstance(loaded[key], type(default)):
                fresh[key] = loaded[key]
        for key, app in _empty()["apps"].items():
            fresh["apps"][key] = {**app, **{k: v for k, v in fresh["apps"].get(key, {}).items()
                                           if k in ("scopes", "renew_permission")}}
        self.data = fresh
        self.loaded = True

    def _save(self) -> None:
        if not self.state_file:
            return
        directory = os.path.dirname(os.path.abspath(self.state_file))
        fd, tmp = tempfile.mkstemp(prefix=".sandbox-", suffix=".json", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, ensure_ascii=False)
            os.replace(tmp, self.state_file)
            self._mtime = os.stat(self.state_file).st_mtime_ns
        except OSError as exc:
            log.warning("cannot write sandbox state file %s: %s", self.state_file, exc)
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def _refresh(self) -> None:
        if not self.state_file:
            return
        try:
            mtime = os.stat(self.state_file).st_mtime_ns
        except OSError:
            return
        if mtime != self._mtime:
            self._load()

    @contextmanager
    def reading(self) -> Iterator[dict]:
        with self.lock:
            self._refresh()
            yield self.data

    @contextmanager
    def changing(self) -> Iterator[dict]:
        with self.lock:
            self._refresh()
            yield self.data
            self._save()

    # -- clock -------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.data["clock_offset"]

    def now_int(self) -> int:
        return int(self.now())

    def set_clock(self, payload: dict) -> int:
        now = _number_field(payload, "now")
        advance = _number_field(payload, "advance")
        if now is None and advance is None:
            raise ControlError('give "now" (unix seconds) or "advance" (seconds)')
        if now is not None and advance is not None:
            raise ControlError('give either "now" or "advance", not both')
        if now is not None and not 0 <= now < 2**32:
            raise ControlError('"now" must be unix seconds between 0 and 2^32')
        with self.changing() as d:
            if now is not None:
                d["clock_offset"] = now - time.time()
            else:
                d["clock_offset"] += advance
            return self.now_int()

    def logid(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(self.now()))
        return stamp + secrets.token_hex(10).upper()

    # -- whole world -------------------------------------------------------
    def reset(self) -> None:
        """An empty world with the demo application as registered by default (every scope, the
        renew permission), every mode at its default, no fault, retirement or quota."""
        with self.changing():
            self.data.clear()
            self.data.update(_empty())
            self._hits.clear()

    def seed(self) -> dict:
        """The demo world: three users, their videos (published in the last 20 days), short codes. Idempotent."""
        with self.changing() as d:
            now = self.now_int()
            for open_id, nickname in DEMO_USERS:
                d["users"].setdefault(open_id, {"open_id": open_id, "union_id": "un_" + open_id[3:],
                                                "nickname": nickname, "avatar": None})
            by_key = {v.get("seed_key"): v for v in d["videos"].values() if v.get("seed_key")}
            for key, open_id, days, hours, title, public, likes in DEMO_VIDEOS:
                if key in by_key:
                    continue
                created = now - days * 86400 - hours * 3600
                video_id = mint_video_id(created, "seed", key)
                series = []
                for day in range(days + 1):
                    share = (day + 1) / (days + 1)
                    digg = round(likes * share)
                    series.append([created + day * 86400, {
                        "digg_count": digg, "comment_count": digg // 8, "share_count": digg // 20,
                        "play_count": digg * 12 + 30}])
                video = {"video_id": video_id, "open_id": open_id, "title": title, "create_time": created,
                         "public": public, "deleted": False, "cover": None, "series": series, "seed_key": key}
                d["videos"][video_id] = video
                by_key[key] = video
            for code, key in DEMO_LINKS:
                d["shortlinks"].setdefault(code, {"code": code, "kind": "video", "video_id": by_key[key]["video_id"]})
            for code, kind in DEMO_OTHER_LINKS:
                d["shortlinks"].setdefault(code, {"code": code, "kind": kind})
            return {
                "users": [open_id for open_id, _ in DEMO_USERS],
                "videos": [by_key[key]["video_id"] for key, *_ in DEMO_VIDEOS],
                "shortlinks": [code for code, _ in DEMO_LINKS] + [code for code, _ in DEMO_OTHER_LINKS],
            }

    def snapshot(self) -> dict:
        with self.reading() as d:
            now = self.now()
            return {
                "now": int(now),
                "users": [dict(u) for u in d["users"].values()],
                "videos": [self.video_dump(v, now) for v in d["videos"].values()],
                "shortlinks": [dict(s) for s in d["shortlinks"].values()],
                "faults": [dict(f) for f in d["faults"]],
                "rate_limits": dict(d["rate_limits"]),
                "app": {k: v for k, v in d["apps"][SANDBOX_CLIENT_KEY].items() if k != "client_secret"},
                "modes": dict(d["modes"]),
                "retired": dict(d["retired"]),
                "quota": {k: dict(v) for k, v in d["quota"].items()},
            }

    @staticmethod
    def video_dump(video: dict, now: float) -> dict:
        return {
            "video_id": video["video_id"], "item_id": item_id_for(video["video_id"]), "open_id": video["open_id"],
            "title": video["title"], "create_time": video["create_time"], "public": video["public"],
            "video_status": status_of(video), "deleted": video["deleted"], "cover": video["cover"],
            "curve": bool(video.get("curve")),
            "statistics": stats_at(video, now),
            "series": [{"at": at, **counts} for at, counts in video["series"]],
        }

    # -- users and videos --------------------------------------------------
    def upsert_user(self, payload: dict) -> dict:
        open_id = _open_id_field(payload)
        nickname = _str_field(payload, "nickname", limit=100)
        union_id = _str_field(payload, "union_id", limit=100)
        avatar = _str_field(payload, "avatar")
        with self.changing() as d:
            user = d["users"].get(open_id)
            if user is None:
                if nickname is None:
                    raise ControlError('"nickname" is required for a new user')
                user = d["users"][open_id] = {"open_id": open_id, "union_id": None, "nickname": nickname,
                                              "avatar": None}
            if nickname is not None:
                user["nickname"] = nickname
            user["union_id"] = union_id or user["union_id"] or "un_" + open_id
            if avatar is not None:
                user["avatar"] = avatar
            return dict(user)

    def user(self, open_id: str) -> dict | None:
        with self.reading() as d:
            user = d["users"].get(open_id)
            return dict(user) if user else None

    def users(self) -> list[dict]:
        with self.reading() as d:
            return [dict(u) for u in d["users"].values()]

    def upsert_video(self, payload: dict) -> dict:
        video_id = _video_id_field(payload, required=False)
        open_id = _open_id_field(payload, required=False)
        title = _str_field(payload, "title", limit=5000)
        create_time = _int_field(payload, "create_time", maximum=2**32 - 1)
        public = _bool_field(payload, "public")
        status = _status_field(payload)
        deleted = _bool_field(payload, "deleted")
        cover = _str_field(payload, "cover")
        curve = _bool_field(payload, "curve")
        counts = {f: _int_field(payload, f) for f in STAT_FIELDS}
        counts = {f: n for f, n in counts.items() if n is not None}
        if curve and counts:
            raise ControlError('"curve" and explicit counts cannot be combined')
        with self.changing() as d:
            video = d["videos"].get(video_id) if video_id else None
            now = self.now_int()
            if video is None:
                if open_id is None:
                    raise ControlError('"open_id" is required for a new video')
                if title is None:
                    raise ControlError('"title" is required for a new video')
                if create_time is None:
                    create_time = int(video_id) >> 32 if video_id and int(video_id) >> 32 else now
                if video_id is None:
                    d["counter"] += 1
                    video_id = mint_video_id(create_time, open_id, d["counter"])
                if open_id not in d["users"]:
                    d["users"][open_id] = {"open_id": open_id, "union_id": "un_" + open_id, "nickname": open_id,
                                           "avatar": None}
                baseline = {f: counts.get(f, 0) for f in STAT_FIELDS}
                video = d["videos"][video_id] = {
                    "video_id": video_id, "open_id": open_id, "title": title, "create_time": create_time,
                    "public": True, "deleted": bool(deleted), "cover": cover,
                    "series": [[0, baseline]], "seed_key": None,
                }
                _set_visibility(video, public, status)
                if curve:
                    video.update(curve=True, curve_until=None, curve_since=now)
            else:
                if open_id is not None:
                    if open_id not in d["users"]:
                        raise ControlError(f"unknown open_id {open_id!r}: create the user first")
                    video["open_id"] = open_id
                for key, value in (("title", title), ("create_time", create_time), ("deleted", deleted),
                                   ("cover", cover)):
                    if value is not None:
                        video[key] = value
                _set_visibility(video, public, status)
                if curve is not None:
                    # A curve switched on again keeps the moment it first was (the demo's
                    # seed-demo runs again): its likes never step back.
                    video.update(curve=curve, curve_until=None, curve_since=video.get("curve_since") or now)
                if counts:
                    self._add_stats(video, counts, now)
            return self.video_dump(video, self.now())

    @staticmethod
    def _add_stats(video: dict, counts: dict, at: int) -> None:
        merged = {**stats_at(video, at), **counts}
        if video.get("curve"):  # the curve ends where counts are set: the series holds from then on
            until = video.get("curve_until")
            video["curve_until"] = at if until is None else min(until, at)
        ats = [entry[0] for entry in video["series"]]
        video["series"].insert(bisect.bisect_right(ats, at), [at, merged])

    def set_stats(self, video_id: str, payload: dict) -> dict:
        counts = {f: _int_field(payload, f) for f in STAT_FIELDS}
        counts = {f: n for f, n in counts.items() if n is not None}
        if not counts:
            raise ControlError("give at least one of " + ", ".join(STAT_FIELDS))
        at = _int_field(payload, "at", minimum=0, maximum=2**40)
        with self.changing() as d:
            video = d["videos"].get(video_id)
            if video is None:
                raise ControlError(f"unknown video {video_id}")
            self._add_stats(video, counts, self.now_int() if at is None else at)
            return self.video_dump(video, self.now())

    def set_visibility(self, video_id: str, payload: dict) -> dict:
        public = _bool_field(payload, "public")
        status = _status_field(payload)
        deleted = _bool_field(payload, "deleted")
        if public is None and deleted is None and status is None:
            raise ControlError('give "public", "video_status" and/or "deleted"')
        with self.changing() as d:
            video = d["videos"].get(video_id)
            if video is None:
                raise ControlError(f"unknown video {video_id}")
            _set_visibility(video, public, status)
            if deleted is not None:
                video["deleted"] = deleted
            return self.video_dump(video, self.now())

    def video(self, video_id: str) -> dict | None:
        with self.reading() as d:
            video = d["videos"].get(video_id)
            return json.loads(json.dumps(video)) if video else None

    def videos_of(self, open_id: str) -> list[dict]:
        with self.reading() as d:
            return [json.loads(json.dumps(v)) for v in d["videos"].values() if v["open_id"] == open_id]

    # -- short links -------------------------------------------------------
    def add_shortlink(self, payload: dict) -> dict:
        code = _str_field(payload, "code", required=True, limit=40)
        if not SHORT_CODE.match(code):
            raise ControlError('"code" must be 6 to 24 of A-Z a-z 0-9 _ -')
        host = _str_field(payload, "host", limit=4) or "v"
        if host not in LINK_HOSTS:
            raise ControlError('"host" must be "v" (v.douyin.com) or "jx" (jx.douyin.com)')
        location = _str_field(payload, "location")
        kind = _str_field(payload, "kind", limit=20)
        if location is not None:
            if kind is not None or payload.get("video_id") is not None:
                raise ControlError('"location" cannot be combined with "kind" or "video_id"')
            if not LOCATION.match(location):
                raise ControlError('"location" must be printable ASCII without spaces')
            link = {"code": code, "kind": "location", "location": location}
        else:
            kind = kind or "video"
            if kind not in LINK_KINDS:
                raise ControlError('"kind" must be one of ' + ", ".join(LINK_KINDS))
            video_id = _video_id_field(payload, required=kind == "video")
            if video_id is not None and kind not in {"video", "note"}:
                raise ControlError(f'"video_id" makes no sense for kind {kind!r}')
            open_id = _open_id_field(payload, required=False)
            if open_id is not None and kind != "user":
                raise ControlError('"open_id" is only for kind "user"')
            link = {"code": code, "kind": kind}
            if video_id is not None:
                link["video_id"] = video_id
            if open_id is not None:
                link["open_id"] = open_id
        if host != "v":
            link["host"] = host
        with self.changing() as d:
            d["shortlinks"][self._link_key(code, host)] = link
            return dict(link)

    @staticmethod
    def _link_key(code: str, host: str) -> str:
        return code if host == "v" else f"{host}:{code}"

    def shortlink(self, code: str, host: str = "v") -> dict | None:
        with self.reading() as d:
            link = d["shortlinks"].get(self._link_key(code, host))
            return dict(link) if link else None

    # -- faults and rate limits -------------------------------------------
    def add_fault(self, payload: dict) -> dict:
        endpoint = _endpoint_field(payload)
        kind = _str_field(payload, "kind", required=True, limit=20)
        if kind not in FAULT_KINDS:
            raise ControlError('"kind" must be one of ' + ", ".join(FAULT_KINDS))
        times = _int_field(payload, "times", minimum=1, maximum=1_000_000, default=1)
        fault: dict[str, Any] = {"endpoint": endpoint, "kind": kind, "times": times}
        if kind == "error_code":
            code = _int_field(payload, "code", minimum=1, maximum=2**31 - 1)
            if code is None:
                raise ControlError('"code" (a non-zero integer) is required for kind "error_code"')
            fault["code"] = code
        if kind == "timeout":
            seconds = _number_field(payload, "seconds")
            if seconds is None:
                seconds = 10.0
            if not 0 < seconds <= 120:
                raise ControlError('"seconds" must be above 0 and at most 120')
            fault["seconds"] = seconds
        with self.changing() as d:
            d["faults"].append(fault)
            pending = sum(1 for f in d["faults"] if f["endpoint"] == endpoint)
            return {"fault": dict(fault), "pending": pending}

    def take_fault(self, endpoint: str) -> dict | None:
        """The next fault queued for ``endpoint`` (used up after ``times`` requests)."""
        with self.lock:
            self._refresh()
            for i, fault in enumerate(self.data["faults"]):
                if fault["endpoint"] == endpoint:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        del self.data["faults"][i]
                    self._save()
                    return dict(fault)
            return None

    def set_rate_limit(self, payload: dict) -> dict:
        endpoint = _endpoint_field(payload)
        per_second = _int_field(payload, "per_second", minimum=0, default=0)
        with self.changing() as d:
            if per_second:
                d["rate_limits"][endpoint] = per_second
            else:
                d["rate_limits"].pop(endpoint, None)
            self._hits.pop(endpoint, None)
            return {"endpoint": endpoint, "per_second": per_second}

    def rate_limited(self, endpoint: str) -> bool:
        """Count a call; true when it is beyond the limit in the last second of wall time."""
        with self.reading() as d:
            limit = d["rate_limits"].get(endpoint)
            if not limit:
                return False
            wall = time.monotonic()
            hits = self._hits.setdefault(endpoint, deque())
            while hits and hits[0] <= wall - 1.0:
                hits.popleft()
            if len(hits) >= limit:
                return True
            hits.append(wall)
            return False

    # -- the application, modes, retired capabilities, quotas ------------------
    def set_app(self, payload: dict) -> dict:
        """The demo application's granted ``scopes`` (capabilities) and ``renew_permission``."""
        scopes = payload.get("scopes")
        if scopes is not None and (not isinstance(scopes, list) or not all(
                isinstance(x, str) and SCOPE.match(x) for x in scopes)):
            raise ControlError('"scopes" must be a list of scope names')
        renew = _bool_field(payload, "renew_permission")
        if scopes is None and renew is None:
            raise ControlError('give "scopes" and/or "renew_permission"')
        with self.changing() as d:
            app = d["apps"][SANDBOX_CLIENT_KEY]
            if scopes is not None:
                app["scopes"] = list(dict.fromkeys(scopes))
            if renew is not None:
                app["renew_permission"] = renew
            return {"scopes": list(app["scopes"]), "renew_permission": app["renew_permission"]}

    def set_modes(self, payload: dict) -> dict:
        if not payload:
            raise ControlError("give at least one of " + ", ".join(MODES))
        for name, value in payload.items():
            if name not in MODES:
                raise ControlError(f'unknown mode {name!r}: one of ' + ", ".join(MODES))
            if value not in MODES[name]:
                raise ControlError(f'"{name}" must be one of ' + ", ".join(MODES[name]))
        with self.changing() as d:
            d["modes"].update(payload)
            return dict(d["modes"])

    def mode(self, name: str) -> str:
        with self.reading() as d:
            return d["modes"].get(name, MODES[name][0])

    def set_retired(self, payload: dict) -> dict:
        """``{"endpoint", "retired": bool, "code"?}``: the capability answers ``code`` (28001056) to every call."""
        endpoint = _endpoint_field(payload)
        retired = _bool_field(payload, "retired")
        if retired is None:
            raise ControlError('"retired" (true or false) is required')
        code = _int_field(payload, "code", minimum=1, maximum=2**31 - 1, default=RETIRED[0])
        with self.changing() as d:
            if retired:
                d["retired"][endpoint] = code
            else:
                d["retired"].pop(endpoint, None)
            return {"endpoint": endpoint, "retired": retired, "code": code if retired else None}

    def retired_code(self, endpoint: str) -> int | None:
        with self.reading() as d:
            return d["retired"].get(endpoint)

    def set_quota(self, payload: dict) -> dict:
        """``{"endpoint", "limit": n | null, "code"?}``: ``limit`` calls a Beijing day, then ``code``
        (28003017, or the old 2190001) until the sandbox's day changes; ``null`` lifts it."""
        endpoint = _endpoint_field(payload)
        if "limit" not in payload:
            raise ControlError('"limit" (calls a day, or null) is required')
        limit = _int_field(payload, "limit", minimum=0, maximum=10**9)
        code = _int_field(payload, "code", minimum=1, maximum=2**31 - 1, default=QUOTA_CODES[0])
        if code not in QUOTA_CODES:
            raise ControlError('"code" must be 28003017 or the old 2190001')
        with self.changing() as d:
            if limit is None:
                d["quota"].pop(endpoint, None)
                return {"endpoint": endpoint, "limit": None}
            d["quota"][endpoint] = {"limit": limit, "code": code, "used": 0, "day": self._day()}
            return {"endpoint": endpoint, **d["quota"][endpoint]}

    def _day(self) -> int:
        return int((self.now() + 8 * 3600) // 86400)  # the Beijing day of the sandbox clock

    def over_quota(self, endpoint: str) -> int | None:
        """Count a call against the endpoint's quota: its error code once the day's calls are used."""
        with self.lock:
            self._refresh()
            quota = self.data["quota"].get(endpoint)
            if quota is None:
                return None
            if quota["day"] != self._day():
                quota["day"], quota["used"] = self._day(), 0
            if quota["used"] >= quota["limit"]:
                return quota["code"]
            quota["used"] += 1
            self._save()
            return None

    def revoke(self, open_id: str) -> dict:
        """The user revoked the authorisation in the Douyin app: their access and refresh tokens
        stop working at once (docs/douyin.md)."""
        if not OPEN_ID.match(open_id):
            raise ControlError("the open_id in the path must be 1 to 64 of A-Z a-z 0-9 _ . : -")
        with self.changing() as d:
            if open_id not in d["users"]:
                raise ControlError(f"unknown open_id {open_id!r}")
            counts = {}
            for kind in ("access_tokens", "refresh_tokens"):
                gone = [t for t, r in d[kind].items() if r["open_id"] == open_id]
                for token in gone:
                    del d[kind][token]
                counts[kind] = len(gone)
            return {"open_id": open_id, "revoked": counts}

    # -- request log -------------------------------------------------------
    def record(self, endpoint: str, method: str, path: str) -> None:
        with self.changing() as d:
            d["log"].append({"endpoint": endpoint, "method": method, "path": path, "at": self.now_int()})
            if len(d["log"]) > LOG_LIMIT:
                del d["log"][: len(d["log"]) - LOG_LIMIT]

    def requests(self) -> list[dict]:
        with self.reading() as d:
            return [dict(r) for r in d["log"]]

    # -- OAuth -------------------------------------------------------------
    def app(self, client_key: str) -> dict | None:
        with self.reading() as d:
            app = d["apps"].get(client_key)
            return dict(app) if app else None

    def issue_code(self, client_key: str, open_id: str, scopes: list[str], redirect_uri: str) -> str:
        with self.changing() as d:
            code = secrets.token_hex(16)
            d["codes"][code] = {"client_key": client_key, "open_id": open_id, "scopes": scopes,
                                "redirect_uri": redirect_uri, "expires_at": self.now_int() + CODE_TTL, "used": False}
            return code

    def _grant(self, d: dict, client_key: str, open_id: str, scopes: list[str]) -> dict:
        now = self.now_int()
        grant_id = secrets.token_hex(8)
        d["grants"][grant_id] = {"client_key": client_key, "open_id": open_id, "renewals": 0}
        access = "act." + secrets.token_hex(24)
        refresh = "rft." + secrets.token_hex(24)
        d["access_tokens"][access] = {"client_key": client_key, "open_id": open_id, "scopes": scopes,
                                      "expires_at": now + ACCESS_TTL, "grant_id": grant_id}
        d["refresh_tokens"][refresh] = {"client_key": client_key, "open_id": open_id, "scopes": scopes,
                                        "expires_at": now + REFRESH_TTL, "grant_id": grant_id}
        return {"access_token": access, "open_id": open_id, "expires_in": ACCESS_TTL, "refresh_token": refresh,
                "refresh_expires_in": REFRESH_TTL, "scope": ",".join(scopes)}

    def _client(self, d: dict, params: dict, *, secret: bool) -> str:
        client_key = params.get("client_key") or ""
        if not client_key:
            raise PlatformError(10002, "参数错误：缺少 client_key")
        app = d["apps"].get(client_key)
        if app is None:
            raise PlatformError(10003, "client_key 不存在")
        if secret:
            given = params.get("client_secret") or ""
            if not given:
                raise PlatformError(10002, "参数错误：缺少 client_secret")
            if not hmac.compare_digest(given.encode(), app["client_secret"].encode()):
                raise PlatformError(10013, "client_key 或者 client_secret 错误")
        return client_key

    def exchange_code(self, params: dict) -> dict:
        with self.changing() as d:
            client_key = self._client(d, params, secret=True)
            if params.get("grant_type") != "authorization_code":
                raise PlatformError(10002, "参数错误：grant_type 应为 authorization_code")
            code = params.get("code") or ""
            if not code:
                raise PlatformError(10002, "参数错误：缺少 code")
            record = d["codes"].get(code)
            if record is None or record["client_key"] != client_key:
                raise PlatformError(10007, "授权码无效")
            if record["used"]:
                raise PlatformError(10007, "授权码已被使用")
            if self.now() >= record["expires_at"]:
                raise PlatformError(10007, "授权码已过期")
            record["used"] = True
            return self._grant(d, client_key, record["open_id"], list(record["scopes"]))

    def mint_grant(self, payload: dict) -> dict:
        """Control route: a grant for ``open_id`` without the browser (tests and demos)."""
        open_id = _open_id_field(payload)
        scopes = payload.get("scopes", ["user_info", "video.list.bind", "video.data.bind"])
        if isinstance(scopes, str):
            scopes = [s for s in scopes.split(",") if s]
        if not isinstance(scopes, list) or not all(isinstance(s, str) and SCOPE.match(s) for s in scopes):
            raise ControlError('"scopes" must be a list of scope names or a comma-separated string')
        with self.changing() as d:
            if open_id not in d["users"]:
                raise ControlError(f"unknown open_id {open_id!r}: create the user first")
            return self._grant(d, SANDBOX_CLIENT_KEY, open_id, list(dict.fromkeys(scopes)))

    def _live_refresh(self, d: dict, client_key: str, token: str) -> dict:
        if not token:
            raise PlatformError(10002, "参数错误：缺少 refresh_token")
        record = d["refresh_tokens"].get(token)
        if record is None or record["client_key"] != client_key or self.now() >= record["expires_at"]:
            raise PlatformError(10010, "refresh_token 过期或无效，请重新授权")
        return record

    def refresh_access(self, params: dict) -> dict:
        with self.changing() as d:
            client_key = self._client(d, params, secret=False)
            if params.get("grant_type") != "refresh_token":
                raise PlatformError(10002, "参数错误：grant_type 应为 refresh_token")
            token = params.get("refresh_token") or ""
            record = self._live_refresh(d, client_key, token)
            now = self.now_int()
            access = "act." + secrets.token_hex(24)
            d["access_tokens"][access] = {"client_key": client_key, "open_id": record["open_id"],
                                          "scopes": list(record["scopes"]), "expires_at": now + ACCESS_TTL,
                                          "grant_id": record["grant_id"]}
            return {"access_token": access, "open_id": record["open_id"], "expires_in": ACCESS_TTL,
                    "refresh_token": token, "refresh_expires_in": max(0, record["expires_at"] - now),
                    "scope": ",".join(record["scopes"])}

    def renew_refresh(self, params: dict) -> dict:
        with self.changing() as d:
            client_key = self._client(d, params, secret=False)
            if not d["apps"][client_key].get("renew_permission", True):
                raise PlatformError(10004, "权限不足")
            token = params.get("refresh_token") or ""
            record = self._live_refresh(d, client_key, token)
            grant = d["grants"].setdefault(record["grant_id"], {"client_key": client_key,
                                                                "open_id": record["open_id"], "renewals": 0})
            if grant["renewals"] >= MAX_RENEWALS:
                raise PlatformError(10020, "超过 refresh_token 刷新次数限制，请重新授权")
            grant["renewals"] += 1
            fresh = "rft." + secrets.token_hex(24)
            del d["refresh_tokens"][token]
            d["refresh_tokens"][fresh] = {**record, "expires_at": self.now_int() + REFRESH_TTL}
            return {"refresh_token": fresh, "expires_in": REFRESH_TTL}

    def token(self, token: str) -> dict | None:
        with self.reading() as d:
            record = d["access_tokens"].get(token)
            return dict(record) if record else None
