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

from contest.domain.errors import AuthorizationLost, PlatformError, VideoGoneError
from contest.douyin.client import DouyinClient
from contest.douyin.errors import DouyinAuthError, DouyinError, VideoUnavailable


def translate(error: DouyinError) -> PlatformError:
    """The domain's error for a client error: the same message for the user, the platform's
    code and the kind of failure kept."""
    if isinstance(error, DouyinAuthError):
        cls = AuthorizationLost
    elif isinstance(error, VideoUnavailable):
        cls = VideoGoneError
    else:
        cls = PlatformError
    return cls(error.message, code=error.code, kind=error.kind)


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
    def resolve_short_link(self, code: str) -> str | None:
        return self._call("resolve_short_link", code)

    def embed_info(self, video_id: str):
        return self._call("embed_info", video_id)

    def refresh_access_token(self, refresh_token: str):
        return self._call("refresh_access_token", refresh_token)

    def renew_refresh_token(self, refresh_token: str) -> tuple[str, int]:
        return self._call("renew_refresh_token", refresh_token)

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
