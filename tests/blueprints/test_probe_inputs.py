"""What an outside probe sent (issue 23): a 400-digit integer in every staff form that takes a
number is a Chinese message, not a 500 (item 6); the Atom feed stays well-formed whatever an
announcement holds (item 7); ``"contest": null`` is refused as the OpenAPI document says (item 10)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from contest.extensions import db
from contest.models import EntryStatus
from contest.models.awards import Announcement, AnnouncementKind
from tests.support.contest_form import form as contest_form
from tests.conftest import build_entry, csrf_from, video_id_at

HUGE = "9" * 400
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def admin(client, make_user, login, contest):
    login(make_user(role="admin", phone="13900000001", nickname="管理员"))
    entry = build_entry(contest, make_user(), video_id=video_id_at("2020-06-20T12:00:00+08:00"),
                        status=EntryStatus.APPROVED)
    db.session.commit()
    return entry


@pytest.mark.parametrize(("path", "data", "status", "message"), [
    ("/staff/contests/new", contest_form(popularity_award_size=HUGE), 400, "名额必须是 1 到 100 之间的整数。"),
    ("/staff/contests/new", contest_form(notice_days=HUGE), 400, "公示天数必须是 1 到 30 之间的整数。"),
    ("/staff/contests/new", contest_form(min_judges="٣"), 400, "评委人数必须是 1 到 50 之间的整数。"),
    ("/staff/contests/{contest}", contest_form(slug="zhuzhou-2020", excellence_award_size=HUGE), 400,
     "名额必须是 1 到 100 之间的整数。"),
    ("/staff/entries/{entry}/likes", {"likes": HUGE, "observed_at": "2020-06-21T10:00"}, 422,
     "点赞数必须是不小于 0 的整数。"),
    ("/staff/entries/{entry}/tally-corrections", {"likes": HUGE, "observed_at": "2020-07-17T20:00",
                                                  "reason": "截图更正"}, 422, "更正后的点赞数必须是不小于 0 的整数。"),
    ("/staff/awards/draft?contest=zhuzhou-2020", {"notice_days": HUGE}, None, "公示天数必须在 1 到 30 之间。"),
])
def test_a_400_digit_integer_is_a_chinese_message(client, admin, contest, freeze, path, data, status, message):
    freeze("2020-06-25T12:00:00+08:00")
    token = csrf_from(client, "/staff/contests")
    response = client.post(path.format(contest=contest.id, entry=admin.id), data={**data, "csrf_token": token},
                           follow_redirects=status is None)
    assert response.status_code == (status or 200)
    assert message in response.get_data(as_text=True)


def test_the_feed_stays_well_formed_whatever_an_announcement_holds(client, contest):
    db.session.add(Announcement(contest_id=contest.id, title="开\x0b始\x1b了\x01\ufffe", body="正文\x0c\u202e反\u202c\x1f",
                                kind=AnnouncementKind.OTHER, published_at=datetime(2020, 6, 18, 1, tzinfo=timezone.utc)))
    db.session.commit()
    response = client.get("/announcements.atom?contest=zhuzhou-2020")
    assert response.status_code == 200
    entry = ET.fromstring(response.data).find(f"{ATOM}entry")  # an XML parser: raises on an ill-formed feed
    assert (entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}content").text) == ("开始了", "正文反")


@pytest.mark.parametrize("path", ["/api/v1/preflight", "/api/v1/caption-check"])
def test_a_null_contest_is_refused_as_the_openapi_document_says(client, contest, path):
    response = client.post(path, json={"text": "x", "caption": "x", "contest": None})
    assert (response.status_code, response.get_json()) == (400, {"error": "字段 contest 必须是字符串。"})
