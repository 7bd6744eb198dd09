"""Input that schemathesis found answering 500 (or that is of the same kind): each now gets
its documented 4xx with a Chinese message, or is read as the default, and the answer matches
the OpenAPI document."""

import pytest

from contest.extensions import db
from contest.models import Entry, Snapshot
from tests.support.world import call, load_schema
from tests.conftest import count

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()
BAD_INSTANT = "字段 observed_at 必须是 ISO 8601 时间字符串，例如 2020-06-25T10:30:00+08:00。"


def send(world, caller, method, path, **parts):
    if not hasattr(world, "schema"):  # loaded once per test
        world.schema = load_schema(world.app)
    response = call(world, world.schema[path][method].make_case(**parts), caller)
    return response.status_code, response.json


@pytest.mark.parametrize(("caller", "path", "query", "error"), [
    ("anonymous", "/api/v1/leaderboards/popularity", {"limit": "²"}, "limit 必须是 1 到 100 之间的整数。"),
    ("anonymous", "/api/v1/leaderboards/popularity", {"limit": HUGE}, "limit 必须是 1 到 100 之间的整数。"),
    ("staff", "/api/v1/staff/entries", {"limit": "²"}, "参数 limit 的值无效：²"),
    ("staff", "/api/v1/staff/entries", {"after": "①"}, "参数 after 的值无效：①"),
    ("staff", "/api/v1/staff/entries", {"limit": "9999"}, "参数 limit 的值无效：9999"),
])
def test_numbers_that_are_not_ascii_or_too_long_answer_400(world, caller, path, query, error):
    assert send(world, caller, "GET", path, query=query) == (400, {"error": error})


@pytest.mark.parametrize(("query", "error"), [
    ({"count": "²"}, "参数 count 必须是 1 到 20 之间的整数（阿拉伯数字）。"),
    ({"count": HUGE}, "参数 count 必须是 1 到 20 之间的整数（阿拉伯数字）。"),
    ({"count": "00"}, "参数 count 必须是 1 到 20 之间的整数（阿拉伯数字）。"),
    ({"count": "21"}, "参数 count 必须是 1 到 20 之间的整数（阿拉伯数字）。"),
    ({"count": ""}, "参数 count 必须是 1 到 20 之间的整数（阿拉伯数字）。"),
    ({"cursor": "²"}, f"参数 cursor 必须是 0 到 {2**63 - 1} 之间的整数（阿拉伯数字）。"),
    ({"cursor": "-1"}, f"参数 cursor 必须是 0 到 {2**63 - 1} 之间的整数（阿拉伯数字）。"),
])
def test_my_videos_refuses_a_malformed_page_with_400(world, query, error):
    # The document declares integers in a range: what is not one is refused, not read as a default.
    assert send(world, "citizen", "GET", "/api/v1/me/videos", query=query) == (400, {"error": error})


@pytest.mark.parametrize(("query", "listed"), [
    ({"count": "20"}, 3), ({"count": "0002"}, 2), ({"cursor": "0"}, 3), ({"cursor": str(2**63 - 1)}, 0)])
def test_my_videos_takes_every_integer_in_range(world, query, listed):
    status, body = send(world, "citizen", "GET", "/api/v1/me/videos", query=query)
    assert (status, len(body["videos"])) == (200, listed)


@pytest.mark.parametrize("entry_id", [2**31, 2**63])
def test_entry_ids_past_the_database_integer_answer_404(world, entry_id):
    # The site's <int:…> converter stops at 2**31 - 1, so no such route matches.
    assert send(world, "staff", "GET", "/api/v1/staff/entries/{entry_id}", path_parameters={"entry_id": entry_id}) == (
        404, {"error": "页面不存在。"})


@pytest.mark.parametrize(("observed_at", "error"), [
    ("9999-12-31T23:59:59-01:00", BAD_INSTANT),
    ("0001-01-01T00:00:00+01:00", BAD_INSTANT),
    ("0001-01-01T00:00:00", BAD_INSTANT),
    # Before 1901 Beijing time had a local-mean-time offset (+08:05:43) that no ISO 8601 reader takes back.
    ("1900-01-01T00:00:00Z", "读数时间不能早于活动开始时间。"),
    ("2020-06-17T23:59:59+08:00", "读数时间不能早于活动开始时间。"),
])
def test_a_reading_outside_the_calendar_or_before_the_contest_answers_400(world, observed_at, error):
    before = count(Snapshot)
    assert send(world, "staff", "POST", "/api/v1/staff/entries/{entry_id}/likes",
                path_parameters={"entry_id": world.entry_ids[0]}, body={"likes": 5, "observed_at": observed_at}) == (
        400, {"error": error})
    assert count(Snapshot) == before


def test_the_first_second_of_the_contest_is_a_valid_reading_time(world):
    status, body = send(world, "staff", "POST", "/api/v1/staff/entries/{entry_id}/likes",
                        path_parameters={"entry_id": world.entry_ids[0]},
                        body={"likes": 5, "observed_at": "2020-06-18T00:00:00+08:00"})
    assert (status, body["observed_at"], body["counted"]) == (201, "2020-06-18T00:00:00+08:00", True)


@pytest.mark.parametrize(("caller", "path", "body"), [
    ("staff", "/api/v1/staff/entries/{entry_id}/review", {"decision": "reject", "reason": "不合格\x00"}),
    ("staff", "/api/v1/staff/entries/{entry_id}/likes", {"likes": 1, "note": "\x00"}),
    ("citizen", "/api/v1/entries", {"text": "https://v.douyin.com/x\x00/", "theme": "life", "area": "hetang",
                                    "accept_rules": True}),
    ("anonymous", "/api/v1/preflight", {"text": "x", "contest": "zhuzhou-2020\x00"}),
    ("anonymous", "/api/v1/caption-check", {"caption": "ok", "\x00": 1}),
    ("staff", "/api/v1/staff/entries/{entry_id}/likes", {"likes": 1, "note": "\ud800"}),
    ("staff", "/api/v1/staff/entries/{entry_id}/review", {"decision": "reject", "reason": ["\udfff"]}),
])
def test_a_json_body_holding_nul_or_a_lone_surrogate_answers_400(world, caller, path, body):
    # Neither can be stored (PostgreSQL refuses U+0000; a lone surrogate has no UTF-8): refused at the door.
    parts = {"path_parameters": {"entry_id": world.entry_ids[0]}} if "{entry_id}" in path else {}
    assert send(world, caller, "POST", path, body=body, **parts) == (
        400, {"error": "请求内容含有无法保存的字符（U+0000 或不成对的代理字符）。"})
    db.session.expire_all()
    assert db.session.get(Entry, world.entry_ids[0]).status_reason is None


def test_a_contest_slug_holding_nul_is_not_found(world):
    assert send(world, "anonymous", "GET", "/api/v1/contest", query={"contest": "zhuzhou-2020\x00"}) == (
        404, {"error": "没有找到活动“zhuzhou-2020\x00”。"})


def query_parameters():
    """Every documented query parameter of every GET under /api/v1, with who calls it."""
    from contest.blueprints.api.openapi import DOCUMENT

    for path, operations in DOCUMENT["paths"].items():
        op = operations.get("get")
        for param in (op or {}).get("parameters", []):
            if param["in"] == "query":
                caller = "staff" if path.startswith("/api/v1/staff/") else "citizen" if "security" in op else "anonymous"
                yield pytest.param(caller, path, param["name"], param["schema"], id=f"{path}?{param['name']}")


QUERY_PARAMETERS = list(query_parameters())


def test_every_documented_query_parameter_is_covered():
    assert {(p.values[1], p.values[2]) for p in QUERY_PARAMETERS} >= {
        ("/api/v1/contest", "contest"), ("/api/v1/leaderboards/popularity", "theme"),
        ("/api/v1/leaderboards/popularity", "limit"), ("/api/v1/me/videos", "cursor"), ("/api/v1/me/videos", "count"),
        ("/api/v1/staff/entries", "status"), ("/api/v1/staff/entries", "area"), ("/api/v1/staff/entries", "after"),
        ("/api/v1/staff/entries", "limit")}


@pytest.mark.parametrize(("caller", "path", "name", "schema"), QUERY_PARAMETERS)
def test_a_query_value_the_document_refuses_answers_400_and_one_it_allows_does_not(world, caller, path, name, schema):
    """An integer takes ASCII digits only, an enum its values only: an empty value, Arabic-Indic
    (``١٠``) or superscript digits, a sign or a decimal point are 400s naming the parameter. A free
    string (a slug or key) given empty is as if left out; the enum holds no empty value."""
    if schema.get("type") == "integer" or "enum" in schema:
        assert "" not in schema.get("enum", [])
        for value in ["", "١٠", "²", "+1", "1.0", " 1", "0x1"]:
            status, body = send(world, caller, "GET", path, query={name: value})
            assert status == 400 and name in body["error"], (value, status, body)
        allowed = schema["enum"][0] if "enum" in schema else str(schema.get("default", schema.get("minimum", 0)))
    else:
        allowed = ""
    status, body = send(world, caller, "GET", path, query={name: allowed})
    assert status == 200, (allowed, body)


@pytest.mark.parametrize("version", [None, 0, -1, 1.0, 1.5, 2**31, 10**30, True, "1", "١", "", [1], {"v": 1}])
def test_a_review_version_that_is_not_a_plain_number_in_range_is_refused(world, version):
    status_before = db.session.get(Entry, world.entry_ids[0]).status
    assert send(world, "staff", "POST", "/api/v1/staff/entries/{entry_id}/review",
                path_parameters={"entry_id": world.entry_ids[0]},
                body={"decision": "approve", "checklist": {"slogan": True, "theme": True, "content": True},
                      "version": version}) == (400, {"error": "字段 version 必须是 1 到 2147483647 之间的整数。"})
    db.session.expire_all()
    assert db.session.get(Entry, world.entry_ids[0]).status is status_before


def test_a_review_without_a_version_is_still_taken(world):
    status, body = send(world, "staff", "POST", "/api/v1/staff/entries/{entry_id}/review",
                        path_parameters={"entry_id": world.entry_ids[0]},
                        body={"decision": "approve", "checklist": {"slogan": True, "theme": True, "content": True}})
    assert (status, body) == (200, {"id": world.entry_ids[0], "status": "approved", "version": 2})
