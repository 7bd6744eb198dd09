"""The signed-in author's own videos, read with their token (the ``OwnerVideos`` the entry rules take)."""

from __future__ import annotations

from datetime import datetime

from contest.domain.douyin_identity import fresh_access_token
from contest.douyin.client import DouyinClient, Video, VideoPage
from contest.models import DouyinAccount, User

DATA_SCOPE = "video.data.bind"
LIST_SCOPE = "video.list.bind"


class AuthorVideos:
    def __init__(self, account: DouyinAccount, client: DouyinClient, now: datetime):
        self.account = account
        self.client = client
        self.now = now

    @classmethod
    def of(cls, user: User | None, client: DouyinClient, now: datetime, *, scope: str = DATA_SCOPE) -> AuthorVideos | None:
        """For a user whose linked Douyin account granted ``scope`` and still works; else None."""
        account = getattr(user, "douyin", None) if user is not None else None
        if account is None or account.needs_reauth or scope not in account.scope_set:
            return None
        return cls(account, client, now)

    def _token(self) -> str:
        return fresh_access_token(self.account, douyin=self.client, now=self.now)

    def fetch(self, video_id: str) -> Video | None:
        videos = self.client.video_data(self._token(), self.account.open_id, [video_id])
        return next((v for v in videos if v.video_id == video_id), None)

    def fetch_many(self, video_ids: list[str]) -> list[Video]:
        """Those of ``video_ids`` that are this author's (in the client's batches)."""
        return self.client.video_data(self._token(), self.account.open_id, video_ids) if video_ids else []

    def page(self, cursor: int = 0, count: int = 10) -> VideoPage:
        return self.client.video_list(self._token(), self.account.open_id, cursor=cursor, count=count)
