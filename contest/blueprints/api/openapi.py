"""``GET /api/v1/openapi.json``, generated from the blueprints' ``schemas`` models and the views' docstrings; by
hand here only the paths table, the security schemes and the info. docs/api.md: how to add an endpoint."""

from functools import partial
from importlib.metadata import PackageNotFoundError, version

from flask import jsonify

from contest.blueprints.api import bp, citizen, leaderboards, schemas as api, views
from contest.blueprints.staff_api import schemas as staff, views as staff_views
from contest.web.numbers import MAX_ID
from contest.web.schemas import Body, Error, Out, openapi_schemas, operation, with_path_ids

try:
    SITE_VERSION = version("contest")
except PackageNotFoundError:  # running from a source tree that was never installed
    SITE_VERSION = "0.0.0"

COOKIE, COOKIE_POST, BEARER = [{"sessionCookie": []}], [{"sessionCookie": [], "csrfToken": []}], [{"bearerAuth": []}]
BAD, NO_ENTRY, SIGNED_OUT = "Bad input: not a JSON object, a bad field or value.", "No such entry.", "Not signed in."
NO_CONTEST, LIMITED = "No such contest (or no contest created yet).", "Too many requests; try later."
STAFF = {401: "No bearer token, or an unknown, revoked or inactive user's token (see the `WWW-Authenticate` header).",
         403: "The token's user may not do this: judges and citizens never; reviewers only within their areas.",
         404: NO_CONTEST, 429: LIMITED}
public, staff_op = partial(operation, tag="public"), partial(operation, tag="staff", security=BEARER)
mine, mine_post = (partial(operation, tag="citizen", security=s) for s in (COOKIE, COOKIE_POST))

PATHS = {
    "/api/v1/preflight": {"post": public(views.preflight_check, {
        200: api.Preflight, 400: BAD, 404: NO_CONTEST, 429: LIMITED}, body=api.PreflightRequest)},
    "/api/v1/caption-check": {"post": public(views.caption_check, {
        200: api.CaptionCheck, 400: BAD, 404: NO_CONTEST, 429: LIMITED}, body=api.CaptionCheckRequest)},
    "/api/v1/contest": {"get": public(citizen.contest_info, {200: api.Contest, 404: NO_CONTEST},
                                      params=api.ContestQuery)},
    "/api/v1/leaderboards/popularity": {"get": public(leaderboards.popularity_json, {
        200: api.Popularity, 400: "`limit` out of range, or an unknown theme.", 404: NO_CONTEST},
        params=api.PopularityQuery)},
    "/api/v1/winners": {"get": public(leaderboards.winners_json, {200: api.Winners, 404: NO_CONTEST},
                                      params=api.ContestQuery)},
    "/api/v1/me": {"get": mine(citizen.me, {200: api.Me, 401: SIGNED_OUT})},
    "/api/v1/me/videos": {"get": mine(citizen.my_videos, {
        200: api.MyVideos, 400: "`cursor` or `count` is not an integer in its range.", 401: SIGNED_OUT,
        404: NO_CONTEST, 409: ("Douyin not linked, or `video.list.bind` not granted.", api.PasteLinkFallback),
        502: ("Douyin failed.", api.PasteLinkFallback)}, params=api.VideosQuery)},
    "/api/v1/entries": {"post": mine_post(citizen.create_entry, {
        201: api.EntryCreated, 400: "Bad body, or a missing or wrong CSRF token.", 401: SIGNED_OUT, 404: NO_CONTEST,
        409: ("The video is already entered (`already_entered`).", api.Refusal), 422: api.Refusal, 429: LIMITED},
        body=api.EntryRequest)},
    "/api/v1/me/entries": {"get": mine(citizen.my_entries, {200: api.MyEntries, 401: SIGNED_OUT, 404: NO_CONTEST},
                                       params=api.MyEntriesQuery)},
    "/api/v1/staff/entries": {"get": staff_op(staff_views.list_entries, {
        200: staff.StaffEntries, 400: "A parameter's value is not valid.", **STAFF}, params=staff.EntriesQuery)},
    "/api/v1/staff/entries/{entry_id}": {"get": staff_op(staff_views.show_entry, {
        200: staff.StaffEntryDetail, **STAFF, 404: NO_ENTRY})},
    "/api/v1/staff/entries/{entry_id}/review": {"post": staff_op(staff_views.decide_entry, {
        200: staff.ReviewResult, 400: "Bad body, or a decision the rules refuse (no reason, a move the status cannot "
        "make).", **STAFF, 404: NO_ENTRY, 409: "`version` is stale, or the entry's ownership is unproven."},
        body=staff.ReviewRequest)},
    "/api/v1/staff/entries/{entry_id}/likes": {"post": staff_op(staff_views.record_likes, {
        201: staff.SnapshotCreated, 400: "Bad body, or `observed_at` in the future or before the opening.", **STAFF,
        404: NO_ENTRY, 409: "The contest has closed: the board is frozen (see `tally-corrections`)."},
        body=staff.LikesRequest)},
    "/api/v1/staff/entries/{entry_id}/tally-corrections": {"post": staff_op(staff_views.correct_likes, {
        201: staff.TallyCorrection, 400: "Bad body, no reason, or `observed_at` outside the window.", **STAFF,
        404: NO_ENTRY, 409: "Not closed yet, the award lists already published, or nothing would change."},
        body=staff.TallyCorrectionRequest)},
    "/api/v1/staff/platform-health": {"get": staff_op(staff_views.show_platform_health, {
        200: staff.PlatformHealth, 401: STAFF[401], 403: STAFF[403], 429: LIMITED})},
    "/api/v1/staff/standings": {"get": staff_op(staff_views.show_standings, {200: staff.Standings, **STAFF},
                                                params=staff.StandingsQuery)},
}
with_path_ids(PATHS, MAX_ID)
MODELS = [m for module in (api, staff) for m in vars(module).values() if isinstance(m, type) and issubclass(
    m, (Body, Out)) and m.__module__ == module.__name__ and not m.__name__.endswith("Query")] + [Error]
SECURITY = {
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "zzcontest_session",
                      "description": "The site's session cookie, set by signing in."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken", "description": "The CSRF token every "
                  "page carries as `<meta name=\"csrf-token\">`, from any page after sign-in; needed by citizen "
                  "POSTs."},
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A staff API token (`zzst_…`) from `flask --app "
                   "contest create-token` or /staff/tokens. A session cookie alone answers 401."}}
DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "株洲抖音生活秀 · contest site API", "version": SITE_VERSION, "description": (
        "The JSON API of the “动力株洲文旅通”杯株洲抖音生活秀 contest site. Errors are always `{\"error\": \"<Chinese "
        "message>\"}`. Video ids are strings. Times are ISO 8601 with the Beijing offset. Every GET about a contest "
        "takes `?contest=<slug>`; POSTs an optional `\"contest\"` field.")},
    "servers": [{"url": "/"}],
    "tags": [{"name": "public", "description": "Anyone; no CSRF token needed."},
             {"name": "citizen", "description": "The session cookie of a signed-in citizen; POSTs also `X-CSRFToken`."},
             {"name": "staff", "description": "`Authorization: Bearer <token>` only; admins and reviewers."}],
    "paths": PATHS,
    "components": {"schemas": openapi_schemas(MODELS), "securitySchemes": SECURITY},
}


@bp.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)
