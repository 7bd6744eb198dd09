"""Pasted text has one limit, ``MAX_TEXT`` (2,000 characters), wherever it is typed or posted:
the entry form (beside a picked video too), the entry and preflight API, both caption checks."""

import html

import pytest

from contest.blueprints.api.openapi import DOCUMENT
from contest.domain.entries import MAX_TEXT
from contest.models import Entry
from tests.support.entries import form
from tests.conftest import count, csrf_from

TOO_LONG_PAGE = f"粘贴的内容太长了（超过 {MAX_TEXT} 个字），请只粘贴抖音的分享文字。"


def test_the_limit_is_2000_characters_and_the_document_says_so():
    schemas = DOCUMENT["components"]["schemas"]
    refs = [DOCUMENT["paths"][p]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            for p in ("/api/v1/preflight", "/api/v1/caption-check")]
    assert refs == ["#/components/schemas/PreflightRequest", "#/components/schemas/CaptionCheckRequest"]
    bodies = [schemas["PreflightRequest"]["properties"], schemas["CaptionCheckRequest"]["properties"]]
    assert (MAX_TEXT, bodies[0]["text"]["maxLength"], bodies[1]["caption"]["maxLength"],
            schemas["EntryRequest"]["properties"]["text"]["maxLength"]) == (2000, 2000, 2000, 2000)


@pytest.mark.parametrize("length", [MAX_TEXT + 1, 2 * MAX_TEXT + 1])
def test_the_entry_form_refuses_text_past_the_limit_with_the_rules_message(client, contest, citizen, publish, length):
    response = client.post("/entries/new", data=form(client, text="看" * length))
    assert response.status_code == 422
    assert TOO_LONG_PAGE in html.unescape(response.get_data(as_text=True))
    assert count(Entry) == 0


def test_the_limit_holds_beside_a_picked_video(client, contest, citizen, publish):
    video_id = publish()
    response = client.post("/entries/new", data=form(client, video_id=video_id, text="看" * (MAX_TEXT + 1)))
    assert response.status_code == 422
    assert TOO_LONG_PAGE in html.unescape(response.get_data(as_text=True))
    assert count(Entry) == 0


@pytest.mark.parametrize(("path", "field"), [("/api/v1/entries", "text"), ("/api/v1/preflight", "text"),
                                             ("/api/v1/caption-check", "caption")])
def test_the_api_refuses_text_past_the_limit(client, contest, citizen, path, field):
    body = {field: "看" * (MAX_TEXT + 1), "theme": "life", "area": "hetang", "accept_rules": True}
    response = client.post(path, json=body, headers={"X-CSRFToken": csrf_from(client, "/entries/new")})
    assert (response.status_code, response.get_json()) == (400, {"error": f"字段 {field} 太长（最多 {MAX_TEXT} 个字符）。"})
    assert count(Entry) == 0


def test_the_home_pages_caption_check_has_the_same_limit(client, contest):
    response = client.post("/caption-check", data={"caption": "看" * (MAX_TEXT + 1)})
    assert response.status_code == 400
    assert f"作品描述太长了（超过 {MAX_TEXT} 个字），请只粘贴作品描述。" in response.get_data(as_text=True)
