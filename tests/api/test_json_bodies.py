"""Every JSON endpoint reads its body through one parser (``contest.web.json_body``): nesting,
broken JSON and non-objects are 400s with a Chinese message, never a 500. The endpoints come
from ``app.url_map``, so an endpoint added later is covered without touching this file."""

import json

import pytest
from werkzeug.routing import IntegerConverter

from contest import create_app
from contest.web.json_body import MAX_DEPTH, NOT_AN_OBJECT, TOO_DEEP
from tests.conftest import make_environ


def json_rules():
    app = create_app(environ=make_environ("sqlite://", "http://127.0.0.1:9"))
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/api/") and "POST" in r.methods),
                  key=lambda r: r.rule)


JSON_RULES = json_rules()


def post(world, rule, body: str):
    """POST ``body`` as JSON to ``rule`` as the caller it is for (an existing entry in the path)."""
    values = {name: world.entry_ids[0] for name, c in rule._converters.items() if isinstance(c, IntegerConverter)}
    path = rule.map.bind("localhost").build(rule.endpoint, values)
    headers, cookies = world.credentials("staff" if rule.rule.startswith("/api/v1/staff/") else "citizen")
    client = world.app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    with world.app.app_context():
        response = client.post(path, data=body, content_type="application/json", headers=headers)
    return response.status_code, response.get_json()


def test_the_json_endpoints_are_found():
    assert {r.endpoint for r in JSON_RULES} >= {"api.preflight_check", "api.caption_check", "api.create_entry",
                                                "staff_api.decide_entry", "staff_api.record_likes"}


@pytest.mark.parametrize("rule", JSON_RULES, ids=lambda r: r.endpoint)
@pytest.mark.parametrize("body", [
    "[" * 1000,                                   # unfinished: the parser recurses before it sees the end
    "[" * 1000 + "]" * 1000,
    '{"a": ' * 1000 + "1" + "}" * 1000,
    '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
])
def test_a_deeply_nested_body_answers_400(world, rule, body):
    assert post(world, rule, body) == (400, {"error": TOO_DEEP})


@pytest.mark.parametrize("rule", JSON_RULES, ids=lambda r: r.endpoint)
def test_nesting_past_the_limit_but_within_pythons_answers_400(world, rule):
    # Parsed fine (Python's limit is ~1,000), refused by the depth check.
    body = {"decision": "approve", "text": "x", "caption": "x", "likes": 1, "extra": [[[[]]]]}
    nested: object = 1
    for _ in range(MAX_DEPTH):
        nested = [nested]
    assert post(world, rule, json.dumps({**body, "extra": nested})) == (400, {"error": TOO_DEEP})


@pytest.mark.parametrize("rule", JSON_RULES, ids=lambda r: r.endpoint)
@pytest.mark.parametrize("body", ["", "{", "{'a': 1}", '{"a": NaN}', '{"a": Infinity}', "1" * 5000, '"text"', "null",
                                  b"{\"caption\": \"\\xff\"}"])
def test_a_body_that_is_not_a_json_object_answers_400(world, rule, body):
    assert post(world, rule, body) == (400, {"error": NOT_AN_OBJECT})


def test_nesting_up_to_the_limit_is_read(world):
    # A field of the right type at depth MAX_DEPTH: the body is read, and the field checked as usual.
    nested: object = True
    for _ in range(MAX_DEPTH - 2):
        nested = [nested]
    status, body = post(world, next(r for r in JSON_RULES if r.endpoint == "api.caption_check"),
                        json.dumps({"caption": "#动力株洲文旅通 @株洲足迹", "extra": nested}))
    assert (status, body) == (200, {"ok": True, "problems": []})
