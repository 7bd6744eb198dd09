"""The OpenAPI 3.0.3 description of every endpoint under ``/api/v1``, served at
``GET /api/v1/openapi.json``.

The document is data, built once at import from the small helpers below. It states what the
views really accept and answer: every status each operation can return, with its body.
``tests/api/test_openapi.py`` fails when a route under ``/api/v1`` is missing from it (or it
describes one that does not exist), and ``tests/api/test_schemathesis.py`` drives the real
app from it with schemathesis. Change a view, change this document.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import jsonify

from contest.blueprints.api import bp
from contest.blueprints.api.citizen import VIDEOS_PAGE_MAX
from contest.blueprints.api.leaderboards import MAX_LIMIT
from contest.blueprints.staff_api.views import COUNT_MAX, NOTE_MAX, PAGE_MAX
from contest.domain.entries import MAX_TEXT
from contest.domain.platform_health import ALARM_KINDS, OUTCOMES
from contest.domain.review import DECISIONS
from contest.domain.tally_corrections import MAX_REASON
from contest.models import EntryStatus, OwnerProof, Role, SnapshotSource
from contest.web.numbers import MAX_ID, MAX_INT64

try:
    SITE_VERSION = version("contest")
except PackageNotFoundError:  # running from a source tree that was never installed
    SITE_VERSION = "0.0.0"

# The limits and choices come from the code that enforces them, so the document follows it.
ENTRY_STATUSES = [s.value for s in EntryStatus]


# --- schema helpers -------------------------------------------------------------------

def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    # OpenAPI 3.0 ignores siblings of "$ref": a nullable reference is wrapped in allOf.
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def obj(properties: dict, *, optional: tuple[str, ...] = (), **extra) -> dict:
    """An object with exactly ``properties``, all required except ``optional``."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "additionalProperties": False,
            **({"required": required} if required else {}), **extra}


def array(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


def integer(low: int | None = None, high: int | None = None, **extra) -> dict:
    bounds = {"minimum": low} if low is not None else {}
    if high is not None:
        bounds["maximum"] = high
    return {"type": "integer", **bounds, **extra}


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INSTANT = {"type": "string", "format": "date-time",
           "description": "ISO 8601 with the Beijing offset, e.g. 2020-06-18T00:00:00+08:00."}


def text(max_length: int, **extra) -> dict:
    return {"type": "string", "maxLength": max_length, **extra}


# --- operation helpers ----------------------------------------------------------------

def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def answer(description: str, schema: dict, **extra) -> dict:
    return {"description": description, "content": json_content(schema), **extra}


def error(description: str) -> dict:
    return answer(description, ref("Error"))


def query(name: str, schema: dict, description: str) -> dict:
    """A query parameter. What the views do with one (``contest.web.numbers``): an integer is
    ASCII digits in its range and an enum one of its values; anything else, an empty value
    included, answers 400. A free-text key given empty is as if left out."""
    if schema.get("type") == "integer" or "enum" in schema:
        description += " Anything else (an empty value, other digits such as `١٠`) answers 400."
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


CONTEST_QUERY = query("contest", STRING, "The contest's slug; the current contest when absent or empty.")
ENTRY_ID = {"name": "entry_id", "in": "path", "required": True, "schema": integer(1, MAX_ID),
            "description": "The entry's id."}

BAD_REQUEST = error("Bad input: a body that is not a JSON object, a missing or mistyped field, a bad parameter.")
NO_CONTEST = error("No such contest (or no contest created yet).")
RATE_LIMITED = error("Too many requests from this caller; try again later.")
SIGNED_OUT = error("Not signed in.")
NEED_TOKEN = {**error("No bearer token, or an unknown, revoked or inactive user's token."), "headers": {
    "WWW-Authenticate": {"schema": STRING, "description": "`Bearer`, with an error when a token was sent."}}}
STAFF_ONLY = error("The token's user may not do this: judges and citizens never; reviewers only within their areas.")
NO_ENTRY = error("No such entry.")


def operation(endpoint: str, summary: str, responses: dict, *, parameters: list | None = None,
              body: dict | None = None, security: list | None = None, description: str | None = None) -> dict:
    """``endpoint`` is the Flask endpoint serving it: the operation's id, and its tag is the audience."""
    tag = "staff" if endpoint.startswith("staff_api.") else "citizen" if security else "public"
    op = {"operationId": endpoint, "summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": json_content(body)}
    if security is not None:
        op["security"] = security
    return op


CITIZEN = [{"sessionCookie": []}]
CITIZEN_POST = [{"sessionCookie": [], "csrfToken": []}]
STAFF = [{"bearerAuth": []}]


def staff_responses(ok: dict, more: dict | None = None, *, status: str = "200") -> dict:
    """The answers every staff call can give, ``ok`` on success; ``more`` adds or replaces some."""
    return {status: ok, "401": NEED_TOKEN, "403": STAFF_ONLY, "404": NO_CONTEST, "429": RATE_LIMITED, **(more or {})}


# --- components -----------------------------------------------------------------------

PROBLEMS = array(ref("Problem"))

SCHEMAS = {
    "Error": obj({"error": {"type": "string", "minLength": 1, "description": "A message in Simplified Chinese."}}),
    "Problem": obj({"code": STRING, "message": STRING},
                   description="A reason an entry cannot count, with a stable code and a Chinese message."),
    "Refusal": obj({"error": STRING, "problems": PROBLEMS}),
    "PasteLinkFallback": obj({"error": STRING, "fallback": {"type": "string", "enum": ["paste_link"]}},
                             description="Listing the author's videos is not possible: paste a link instead."),
    "VideoId": {"type": "string", "pattern": "^[0-9]{1,20}$", "example": "6840000000000000001",
                "description": "A Douyin video id; ids exceed 2^53, so always a string."},
    "KeyName": obj({"key": STRING, "name": STRING}),
    "Check": obj({"code": STRING, "passed": BOOLEAN, "label": STRING, "provisional": BOOLEAN}),
    "FactSources": {"type": "object", "description": "How each fact was learnt.",
                    "additionalProperties": {"type": "string", "enum": ["platform", "embed", "video_id"]}},
    "Preflight": obj({"ok": BOOLEAN, "video_id": nullable(ref("VideoId")), "caption": nullable(STRING),
                      "problems": PROBLEMS}),
    "CaptionCheck": obj({"ok": BOOLEAN, "problems": PROBLEMS}),
    "Contest": obj({
        "slug": STRING, "name": STRING, "organiser": STRING, "co_organisers": array(STRING), "topic": STRING,
        "slogan": STRING, "hashtag": STRING, "mention": STRING, "timezone": STRING, "opens_at": INSTANT,
        "closes_at": INSTANT, "phase": {"type": "string", "enum": ["upcoming", "open", "closed"]},
        "themes": array(ref("KeyName")), "areas": array(ref("KeyName")),
        "awards": obj({"popularity": integer(0), "excellence": integer(0)}), "tie_rule": STRING,
    }),
    "PublicCorrection": obj({
        "at": {**INSTANT, "description": "When the admin corrected the tally."},
        "reason": STRING, "previous_likes": nullable(integer(0)),
        "observed_at": {**INSTANT, "description": "The instant the corrected count was observed (the tie rule's "
                                                  "reached time); at or before the close."},
    }, description="An admin's public correction of the tally after the close."),
    "Popularity": obj({
        "contest": STRING, "as_of": INSTANT, "frozen": BOOLEAN,
        "entries": array(obj({"rank": integer(1), "entry_id": integer(1), "video_id": ref("VideoId"),
                              "title": nullable(STRING), "author": STRING, "theme": STRING, "likes": integer(0),
                              "corrected": {"type": "boolean", "description": "An admin corrected the tally "
                                                                              "after the close."},
                              "correction": nullable(ref("PublicCorrection"))})),
    }),
    "Award": obj({
        "status": {"type": "string", "enum": ["notice", "published"]}, "version": integer(1),
        "reason": nullable(STRING), "published_at": nullable(INSTANT), "notice_ends_at": nullable(INSTANT),
        "places": array(obj({"scope": STRING, "rank": integer(1), "entry_id": integer(1), "video_id": ref("VideoId"),
                             "title": nullable(STRING), "author": STRING, "theme": STRING,
                             "value": {"type": "number", "description": "Likes, or the mean z-score."}})),
        "objections": obj({"received": integer(0), "handled": integer(0)}),
    }),
    "Winners": obj({"contest": STRING, "popularity": nullable(ref("Award")), "excellence": nullable(ref("Award"))}),
    "Me": obj({
        "id": integer(1), "nickname": STRING, "phone": nullable(text(20, description="Masked, e.g. 139****0001.")),
        "role": {"type": "string", "enum": [r.value for r in Role]}, "douyin_linked": BOOLEAN,
        "douyin_nickname": nullable(STRING), "scopes": array(STRING), "douyin_needs_reauth": BOOLEAN,
    }),
    "MyVideos": obj({
        "videos": array(obj({"video_id": ref("VideoId"), "title": STRING, "cover": nullable(STRING),
                             "published_at": nullable(INSTANT), "entered": BOOLEAN, "ok": BOOLEAN,
                             "problems": PROBLEMS})),
        "cursor": integer(0), "has_more": BOOLEAN,
    }),
    "EntryRequest": {
        **obj({
            "video_id": ref("VideoId"), "text": text(MAX_TEXT, description="Pasted share text or a link."),
            "theme": STRING, "area": STRING,
            "accept_rules": {"type": "boolean", "enum": [True], "description": "The entrant accepts the rules."},
            "show_nickname": {"type": "boolean", "default": True,
                              "description": "Public pages show the Douyin nickname and the player (docs/rules.md §10)."},
            "contest": STRING,
        }, optional=("video_id", "text", "show_nickname", "contest")),
        "anyOf": [{"required": ["video_id"]}, {"required": ["text"]}],
    },
    "EntryCreated": obj({"id": integer(1), "status": {"type": "string", "enum": ["pending"]},
                         "problems": array(ref("Problem"), maxItems=0)}),
    "MyEntries": obj({"entries": array(obj({
        "id": integer(1), "contest": STRING, "video_id": ref("VideoId"), "caption": nullable(STRING),
        "theme": STRING, "area": STRING, "status": {"type": "string", "enum": ENTRY_STATUSES},
        "status_label": STRING, "status_reason": nullable(STRING), "submitted_at": INSTANT,
        "published_at": nullable(INSTANT), "checks": array(ref("Check")), "fact_sources": ref("FactSources"),
        "owner_proof": ref("OwnerProof"),
    }))}),
    "OwnerProof": {"type": "string", "enum": [*(p.value for p in OwnerProof), None], "nullable": True,
                   "description": "How the entrant was proven the video's author: `platform` (Douyin authorisation) "
                                  "or `staff` (evidence examined by a reviewer); null while unproven "
                                  "(作者身份待验证: never approved, never polled)."},
}

STAFF_ENTRY = {
    "id": integer(1), "video_id": ref("VideoId"), "status": {"type": "string", "enum": ENTRY_STATUSES},
    "theme": STRING, "area": STRING, "submitted_at": INSTANT, "caption": nullable(STRING), "version": integer(1),
    "likes": nullable(integer(0)), "owner_proof": ref("OwnerProof"),
}
SNAPSHOT = {"observed_at": INSTANT, "likes": integer(0),
            "source": {"type": "string", "enum": [s.value for s in SnapshotSource]},
            "counted": {"type": "boolean", "description": "False for readings after the close."}}

SCHEMAS.update({
    "StaffEntry": obj(STAFF_ENTRY),
    "StaffEntries": obj({"contest": STRING, "entries": array(ref("StaffEntry")),
                         "next_after": nullable(integer(1, description="Pass as `after` for the next page."))}),
    "StaffEntryDetail": obj({**STAFF_ENTRY, "published_at": nullable(INSTANT), "status_reason": nullable(STRING),
                             "checks": array(ref("Check")), "fact_sources": ref("FactSources"),
                             "snapshots": array(obj(SNAPSHOT))}),
    "ReviewRequest": obj({
        "decision": {"type": "string", "enum": list(DECISIONS)},
        "checklist": {"type": "object", "additionalProperties": BOOLEAN,
                      "properties": {"slogan": BOOLEAN, "theme": BOOLEAN, "content": BOOLEAN},
                      "description": "Approval needs all three ticked."},
        "reason": text(NOTE_MAX, description="Required to reject or ask for a fix; the entrant sees it."),
        "version": integer(1, MAX_ID, description="The version read; a stale one answers 409. Optional, but "
                                                  "when given it must be such an integer (`null` answers 400)."),
    }, optional=("checklist", "reason", "version")),
    "ReviewResult": obj({"id": integer(1), "status": {"type": "string", "enum": ENTRY_STATUSES},
                         "version": integer(1)}),
    "LikesRequest": obj({
        "likes": integer(0, COUNT_MAX), "observed_at": {**INSTANT, "description": "Not in the future; "
                                                        "without an offset it is Beijing time; default now."},
        "note": text(NOTE_MAX), "comments": integer(0, COUNT_MAX), "shares": integer(0, COUNT_MAX),
        "plays": integer(0, COUNT_MAX),
    }, optional=("observed_at", "note", "comments", "shares", "plays")),
    "SnapshotCreated": obj({"id": integer(1), "entry_id": integer(1), "note": STRING, **SNAPSHOT}),
    "Standings": obj({"contest": STRING, "as_of": INSTANT, "frozen": BOOLEAN, "entries": array(obj({
        "rank": integer(1), "entry_id": integer(1), "video_id": ref("VideoId"), "likes": integer(0),
        "observed_at": nullable(INSTANT), "reached_at": nullable(INSTANT), "corrected": BOOLEAN}))}),
    "TallyCorrectionRequest": obj({
        "likes": integer(0, COUNT_MAX),
        "observed_at": {**INSTANT, "description": "When the corrected count was observed: inside the window, at or "
                                                  "before the close; without an offset it is Beijing time."},
        "reason": text(MAX_REASON, minLength=1, description="Why; shown publicly."),
    }),
    "TallyCorrection": obj({
        "id": integer(1), "entry_id": integer(1), "likes": integer(0), "observed_at": INSTANT, "reason": STRING,
        "previous_likes": nullable(integer(0)), "previous_observed_at": nullable(INSTANT), "at": INSTANT,
        "evidence_path": nullable(STRING),
    }),
})

OUTCOME_COUNTS = obj({k: integer(0) for k in OUTCOMES}, description=(
    "Authors by outcome: `ok` read; `rate_limited` calls too frequent (28003018); `quota` the application's "
    "quota used up (28003017, 2190001: the rest of the sweep made no calls); `auth` the author's authorisation "
    "is gone; `unavailable` Douyin did not answer usefully (timeouts, 5xx, malformed answers, busy, risk control, "
    "an account banned or deleted); `capability_retired` a capability retired or withheld (28001056, 28001019, "
    "28001018, 10004)."))

SCHEMAS.update({
    "PlatformHealth": obj({
        "as_of": INSTANT,
        "error_share_threshold": {"type": "number", "minimum": 0, "maximum": 1, "description": (
            "CONTEST_PLATFORM_ALARM_ERROR_SHARE: a sweep whose error share is above it raises the alarm.")},
        "alarms": array(obj({
            "id": integer(1), "kind": {"type": "string", "enum": list(ALARM_KINDS)},
            "key": {"type": "string", "description": "The endpoint, for `capability_retired`; else empty."},
            "message": {"type": "string", "description": "Chinese: what happened and what to do (the banner, the SMS)."},
            "opened_at": INSTANT, "last_seen_at": INSTANT,
            "code": nullable(integer()), "logid": nullable(STRING),
        }), description="Open incidents, oldest first. Admins were texted once, when each opened."),
        "sweeps": array(obj({
            "id": integer(1), "started_at": INSTANT, "finished_at": INSTANT, "entries": integer(0),
            "snapshots": integer(0), "authors": integer(0), "outcomes": OUTCOME_COUNTS,
            "error_share": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "Authors not `ok` over the authors asked about (a used-up quota, "
                                           "with its own alarm, is left out); 0 when none."},
        }), description="The last 10 finished sweeps, newest first."),
        "needs_reauth": array(obj({
            "user_id": integer(1), "nickname": STRING, "since": nullable(INSTANT),
            "live_entries": integer(0, description="Their entries not withdrawn or rejected."),
        }), description="Authors whose Douyin authorisation is gone (they were told in the inbox and by SMS)."),
        "expiring_tokens": array(obj({
            "user_id": integer(1), "nickname": STRING, "refresh_expires_at": INSTANT, "renewals": integer(0, 5),
            "renew_refused_code": nullable(integer(description="10004: no renew permission; 10020: 5 renewals used.")),
            "reminded_at": nullable(INSTANT),
        }), description="Working refresh tokens that expire within 7 days, soonest first."),
        "upload_folder": obj({"files": integer(0), "bytes": integer(0)},
                             description="The slogan-check upload folder (CONTEST_SLOGAN_UPLOAD_DIR)."),
    }),
})

SECURITY_SCHEMES = {
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "zzcontest_session",
                      "description": "The site's session cookie, set by signing in."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                  "description": "The CSRF token every page carries as `<meta name=\"csrf-token\">`, "
                                 "from any page after sign-in; needed by citizen POSTs."},
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "A staff API token (`zzst_…`) from `flask --app contest create-token` or "
                                  "/staff/tokens. A session cookie alone answers 401."},
}


# --- paths ----------------------------------------------------------------------------

PATHS = {
    "/api/v1/preflight": {"post": operation(
        "api.preflight_check", "Check pasted share text or a link before entering",
        {"200": answer("The checks' outcome; `ok` is false with problems.", ref("Preflight")),
         "400": BAD_REQUEST, "404": NO_CONTEST, "429": RATE_LIMITED},
        body=obj({"text": text(MAX_TEXT), "contest": STRING}, optional=("contest",)),
        description="Problem codes: no_link, not_douyin, not_a_video, link_expired, video_unavailable, "
                    "missing_hashtag, missing_mention, published_outside_window, already_entered, platform_error. "
                    "No CSRF token needed; rate limited per address.")},
    "/api/v1/caption-check": {"post": operation(
        "api.caption_check", "Check a caption for the contest's hashtag and mention",
        {"200": answer("Problem codes: missing_hashtag, missing_mention.", ref("CaptionCheck")),
         "400": BAD_REQUEST, "404": NO_CONTEST, "429": RATE_LIMITED},
        body=obj({"caption": text(MAX_TEXT), "contest": STRING}, optional=("contest",)))},
    "/api/v1/contest": {"get": operation(
        "api.contest_info", "The contest's public data",
        {"200": answer("The contest.", ref("Contest")), "404": NO_CONTEST}, parameters=[CONTEST_QUERY])},
    "/api/v1/leaderboards/popularity": {"get": operation(
        "api.popularity_json", "The popularity leaderboard (approved entries only)",
        {"200": answer("Top `limit` entries; `as_of` is the newest counted reading; frozen after the close.",
                       ref("Popularity")),
         "400": error(f"`limit` outside 1–{MAX_LIMIT}, or an unknown theme."), "404": NO_CONTEST},
        parameters=[CONTEST_QUERY,
                    query("theme", STRING,
                          "A theme key of the contest (see /api/v1/contest); all themes when absent or empty."),
                    query("limit", integer(1, MAX_LIMIT, default=10), "How many entries.")])},
    "/api/v1/winners": {"get": operation(
        "api.winners_json", "Both awards, published or in their public notice (公示)",
        {"200": answer("Each award is null until it is in its notice. Places: 总榜 (`overall`) first, then the "
                       "themes in the contest's order (theme places only where the contest has them). "
                       "`objections`: objections (异议) received during the notice, and how many were answered.",
                       ref("Winners")), "404": NO_CONTEST},
        parameters=[CONTEST_QUERY])},
    "/api/v1/me": {"get": operation(
        "api.me", "The signed-in citizen", {"200": answer("Me.", ref("Me")), "401": SIGNED_OUT}, security=CITIZEN)},
    "/api/v1/me/videos": {"get": operation(
        "api.my_videos", "The signed-in author's own Douyin videos, with their checks",
        {"200": answer("One page of videos, newest first.", ref("MyVideos")), "401": SIGNED_OUT,
         "400": error(f"`cursor` or `count` is not an integer in its range (`count` 1–{VIDEOS_PAGE_MAX})."),
         "404": NO_CONTEST,
         "409": answer("Douyin not linked, or `video.list.bind` not granted.", ref("PasteLinkFallback")),
         "502": answer("Douyin failed.", ref("PasteLinkFallback"))},
        parameters=[CONTEST_QUERY,
                    query("cursor", integer(0, MAX_INT64, default=0, format="int64"),
                          "The `cursor` of the last page (Douyin's, a 64-bit integer)."),
                    query("count", integer(1, VIDEOS_PAGE_MAX, default=10), "Videos a page.")],
        security=CITIZEN)},
    "/api/v1/entries": {"post": operation(
        "api.create_entry", "Enter a video (by id from /me/videos, or by pasted text)",
        {"201": answer("Entered; it waits for review.", ref("EntryCreated")),
         "400": error("Bad body, or a missing or wrong CSRF token."), "401": SIGNED_OUT, "404": NO_CONTEST,
         "409": answer("The video is already entered (`already_entered`).", ref("Refusal")),
         "422": answer("Refused: the problems say why.", ref("Refusal")), "429": RATE_LIMITED},
        body=ref("EntryRequest"), security=CITIZEN_POST,
        description="Besides the preflight codes: not_owner, not_public, contest_not_open, invalid_theme, "
                    "invalid_area, rules_not_accepted.")},
    "/api/v1/me/entries": {"get": operation(
        "api.my_entries", "The signed-in citizen's entries",
        {"200": answer("Every contest's entries, or one contest's with `contest`.", ref("MyEntries")),
         "401": SIGNED_OUT, "404": NO_CONTEST},
        parameters=[query("contest", STRING, "Only this contest's entries; every contest's when absent or empty.")],
        security=CITIZEN)},
    "/api/v1/staff/entries": {"get": operation(
        "staff_api.list_entries", "Entries by id, filtered; reviewers see their areas only",
        staff_responses(answer("A page of entries; `next_after` pages on.", ref("StaffEntries")),
                        {"400": error("A parameter's value is not valid.")}),
        parameters=[CONTEST_QUERY, query("status", {"type": "string", "enum": ENTRY_STATUSES}, "Only this status."),
                    query("theme", STRING, "A theme key; every theme when absent or empty."),
                    query("area", STRING, "An area key; every area (of the reviewer's) when absent or empty."),
                    query("after", integer(0, MAX_ID), "Entries with a larger id."),
                    query("limit", integer(1, PAGE_MAX, default=100), "Entries a page.")],
        security=STAFF)},
    "/api/v1/staff/entries/{entry_id}": {"get": operation(
        "staff_api.show_entry", "One entry with its checks, fact sources and every like reading",
        staff_responses(answer("The entry.", ref("StaffEntryDetail")), {"404": NO_ENTRY}),
        parameters=[ENTRY_ID], security=STAFF)},
    "/api/v1/staff/entries/{entry_id}/review": {"post": operation(
        "staff_api.decide_entry", "Approve, reject or ask for a fix",
        staff_responses(answer("The entry's new status and version.", ref("ReviewResult")),
                        {"400": error("Bad body, or a decision the rules refuse (e.g. no reason, a move the "
                                      "status cannot make)."),
                         "404": NO_ENTRY, "409": error("`version` is stale: someone else changed the entry; or "
                                                       "an approval of an entry whose ownership is unproven.")}),
        parameters=[ENTRY_ID], body=ref("ReviewRequest"), security=STAFF)},
    "/api/v1/staff/entries/{entry_id}/likes": {"post": operation(
        "staff_api.record_likes", "Record a manual like count",
        staff_responses(answer("The reading recorded.", ref("SnapshotCreated")),
                        {"400": error("Bad body, or `observed_at` in the future or before the contest opened."),
                         "404": NO_ENTRY, "409": error("The contest has closed: the board is frozen (an admin "
                                                       "corrects a tally through `tally-corrections`).")},
                        status="201"),
        parameters=[ENTRY_ID], body=ref("LikesRequest"), security=STAFF)},
    "/api/v1/staff/entries/{entry_id}/tally-corrections": {"post": operation(
        "staff_api.correct_likes", "Correct a closed contest's tally, publicly, with a reason (admins only)",
        staff_responses(answer("The correction; the tally is now exactly `likes`, reached at `observed_at`.",
                               ref("TallyCorrection")),
                        {"400": error("Bad body, no reason, or `observed_at` outside the window."),
                         "404": NO_ENTRY,
                         "409": error("Not closed yet, the award lists are already published (correct the lists "
                                      "instead), or nothing would change.")}, status="201"),
        parameters=[ENTRY_ID], body=ref("TallyCorrectionRequest"), security=STAFF,
        description="Shown on the public leaderboard, `/api/v1/leaderboards/popularity` (`corrected`, "
                    "`correction`) and the exports; audited as `likes.correct`.")},
    "/api/v1/staff/platform-health": {"get": operation(
        "staff_api.show_platform_health", "How the Douyin platform is treating the site",
        {"200": answer("The open alarms, the last sweeps by outcome, the authors to authorise again, the "
                       "tokens expiring within 7 days.", ref("PlatformHealth")),
         "401": NEED_TOKEN, "403": STAFF_ONLY, "429": RATE_LIMITED},
        security=STAFF, description="The staff page /staff/platform-health as JSON; docs/douyin.md, "
                                    "\"Platform health\".")},
    "/api/v1/staff/standings": {"get": operation(
        "staff_api.show_standings", "The popularity ranking of approved entries",
        staff_responses(answer("Every approved entry, ranked by the tie rule.", ref("Standings"))),
        parameters=[CONTEST_QUERY], security=STAFF)},
}

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {
        "title": "株洲抖音生活秀 · contest site API",
        "version": SITE_VERSION,
        "description": (
            "The JSON API of the “动力株洲文旅通”杯株洲抖音生活秀 contest site. Errors are always "
            "`{\"error\": \"<Chinese message>\"}`. Video ids are strings. Times are ISO 8601 with the Beijing "
            "offset. Every GET about a contest takes `?contest=<slug>`; POSTs an optional `\"contest\"` field."
        ),
    },
    "servers": [{"url": "/"}],
    "tags": [
        {"name": "public", "description": "Anyone; no CSRF token needed."},
        {"name": "citizen", "description": "The session cookie of a signed-in citizen; POSTs also the "
                                           "`X-CSRFToken` header."},
        {"name": "staff", "description": "`Authorization: Bearer <token>` only; admins and reviewers."},
    ],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
