"""The one client for Douyin: Open Platform, short links and share pages.

Every request goes through :meth:`DouyinClient._send`, which refuses any URL
outside the three configured bases, sets an explicit timeout and maps every
failure (timeouts, 5xx, HTML where JSON was due, platform error codes) to
:class:`DouyinError` with the platform's code kept.

Open Platform calls made with a user's token (OAuth and the video endpoints,
DOUYIN.md §3–4) all go through :meth:`DouyinClient._call`, which unwraps the
``{"data": {..., "error_code"}, "extra": {...}}`` envelope, maps error codes with
:data:`contest.douyin.errors.ERRORS` to the client's error classes, and retries transient failures
(timeouts, network errors, 5xx, :data:`RETRY_CODES`) with exponential back-off and
full jitter. Authorisation errors, malformed answers and other codes are never
retried.

Tokens, authorization codes and the client secret travel only in form bodies and
headers, never in a URL, and are never logged (urllib3 logs request lines, so a
URL must never carry one).
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import quote, unquote, urlencode, urlsplit

import requests

from contest.douyin.errors import (  # noqa: F401 (ERRORS, AccountUnavailable, ApiOffline, RateLimited: re-exported)
    ERRORS,
    AccountUnavailable,
    ApiOffline,
    DouyinAuthError,
    DouyinError,
    RateLimited,
    VideoUnavailable,
    platform_error,
)
from contest.linkgrammar import SHORT_CODE

log = logging.getLogger(__name__)

# get_iframe_by_video answers these for a video that is gone, private or banned.
UNAVAILABLE_CODES = frozenset({10008, 2190001, 28001045, 28001046, 28001047})

DEFAULT_SCOPES = ("user_info", "video.list.bind", "video.data.bind")
# The official embedded player of one video, below the Open Platform base (DOUYIN.md §4:
# https://open.douyin.com/player/video?vid=<id>); pages frame it with referrerpolicy="unsafe-url".
PLAYER_PATH = "/player/video?vid={}&autoplay=0"

# Platform codes worth another try after a pause: busy, risk control, rate too high.
RETRY_CODES = frozenset({28001005, 28001052, 28003018})
# The longest pause between two attempts, in seconds, whatever the attempt number.
BACKOFF_CAP = 5.0

_DIGITS = re.compile(r"^[0-9]{1,20}$")


def is_retryable(error: DouyinError) -> bool:
    """Timeouts, network errors, 5xx and :data:`RETRY_CODES`; never authorisation errors or bad JSON."""
    if isinstance(error, DouyinAuthError):
        return False
    if error.kind in {"timeout", "network"}:
        return True
    if error.kind == "http":
        return (error.code or 0) >= 500
    return error.kind == "platform" and error.code in RETRY_CODES


def backoff_delay(attempt: int, base: float, *, cap: float = BACKOFF_CAP, rng: Any = random) -> float:
    """The pause after failed attempt number ``attempt`` (1-based): full jitter,
    uniform in ``[0, min(cap, base * 2 ** (attempt - 1))]``."""
    ceiling = min(cap, base * 2 ** min(max(attempt - 1, 0), 32))
    return rng.uniform(0, ceiling)


# -- lenient parsing ---------------------------------------------------------------
# Parsers raise ValueError (never with a token in the text); _call turns it into bad_json.

def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _lenient_int(value: Any) -> int | None:
    """An int from an int, an integral float or a numeric string (" 12 ", "12.0"); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return int(text)
        if re.fullmatch(r"[+-]?[0-9]+\.0*", text):
            return int(text.split(".")[0])
    return None


def _count(value: Any) -> int:
    number = _lenient_int(value)
    return number if number is not None else 0


def _lenient_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _video_id(value: Any) -> str:
    """A video id as a string of digits. A JSON integer is exact here (Python's json keeps big
    integers exact), so ``str(int)`` is safe; a JSON float has already lost precision above 2^53
    (every real id is ~2^62), so it is refused rather than guessed."""
    if isinstance(value, bool):
        raise ValueError("video_id is not an id")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("video_id is negative")
        return str(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return value.strip()
    if isinstance(value, float):
        raise ValueError("video_id came as a JSON float: its precision is lost")
    raise ValueError("video_id missing or not digits")


def _scopes(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        items = [_text(s) for s in value]
    else:
        items = _text(value).split(",")
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


# -- what the Open Platform answers ----------------------------------------------------

@dataclass(frozen=True)
class EmbedInfo:
    video_id: str
    title: str
    iframe_code: str
    width: int | None
    height: int | None


@dataclass(frozen=True)
class TokenGrant:
    """An OAuth grant. ``expires_in``/``refresh_expires_in`` are seconds from the answer.
    ``refresh_expires_in`` is None only when a refresh answer kept the old refresh token and did
    not say (the old refresh token's expiry still holds). Credentials: never log an instance (its repr hides the tokens)."""

    open_id: str
    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str = field(repr=False)
    refresh_expires_in: int | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class DouyinUser:
    open_id: str
    union_id: str
    nickname: str
    avatar: str


@dataclass(frozen=True)
class VideoStats:
    digg_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    play_count: int = 0
    download_count: int = 0
    forward_count: int = 0

    @classmethod
    def from_api(cls, raw: Any) -> VideoStats:
        """Counts from numbers or numeric strings; anything missing or unreadable is 0."""
        if not isinstance(raw, dict):
            return cls()
        return cls(**{name: _count(raw.get(name)) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Video:
    """One VIDEO of DOUYIN.md §4. ``video_id`` is always a string of digits (ids exceed 2^53);
    ``create_time`` is Unix seconds, 0 for a private video."""

    video_id: str
    item_id: str
    title: str
    create_time: int
    cover: str
    share_url: str
    is_top: bool
    video_status: int | None
    statistics: VideoStats

    @property
    def private(self) -> bool:
        return self.create_time == 0

    @classmethod
    def from_api(cls, raw: Any) -> Video:
        """Lenient: numbers may come as strings. Raises ValueError when the id or the publish
        time is unusable (never guessed: an absent video means deleted to callers)."""
        if not isinstance(raw, dict):
            raise ValueError("a video is not a JSON object")
        create_time = raw.get("create_time")
        parsed_time = 0 if create_time in (None, "") else _lenient_int(create_time)
        if parsed_time is None or parsed_time < 0:
            raise ValueError("create_time is not Unix seconds")
        return cls(
            video_id=_video_id(raw.get("video_id")),
            item_id=_text(raw.get("item_id")),
            title=_text(raw.get("title")),
            create_time=parsed_time,
            cover=_text(raw.get("cover")),
            share_url=_text(raw.get("share_url")),
            is_top=_lenient_bool(raw.get("is_top")),
            video_status=_lenient_int(raw.get("video_status")),
            statistics=VideoStats.from_api(raw.get("statistics")),
        )


@dataclass(frozen=True)
class VideoPage:
    videos: list[Video]
    cursor: int
    has_more: bool


def _videos(data: dict) -> list[Video]:
    raw = data.get("list")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("data.list is not a list")
    return [Video.from_api(item) for item in raw]


def _grant(data: dict, *, old_refresh_token: str | None = None) -> TokenGrant:
    access_token = data.get("access_token")
    open_id = data.get("open_id")
    expires_in = _lenient_int(data.get("expires_in"))
    if not isinstance(access_token, str) or not access_token:
        raise ValueError("access_token missing")
    if not isinstance(open_id, str) or not open_id:
        raise ValueError("open_id missing")
    if expires_in is None:
        raise ValueError("expires_in missing")
    refresh_token = data.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        if old_refresh_token is None:
            raise ValueError("refresh_token missing")
        refresh_token = old_refresh_token
    refresh_expires_in = _lenient_int(data.get("refresh_expires_in"))
    if refresh_expires_in is None and refresh_token != old_refresh_token:
        raise ValueError("refresh_expires_in missing")  # a new refresh token must say how long it lives
    return TokenGrant(open_id=open_id, access_token=access_token, expires_in=expires_in,
                      refresh_token=refresh_token, refresh_expires_in=refresh_expires_in,
                      scopes=_scopes(data.get("scope")))


class DouyinClient:
    def __init__(self, *, open_base: str, shortlink_base: str, share_base: str,
                 timeout: float = 5.0, client_key: str = "", client_secret: str = "",
                 session: requests.Session | None = None, retries: int = 3, backoff: float = 0.2,
                 batch_size: int = 10, sleep: Callable[[float], Any] = time.sleep, rng: Any = None):
        if retries < 0 or backoff < 0 or batch_size < 1:
            raise ValueError("retries and backoff must be >= 0 and batch_size >= 1")
        self.open_base = open_base.rstrip("/")
        self.shortlink_base = shortlink_base.rstrip("/")
        self.share_base = share_base.rstrip("/")
        self.timeout = timeout
        self.client_key = client_key
        self.client_secret = client_secret
        self.retries = retries
        self.backoff = backoff
        self.batch_size = batch_size
        self.sleep = sleep
        self.rng = rng if rng is not None else random
        self.http = session or requests.Session()
        self.http.trust_env = False  # no proxies or .netrc from the environment
        self.http.headers["User-Agent"] = "zhuzhou-contest/1.0"

    def __repr__(self) -> str:  # never the secret
        return f"DouyinClient(open_base={self.open_base!r})"

    @classmethod
    def from_config(cls, config, *, session: requests.Session | None = None,
                    sleep: Callable[[float], Any] = time.sleep) -> DouyinClient:
        return cls(
            open_base=config["CONTEST_DOUYIN_OPEN_BASE"],
            shortlink_base=config["CONTEST_DOUYIN_SHORTLINK_BASE"],
            share_base=config["CONTEST_DOUYIN_SHARE_BASE"],
            timeout=config["CONTEST_DOUYIN_TIMEOUT"],
            client_key=config["CONTEST_DOUYIN_CLIENT_KEY"],
            client_secret=config["CONTEST_DOUYIN_CLIENT_SECRET"],
            retries=config.get("CONTEST_DOUYIN_RETRIES", 3),
            backoff=config.get("CONTEST_DOUYIN_BACKOFF", 0.2),
            batch_size=config.get("CONTEST_DOUYIN_BATCH_SIZE", 10),
            session=session,
            sleep=sleep,
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

    @classmethod
    def _open_data(cls, response: requests.Response) -> dict:
        """``data`` of an Open Platform answer, or the mapped error (code in ``data`` or ``extra``)."""
        body = cls._json(response)
        data = body.get("data")
        extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
        if data is not None and not isinstance(data, dict):
            raise DouyinError("bad_json", response.status_code, "data is not a JSON object")
        data = data or {}
        raw_code = next((c for c in (data.get("error_code"), extra.get("error_code"), body.get("err_no"))
                         if c is not None), None)
        code = _lenient_int(raw_code) if raw_code is not None else 0
        if code is None:
            raise DouyinError("bad_json", response.status_code, "error_code is not a number")
        if code != 0:
            description = _text(data.get("description") or extra.get("description") or body.get("err_msg") or "")
            raise platform_error(code, description)
        if response.status_code >= 400:
            raise DouyinError("http", response.status_code, response.reason or "")
        if "data" not in body:
            raise DouyinError("bad_json", response.status_code, "data missing")
        return data

    def _call(self, endpoint: str, method: str, path: str, parse: Callable[[dict], Any], *,
              retry: bool = True, **kwargs) -> Any:
        """One Open Platform call: send, unwrap, parse; retry transient failures (:func:`is_retryable`)
        up to ``self.retries`` more times with :func:`backoff_delay` pauses. Logs carry the endpoint
        name, attempt and kind/code only: never a URL, a token, a code or the secret."""
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            try:
                response = self._send(method, self.open_base + path, **kwargs)
                data = self._open_data(response)
                try:
                    return parse(data)
                except ValueError as exc:
                    raise DouyinError("bad_json", response.status_code, str(exc)) from exc
            except DouyinError as exc:
                if attempt >= attempts or not is_retryable(exc):
                    raise
                delay = backoff_delay(attempt, self.backoff, rng=self.rng)
                log.warning("douyin %s: attempt %d of %d failed (%s%s), retrying in %.2f s",
                            endpoint, attempt, attempts, exc.kind, f" {exc.code}" if exc.code else "", delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

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

    def player_url(self, video_id: str) -> str:
        """The official player of one video (the sandbox's stand-in in sandbox mode)."""
        return self.open_base + PLAYER_PATH.format(video_id)

    # -- open platform, no token -----------------------------------------
    def embed_info(self, video_id: str) -> EmbedInfo:
        """Caption and embed code of a public video (``get_iframe_by_video``, no user token).

        Single attempt, no retry: it runs while a citizen waits on the preflight check, which
        reports a platform error at once and lets them try again."""
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

    # -- OAuth (DOUYIN.md §3) ----------------------------------------------
    def authorize_url(self, *, redirect_uri: str, state: str, scopes: Iterable[str] = DEFAULT_SCOPES) -> str:
        """Where to send the user's browser to ask for consent."""
        query = urlencode({"client_key": self.client_key, "response_type": "code", "scope": ",".join(scopes),
                           "redirect_uri": redirect_uri, "state": state}, safe=",", quote_via=quote)
        return f"{self.open_base}/platform/oauth/connect/?{query}"

    def exchange_code(self, code: str) -> TokenGrant:
        """The grant for an authorization code. Never retried: a code is single use, so if the first
        request reached Douyin (even one that timed out or answered 5xx afterwards) a second try could
        only answer 10007 and hide the real failure; the user simply authorises again."""
        return self._call("access_token", "POST", "/oauth/access_token/", _grant, retry=False, data={
            "client_key": self.client_key, "client_secret": self.client_secret, "code": code,
            "grant_type": "authorization_code"})

    def refresh_access_token(self, refresh_token: str) -> TokenGrant:
        """A new access token. When the answer carries no refresh token the old one is kept
        (and ``refresh_expires_in`` is None unless the answer says)."""
        return self._call("refresh_token", "POST", "/oauth/refresh_token/",
                          lambda data: _grant(data, old_refresh_token=refresh_token), data={
                              "client_key": self.client_key, "grant_type": "refresh_token",
                              "refresh_token": refresh_token})

    def renew_refresh_token(self, refresh_token: str) -> tuple[str, int]:
        """A new refresh token and its lifetime in seconds (at most 5 renewals per grant: 10020).

        Retried like the others: if a lost answer did renew, the old token is dead whether or not
        we try again (the retry then answers 10010), and when it did not, the retry saves the grant."""
        def parse(data: dict) -> tuple[str, int]:
            token, expires_in = data.get("refresh_token"), _lenient_int(data.get("expires_in"))
            if not isinstance(token, str) or not token:
                raise ValueError("refresh_token missing")
            if expires_in is None:
                raise ValueError("expires_in missing")
            return token, expires_in
        return self._call("renew_refresh_token", "POST", "/oauth/renew_refresh_token/", parse, data={
            "client_key": self.client_key, "refresh_token": refresh_token})

    def user_info(self, access_token: str, open_id: str) -> DouyinUser:
        def parse(data: dict) -> DouyinUser:
            return DouyinUser(open_id=_text(data.get("open_id")) or open_id, union_id=_text(data.get("union_id")),
                              nickname=_text(data.get("nickname")), avatar=_text(data.get("avatar")))
        return self._call("userinfo", "POST", "/oauth/userinfo/", parse,
                          data={"access_token": access_token, "open_id": open_id})

    # -- videos (DOUYIN.md §4) ---------------------------------------------
    def video_list(self, access_token: str, open_id: str, *, cursor: int = 0, count: int = 10) -> VideoPage:
        """One page of the user's public videos, newest first; page on with ``cursor`` while ``has_more``."""
        def parse(data: dict) -> VideoPage:
            videos = _videos(data)
            next_cursor = _lenient_int(data.get("cursor"))
            has_more = _lenient_bool(data.get("has_more"))
            if next_cursor is None:
                if has_more:
                    raise ValueError("cursor missing while has_more")
                next_cursor = cursor + len(videos)
            return VideoPage(videos=videos, cursor=next_cursor, has_more=has_more)
        return self._call("video_list", "GET", "/api/douyin/v1/video/video_list/", parse,
                          params={"open_id": open_id, "cursor": cursor, "count": count},
                          headers={"access-token": access_token})

    def video_data(self, access_token: str, open_id: str, video_ids: Iterable[str]) -> list[Video]:
        """Data of the given videos of this user, in batches of ``batch_size`` (duplicates asked once).
        A video not returned is absent: deleted, or not this user's. A private one has ``create_time`` 0.
        Ids are sent as strings; an id that is not digits raises ValueError before any request."""
        ids = list(dict.fromkeys(_video_id(v) for v in video_ids))
        found: list[Video] = []
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start:start + self.batch_size]
            found.extend(self._call("video_data", "POST", "/api/douyin/v1/video/video_data/", _videos,
                                    params={"open_id": open_id}, json={"video_ids": batch},
                                    headers={"access-token": access_token}))
        return found
