"""Input that schemathesis found answering 500 (or that is of the same kind): each now gets
its documented 4xx with a Chinese message, or is read as the default, and the answer matches
the OpenAPI document."""

import pytest

from contest.extensions import db
from contest.models import Entry, Snapshot
from tests.api.conftest import call, load_schema
from tests.conftest import count

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()
BAD_INSTANT = "字段 observed_at 必须是 ISO 8601 时间字符串，例如 2020-06-25T10:30:00+08:00。"


def send(world, caller, method, path, **parts):
    response = call(world, load_schema(world.app)[path][method].make_case(**parts), caller)
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


@pytest.mark.parametrize("query", [{"count": "²"}, {"count": HUGE}, {"count": "00"}, {"cursor": "²"}])
def test_my_videos_reads_a_malformed_page_as_the_first_page_of_ten(world, query):
    status, body = send(world, "citizen", "GET", "/api/v1/me/videos", query=query)
    assert (status, len(body["videos"]), body["has_more"]) == (200, 3, False)


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
