"""The Douyin platform as views use it: the client seen through the domain's errors, an author's
own videos, entering a video, the platform alarm and the health report, Douyin's paging cursor."""

from __future__ import annotations

import os

from flask import current_app
from flask_login import current_user

from contest import clock
from contest.domain import platform_health
from contest.domain.entries import EntryRequest, submit_entry
from contest.domain.errors import CapabilityUnavailable, PlatformError, Refused
from contest.douyin.author import AuthorVideos
from contest.douyin.gateway import DouyinGateway
from contest.extensions import db
from contest.models import Contest, Entry
from contest.web.numbers import MAX_INT64, query_int


def douyin() -> DouyinGateway:
    """The app's Douyin client seen through the domain's errors: what views hand to the domain."""
    return DouyinGateway(current_app.extensions["douyin"])


def author_videos(user, **kwargs) -> AuthorVideos | None:
    """The signed-in author's own videos through their Douyin token, when they granted it."""
    return AuthorVideos.of(user if getattr(user, "is_authenticated", False) else None, douyin(), clock.now(), **kwargs)


def note_platform_error(exc: PlatformError, endpoint: str) -> None:
    """A failure the organisers must hear of — a capability Douyin retired or withheld from the
    application (e.g. 28001056 on video_list) — raises the platform alarm. The caller commits."""
    if isinstance(exc, CapabilityUnavailable):
        platform_health.capability_retired(endpoint, code=exc.code, logid=exc.logid, now=clock.now())


def folder_usage(path: str) -> dict:
    """``{"files", "bytes"}`` of the files under ``path`` (nothing when it does not exist)."""
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.stat(os.path.join(root, name)).st_size
                files += 1
            except OSError:  # removed while we looked
                continue
    return {"files": files, "bytes": size}


def platform_health_report():
    """The platform-health report the staff page and the staff API show, and the upload folder's usage."""
    config = current_app.config
    return (platform_health.report(clock.now(), threshold=config["CONTEST_PLATFORM_ALARM_ERROR_SHARE"]),
            folder_usage(config["CONTEST_SLOGAN_UPLOAD_DIR"]))


def enter(contest: Contest, req: EntryRequest) -> Entry:
    """Submit an entry for the signed-in citizen (their Douyin token verifies it when linked).
    Commits also when refused: a token refreshed on the way must be kept."""
    try:
        entry = submit_entry(contest, current_user, req, douyin=douyin(), now=clock.now(),
                             verifier=author_videos(current_user))
    except Refused:
        db.session.commit()
        raise
    db.session.commit()
    return entry


def page_cursor() -> int:
    """``?cursor=N``, Douyin's paging cursor (a 64-bit integer): 0 when absent, 400 when malformed."""
    return query_int("cursor", 0, high=MAX_INT64)
