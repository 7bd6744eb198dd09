"""GET /api/v1/openapi.json: a valid OpenAPI 3.0.3 document that describes exactly the routes
under /api/v1, whose success answers hold against the real app."""

import json
import re

import pytest
from schemathesis.internal.result import Err
from schemathesis.specs.openapi import definitions

from contest.blueprints.api.openapi import DOCUMENT, SITE_VERSION
from contest.extensions import db
from contest.models import Entry, EntryStatus
from tests.support.world import SLUG, TAGGED, call, load_schema

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask adds them to every rule


def test_openapi_json_is_served_as_a_valid_openapi_3_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    definitions.OPENAPI_30_VALIDATOR.validate(document)
    assert document == json.loads(json.dumps(DOCUMENT))
    assert document["openapi"] == "3.0.3"
    assert document["info"]["title"] == "株洲抖音生活秀 · contest site API"
    assert document["info"]["version"] == SITE_VERSION == "0.1.0"
    assert document["servers"] == [{"url": "/"}]
    assert document["components"]["securitySchemes"] == {
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "zzcontest_session",
                          "description": "The site's session cookie, set by signing in."},
        "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                      "description": document["components"]["securitySchemes"]["csrfToken"]["description"]},
        "bearerAuth": {"type": "http", "scheme": "bearer",
                       "description": document["components"]["securitySchemes"]["bearerAuth"]["description"]},
    }


def test_every_operation_resolves(app):
    operations = list(load_schema(app).get_all_operations())
    assert [op.err() for op in operations if isinstance(op, Err)] == []
    assert len(operations) == 16


def _documented(document: dict) -> dict[tuple[str, str], str]:
    return {(path, method.upper()): op["operationId"]
            for path, item in document["paths"].items() for method, op in item.items()}


def _routes(app) -> dict[tuple[str, str], str]:
    """Every (path, method) under /api/v1 but the document itself, with ``<int:x>`` as ``{x}``."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - IGNORED_METHODS:
            routes[(path, method)] = rule.endpoint
    return routes


def test_every_api_route_is_described_and_every_description_is_a_route(app, client):
    # An endpoint added without a description (or a description left behind) fails here;
    # each operation's id is the Flask endpoint that serves it.
    assert _documented(client.get("/api/v1/openapi.json").get_json()) == _routes(app)
    assert len(_routes(app)) == 16


def test_every_path_parameter_is_documented_with_its_route_converter(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.arguments:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            for method in rule.methods - IGNORED_METHODS:
                params = DOCUMENT["paths"][path][method.lower()]["parameters"]
                assert {p["name"]: p["schema"]["type"] for p in params if p["in"] == "path"} == {
                    name: "integer" for name in rule.arguments}


def _case(schema, method, path, **parts):
    return schema[path][method].make_case(**parts)


def test_every_operation_answers_its_documented_success(world):
    schema = load_schema(world.app)
    pending = world.entry_ids[4]
    expected = [
        ("anonymous", "POST", "/api/v1/preflight",
         {"body": {"text": f"https://www.douyin.com/video/{world.fresh_video_id}"}}, 200),
        ("anonymous", "POST", "/api/v1/caption-check", {"body": {"caption": TAGGED, "contest": SLUG}}, 200),
        ("anonymous", "GET", "/api/v1/contest", {"query": {"contest": SLUG}}, 200),
        ("anonymous", "GET", "/api/v1/leaderboards/popularity", {"query": {"theme": "life", "limit": 5}}, 200),
        ("anonymous", "GET", "/api/v1/winners", {}, 200),
        ("citizen", "GET", "/api/v1/me", {}, 200),
        ("citizen", "GET", "/api/v1/me/videos", {"query": {"count": 2}}, 200),
        ("citizen", "POST", "/api/v1/entries", {"body": {"video_id": world.fresh_video_id, "theme": "life",
                                                         "area": "hetang", "accept_rules": True}}, 201),
        ("citizen", "GET", "/api/v1/me/entries", {"query": {"contest": SLUG}}, 200),
        ("staff", "GET", "/api/v1/staff/entries", {"query": {"status": "pending", "limit": 1}}, 200),
        ("staff", "GET", "/api/v1/staff/entries/{entry_id}",
         {"path_parameters": {"entry_id": world.entry_ids[1]}}, 200),
        ("staff", "POST", "/api/v1/staff/entries/{entry_id}/review",
         {"path_parameters": {"entry_id": pending},
          "body": {"decision": "approve", "checklist": {"slogan": True, "theme": True, "content": True}}}, 200),
        ("staff", "POST", "/api/v1/staff/entries/{entry_id}/likes",
         {"path_parameters": {"entry_id": pending}, "body": {"likes": 42, "note": "截图"}}, 201),
        ("staff", "GET", "/api/v1/staff/standings", {}, 200),
        ("staff", "GET", "/api/v1/staff/platform-health", {}, 200),
        # This world is inside the window, with a published list: a correction is refused, as documented
        # (its 201 is checked against the document in tests/blueprints/test_tally_corrections.py).
        ("staff", "POST", "/api/v1/staff/entries/{entry_id}/tally-corrections",
         {"path_parameters": {"entry_id": world.entry_ids[1]},
          "body": {"likes": 130, "observed_at": "2020-06-25T10:00:00+08:00", "reason": "截图核实"}}, 409),
    ]
    assert len({(method, path) for _, method, path, _, _ in expected}) == 16
    bodies = {}
    for caller, method, path, parts, status in expected:
        response = call(world, _case(schema, method, path, **parts), caller)
        assert (path, response.status_code) == (path, status), response.get_data(as_text=True)
        bodies[(method, path)] = response.json
    # Non-trivial answers: the seeded rows are there.
    assert [e["likes"] for e in bodies[("GET", "/api/v1/leaderboards/popularity")]["entries"]] == [300]
    assert bodies[("GET", "/api/v1/winners")]["popularity"]["status"] == "published"
    assert bodies[("GET", "/api/v1/winners")]["excellence"]["status"] == "notice"
    assert bodies[("GET", "/api/v1/me")]["phone"] == "139****0004"
    assert [v["entered"] for v in bodies[("GET", "/api/v1/me/videos")]["videos"]] == [False, True]
    assert [e["status"] for e in bodies[("GET", "/api/v1/me/entries")]["entries"]] == ["pending", "approved", "pending"]
    assert bodies[("GET", "/api/v1/staff/entries")]["next_after"] == world.entry_ids[0]
    assert len(bodies[("GET", "/api/v1/staff/entries/{entry_id}")]["snapshots"]) == 2
    assert bodies[("POST", "/api/v1/staff/entries/{entry_id}/review")] == {
        "id": pending, "status": "approved", "version": 2}
    assert [e["likes"] for e in bodies[("GET", "/api/v1/staff/standings")]["entries"]] == [500, 300, 120, 42]
    assert db.session.get(Entry, pending).status is EntryStatus.APPROVED


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/api/v1/me", None, 401),
    ("GET", "/api/v1/me/videos", None, 401),
    ("GET", "/api/v1/me/entries", None, 401),
    ("POST", "/api/v1/entries", {"video_id": "1", "theme": "life", "area": "hetang", "accept_rules": True}, 400),
    ("GET", "/api/v1/staff/entries", None, 401),
    ("GET", "/api/v1/staff/entries/{entry_id}", None, 401),
    ("POST", "/api/v1/staff/entries/{entry_id}/review", {"decision": "approve"}, 401),
    ("POST", "/api/v1/staff/entries/{entry_id}/likes", {"likes": 1}, 401),
    ("POST", "/api/v1/staff/entries/{entry_id}/tally-corrections",
     {"likes": 1, "observed_at": "2020-06-25T10:00:00+08:00", "reason": "核实"}, 401),
    ("GET", "/api/v1/staff/standings", None, 401),
])
def test_anonymous_calls_get_the_documented_refusal(world, method, path, body, status):
    parts = {"path_parameters": {"entry_id": world.entry_ids[0]}} if "{entry_id}" in path else {}
    if body is not None:
        parts["body"] = body
    # Without a session, a citizen POST fails its CSRF check (400) before it could be refused as signed out.
    response = call(world, _case(load_schema(world.app), method, path, **parts), "anonymous")
    assert response.status_code == status
    assert set(response.json) == {"error"}


def test_the_bodies_are_the_models_every_operation_names():
    # Generated from the pydantic models: each body and answer is a reference to a model of that name,
    # and every model has its exact fields and required fields.
    schemas = DOCUMENT["components"]["schemas"]
    required = {name: (sorted(s["properties"]), sorted(s.get("required", [])))
                for name, s in schemas.items() if name in {
                    "PreflightRequest", "CaptionCheckRequest", "EntryRequest", "ReviewRequest", "LikesRequest",
                    "TallyCorrectionRequest", "Error", "EntryCreated", "ReviewResult"}}
    assert required == {
        "PreflightRequest": (["contest", "text"], ["text"]),
        "CaptionCheckRequest": (["caption", "contest"], ["caption"]),
        "EntryRequest": (["accept_rules", "area", "contest", "show_nickname", "text", "theme", "video_id"], []),
        "ReviewRequest": (["checklist", "decision", "reason", "version"], ["decision"]),
        "LikesRequest": (["comments", "likes", "note", "observed_at", "plays", "shares"], ["likes"]),
        "TallyCorrectionRequest": (["likes", "observed_at", "reason"], ["likes", "observed_at"]),
        "Error": (["error"], ["error"]),
        "EntryCreated": (["id", "problems", "status"], ["id", "problems", "status"]),
        "ReviewResult": (["id", "status", "version"], ["id", "status", "version"]),
    }
    assert schemas["ReviewRequest"]["properties"]["decision"]["enum"] == ["approve", "reject", "request_fix"]
    assert schemas["LikesRequest"]["properties"]["likes"] == {"type": "integer", "minimum": 0, "maximum": 2_000_000_000}
    assert schemas["Winners"]["properties"]["popularity"] == {
        "allOf": [{"$ref": "#/components/schemas/Award"}], "nullable": True}
    assert schemas["MyEntry"]["properties"]["owner_proof"]["enum"] == ["platform", "staff", None]
    assert all(s.get("additionalProperties") is False for name, s in schemas.items()
               if "properties" in s and not name.endswith("Request"))
    answers = {(path, method, status): answer["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
               for path, item in DOCUMENT["paths"].items() for method, op in item.items()
               for status, answer in op["responses"].items()}
    assert answers[("/api/v1/entries", "post", "201")] == "EntryCreated"
    assert answers[("/api/v1/entries", "post", "422")] == "Refusal"
    assert answers[("/api/v1/me/videos", "get", "409")] == "PasteLinkFallback"
    assert answers[("/api/v1/staff/entries/{entry_id}/likes", "post", "201")] == "SnapshotCreated"
    assert {name for (_, _, status), name in answers.items() if status in {"400", "401", "403", "429"}} == {"Error"}
    assert DOCUMENT["paths"]["/api/v1/staff/entries/{entry_id}/review"]["post"]["summary"] == (
        "Approve, reject or ask for a fix")
