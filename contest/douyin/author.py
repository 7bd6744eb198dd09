"""The signed-in author's own videos, read with their token (the ``OwnerVideos`` the entry rules take).

Part of the integration: it implements the domain's Protocol over a :class:`DouyinGateway`
(so every failure is already the domain's error) and keeps the token fresh with the domain's
rule (:func:`contest.domain.douyin_identity.fresh_access_token`), which takes the gateway too.
"""

from __future__ import annotations

from datetime import datetime

from contest.domain.douyin_identity import fresh_access_token
from contest.douyin.client import Video, VideoPage
from contest.douyin.gateway import DouyinGateway
from contest.models import DouyinAccount, User

DATA_SCOPE = "video.data.bind"
LIST_SCOPE = "video.list.bind"


class AuthorVideos:
    def __init__(self, account: DouyinAccount, douyin: DouyinGateway, now: datetime):
        self.account = account
        self.douyin = douyin
        self.now = now

    @classmethod
    def of(cls, user: User | None, douyin: DouyinGateway, now: datetime, *, scope: str = DATA_SCOPE) -> AuthorVideos | None:
        """For a user whose linked Douyin account granted ``scope`` and still works; else None."""
        account = getattr(user, "douyin", None) if user is not None else None
        if account is None or account.needs_reauth or scope not in account.scope_set:
            return None
        return cls(account, douyin, now)

    def _token(self) -> str:
        return fresh_access_token(self.account, douyin=self.douyin, now=self.now)

    def fetch(self, video_id: str) -> Video | None:
        videos = self.douyin.video_data(self._token(), self.account.open_id, [video_id])
        return next((v for v in videos if v.video_id == video_id), None)

    def fetch_many(self, video_ids: list[str]) -> list[Video]:
        """Those of ``video_ids`` that are this author's (in the client's batches)."""
        return self.douyin.video_data(self._token(), self.account.open_id, video_ids) if video_ids else []

    def page(self, cursor: int = 0, count: int = 10) -> VideoPage:
        return self.douyin.video_list(self._token(), self.account.open_id, cursor=cursor, count=count)
