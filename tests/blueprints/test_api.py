import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.extensions import db
from contest.models import Entry
from tests.conftest import count

IN_WINDOW = "2020-06-25T12:00:00+08:00"


def test_preflight_answers_the_exact_shape(client, contest, publish):
    video_id = publish(code="L4FJNR3")
    response = client.post("/api/v1/preflight", json={"text": "骑白马的也可以是公主%%百万转场变身https://v.douyin.com/L4FJNR3/ 复制此链接"})
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "video_id": video_id,
                                   "caption": "株洲的早晨 #动力株洲文旅通 @株洲足迹", "problems": []}
    # ids are strings in the JSON text itself, never numbers
    assert f'"video_id":"{video_id}"' in response.get_data(as_text=True).replace(" ", "")


def test_preflight_reports_problems(client, contest, publish):
    video_id = publish(title="没有话题")
    response = client.post("/api/v1/preflight", json={"text": f"https://www.douyin.com/video/{video_id}", "contest": "zhuzhou-2020"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["ok"] is False
    assert body["video_id"] == video_id
    assert [p["code"] for p in body["problems"]] == ["missing_hashtag", "missing_mention"]
    assert body["problems"][0]["message"].startswith("作品描述里没有话题 #动力株洲文旅通。")


def test_preflight_reports_already_entered(client, contest, publish, make_user):
    from contest import clock
    from contest.domain.entries import EntryRequest, submit_entry
    from contest.web.platform import douyin

    video_id = publish()
    submit_entry(contest, make_user(), EntryRequest(f"https://www.douyin.com/video/{video_id}", "life", "hetang", True, False),
                 douyin=douyin(), now=clock.now())
    db.session.commit()
    body = client.post("/api/v1/preflight", json={"text": f"https://www.douyin.com/video/{video_id}"}).get_json()
    assert [p["code"] for p in body["problems"]] == ["already_entered"]


@pytest.mark.parametrize(("data", "content_type", "error"), [
    ("not json", "application/json", "请求体必须是 JSON 对象。"),
    ("text=abc", "application/x-www-form-urlencoded", "请求体必须是 JSON 对象。"),
    ("[1, 2]", "application/json", "请求体必须是 JSON 对象。"),
    ("{}", "application/json", "缺少字段 text（字符串）。"),
    ('{"text": 12}', "application/json", "缺少字段 text（字符串）。"),
    (json.dumps({"text": "x" * 2001}), "application/json", "字段 text 太长（最多 2000 个字符）。"),
    ('{"text": "x", "contest": 5}', "application/json", "字段 contest 必须是字符串。"),
])
def test_preflight_bad_bodies_answer_400_json(client, contest, data, content_type, error):
    response = client.post("/api/v1/preflight", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}


def test_preflight_2000_characters_is_still_fine(client, contest):
    response = client.post("/api/v1/preflight", json={"text": "字" * 2000})
    assert response.status_code == 200
    assert [p["code"] for p in response.get_json()["problems"]] == ["no_link"]


def test_preflight_unknown_contest_is_a_json_404(client, contest):
    response = client.post("/api/v1/preflight", json={"text": "x", "contest": "nope"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "没有找到活动“nope”。"}


def test_api_method_and_route_errors_are_json(client, contest):
    assert client.get("/api/v1/preflight").get_json() == {"error": "不支持这种请求方式。"}
    assert client.get("/api/v1/preflight").status_code == 405
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.get_json()) == (404, {"error": "页面不存在。"})


def test_caption_check(client, contest):
    ok = client.post("/api/v1/caption-check", json={"caption": "＃动力株洲文旅通＠株洲足迹 今天真开心"})
    assert (ok.status_code, ok.get_json()) == (200, {"ok": True, "problems": []})
    bad = client.post("/api/v1/caption-check", json={"caption": "#动力株洲文旅通吧"}).get_json()
    assert bad["ok"] is False
    assert [p["code"] for p in bad["problems"]] == ["missing_hashtag", "missing_mention"]
    assert client.post("/api/v1/caption-check", json={"text": "x"}).get_json() == {"error": "缺少字段 caption（字符串）。"}


def test_public_json_endpoints_need_no_csrf_token(app, client, contest):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert client.post("/api/v1/caption-check", json={"caption": "x"}).status_code == 200


def test_preflight_is_rate_limited(database_url, sandbox, make_contest, freeze):
    from contest import create_app
    from tests.conftest import make_environ

    freeze(IN_WINDOW)
    make_contest()
    app = create_app(environ=make_environ(database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true"))
    app.config["CONTEST_PREFLIGHT_LIMIT"] = "3/minute"
    client = app.test_client()
    statuses = [client.post("/api/v1/preflight", json={"text": "no link"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = client.post("/api/v1/preflight", json={"text": "no link"})
    assert re.fullmatch(r"操作太频繁，请 \d+ 秒后再试。", last.get_json()["error"]) and len(last.get_json()) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(
    json_values,
    st.fixed_dictionaries({"text": st.text(max_size=300)}),
    st.fixed_dictionaries({"text": st.sampled_from(["https://v.douyin.com/", "https://www.douyin.com/video/"]).flatmap(
        lambda prefix: st.text(max_size=40).map(lambda s: prefix + s))}),
    st.fixed_dictionaries({"caption": st.text(max_size=200), "contest": json_values}),
))
def test_json_endpoints_never_answer_500(client, contest, body):
    for path in ("/api/v1/preflight", "/api/v1/caption-check"):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code in {200, 400, 404}, (path, body, response.get_data(as_text=True))
        assert response.is_json
    assert count(Entry) == 0
