"""Links citizens paste (docs/douyin.md, "Links citizens paste"): find the URL, classify it, get the video id.

Nothing here touches the network itself. The pasted URL is only ever *parsed*: the one
request we may make for it (resolving a short link) is built by the Douyin client
from the extracted short code and the configured short-link base, so a pasted URL
can never make the server fetch a host of the user's choosing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from contest.domain.errors import Problem
from contest.linkgrammar import DOUYIN_HOSTS, LIVE_HOSTS, MAX_SHORT_HOPS, SHORT_CODE, SHORT_HOSTS  # noqa: F401 (MAX_SHORT_HOPS: re-exported)

_PATH = re.compile(r"^/(?:share/|m/)?(video|note|user|slides)/([^/]+)/?$")
_VIDEO_ID = re.compile(r"[0-9]{1,20}")
_URL = re.compile(r"https?://[!-~]+", re.IGNORECASE)
_BARE_URL = re.compile(
    r"(?<![A-Za-z0-9.-])((?:[A-Za-z0-9-]+\.)*(?:douyin|iesdouyin)\.com/[!-~]*)", re.IGNORECASE
)
# Closing punctuation that share text or chat apps glue to the end of a URL.
_TRAILING = ".,;:!?)]}>'\""


@dataclass(frozen=True)
class Link:
    """What a link points at. ``kind`` is one of video, short, note, user, live, home; a short
    link also names its ``short_host`` (v.douyin.com or jx.douyin.com)."""

    kind: str
    video_id: str | None = None
    short_code: str | None = None
    short_host: str | None = None


class LinkProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.problem = Problem(code, message)


NO_LINK = ("no_link", "没有找到链接。请在抖音里打开视频，点“分享”→“复制链接”，再把整段文字粘贴到这里。")
NOT_DOUYIN = ("not_douyin", "这不是抖音的链接。请粘贴抖音视频的分享链接。")
LINK_EXPIRED = ("link_expired", "这个分享链接已失效。请在抖音里重新点“分享”→“复制链接”。")
NOT_A_VIDEO = {
    "note": "这是图文作品的链接。本活动只接受视频作品，请分享要参赛的视频。",
    "user": "这是抖音个人主页的链接，不是视频。请打开要参赛的视频，点“分享”→“复制链接”。",
    "live": "这是直播间的链接，不是视频。请分享要参赛的视频。",
    "home": "这个链接没有指向具体的视频。请打开要参赛的视频，点“分享”→“复制链接”。",
}
LEFT_DOUYIN = ("not_douyin", "这个短链接指向了抖音以外的网站，不能作为参赛视频。")


def find_url(text: str) -> str | None:
    """The first URL in pasted share text (share text glues Chinese right onto it)."""
    # The earliest one wins, whether it carries its scheme or not.
    found = [m for m in (_URL.search(text), _BARE_URL.search(text)) if m]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    if match.re is _URL:
        return match.group(0).rstrip(_TRAILING)
    return "https://" + match.group(1).rstrip(_TRAILING)


def _host(url: str) -> tuple[str | None, object]:
    """The lowercase host of ``url`` and its split form, or ``None`` when it is not a plain http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, None
    if parts.scheme.lower() not in {"http", "https"}:
        return None, None
    # userinfo ("https://v.douyin.com@evil.cn/") and unusual ports are never a Douyin link.
    if parts.username is not None or parts.password is not None or port not in {None, 80, 443}:
        return None, None
    host = (parts.hostname or "").rstrip(".").lower()
    return host or None, parts


def _not_a_video(kind: str) -> LinkProblem:
    # An unresolved short link (or any other kind) has no id either: never a KeyError.
    return LinkProblem("not_a_video", NOT_A_VIDEO.get(kind, NOT_A_VIDEO["home"]))


def is_video_id(value: str) -> bool:
    """Decimal digits only (fullmatch: ``$`` would let a decoded trailing newline through) and below 2**64."""
    return bool(_VIDEO_ID.fullmatch(value)) and int(value) < 2**64


def _classify_path(parts) -> Link:
    query = parse_qs(parts.query)
    for key in ("modal_id", "vid"):
        for value in query.get(key, []):
            if is_video_id(value):
                return Link("video", video_id=value)
    match = _PATH.match(parts.path)
    if not match:
        return Link("home")
    kind, ident = match.groups()
    if kind == "user":
        return Link("user")
    if kind in {"note", "slides"}:
        return Link("note")
    if not is_video_id(ident):
        return Link("home")
    return Link("video", video_id=ident)


def parse_url(url: str) -> Link:
    """Classify a pasted URL without fetching it. Raises :class:`LinkProblem` for non-Douyin URLs."""
    host, parts = _host(url)
    if host is None or host not in DOUYIN_HOSTS:
        raise LinkProblem(*NOT_DOUYIN)
    if host in LIVE_HOSTS:
        return Link("live")
    if host in SHORT_HOSTS:
        return _short(host, parts)
    return _classify_path(parts)


def _short(host: str, parts) -> Link:
    match = SHORT_CODE.match(parts.path)
    if not match:
        raise LinkProblem(*LINK_EXPIRED)
    return Link("short", short_code=match.group(1), short_host=host)


def parse_redirect(location: str, share_base: str) -> Link:
    """Classify the ``Location`` a short link answered with (never followed).

    ``https://www.douyin.com/`` with no id means the code expired. Another short link (a
    jx.douyin.com code redirects through v.douyin.com) is ``kind="short"``: the caller resolves
    it in turn, from its code and the configured base. A location on any host but Douyin's (or
    the configured share base) is refused.
    """
    if share_base and location.startswith(share_base.rstrip("/") + "/"):
        location = "https://www.iesdouyin.com" + location[len(share_base.rstrip("/")):]
    host, parts = _host(location)
    if host is None or host not in DOUYIN_HOSTS:
        raise LinkProblem(*LEFT_DOUYIN)
    if host in LIVE_HOSTS:
        return Link("live")
    if host in SHORT_HOSTS:
        return _short(host, parts)
    link = _classify_path(parts)
    if link.kind == "home":
        raise LinkProblem(*LINK_EXPIRED)
    return link


def require_video(link: Link) -> str:
    """The video id of a classified link, or the matching not-a-video problem."""
    if link.kind != "video":
        raise _not_a_video(link.kind)
    return link.video_id


class ShortLinks(Protocol):
    """Where a short link leads (the Douyin gateway): its first ``Location``, never followed."""

    share_base: str

    def resolve_short_link(self, code: str, host: str | None = None) -> str | None: ...


def video_id_in(text: str, douyin: ShortLinks) -> str:
    """The video id behind pasted share text or a link: long links are read as they are, a short
    link is resolved through ``douyin`` (the request is built from the short code alone, never
    from the pasted URL). A short link may redirect to another (jx.douyin.com → v.douyin.com): at
    most :data:`MAX_SHORT_HOPS` of them are resolved. Raises :class:`LinkProblem`, or the
    gateway's ``PlatformError``."""
    url = find_url(text)
    if url is None:
        raise LinkProblem(*NO_LINK)
    link = parse_url(url)
    for _ in range(MAX_SHORT_HOPS):
        if link.kind != "short":
            break
        location = douyin.resolve_short_link(link.short_code, link.short_host)
        if not location:
            raise LinkProblem(*LINK_EXPIRED)
        link = parse_redirect(location, douyin.share_base)
    return require_video(link)


def published_at_from_id(video_id: str) -> datetime | None:
    """The provisional publish time: every Douyin video id seen so far carries its
    creation Unix time in the top 32 bits (``7455266733985729852 >> 32`` is 2025-01-02 UTC).

    Provisional until the platform confirms ``create_time``. ``None`` for ids too
    small to carry a plausible time (before 2016, when Douyin launched).
    """
    seconds = int(video_id) >> 32
    if seconds < 1451606400:  # 2016-01-01
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
