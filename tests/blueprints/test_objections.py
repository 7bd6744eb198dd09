"""Objections on the site: /winners (总榜 first, the objection links and counts), filing one
signed in or with a one-time code (/winners/objections/new, /winners/objections/code), following
it (/winners/objections, /winners/objections/lookup), the staff queue (/staff/objections) and the
counts in GET /api/v1/winners; the rate limits."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.domain import awards
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus, PhoneCode
from contest.models.objection import Objection, ObjectionStatus
from tests.support.rate_limits import assert_page_429
from tests.conftest import count, csrf_from
from tests.support.objections import DRAFT, NOTICE_CONTEST, NOTICE_ENDS

pytestmark = NOTICE_CONTEST

DURING = DRAFT + timedelta(days=1)
SLUG = "zhuzhou-2020"
PHONE = "13812345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
DEMO_CODE = re.compile(r"演示模式：验证码是 ([0-9]{6})")
REFERENCE = re.compile(r'<strong id="objection-reference" class="copy-text">([0-9]{4} [0-9]{4})</strong>')


@pytest.fixture(autouse=True)
def _evidence_dir(app, tmp_path):
    app.config["CONTEST_EVIDENCE_DIR"] = str(tmp_path / "evidence")


@pytest.fixture
def listed(on_notice, freeze):
    """The popularity list on notice (E1, E2 listed; E3 not), seen during the notice."""
    freeze(DURING)
    return on_notice


def new_path(award_list, entry) -> str:
    return f"/winners/objections/new?list={award_list.id}&entry={entry.id}"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- /winners ---------------------------------------------------------------------------------------------------------

def test_winners_lists_the_overall_list_first_then_the_themes_in_order(client, contest, listed):
    contest.theme_award_places = True
    db.session.commit()
    awards.refresh_notice(contest, actor=None, now=DURING, why="test")
    db.session.commit()
    page = client.get(f"/winners?contest={SLUG}").get_data(as_text=True)
    popularity = page.split('id="award-popularity"')[1].split("</section>")[0]
    assert re.findall(r"<h3>([^<]+)</h3>", popularity) == ["总榜", "株洲美好生活秀", "株洲达人才艺秀"]
    body = client.get(f"/api/v1/winners?contest={SLUG}").get_json()
    assert [(p["scope"], p["rank"], p["title"]) for p in body["popularity"]["places"]] == [
        ("overall", 1, "E1"), ("overall", 2, "E2"), ("life", 1, "E1"), ("life", 2, "E3"),
        ("talent", 1, "E2")]


def test_winners_in_notice_link_each_place_to_an_objection_and_say_the_counts(client, listed):
    popularity, entries = listed
    page = client.get(f"/winners?contest={SLUG}").get_data(as_text=True)
    links = re.findall(r'<a class="objection-link" href="/winners/objections/new\?list=(\d+)&amp;entry=(\d+)" '
                       r'aria-label="对总榜第 \d 名提出异议">提出异议</a>', page)
    assert links == [(str(popularity.id), str(entries["E1"].id)), (str(popularity.id), str(entries["E2"].id))]
    assert page.count("公示期间共收到异议 0 条，已答复 0 条。") == 2  # and excellence: an empty list (no scores)
    body = client.get(f"/api/v1/winners?contest={SLUG}").get_json()
    assert body["popularity"]["objections"] == {"received": 0, "handled": 0}
    assert [p["scope"] for p in body["popularity"]["places"]] == ["overall", "overall"]


# --- filing ----------------------------------------------------------------------------------------------------------

def test_an_anonymous_visitor_objects_with_a_code_and_looks_it_up(client, listed, app):
    popularity, entries = listed
    path = new_path(popularity, entries["E2"])
    page = client.get(path).get_data(as_text=True)
    assert "第一步：验证手机号" in page and "<strong>E2</strong>" in page
    token = csrf_from(client, path)
    response = client.post("/winners/objections/code", data={
        "phone": "138 1234 5678", "list_id": str(popularity.id), "entry_id": str(entries["E2"].id),
        "csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, path)
    page = client.get(path).get_data(as_text=True)
    assert "验证码已发送到 138****5678" in page
    code = DEMO_CODE.search(page).group(1)

    wrong = "000000" if code != "000000" else "111111"
    with client.session_transaction() as sess:
        pending = sess.pop("objection_phone")
    response = client.post(path, data={"reason": "刷赞", "code": code, "csrf_token": token})
    assert response.status_code == 422 and "请先验证手机号：填写手机号并获取验证码。" in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        sess["objection_phone"] = pending
    response = client.post(path, data={"reason": "刷赞", "code": wrong, "csrf_token": token})
    assert response.status_code == 422 and "验证码错误。" in response.get_data(as_text=True)
    response = client.post(path, data={"reason": "刷赞：一夜涨了三万赞", "code": code, "csrf_token": token,
                                       "evidence": (io.BytesIO(PNG), "shot.png")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 201, page
    reference = REFERENCE.search(page).group(1)
    objection = db.session.scalar(sa.select(Objection))
    assert (objection.entry_id, objection.award_list_id, objection.user_id, objection.phone, objection.reason) == (
        entries["E2"].id, popularity.id, None, PHONE, "刷赞：一夜涨了三万赞")
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.png", objection.evidence_path)
    assert f"异议（编号 {objection.id}）已提交" in page

    response = client.post("/winners/objections/lookup", data={
        "reference": reference, "phone": PHONE, "csrf_token": csrf_from(client, "/winners/objections")})
    found = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"待处理 异议编号 {objection.id} · 人气奖 · 作品编号 {entries['E2'].id}" in found
    assert PHONE not in found
    for reference_given, phone in ((reference, "13900000000"), ("A" * 16, PHONE)):
        response = client.post("/winners/objections/lookup", data={
            "reference": reference_given, "phone": phone, "csrf_token": csrf_from(client, "/winners/objections")})
        assert response.status_code == 422
        assert "没有找到这条异议，请核对查询码和手机号。" in response.get_data(as_text=True)


def test_a_signed_in_citizen_objects_and_sees_the_answer(client, login, make_user, listed, admin):
    popularity, entries = listed
    citizen = make_user(nickname="热心市民")
    login(citizen)
    path = new_path(popularity, entries["E1"])
    assert "第一步：验证手机号" not in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"reason": "搬运了别人的视频", "csrf_token": csrf_from(client, path)})
    assert response.status_code == 201
    objection = db.session.scalar(sa.select(Objection))
    assert (objection.user_id, objection.phone, objection.evidence_path) == (citizen.id, None, None)
    mine = text_of(client.get("/winners/objections").get_data(as_text=True))
    assert f"待处理 异议编号 {objection.id}" in mine and "理由：搬运了别人的视频" in mine

    from contest.domain import objections
    objections.dismiss(objection, reply="原创证明已核实", staff=admin, now=DURING)
    db.session.commit()
    mine = text_of(client.get("/winners/objections").get_data(as_text=True))
    assert "不成立 异议编号" in mine and "原创证明已核实" in mine
    assert "你的异议已处理：不成立" in client.get("/entries/inbox").get_data(as_text=True)


def test_filing_refusals(client, listed, make_user, login, freeze):
    popularity, entries = listed
    login(make_user())
    assert client.get(f"/winners/objections/new?list={popularity.id}&entry={entries['E3'].id}").status_code == 404
    assert client.get("/winners/objections/new?list=99999&entry=1").status_code == 404
    assert client.get("/winners/objections/new?list=x&entry=99999999999999").status_code == 404
    path = new_path(popularity, entries["E1"])
    token = csrf_from(client, path)
    response = client.post(path, data={"reason": "x", "csrf_token": token,
                                       "evidence": (io.BytesIO(b"GIF89a" + b"\x00" * 20), "a.gif")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "只能上传图片格式的截图（手机截图或照片）。" in response.get_data(as_text=True)
    response = client.post(path, data={"reason": "", "csrf_token": token})
    assert response.status_code == 422 and "请填写异议理由。" in response.get_data(as_text=True)
    assert client.post(path, data={"reason": "没有令牌"}).status_code == 400
    freeze(NOTICE_ENDS)
    assert "只能在获奖名单公示期内提出异议。" in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"reason": "太晚了", "csrf_token": token})
    assert response.status_code == 422 and "只能在获奖名单公示期内提出异议。" in response.get_data(as_text=True)
    assert count(Objection) == 0
    page = client.get(f"/winners?contest={SLUG}").get_data(as_text=True)
    assert "提出异议</a>" not in page


# --- the staff queue -------------------------------------------------------------------------------------------------

def test_admin_upholds_an_objection_and_the_list_moves_up(client, login, make_user, listed, admin):
    popularity, entries = listed
    citizen = make_user(nickname="热心市民", phone="13900000099")
    from contest.domain import objections
    first = objections.file_objection(popularity, entries["E1"], reason="搬运", now=DURING, user=citizen).objection
    second = objections.file_objection(popularity, entries["E2"], reason="不喜欢", now=DURING, user=citizen).objection
    db.session.commit()

    reviewer = make_user(role="reviewer", nickname="审核员")
    login(reviewer)
    page = client.get(f"/staff/objections?contest={SLUG}").get_data(as_text=True)
    assert f'id="objection-{first.id}"' in page and "热心市民（139****0099）" in page
    assert "异议成立，取消资格</button>" not in page  # reviewers read only
    token = csrf_from(client, "/staff/objections")
    assert client.post(f"/staff/objections/{first.id}/uphold", data={"reply": "x", "csrf_token": token}).status_code == 403

    login(admin)
    page = client.get(f"/staff/awards?contest={SLUG}").get_data(as_text=True)
    assert ('有 2 条异议待答复，全部答复后才能发布名单：<a href="/staff/objections?contest=zhuzhou-2020&amp;status=open">'
            '去处理</a>。') in page
    token = csrf_from(client, "/staff/objections")
    response = client.post(f"/staff/objections/{first.id}/uphold", data={"reply": "", "csrf_token": token})
    assert response.status_code == 302
    assert "请填写答复。" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/staff/objections/{first.id}/uphold", data={"reply": "经核实系搬运", "csrf_token": token})
    assert response.headers["Location"] == f"/staff/objections?contest={SLUG}#objection-{first.id}"
    assert f"异议 {first.id} 成立：作品已取消获奖资格，名单已顺延。" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    response = client.post(f"/staff/objections/{second.id}/dismiss", data={"reply": "不成立", "csrf_token": token})
    assert f"异议 {second.id} 已答复：不成立。" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert entries["E1"].status is EntryStatus.REJECTED
    assert [db.session.get(type(entries["E1"]), p.entry_id).caption for p in popularity.places] == ["E2", "E3"]
    assert [(o.id, o.status) for o in db.session.scalars(sa.select(Objection).order_by(Objection.id))] == [
        (first.id, ObjectionStatus.UPHELD), (second.id, ObjectionStatus.DISMISSED)]
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("objection.%"))
                              .order_by(AuditEvent.id)).all() == [
        "objection.file", "objection.file", "objection.uphold", "objection.dismiss"]

    page = client.get(f"/staff/objections?contest={SLUG}&status=upheld").get_data(as_text=True)
    assert f'id="objection-{first.id}"' in page and f'id="objection-{second.id}"' not in page
    assert "答复（管理员" in page
    assert "没有待处理的异议。" in client.get(f"/staff/objections?contest={SLUG}&status=open").get_data(as_text=True)
    response = client.get(f"/staff/objections?contest={SLUG}&status=closed")
    assert response.status_code == 400 and "状态只能是 open、upheld 或 dismissed。" in response.get_data(as_text=True)

    assert 'id="open-objections"' not in client.get(f"/staff/awards?contest={SLUG}").get_data(as_text=True)
    body = client.get(f"/api/v1/winners?contest={SLUG}").get_json()
    assert body["popularity"]["objections"] == {"received": 2, "handled": 2}
    assert (body["excellence"]["places"], body["excellence"]["objections"]) == ([], {"received": 0, "handled": 0})
    assert "公示期间共收到异议 2 条，已答复 2 条。" in client.get(f"/winners?contest={SLUG}").get_data(as_text=True)


# --- limits ------------------------------------------------------------------------------------------------------------

def test_objections_are_rate_limited_per_address(limited, listed, make_user):
    popularity, entries = listed
    client = limited(CONTEST_OBJECTION_LIMIT="2/hour")
    path = new_path(popularity, entries["E1"])
    token = csrf_from(client, path)
    statuses = [client.post(path, data={"reason": "", "csrf_token": token}).status_code for _ in range(2)]
    assert statuses == [422, 422]
    refused = client.post(path, data={"reason": "第三次", "csrf_token": token})
    assert refused.status_code == 429 and 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert re.search(r"<p>操作太频繁，请 \d+ 秒后再试。</p>", refused.get_data(as_text=True))
    assert client.get(path).status_code == 200  # only POSTs count


def test_objection_codes_share_the_one_time_code_allowance(limited, listed, freeze):
    popularity, entries = listed
    client = limited(CONTEST_OTP_LIMIT="2/minute", CONTEST_OTP_RESEND_SECONDS="0")
    token = csrf_from(client, "/accounts/signup")
    assert client.post("/accounts/signup", data={"phone": PHONE, "csrf_token": token}).status_code == 302
    data = {"phone": "13812340000", "list_id": str(popularity.id), "entry_id": str(entries["E1"].id),
            "csrf_token": token}
    assert client.post("/winners/objections/code", data=data).status_code == 302
    assert_page_429(client.post("/winners/objections/code", data={**data, "phone": "13812340001"}))
    assert count(PhoneCode) == 2


# --- the lookup code: digits in groups, a copy button, a text message; none for a published list -----------------

def test_the_lookup_code_is_grouped_digits_with_a_copy_button_and_is_texted(client, login, make_user, listed, caplog):
    popularity, entries = listed
    login(make_user(phone="13900000055", nickname="热心市民"))
    path = new_path(popularity, entries["E1"])
    with caplog.at_level("INFO", logger="contest.integrations.sms"):
        response = client.post(path, data={"reason": "搬运", "csrf_token": csrf_from(client, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 201, page
    reference = REFERENCE.search(page).group(1)
    assert f'<button type="button" class="copy-button" data-copy="{reference}" aria-label="复制查询码" hidden>复制</button>' in page
    assert "查询码已用短信发送到 139****0055。" in page and "<script>" not in page
    objection = db.session.scalar(sa.select(Objection))
    assert [r.getMessage() for r in caplog.records if r.name == "contest.integrations.sms"] == [
        f"SMS to 139****0055: 你对获奖名单中作品（编号 {entries['E1'].id}）的异议已提交，查询码 {reference}。"
        "在 http://localhost/winners/objections 输入查询码和手机号可查看处理结果。"]
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/winners/objections")})
    for typed in (reference, reference.replace(" ", "")):  # with or without the space
        response = client.post("/winners/objections/lookup", data={
            "reference": typed, "phone": "13900000055", "csrf_token": csrf_from(client, "/winners/objections")})
        assert response.status_code == 200
        assert f"异议编号 {objection.id}" in text_of(response.get_data(as_text=True))


def test_a_published_list_takes_no_objection_and_no_code_is_sent_for_it(client, listed, admin, freeze):
    popularity, entries = listed
    awards.publish_awards(entries["E1"].contest, staff=admin, now=freeze(NOTICE_ENDS + timedelta(hours=1)))
    db.session.commit()
    path = new_path(popularity, entries["E2"])
    page = client.get(path).get_data(as_text=True)
    assert "这份获奖名单已经正式公布，不再受理异议。" in page and "获取验证码" not in page
    codes = count(PhoneCode)
    response = client.post("/winners/objections/code", data={
        "phone": PHONE, "list_id": str(popularity.id), "entry_id": str(entries["E2"].id),
        "csrf_token": csrf_from(client, path)})
    assert (response.status_code, response.headers["Location"]) == (302, path)
    assert count(PhoneCode) == codes
    page = client.get(path).get_data(as_text=True)
    assert "这份获奖名单已经正式公布，不再受理异议。" in page and "验证码已发送" not in page
