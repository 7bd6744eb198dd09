"""The one client for Douyin: Open Platform, short links and share pages.

Every request goes through :meth:`DouyinClient._send`, which refuses any URL
outside the three configured bases, sets an explicit timeout and maps every
failure (timeouts, 5xx, HTML where JSON was due, platform error codes) to
:class:`DouyinError` with the platform's code kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from contest.domain.errors import PlatformError, VideoGoneError
from contest.domain.links import SHORT_CODE

log = logging.getLogger(__name__)

# get_iframe_by_video answers these for a video that is gone, private or banned.
UNAVAILABLE_CODES = frozenset({10008, 2190001, 28001045, 28001046, 28001047})


class DouyinError(PlatformError):
    """A call to Douyin failed. ``kind``: timeout, network, http, bad_json, platform, refused."""

    def __init__(self, kind: str, code: int | None = None, description: str = ""):
        super().__init__(f"{kind} {code or ''} {description}".strip())
        self.kind = kind
        self.code = code
        self.description = description


class VideoUnavailable(DouyinError, VideoGoneError):
    """The video does not exist, is private, or its author is banned."""


@dataclass(frozen=True)
class EmbedInfo:
    video_id: str
    title: str
    iframe_code: str
    width: int | None
    height: int | None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DouyinClient:
    def __init__(self, *, open_base: str, shortlink_base: str, share_base: str,
                 timeout: float = 5.0, client_key: str = "", client_secret: str = "",
                 session: requests.Session | None = None):
        self.open_base = open_base.rstrip("/")
        self.shortlink_base = shortlink_base.rstrip("/")
        self.share_base = share_base.rstrip("/")
        self.timeout = timeout
        self.client_key = client_key
        self.client_secret = client_secret
        self.http = session or requests.Session()
        self.http.trust_env = False  # no proxies or .netrc from the environment
        self.http.headers["User-Agent"] = "zhuzhou-contest/1.0"

    @classmethod
    def from_config(cls, config) -> DouyinClient:
        return cls(
            open_base=config["CONTEST_DOUYIN_OPEN_BASE"],
            shortlink_base=config["CONTEST_DOUYIN_SHORTLINK_BASE"],
            share_base=config["CONTEST_DOUYIN_SHARE_BASE"],
            timeout=config["CONTEST_DOUYIN_TIMEOUT"],
            client_key=config["CONTEST_DOUYIN_CLIENT_KEY"],
            client_secret=config["CONTEST_DOUYIN_CLIENT_SECRET"],
        )

    # -- transport -------------------------------------------------------
    def _allowed(self, url: str) -> bool:
        # "base/../elsewhere" passes a prefix check, then the HTTP stack resolves the dot segments.
        try:
            path = unquote(urlsplit(url).path)
        except ValueError:
            return False
        if any(segment in {".", ".."} for segment in path.replace("\\", "/").split("/")):
            return False
        return any(url.startswith(base + "/") for base in (self.open_base, self.shortlink_base, self.share_base))

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        if not self._allowed(url):
            raise DouyinError("refused", description=f"not a configured Douyin base: {url}")
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        try:
            return self.http.request(method, url, **kwargs)
        except requests.Timeout as exc:
            raise DouyinError("timeout", description=str(exc)) from exc
        except requests.RequestException as exc:
            raise DouyinError("network", description=str(exc)) from exc

    @staticmethod
    def _json(response: requests.Response) -> dict:
        if response.status_code >= 500:
            raise DouyinError("http", response.status_code, response.reason or "")
        try:
            body = response.json()
        except ValueError as exc:
            raise DouyinError("bad_json", response.status_code, "response is not JSON") from exc
        if not isinstance(body, dict):
            raise DouyinError("bad_json", response.status_code, "response is not a JSON object")
        return body

    # -- short links -----------------------------------------------------
    def resolve_short_link(self, code: str) -> str | None:
        """The ``Location`` a short link answers with, never followed; ``None`` when it answers no redirect."""
        if not SHORT_CODE.match("/" + code):
            raise DouyinError("refused", description="malformed short code")
        response = self._send("GET", f"{self.shortlink_base}/{code}/")
        if 300 <= response.status_code < 400:
            return response.headers.get("Location") or None
        if response.status_code >= 500:
            raise DouyinError("http", response.status_code, response.reason or "")
        return None

    def share_url(self, video_id: str) -> str:
        return f"{self.share_base}/share/video/{video_id}/"

    # -- open platform, no token -----------------------------------------
    def embed_info(self, video_id: str) -> EmbedInfo:
        """Caption and embed code of a public video (``get_iframe_by_video``, no user token)."""
        response = self._send(
            "GET", f"{self.open_base}/api/douyin/v1/video/get_iframe_by_video",
            params={"video_id": video_id},
        )
        body = self._json(response)
        code = _int_or_none(body.get("err_no"))
        if code is None:
            raise DouyinError("bad_json", response.status_code, "err_no missing")
        if code != 0:
            error = VideoUnavailable if code in UNAVAILABLE_CODES else DouyinError
            raise error("platform", code, str(body.get("err_msg") or ""))
        data = body.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("video_title"), str):
            raise DouyinError("bad_json", response.status_code, "data.video_title missing")
        return EmbedInfo(
            video_id=video_id,
            title=data["video_title"],
            iframe_code=str(data.get("iframe_code") or ""),
            width=_int_or_none(data.get("video_width")),
            height=_int_or_none(data.get("video_height")),
        )
