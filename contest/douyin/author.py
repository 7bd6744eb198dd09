"""The signed-in author's own videos, read with their token (the ``OwnerVideos`` the entry rules take).

Part of the integration: it implements the domain's Protocol over a :class:`DouyinGateway`
(so every failure is already the domain's error) and calls with a fresh token through the
domain's rule (:func:`contest.domain.douyin_identity.with_token`: a token the platform refuses is
refreshed once, and a grant that is gone marks the account at once), which takes the gateway too.
"""

from __future__ import annotations

from datetime import datetime

from contest.domain.douyin_identity import with_token
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

    def _with_token(self, call):
        return with_token(self.account, call, douyin=self.douyin, now=self.now)

    def fetch(self, video_id: str) -> Video | None:
        videos = self._with_token(lambda token: self.douyin.video_data(token, self.account.open_id, [video_id]))
        return next((v for v in videos if v.video_id == video_id), None)

    def fetch_many(self, video_ids: list[str]) -> list[Video]:
        """Those of ``video_ids`` that are this author's (in the client's batches)."""
        if not video_ids:
            return []
        return self._with_token(lambda token: self.douyin.video_data(token, self.account.open_id, video_ids))

    def page(self, cursor: int = 0, count: int = 10) -> VideoPage:
        return self._with_token(
            lambda token: self.douyin.video_list(token, self.account.open_id, cursor=cursor, count=count))
