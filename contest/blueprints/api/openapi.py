"""``GET /api/v1/openapi.json``: the OpenAPI 3.0.3 document, generated from the pydantic models of
:mod:`contest.blueprints.api.schemas` and :mod:`contest.blueprints.staff_api.schemas` and the views'
docstrings (first line: the summary; the rest: the description). What is written here by hand is only
what no model knows: the paths table (which view, which body, which answer for which status) and the
security schemes. ``docs/api.md`` says how to add an endpoint."""

import re
from importlib.metadata import PackageNotFoundError, version

from flask import jsonify

from contest.blueprints.api import bp, citizen, leaderboards, schemas as api, views
from contest.blueprints.staff_api import schemas as staff, views as staff_views
from contest.web.numbers import MAX_ID
from contest.web.schemas import Error, openapi_schemas, query, ref

try:
    SITE_VERSION = version("contest")
except PackageNotFoundError:  # running from a source tree that was never installed
    SITE_VERSION = "0.0.0"

COOKIE, COOKIE_POST, BEARER = [{"sessionCookie": []}], [{"sessionCookie": [], "csrfToken": []}], [{"bearerAuth": []}]
BAD = "Bad input: a body that is not a JSON object, a missing or mistyped field, a bad parameter."
NO_CONTEST, LIMITED, SIGNED_OUT = "No such contest (or no contest created yet).", "Too many requests; try later.", \
    "Not signed in."
STAFF = {401: "No bearer token, or an unknown, revoked or inactive user's token (see the `WWW-Authenticate` header).",
         403: "The token's user may not do this: judges and citizens never; reviewers only within their areas.",
         404: NO_CONTEST, 429: LIMITED}
NO_ENTRY = "No such entry."


def op(view, answers: dict, *, body=None, params=None, security=None) -> dict:
    """One operation: ``answers`` maps a status to a model (its docstring describes it), an error's description
    (an :class:`Error` body) or ``(description, model)``."""
    endpoint = f"{'staff_api' if view.__module__ == staff_views.__name__ else 'api'}.{view.__name__}"
    summary, _, description = (view.__doc__ or endpoint).strip().partition("\n")
    tag = "staff" if security is BEARER else "citizen" if security else "public"
    result = {"operationId": endpoint, "summary": summary, "tags": [tag], "responses": {
        str(status): {"description": a if isinstance(a, str) else a[0] if isinstance(a, tuple) else a.__doc__.strip(),
                      "content": {"application/json": {"schema": ref(a[1] if isinstance(a, tuple) else Error
                                                                     if isinstance(a, str) else a)}}}
        for status, a in answers.items()}}
    if description.strip():
        result["description"] = " ".join(description.split())
    if params:
        result["parameters"] = query(params)
    if body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    if security is not None:
        result["security"] = security
    return result


PATHS = {
    "/api/v1/preflight": {"post": op(views.preflight_check, {200: api.Preflight, 400: BAD, 404: NO_CONTEST,
                                                             429: LIMITED}, body=api.PreflightRequest)},
    "/api/v1/caption-check": {"post": op(views.caption_check, {200: api.CaptionCheck, 400: BAD, 404: NO_CONTEST,
                                                               429: LIMITED}, body=api.CaptionCheckRequest)},
    "/api/v1/contest": {"get": op(citizen.contest_info, {200: api.Contest, 404: NO_CONTEST}, params=api.ContestQuery)},
    "/api/v1/leaderboards/popularity": {"get": op(leaderboards.popularity_json, {
        200: api.Popularity, 400: "`limit` out of range, or an unknown theme.", 404: NO_CONTEST},
        params=api.PopularityQuery)},
    "/api/v1/winners": {"get": op(leaderboards.winners_json, {200: api.Winners, 404: NO_CONTEST},
                                  params=api.ContestQuery)},
    "/api/v1/me": {"get": op(citizen.me, {200: api.Me, 401: SIGNED_OUT}, security=COOKIE)},
    "/api/v1/me/videos": {"get": op(citizen.my_videos, {
        200: api.MyVideos, 400: "`cursor` or `count` is not an integer in its range.", 401: SIGNED_OUT,
        404: NO_CONTEST, 409: ("Douyin not linked, or `video.list.bind` not granted.", api.PasteLinkFallback),
        502: ("Douyin failed.", api.PasteLinkFallback)}, params=api.VideosQuery, security=COOKIE)},
    "/api/v1/entries": {"post": op(citizen.create_entry, {
        201: api.EntryCreated, 400: "Bad body, or a missing or wrong CSRF token.", 401: SIGNED_OUT, 404: NO_CONTEST,
        409: ("The video is already entered (`already_entered`).", api.Refusal), 422: api.Refusal, 429: LIMITED},
        body=api.EntryRequest, security=COOKIE_POST)},
    "/api/v1/me/entries": {"get": op(citizen.my_entries, {200: api.MyEntries, 401: SIGNED_OUT, 404: NO_CONTEST},
                                     params=api.MyEntriesQuery, security=COOKIE)},
    "/api/v1/staff/entries": {"get": op(staff_views.list_entries, {
        200: staff.StaffEntries, 400: "A parameter's value is not valid.", **STAFF},
        params=staff.EntriesQuery, security=BEARER)},
    "/api/v1/staff/entries/{entry_id}": {"get": op(staff_views.show_entry, {
        200: staff.StaffEntryDetail, **STAFF, 404: NO_ENTRY}, security=BEARER)},
    "/api/v1/staff/entries/{entry_id}/review": {"post": op(staff_views.decide_entry, {
        200: staff.ReviewResult, 400: "Bad body, or a decision the rules refuse (no reason, a move the status cannot "
        "make).", **STAFF, 404: NO_ENTRY, 409: "`version` is stale, or the entry's ownership is unproven."},
        body=staff.ReviewRequest, security=BEARER)},
    "/api/v1/staff/entries/{entry_id}/likes": {"post": op(staff_views.record_likes, {
        201: staff.SnapshotCreated, 400: "Bad body, or `observed_at` in the future or before the opening.", **STAFF,
        404: NO_ENTRY, 409: "The contest has closed: the board is frozen (see `tally-corrections`)."},
        body=staff.LikesRequest, security=BEARER)},
    "/api/v1/staff/entries/{entry_id}/tally-corrections": {"post": op(staff_views.correct_likes, {
        201: staff.TallyCorrection, 400: "Bad body, no reason, or `observed_at` outside the window.", **STAFF,
        404: NO_ENTRY, 409: "Not closed yet, the award lists already published, or nothing would change."},
        body=staff.TallyCorrectionRequest, security=BEARER)},
    "/api/v1/staff/platform-health": {"get": op(staff_views.show_platform_health, {
        200: staff.PlatformHealth, 401: STAFF[401], 403: STAFF[403], 429: LIMITED}, security=BEARER)},
    "/api/v1/staff/standings": {"get": op(staff_views.show_standings, {200: staff.Standings, **STAFF},
                                          params=staff.StandingsQuery, security=BEARER)},
}
for path, item in PATHS.items():  # every path parameter is an id (``<int:…>``)
    for name in re.findall(r"{(\w+)}", path):
        for operation in item.values():
            operation["parameters"] = [{"name": name, "in": "path", "required": True, "description": "The entry's id.",
                                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}]
MODELS = [Error, api.Preflight, api.CaptionCheck, api.Contest, api.Popularity, api.Winners, api.Me, api.MyVideos,
          api.EntryCreated, api.Refusal, api.PasteLinkFallback, api.MyEntries, api.PreflightRequest,
          api.CaptionCheckRequest, api.EntryRequest, staff.StaffEntries, staff.StaffEntryDetail, staff.ReviewResult,
          staff.SnapshotCreated, staff.TallyCorrection, staff.PlatformHealth, staff.Standings, staff.ReviewRequest,
          staff.LikesRequest, staff.TallyCorrectionRequest]
SECURITY = {
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "zzcontest_session",
                      "description": "The site's session cookie, set by signing in."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken", "description": "The CSRF token every "
                  "page carries as `<meta name=\"csrf-token\">`, from any page after sign-in; needed by citizen POSTs."},
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A staff API token (`zzst_…`) from `flask --app "
                   "contest create-token` or /staff/tokens. A session cookie alone answers 401."},
}
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
