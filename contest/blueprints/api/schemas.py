"""The bodies of the public and citizen API (``/api/v1``): requests, answers and query strings.
The OpenAPI document (:mod:`contest.blueprints.api.openapi`) is generated from these classes."""

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from contest.domain.entries import MAX_TEXT
from contest.models import EntryStatus, OwnerProof, Role
from contest.web.numbers import MAX_INT64
from contest.web.schemas import (Body, Count, Flag, Id, Instant, Number, Out, Problem, RequiredText, Text,
                                 VideoId)

VIDEOS_PAGE_MAX = 20  # Douyin's video.list gives at most 20 a page
MAX_LIMIT = 100
EntryStatusName = Literal[tuple(s.value for s in EntryStatus)]
OwnerProofName = Literal[tuple(p.value for p in OwnerProof)]
CONTEST = Field(None, description="The contest's slug; the current contest when absent or empty.")
# In a body the slug may be left out, never null: the default is not validated, an explicit null is refused.
BODY_CONTEST = Field(None, description="The contest's slug (a string, never null); the current contest when absent.")


# --- requests ------------------------------------------------------------------------------

class PreflightRequest(Body):
    text: RequiredText = Field(max_length=MAX_TEXT)
    contest: Text = BODY_CONTEST


class CaptionCheckRequest(Body):
    caption: RequiredText = Field(max_length=MAX_TEXT)
    contest: Text = BODY_CONTEST


class EntryRequest(Body):
    """By ``video_id`` (from /me/videos) or by pasted ``text``; theme and area are checked by the entry rules."""
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["video_id"]}, {"required": ["text"]}]})
    video_id: Text | None = None
    text: Text | None = Field(None, max_length=MAX_TEXT, description="Pasted share text or a link.")
    contest: Text = BODY_CONTEST
    theme: Text | None = None
    area: Text | None = None
    accept_rules: Flag = Field(False, description="The entrant accepts the rules (required to enter).")
    show_nickname: Flag = Field(True, description="Show the entrant's Douyin nickname on public pages (docs/rules.md §10).")

    @model_validator(mode="before")
    @classmethod
    def _video_or_text(cls, data):
        given = [data.get(k) for k in ("video_id", "text")] if isinstance(data, dict) else ["?"]
        if all(v is None or v == "" for v in given):
            raise ValueError("需要字段 video_id 或 text。")
        return data


class ContestQuery(Body):
    contest: str | None = CONTEST


class PopularityQuery(Body):
    contest: str | None = CONTEST
    theme: str | None = Field(None, description="A theme key of the contest (see /api/v1/contest); all themes "
                                                "when absent or empty.")
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="How many entries.")


class VideosQuery(Body):
    contest: str | None = CONTEST
    cursor: int = Field(0, ge=0, le=MAX_INT64, json_schema_extra={"format": "int64"},
                        description="The `cursor` of the last page (Douyin's, a 64-bit integer).")
    count: int = Field(10, ge=1, le=VIDEOS_PAGE_MAX, description="Videos a page.")


class MyEntriesQuery(Body):
    contest: str | None = Field(None, description="Only this contest's entries; every contest's when absent or empty.")


# --- answers --------------------------------------------------------------------------------

class Refusal(Out):
    """Refused: the problems say why."""
    error: str
    problems: list[Problem]


class PasteLinkFallback(Out):
    """Listing the author's videos is not possible: paste a link instead."""
    error: str
    fallback: Literal["paste_link"]


class Preflight(Out):
    """The checks' outcome; `ok` is false with problems."""
    ok: bool
    video_id: VideoId | None
    caption: str | None
    problems: list[Problem]


class CaptionCheck(Out):
    """Problem codes: missing_hashtag, missing_mention."""
    ok: bool
    problems: list[Problem]


class KeyName(Out):
    key: str
    name: str


class AwardSizes(Out):
    popularity: Count
    excellence: Count


class Contest(Out):
    """The contest."""
    slug: str
    name: str
    organiser: str
    co_organisers: list[str]
    topic: str
    slogan: str
    hashtag: str
    mention: str
    timezone: str
    opens_at: Instant
    closes_at: Instant
    phase: Literal["upcoming", "open", "closed"]
    themes: list[KeyName]
    areas: list[KeyName]
    awards: AwardSizes
    tie_rule: str


class PublicCorrection(Out):
    """An admin's public correction of the tally after the close."""
    at: Instant = Field(description="When the admin corrected the tally.")
    reason: str
    previous_likes: Count | None
    observed_at: Instant = Field(description="The instant the corrected count was observed (the tie rule's "
                                             "reached time); at or before the close.")


class PopularityRow(Out):
    rank: Id
    entry_id: Id
    video_id: VideoId
    title: str | None
    author: str
    theme: str
    likes: Count
    corrected: bool = Field(description="An admin corrected the tally after the close.")
    correction: PublicCorrection | None


class Popularity(Out):
    """Top `limit` entries; `as_of` is the newest counted reading; frozen after the close."""
    contest: str
    as_of: Instant
    frozen: bool
    entries: list[PopularityRow]


class Place(Out):
    scope: str
    rank: Id
    entry_id: Id
    video_id: VideoId
    title: str | None
    author: str
    theme: str
    value: Number = Field(description="Likes, or the mean z-score.")


class ObjectionCounts(Out):
    received: Count
    handled: Count


class Award(Out):
    status: Literal["notice", "published"]
    version: Id
    reason: str | None
    published_at: Instant | None
    notice_ends_at: Instant | None
    places: list[Place]
    objections: ObjectionCounts


class Winners(Out):
    """Each award is null until it is in its notice. Places: 总榜 (`overall`) first, then the themes in the
    contest's order (theme places only where the contest has them). `objections`: objections (异议) received
    during the notice, and how many were answered."""
    contest: str
    popularity: Award | None
    excellence: Award | None


class Me(Out):
    """Me."""
    id: Id
    nickname: str
    phone: str | None = Field(max_length=20, description="Masked, e.g. 139****0001.")
    role: Literal[tuple(r.value for r in Role)]
    douyin_linked: bool
    douyin_nickname: str | None
    scopes: list[str]
    douyin_needs_reauth: bool


class MyVideo(Out):
    video_id: VideoId
    title: str
    cover: str | None
    published_at: Instant | None
    entered: bool
    ok: bool
    problems: list[Problem]


class MyVideos(Out):
    """One page of videos, newest first."""
    videos: list[MyVideo]
    cursor: Count
    has_more: bool


class EntryCreated(Out):
    """Entered; it waits for review."""
    id: Id
    status: Literal["pending"]
    problems: list[Problem] = Field(max_length=0)


class Check(Out):
    code: str
    passed: bool
    label: str
    provisional: bool


FactSources = dict[str, Literal["platform", "embed", "video_id"]]
OWNER_PROOF = ("How the entrant was proven the video's author: `platform` (Douyin authorisation) or `staff` "
               "(evidence examined by a reviewer); null while unproven (作者身份待验证: never approved, never polled).")


class MyEntry(Out):
    id: Id
    contest: str
    video_id: VideoId
    caption: str | None
    theme: str
    area: str
    status: EntryStatusName
    status_label: str
    status_reason: str | None
    submitted_at: Instant
    published_at: Instant | None
    checks: list[Check]
    fact_sources: FactSources = Field(description="How each fact was learnt.")
    owner_proof: OwnerProofName | None = Field(description=OWNER_PROOF)


class MyEntries(Out):
    """Every contest's entries, or one contest's with `contest`."""
    entries: list[MyEntry]
