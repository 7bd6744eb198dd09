"""The bodies of the staff API (``/api/v1/staff``): requests, answers and query strings.
The OpenAPI document (:mod:`contest.blueprints.api.openapi`) is generated from these classes."""

from typing import Annotated, Literal

from pydantic import Field, create_model

from contest.blueprints.api.schemas import CONTEST, OWNER_PROOF, Check, EntryStatusName, FactSources, OwnerProofName
from contest.domain.platform_health import ALARM_KINDS, OUTCOMES
from contest.domain.review import DECISIONS
from contest.domain.tally_corrections import COUNT_MAX, MAX_REASON
from contest.models import SnapshotSource
from contest.web.numbers import MAX_ID
from contest.web.schemas import Body, Count, Id, Instant, InstantIn, Int, Note, Number, Out, Says, VideoId

NOTE_MAX = 1000
PAGE_MAX = 500
Tally = Int(0, COUNT_MAX)


# --- requests ------------------------------------------------------------------------------

class ReviewRequest(Body):
    decision: Annotated[Literal[tuple(DECISIONS)], Says(f"字段 decision 必须是 {'、'.join(DECISIONS)} 之一。")]
    checklist: Annotated[dict[str, bool], Says("字段 checklist 必须是对象，每一项为 true 或 false。")] = Field(
        {}, description="Approval needs all three ticked: slogan, theme, content.")
    reason: Note(NOTE_MAX, description="Required to reject or ask for a fix; the entrant sees it.") = None
    version: Int(1, MAX_ID, description="The version read; a stale one answers 409. Optional, but when given it "
                                        "must be such an integer (`null` answers 400).") = None


class LikesRequest(Body):
    likes: Tally
    comments: Tally = None
    shares: Tally = None
    plays: Tally = None
    observed_at: InstantIn | None = Field(None, description="Not in the future; without an offset it is Beijing "
                                                            "time; default now.")
    note: Note(NOTE_MAX) = None


class TallyCorrectionRequest(Body):
    likes: Tally
    observed_at: InstantIn = Field(description="When the corrected count was observed: inside the window, at or "
                                               "before the close; without an offset it is Beijing time.")
    reason: Note(MAX_REASON, description="Why; shown publicly.") = None


class EntriesQuery(Body):
    contest: str | None = CONTEST
    status: EntryStatusName | None = Field(None, description="Only this status.")
    theme: str | None = Field(None, description="A theme key; every theme when absent or empty.")
    area: str | None = Field(None, description="An area key; every area (of the reviewer's) when absent or empty.")
    after: int = Field(None, ge=0, le=MAX_ID, description="Entries with a larger id.")
    limit: int = Field(100, ge=1, le=PAGE_MAX, description="Entries a page.")


class StandingsQuery(Body):
    contest: str | None = CONTEST


# --- answers --------------------------------------------------------------------------------

class StaffEntry(Out):
    id: Id
    video_id: VideoId
    status: EntryStatusName
    theme: str
    area: str
    submitted_at: Instant
    caption: str | None
    version: Id
    likes: Count | None
    owner_proof: OwnerProofName | None = Field(description=OWNER_PROOF)


class StaffEntries(Out):
    """A page of entries; `next_after` pages on."""
    contest: str
    entries: list[StaffEntry]
    next_after: Id | None = Field(description="Pass as `after` for the next page.")


class Reading(Out):
    observed_at: Instant
    likes: Count
    source: Literal[tuple(s.value for s in SnapshotSource)]
    counted: bool = Field(description="False for readings after the close.")


class StaffEntryDetail(StaffEntry):
    """The entry."""
    published_at: Instant | None
    status_reason: str | None
    checks: list[Check]
    fact_sources: FactSources
    snapshots: list[Reading]


class ReviewResult(Out):
    """The entry's new status and version."""
    id: Id
    status: EntryStatusName
    version: Id


class SnapshotCreated(Reading):
    """The reading recorded."""
    id: Id
    entry_id: Id
    note: str


class Standing(Out):
    rank: Id
    entry_id: Id
    video_id: VideoId
    likes: Count
    observed_at: Instant | None
    reached_at: Instant | None
    corrected: bool


class Standings(Out):
    """Every approved entry, ranked by the tie rule."""
    contest: str
    as_of: Instant
    frozen: bool
    entries: list[Standing]


class TallyCorrection(Out):
    """The correction; the tally is now exactly `likes`, reached at `observed_at`."""
    id: Id
    entry_id: Id
    likes: Count
    observed_at: Instant
    reason: str
    previous_likes: Count | None
    previous_observed_at: Instant | None
    at: Instant
    evidence_path: str | None


OutcomeCounts = create_model("OutcomeCounts", __base__=Out, __doc__=(
    "Authors by outcome: `ok` read; `rate_limited` calls too frequent (28003018); `quota` the application's "
    "quota used up (28003017, 2190001: the rest of the sweep made no calls); `auth` the author's authorisation "
    "is gone; `unavailable` Douyin did not answer usefully (timeouts, 5xx, malformed answers, busy, risk control, "
    "an account banned or deleted); `capability_retired` a capability retired or withheld (28001056, 28001019, "
    "28001018, 10004)."), **{k: (Count, ...) for k in OUTCOMES})


class Alarm(Out):
    """An open incident. Admins were texted once, when it opened."""
    id: Id
    kind: Literal[ALARM_KINDS]
    key: str = Field(description="The endpoint, for `capability_retired`; else empty.")
    message: str = Field(description="Chinese: what happened and what to do (the banner, the SMS).")
    opened_at: Instant
    last_seen_at: Instant
    code: int | None
    logid: str | None


class Sweep(Out):
    id: Id
    started_at: Instant
    finished_at: Instant
    entries: Count
    snapshots: Count
    authors: Count
    outcomes: OutcomeCounts
    error_share: Number = Field(ge=0, le=1, description="Authors not `ok` over the authors asked about (a used-up "
                                                        "quota, with its own alarm, is left out); 0 when none.")


class NeedsReauth(Out):
    user_id: Id
    nickname: str
    since: Instant | None
    live_entries: Count = Field(description="Their entries not withdrawn or rejected.")


class ExpiringToken(Out):
    user_id: Id
    nickname: str
    refresh_expires_at: Instant
    renewals: int = Field(ge=0, le=5)
    renew_refused_code: int | None = Field(description="10004: no renew permission; 10020: 5 renewals used.")
    reminded_at: Instant | None


class UploadFolder(Out):
    """The slogan-check upload folder (CONTEST_SLOGAN_UPLOAD_DIR)."""
    files: Count
    bytes: Count


class PlatformHealth(Out):
    """The open alarms (oldest first), the last 10 finished sweeps (newest first), the authors whose Douyin
    authorisation is gone, the working refresh tokens that expire within 7 days (soonest first)."""
    as_of: Instant
    error_share_threshold: Number = Field(ge=0, le=1, description="CONTEST_PLATFORM_ALARM_ERROR_SHARE: a sweep "
                                                                  "whose error share is above it raises the alarm.")
    alarms: list[Alarm]
    sweeps: list[Sweep]
    needs_reauth: list[NeedsReauth]
    expiring_tokens: list[ExpiringToken]
    upload_folder: UploadFolder
