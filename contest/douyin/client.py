"""The one client for Douyin: Open Platform, short links and share pages.

Every request goes through :meth:`DouyinClient._send`, which refuses any URL
outside the three configured bases, sets an explicit timeout and maps every
failure (timeouts, 5xx, HTML where JSON was due, platform error codes) to
:class:`DouyinError` with the platform's code kept.

Open Platform calls made with a user's token (OAuth and the video endpoints,
docs/douyin.md) all go through :meth:`DouyinClient._call`, which unwraps both envelopes
(``{"data": {..., "error_code"}, "extra": {..., "logid"}}`` and the newer
``{"err_no", "err_msg", "log_id", "data"}``; any non-zero code among them is an error, whatever
the others say), maps error codes with :data:`contest.douyin.errors.ERRORS` to the client's error
classes (keeping the log id), and retries transient failures (timeouts, network errors, 5xx,
:data:`RETRY_CODES`) with exponential back-off and full jitter. Authorisation errors, malformed
answers and other codes are never retried.

Tokens, authorization codes and the client secret travel only in form bodies and
headers, never in a URL, and are never logged (urllib3 logs request lines, so a
URL must never carry one).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable
from urllib.parse import quote, unquote, urlencode, urlsplit

import requests

from contest.douyin.errors import (  # noqa: F401 (the error classes and ERRORS: re-exported)
    ERRORS,
    AccessTokenRejected,
    AccountUnavailable,
    ApiOffline,
    AppNotPermitted,
    DouyinAuthError,
    DouyinError,
    QuotaExhausted,
    RateLimited,
    VideoUnavailable,
    platform_error,
)
from contest.linkgrammar import JX_SHORT_HOST, SHORT_CODE, SHORT_HOST

log = logging.getLogger(__name__)

# get_iframe_by_video (whose only parameter is a well-formed id) answers these for a video that is
# gone, not visible, or whose author is banned. Never a quota or token code (docs/douyin.md).
UNAVAILABLE_CODES = frozenset({28001007, 2100005, 28001045, 28001046, 28001047})

# Asked as `scope`: every app has them, and the user cannot untick them. Asked as `optionalScope`:
# the user may untick them, and an app that lacks the capability is not refused (docs/douyin.md).
DEFAULT_SCOPES = ("user_info", "video.data.bind")
DEFAULT_OPTIONAL_SCOPES = ("video.list.bind",)
# The official embedded player of one video, below the Open Platform base (docs/douyin.md:
# https://open.douyin.com/player/video?vid=<id>); pages frame it with referrerpolicy="unsafe-url".
PLAYER_PATH = "/player/video?vid={}&autoplay=0"

# Platform codes worth another try after a pause: busy, network error, risk control, rate too high.
RETRY_CODES = frozenset({28001005, 28001006, 28001052, 28003018})
# Video statuses that are public (docs/douyin.md): 1 published, 5 public. Everything else
# (2 不适宜公开, 4 审核中, 6 好友可见, 7 私密, or a code not yet known) is not.
PUBLIC_STATUSES = frozenset({1, 5})
STATUS_LABELS = {2: "不适宜公开", 4: "审核中", 6: "好友可见", 7: "私密"}
_SHARE_VIDEO = re.compile(r"^https?://[^/?#]+/share/video/([0-9]{1,20})(?:[/?#]|$)")
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


def _video_id_or_none(value: Any) -> str | None:
    """:func:`_video_id`, or None when the field is absent (some answers carry only ``item_id``)."""
    return None if value is None or value == "" else _video_id(value)


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
    """One VIDEO (docs/douyin.md). ``video_id`` is a string of digits (ids exceed 2^53): the
    client's answers always carry it, matched by ``item_id`` when the platform gave only that
    (:meth:`DouyinClient.video_data`); ``create_time`` is Unix seconds, 0 for a private video.
    Only a public video (:attr:`public`) may be entered or counted."""

    video_id: str | None
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

    @property
    def public(self) -> bool:
        """``video_status`` 1 or 5 (or, when the answer has no status, a real ``create_time``)."""
        if self.video_status is not None:
            return self.video_status in PUBLIC_STATUSES and not self.private
        return not self.private

    @property
    def visibility(self) -> str:
        """Why a video is not public, in Chinese (“好友可见”, …); "" when it is public."""
        if self.public:
            return ""
        return STATUS_LABELS.get(self.video_status, "私密" if self.private else f"未公开（状态 {self.video_status}）")

    @classmethod
    def from_api(cls, raw: Any) -> Video:
        """Lenient: numbers may come as strings. Raises ValueError when the ids (``video_id`` and
        ``item_id`` both missing) or the publish time are unusable (never guessed: an absent video
        means deleted to callers)."""
        if not isinstance(raw, dict):
            raise ValueError("a video is not a JSON object")
        create_time = raw.get("create_time")
        parsed_time = 0 if create_time in (None, "") else _lenient_int(create_time)
        if parsed_time is None or parsed_time < 0:
            raise ValueError("create_time is not Unix seconds")
        video_id, item_id = _video_id_or_none(raw.get("video_id")), _text(raw.get("item_id"))
        if video_id is None and not item_id:
            raise ValueError("neither video_id nor item_id")
        return cls(
            video_id=video_id,
            item_id=item_id,
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
    def __init__(self, *, open_base: str, shortlink_base: str, share_base: str, jx_base: str = "",
                 timeout: float = 5.0, client_key: str = "", client_secret: str = "",
                 session: requests.Session | None = None, retries: int = 3, backoff: float = 0.2,
                 batch_size: int = 10, sleep: Callable[[float], Any] = time.sleep, rng: Any = None):
        if retries < 0 or backoff < 0 or batch_size < 1:
            raise ValueError("retries and backoff must be >= 0 and batch_size >= 1")
        self.open_base = open_base.rstrip("/")
        self.shortlink_base = shortlink_base.rstrip("/")
        self.share_base = share_base.rstrip("/")
        self.jx_base = (jx_base or self.shortlink_base).rstrip("/")
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
        # item_id → video_id, learnt from answers that carried both or from a one-id request:
        # answers that carry only item_id are matched with it (bounded; any process learns again).
        self._item_ids: OrderedDict[str, str] = OrderedDict()
        self._item_lock = threading.Lock()

    def __repr__(self) -> str:  # never the secret
        return f"DouyinClient(open_base={self.open_base!r})"

    @classmethod
    def from_config(cls, config, *, session: requests.Session | None = None,
                    sleep: Callable[[float], Any] = time.sleep) -> DouyinClient:
        return cls(
            open_base=config["CONTEST_DOUYIN_OPEN_BASE"],
            shortlink_base=config["CONTEST_DOUYIN_SHORTLINK_BASE"],
            share_base=config["CONTEST_DOUYIN_SHARE_BASE"],
            jx_base=config.get("CONTEST_DOUYIN_JX_BASE", ""),
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
        bases = (self.open_base, self.shortlink_base, self.share_base, self.jx_base)
        return any(url.startswith(base + "/") for base in bases)

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
        """``data`` of an Open Platform answer, or the mapped error.

        Both envelopes are read: the code may be in ``data.error_code``, ``extra.error_code`` or
        the newer top-level ``err_no`` (as a number or a numeric string). Any non-zero one is the
        error, whatever the others say: the newer user-info answer carries ``data.error_code: "0"``
        beside its real ``err_no``. The log id (``extra.logid``, ``log_id`` or ``data.log_id``) is
        kept with the error."""
        body = cls._json(response)
        data = body.get("data")
        extra = body.get("extra") if isinstance(body.get("extra"), dict) else {}
        if data is not None and not isinstance(data, dict):
            raise DouyinError("bad_json", response.status_code, "data is not a JSON object")
        data = data or {}
        logid = _text(extra.get("logid") or body.get("log_id") or data.get("log_id")) or None
        codes = [_lenient_int(c) for c in (data.get("error_code"), extra.get("error_code"), body.get("err_no"))
                 if c is not None and c != ""]
        if any(c is None for c in codes):
            raise DouyinError("bad_json", response.status_code, "error_code is not a number", logid=logid)
        code = next((c for c in codes if c != 0), 0)
        if code != 0:
            description = _text(data.get("description") or extra.get("description") or body.get("err_msg") or "")
            raise platform_error(code, description, logid)
        if response.status_code >= 400:
            raise DouyinError("http", response.status_code, response.reason or "", logid=logid)
        if "data" not in body:
            raise DouyinError("bad_json", response.status_code, "data missing", logid=logid)
        return data

    def _call(self, endpoint: str, method: str, path: str, parse: Callable[[dict], Any], *,
              retry: bool = True, **kwargs) -> Any:
        """One Open Platform call: send, unwrap, parse; retry transient failures (:func:`is_retryable`)
        up to ``self.retries`` more times with :func:`backoff_delay` pauses. Logs carry the endpoint
        name, attempt, kind/code and log id only: never a URL, a token, a code or the secret."""
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
                    if exc.kind == "platform":  # the log id is what Douyin support asks for
                        log.info("douyin %s: error %s (logid %s)", endpoint, exc.code, exc.logid or "-")
                    raise
                delay = backoff_delay(attempt, self.backoff, rng=self.rng)
                log.warning("douyin %s: attempt %d of %d failed (%s%s%s), retrying in %.2f s",
                            endpoint, attempt, attempts, exc.kind, f" {exc.code}" if exc.code else "",
                            f", logid {exc.logid}" if exc.logid else "", delay)
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- short links -----------------------------------------------------
    def resolve_short_link(self, code: str, host: str = SHORT_HOST) -> str | None:
        """The ``Location`` a short link (of ``host``: v.douyin.com or jx.douyin.com) answers
        with, never followed; ``None`` when the code is unknown (404).

        Any other answer that is not a redirect — a 403, or a 200 page (Douyin's verification
        page under risk control) — is a :class:`DouyinError` of kind ``blocked``: the link may be
        fine, so it is never told as expired."""
        if not SHORT_CODE.match("/" + code):
            raise DouyinError("refused", description="malformed short code")
        base = self.jx_base if host == JX_SHORT_HOST else self.shortlink_base
        response = self._send("GET", f"{base}/{code}/")
        if 300 <= response.status_code < 400:
            return response.headers.get("Location") or None
        if response.status_code >= 500:
            raise DouyinError("http", response.status_code, response.reason or "")
        if response.status_code == 404:
            return None
        raise DouyinError("blocked", response.status_code, "short link answered no redirect")

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
        logid = _text(body.get("log_id")) or None
        code = _int_or_none(body.get("err_no"))
        if code is None:
            raise DouyinError("bad_json", response.status_code, "err_no missing", logid=logid)
        if code != 0:
            description = str(body.get("err_msg") or "")
            if code in UNAVAILABLE_CODES:
                cls = AccountUnavailable if code in ERRORS and ERRORS[code][0] is AccountUnavailable else VideoUnavailable
                raise cls("platform", code, description, logid=logid)
            raise platform_error(code, description, logid)
        data = body.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("video_title"), str):
            raise DouyinError("bad_json", response.status_code, "data.video_title missing", logid=logid)
        return EmbedInfo(
            video_id=video_id,
            title=data["video_title"],
            iframe_code=str(data.get("iframe_code") or ""),
            width=_int_or_none(data.get("video_width")),
            height=_int_or_none(data.get("video_height")),
        )

    # -- OAuth (docs/douyin.md) ----------------------------------------------
    def authorize_url(self, *, redirect_uri: str, state: str, scopes: Iterable[str] = DEFAULT_SCOPES,
                      optional_scopes: Iterable[str] = ()) -> str:
        """Where to send the user's browser to ask for consent. ``optional_scopes`` go as
        ``optionalScope`` (each followed by ",1": ticked by default), which the user may untick."""
        query = {"client_key": self.client_key, "response_type": "code", "scope": ",".join(scopes)}
        optional = [s for s in optional_scopes if s not in query["scope"].split(",")]
        if optional:
            query["optionalScope"] = ",".join(f"{s},1" for s in optional)
        query.update(redirect_uri=redirect_uri, state=state)
        return f"{self.open_base}/platform/oauth/connect/?" + urlencode(query, safe=",", quote_via=quote)

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
        """A new refresh token and its lifetime in seconds (at most 5 renewals per grant: 10020;
        an app without the renew permission: 10004, :class:`AppNotPermitted`).

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
        """The user's nickname and avatar, from either envelope (``data`` with ``error_code``, or the
        newer ``err_no``/``err_msg``/``log_id`` beside ``data``)."""
        def parse(data: dict) -> DouyinUser:
            return DouyinUser(open_id=_text(data.get("open_id")) or open_id, union_id=_text(data.get("union_id")),
                              nickname=_text(data.get("nickname")), avatar=_text(data.get("avatar")))
        return self._call("userinfo", "POST", "/oauth/userinfo/", parse,
                          data={"access_token": access_token, "open_id": open_id})

    # -- videos (docs/douyin.md) ---------------------------------------------
    def _learn(self, video: Video) -> None:
        if video.video_id and video.item_id:
            with self._item_lock:
                self._item_ids[video.item_id] = video.video_id
                self._item_ids.move_to_end(video.item_id)
                while len(self._item_ids) > ITEM_CACHE:
                    self._item_ids.popitem(last=False)

    def _known_id(self, video: Video) -> str | None:
        """The video id of an answer: its own, the one learnt for its ``item_id``, or the one in its
        ``share_url`` (``…/share/video/<id>/``)."""
        if video.video_id:
            return video.video_id
        with self._item_lock:
            known = self._item_ids.get(video.item_id)
        if known:
            return known
        match = _SHARE_VIDEO.match(video.share_url)
        return match.group(1) if match else None

    def video_list(self, access_token: str, open_id: str, *, cursor: int = 0, count: int = 10) -> VideoPage:
        """One page of the user's videos, newest first; page on with ``cursor`` while ``has_more``.
        A video whose id cannot be told (no ``video_id``, an ``item_id`` not yet seen, no id in its
        ``share_url``) is left out: it can still be entered by its pasted link."""
        def parse(data: dict) -> VideoPage:
            videos = []
            for video in _videos(data):
                video_id = self._known_id(video)
                if video_id is None:
                    log.info("douyin video_list: a video without a readable id was left out")
                    continue
                video = replace(video, video_id=video_id)
                self._learn(video)
                videos.append(video)
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
        A video not returned is absent: deleted, or not this user's. A private one has ``create_time`` 0,
        a not-public one a ``video_status`` other than 1 or 5. Every video returned carries the asked
        ``video_id``, also when the platform answered with ``item_id`` only (:meth:`_match`).
        Ids are sent as strings; an id that is not digits raises ValueError before any request."""
        ids = list(dict.fromkeys(_video_id(v) for v in video_ids))
        found: list[Video] = []
        for start in range(0, len(ids), self.batch_size):
            found.extend(self._video_batch(access_token, open_id, ids[start:start + self.batch_size]))
        return found

    def _video_batch(self, access_token: str, open_id: str, batch: list[str]) -> list[Video]:
        answered = self._call("video_data", "POST", "/api/douyin/v1/video/video_data/", _videos,
                              params={"open_id": open_id}, json={"video_ids": batch},
                              headers={"access-token": access_token})
        return self._match(access_token, open_id, batch, answered)

    def _match(self, access_token: str, open_id: str, batch: list[str], answered: list[Video]) -> list[Video]:
        """The answers of one batch with their video ids. ``video_data`` objects always carry
        ``item_id`` but not always ``video_id`` (docs/douyin.md): an answer is matched by its own id,
        the id learnt for its item id, or the id in its share URL; answers that none of these match
        are resolved by asking each still-unmatched id alone (one id, one answer)."""
        asked = set(batch)
        matched: dict[str, Video] = {}
        unknown = []
        for video in answered:
            video_id = self._known_id(video)
            if video_id is None:
                unknown.append(video)
            elif video_id in asked and video_id not in matched:
                matched[video_id] = replace(video, video_id=video_id)
        if unknown and len(batch) == 1:
            if not matched:  # one id asked: its answer is that video
                matched[batch[0]] = replace(unknown[0], video_id=batch[0])
        elif unknown:
            for video_id in [v for v in batch if v not in matched]:
                matched.update((v.video_id, v) for v in self._video_batch(access_token, open_id, [video_id]))
        for video in matched.values():
            self._learn(video)
        return [matched[v] for v in batch if v in matched]


ITEM_CACHE = 100_000
