"""Douyin as the domain sees it: the client's calls with its errors translated to the domain's.

The client (:mod:`contest.douyin.client`) knows nothing of the domain: it raises
:class:`contest.douyin.errors.DouyinError` and answers plain data. The domain's rules take
what they need from Douyin through Protocols (``DouyinGateway`` in ``contest.domain.entries``,
``TokenGateway`` in ``contest.domain.douyin_identity``) and catch only their own errors
(``contest.domain.errors``). :class:`DouyinGateway` implements those Protocols over a client;
views, jobs and the CLI hand it (never the bare client) to the domain.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from contest.domain import errors as domain
from contest.douyin.client import DouyinClient
from contest.douyin.errors import (
    AccessTokenRejected, ApiOffline, AppNotPermitted, DouyinAuthError, DouyinError, QuotaExhausted, RateLimited,
    VideoUnavailable,
)

# Client error class → domain error class, most specific first.
_DOMAIN = (
    (AccessTokenRejected, domain.TokenRejected),
    (DouyinAuthError, domain.AuthorizationLost),
    (VideoUnavailable, domain.VideoGoneError),
    (QuotaExhausted, domain.QuotaExhausted),
    (RateLimited, domain.RateLimited),
    (ApiOffline, domain.CapabilityUnavailable),
    (AppNotPermitted, domain.CapabilityUnavailable),
)
# Renewing a refresh token: these say "cannot renew", not "the grant is gone" (docs/douyin.md).
RENEWAL_REFUSED = frozenset({10004, 10020})


def translate(error: DouyinError) -> domain.PlatformError:
    """The domain's error for a client error: the same message for the user, the platform's
    code, the kind of failure and the log id kept."""
    cls = next((mine for theirs, mine in _DOMAIN if isinstance(error, theirs)), domain.PlatformError)
    return cls(error.message, code=error.code, kind=error.kind, logid=error.logid)


@contextmanager
def translated() -> Iterator[None]:
    """Raise the domain's error (:func:`translate`) for any client error inside the block."""
    try:
        yield
    except DouyinError as exc:
        raise translate(exc) from exc


class DouyinGateway:
    """One client, seen through the domain's errors. Answers are the client's plain data
    (``EmbedInfo``, ``TokenGrant``, ``DouyinUser``, ``Video``, ``VideoPage``)."""

    def __init__(self, client: DouyinClient):
        self.client = client

    def __repr__(self) -> str:
        return f"DouyinGateway({self.client!r})"

    @property
    def share_base(self) -> str:
        return self.client.share_base

    def _call(self, name: str, *args, **kwargs):
        with translated():
            return getattr(self.client, name)(*args, **kwargs)

    # -- what the domain's rules call ----------------------------------------
    def resolve_short_link(self, code: str, host: str | None = None) -> str | None:
        return self._call("resolve_short_link", code, *([host] if host else []))

    def embed_info(self, video_id: str):
        return self._call("embed_info", video_id)

    def refresh_access_token(self, refresh_token: str):
        return self._call("refresh_access_token", refresh_token)

    def renew_refresh_token(self, refresh_token: str) -> tuple[str, int]:
        """A new refresh token, or :class:`RenewalUnavailable` when the platform will not renew it
        (no renew permission: 10004; five renewals used: 10020) although it still works."""
        try:
            return self.client.renew_refresh_token(refresh_token)
        except DouyinError as exc:
            if exc.kind == "platform" and exc.code in RENEWAL_REFUSED:
                raise domain.RenewalUnavailable(exc.message, code=exc.code, kind=exc.kind, logid=exc.logid) from exc
            raise translate(exc) from exc

    # -- what the views call before handing plain data to the domain ------------
    def exchange_code(self, code: str):
        return self._call("exchange_code", code)

    def user_info(self, access_token: str, open_id: str):
        return self._call("user_info", access_token, open_id)

    def video_data(self, access_token: str, open_id: str, video_ids):
        return self._call("video_data", access_token, open_id, video_ids)

    def video_list(self, access_token: str, open_id: str, *, cursor: int = 0, count: int = 10):
        return self._call("video_list", access_token, open_id, cursor=cursor, count=count)

    # -- addresses (built locally, never fail) ---------------------------------
    def share_url(self, video_id: str) -> str:
        return self.client.share_url(video_id)

    def player_url(self, video_id: str) -> str:
        return self.client.player_url(video_id)

    def authorize_url(self, **kwargs) -> str:
        return self.client.authorize_url(**kwargs)
