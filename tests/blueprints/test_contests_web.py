"""Contests on the web: admins create and edit them at /staff/contests; the public lists them
at /contests; navigation keeps ?contest=."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from contest.domain import contests
from contest.domain.errors import DomainError
from contest.extensions import db
from contest.models import AuditEvent, Contest
from tests.support.contest_form import form
from tests.conftest import build_entry, csrf_from, video_id_at

UTC = timezone.utc
@pytest.fixture
def admin_client(client, make_user, login):
    login(make_user(role="admin", phone="13900000001", nickname="管理员"))
    return client


def post(client, path: str, data: dict):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/staff/contests")})


@pytest.mark.parametrize("role, status", [("admin", 200), ("reviewer", 403), ("judge", 403), ("citizen", 403)])
def test_staff_contests_is_for_admins_only(client, make_user, login, role, status):
    login(make_user(role=role))
    assert client.get("/staff/contests").status_code == status
    assert client.get("/staff/contests/new").status_code == status


def test_staff_contests_asks_a_visitor_to_sign_in(client):
    response = client.get("/staff/contests")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login")


def test_admin_creates_a_contest_in_beijing_time_audited(admin_client):
    response = post(admin_client, "/staff/contests/new", form())
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/contests")
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "zhuzhou-2021"))
    assert (contest.opens_at, contest.closes_at) == (datetime(2021, 6, 17, 16, tzinfo=UTC),
                                                     datetime(2021, 7, 17, 15, 59, 59, tzinfo=UTC))
    assert [(t.key, t.name, t.description, t.position) for t in contest.themes] == [
        ("life", "生活秀", "吃喝玩乐", 0), ("talent", "才艺秀", "", 1), ("village", "乡村秀", "家乡风物", 2)]
    assert [(a.key, a.name) for a in contest.areas] == [("hetang", "荷塘区"), ("liling", "醴陵市")]
    assert (contest.popularity_award_size, contest.excellence_award_size, contest.allow_double_win,
            contest.notice_days, contest.min_judges) == (5, 8, True, 7, 4)
    awards_page = admin_client.get(f"/staff/awards?contest={contest.slug}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="notice_days"[^>]*value="7"', awards_page), awards_page[awards_page.find("notice_days") - 300:][:600]
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.contest_id, event.changes["slug"]) == ("contest.create", contest.id, "zhuzhou-2021")
    listing = admin_client.get("/staff/contests").get_data(as_text=True)
    assert "2021-06-18 00:00:00 至 2021-07-17 23:59:59" in listing and "2021 株洲抖音生活秀" in listing


def test_theme_award_places_are_off_unless_the_admin_ticks_them(admin_client):
    post(admin_client, "/staff/contests/new", form())
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "zhuzhou-2021"))
    assert contest.theme_award_places is False
    response = post(admin_client, f"/staff/contests/{contest.id}", form(theme_award_places="y"))
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/contests")
    db.session.refresh(contest)
    assert contest.theme_award_places is True
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.changes) == ("contest.update", {"theme_award_places": [False, True]})
    rules = admin_client.get("/rules?contest=zhuzhou-2021").get_data(as_text=True)
    assert "除总榜外，每个主题（生活秀、才艺秀、乡村秀）另设人气奖前 5 名、优秀奖前 8 名。" in rules


@pytest.mark.parametrize("overrides, message", [
    ({"closes_at": "2021-06-01T00:00:00"}, "结束时间必须晚于开始时间。"),
    ({"hashtag": "动力 株洲"}, "话题“动力 株洲”不能包含空格、标点或特殊字符"),
    ({"hashtag": "#动力株洲"}, "话题不要带 #，只填文字。"),
    ({"mention": "株洲，足迹"}, "需要 @ 的账号“株洲，足迹”不能包含空格、标点或特殊字符"),
    ({"slug": "Bad Slug"}, "活动标识只能包含小写字母、数字和连字符"),
    ({"themes": "life|生活\nlife|重复"}, "主题标识不能重复。"),
    ({"areas": "荷塘区"}, "区县第 1 行应为“标识|名称”。"),
    ({"notice_days": "31"}, "公示天数必须是 1 到 30 之间的整数。"),
    ({"min_judges": "0"}, "评委人数必须是 1 到 50 之间的整数。"),
    ({"min_judges": None}, "请填写评委人数。"),
])
def test_create_refuses_bad_values_in_chinese(admin_client, overrides, message):
    response = post(admin_client, "/staff/contests/new", form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contest)) == 0


def test_create_refuses_a_taken_slug(admin_client, make_contest):
    make_contest(slug="zhuzhou-2021")
    response = post(admin_client, "/staff/contests/new", form())
    assert response.status_code == 400 and "活动标识 zhuzhou-2021 已被使用。" in response.get_data(as_text=True)


def test_rule_changes_need_a_reason_once_entries_exist_and_are_audited(admin_client, make_contest, make_user):
    contest = make_contest()
    edit = f"/staff/contests/{contest.id}"
    build_entry(contest, make_user(), video_id=video_id_at("2020-06-20T10:00:00+08:00"), theme="life", area="hetang")
    db.session.commit()
    current = {"name": contest.name, "slug": contest.slug, "opens_at": "2020-06-18T00:00:00",
               "closes_at": "2020-07-17T23:59:59", "hashtag": contest.hashtag, "mention": contest.mention,
               "slogan": contest.slogan,
               "themes": "\n".join(f"{t.key}|{t.name}|{t.description}" for t in contest.themes),
               "areas": "\n".join(f"{a.key}|{a.name}" for a in contest.areas),
               "popularity_award_size": "10", "excellence_award_size": "10", "allow_double_win": "y",
               "notice_days": "5", "min_judges": "3"}
    # A name change needs no reason.
    assert post(admin_client, edit, {**current, "name": "新名字"}).status_code == 302
    # The window does, once entries exist.
    later = {**current, "name": "新名字", "closes_at": "2020-07-20T23:59:59"}
    refused = post(admin_client, edit, later)
    assert refused.status_code == 400
    assert "活动已有作品，修改开始/结束时间、话题、@账号或主题需要填写修改原因。" in refused.get_data(as_text=True)
    assert db.session.get(Contest, contest.id).closes_at == datetime(2020, 7, 17, 15, 59, 59, tzinfo=UTC)
    assert post(admin_client, edit, {**later, "reason": "应市民要求延期三天"}).status_code == 302
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.changes, e.note) for e in events] == [
        ("contest.update", {"name": ["测试活动", "新名字"]}, None),
        ("contest.update", {"closes_at": ["2020-07-17T15:59:59+00:00", "2020-07-20T15:59:59+00:00"]}, "应市民要求延期三天"),
    ]
    # A theme with entries cannot go.
    gone = post(admin_client, edit, {**later, "themes": "talent|才艺", "reason": "合并主题"})
    assert gone.status_code == 400 and "主题“株洲美好生活秀”已有作品，不能删除。" in gone.get_data(as_text=True)
    # The rules page shows the rules as they are now.
    rules = admin_client.get(f"/rules?contest={contest.slug}").get_data(as_text=True)
    assert "2020年07月20日" in rules or "2020-07-20" in rules


def test_tag_check_matches_the_caption_check():
    assert contests._check_tag("动力株洲文旅通", "#", "话题") == []
    assert contests._check_tag("ＡＢＣ", "#", "话题") != []  # full width: captions are NFKC-normalised


def test_save_contest_without_entries_needs_no_reason(app, make_contest):
    contest = make_contest()
    values = contests.ContestValues(
        slug=contest.slug, name=contest.name, opens_at=contest.opens_at, closes_at=contest.closes_at,
        hashtag="新话题", mention=contest.mention, slogan=contest.slogan,
        themes=tuple((t.key, t.name, t.description) for t in contest.themes),
        areas=tuple((a.key, a.name) for a in contest.areas))
    contests.save_contest(contest, values, actor=None, now=contest.opens_at)
    assert contest.hashtag == "新话题"
    with pytest.raises(DomainError, match="至少要有一个区县。"):
        contests.save_contest(contest, values.__class__(**{**values.__dict__, "areas": ()}), actor=None,
                              now=contest.opens_at)


def test_public_contests_lists_every_contest_and_navigation_keeps_the_contest(client, make_contest, freeze):
    freeze("2021-06-20T12:00:00+08:00")
    make_contest()
    make_contest(slug="zhuzhou-2021", opens="2021-06-18", closes="2021-07-17", name="2021 活动")
    page = client.get("/contests").get_data(as_text=True)
    assert re.findall(r'<h2><a href="/\?contest=([a-z0-9-]+)">', page) == ["zhuzhou-2021", "zhuzhou-2020"]
    assert '<span class="phase-badge phase-open">进行中</span>' in page
    assert '<span class="phase-badge phase-judging">已截止，评审中</span>' in page
    old = client.get("/gallery?contest=zhuzhou-2020").get_data(as_text=True)
    for path in ("/", "/entries/new", "/gallery", "/leaderboards", "/winners", "/rules"):
        assert f'href="{path}?contest=zhuzhou-2020"' in old, path
    plain = client.get("/gallery?contest=not%20a%20slug").get_data(as_text=True)
    assert 'href="/gallery"' in plain and "not a slug" not in plain.split("<main")[0]


def test_the_console_sends_an_admin_to_create_the_first_contest(admin_client):
    response = admin_client.get("/staff/")
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/contests")
    assert "还没有任何活动，请先新建一个。" in admin_client.get("/staff/contests").get_data(as_text=True)


def test_the_certificates_organiser_signatory_and_seal_are_contest_settings(admin_client):
    import io

    from PIL import Image

    seal = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 16, 46, 160)).save(seal, format="PNG")
    response = admin_client.post("/staff/contests/new", data={
        **form(organiser="  株洲市文化馆  ", signatory="负责人：张三"), "seal": (io.BytesIO(seal.getvalue()), "seal.png"),
        "csrf_token": csrf_from(admin_client, "/staff/contests")}, content_type="multipart/form-data")
    assert response.status_code == 302
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "zhuzhou-2021"))
    assert (contest.organiser, contest.signatory, contest.seal_png) == ("株洲市文化馆", "负责人：张三", seal.getvalue())
    created = db.session.scalar(sa.select(AuditEvent.changes).where(AuditEvent.action == "contest.create"))
    assert (created["organiser"], created["signatory"], len(created["seal"])) == ("株洲市文化馆", "负责人：张三", 16)
    page = admin_client.get(f"/staff/contests/{contest.id}").get_data(as_text=True)
    assert 'value="负责人：张三"' in page and "已上传：是" in page and 'name="remove_seal"' in page
    # Not a PNG: refused in Chinese; then the seal is removed.
    refused = admin_client.post(f"/staff/contests/{contest.id}", data={
        **form(), "seal": (io.BytesIO(b"GIF89a"), "seal.gif"), "csrf_token": csrf_from(admin_client, "/staff/contests")},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "印章图片必须是 PNG 格式" in refused.get_data(as_text=True)
    post(admin_client, f"/staff/contests/{contest.id}", form(remove_seal="y", signatory=""))
    db.session.expire_all()
    assert (contest.signatory, contest.seal_png) == (None, None)
