"""Admin pages: the audit trail and its filters, the dashboard's numbers and charts, users and roles."""

import re
import html
import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, Role, SnapshotSource, User
from tests.conftest import csrf_from  # noqa: E402
from tests.conftest import build_entry

IN_WINDOW = "2020-06-25T12:00:00+08:00"


@pytest.fixture
def admin(make_user, login, contest):
    user = make_user(role="admin", phone="13900000001", nickname="管理员小刘")
    login(user)
    return user


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def token(client) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/staff/tokens").get_data(as_text=True)).group(1)


# --- the audit trail ------------------------------------------------------------------

@pytest.fixture
def trail(contest, admin, make_contest, make_user):
    """Events: (action, actor, target, contest) in order; returns them by name."""
    other = make_contest(slug="zhuzhou-2021", opens="2021-06-18", closes="2021-07-17")
    reviewer = make_user(role="reviewer", phone="13900000002", nickname="审核员小张")
    now = clock.now()
    made = {
        "approve": audit.record("entry.approve", actor=reviewer, now=now, target=_Target("entry", 1),
                                contest_id=contest.id, changes={"status": ["pending", "approved"]}),
        "reject": audit.record("entry.reject", actor=reviewer, now=now, target=_Target("entry", 2),
                               contest_id=other.id, note="不符合主题"),
        "export": audit.record("export.entries", actor=admin, now=now, contest_id=contest.id,
                               changes={"unmasked": False}),
        "role": audit.record("user.role", actor=None, now=now, target=reviewer,
                             changes={"role": ["citizen", "reviewer"]}),
        "manual": audit.record("likes.manual", actor=admin, now=now, target=_Target("entry", 1), contest_id=contest.id),
    }
    db.session.commit()
    return made


class _Target:
    def __init__(self, table, ident):
        self.__tablename__, self.id = table, ident


def listed(client, query="") -> list[int]:
    page = client.get(f"/staff/audit{query}").get_data(as_text=True)
    return [int(i) for i in re.findall(r'<tr id="event-(\d+)">', page)]


@pytest.mark.parametrize("query, names", [
    ("", ["manual", "role", "export", "reject", "approve"]),
    ("?action=entry.approve", ["approve"]),
    ("?target=entry", ["manual", "reject", "approve"]),
    ("?target=entry:1", ["manual", "approve"]),
    ("?target=user", ["role"]),
    ("?contest=zhuzhou-2021", ["reject"]),
    ("?contest=zhuzhou-2020&target=entry:1&action=likes.manual", ["manual"]),
])
def test_audit_filters(client, trail, query, names):
    assert listed(client, query) == [trail[n].id for n in names]


def test_audit_filters_by_actor_id_or_phone(client, trail, admin):
    reviewer_id = trail["approve"].actor_id
    assert listed(client, f"?actor={reviewer_id}") == [trail["reject"].id, trail["approve"].id]
    assert listed(client, "?actor=13900000001") == [trail["manual"].id, trail["export"].id]
    assert listed(client, "?actor=13900000099") == []


def test_audit_rows_show_who_what_and_changes(client, trail):
    page = client.get("/staff/audit").get_data(as_text=True)
    row = re.search(rf'<tr id="event-{trail["approve"].id}">(.*?)</tr>', page, re.S).group(1)
    assert text_of(row) == (f'{trail["approve"].id} 2020-06-25 12:00:00 审核员小张 entry.approve entry:1 zhuzhou-2020 '
                            '{"status": ["pending", "approved"]}')
    role_row = re.search(rf'<tr id="event-{trail["role"].id}">(.*?)</tr>', page, re.S).group(1)
    assert "系统（命令行）" in role_row
    assert "不符合主题" in page
    # The filters offer what the trail holds.
    assert re.findall(r'<option value="([a-z._]+)"', page)[:5] == [
        "entry.approve", "entry.reject", "export.entries", "likes.manual", "user.role"]


def test_audit_pages_with_before_id(client, admin, contest):
    made = [audit.record("likes.manual", actor=admin, now=clock.now(), contest_id=contest.id) for _ in range(120)]
    audit.record("entry.approve", actor=admin, now=clock.now())  # filtered out
    db.session.commit()
    ids = [e.id for e in made]
    page = client.get("/staff/audit?action=likes.manual").get_data(as_text=True)
    first = [int(i) for i in re.findall(r'<tr id="event-(\d+)">', page)]
    assert first == ids[::-1][:50]
    older = re.search(r'<a href="([^"]+)" rel="next">更早的记录</a>', page).group(1).replace("&amp;", "&")
    assert older == f"/staff/audit?before_id={ids[70]}&action=likes.manual"
    second = listed(client, older[len("/staff/audit"):])
    assert second == ids[::-1][50:100]
    third_page = client.get(f"/staff/audit?action=likes.manual&before_id={ids[20]}").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr id="event-(\d+)">', third_page)] == ids[19::-1]
    assert "更早的记录" not in third_page and 'href="/staff/audit?action=likes.manual">回到最新' in third_page


@pytest.mark.parametrize("query, message", [
    ("?actor=abc", "操作人请填写账号编号或手机号。"),
    ("?target=entry:x", "对象请按“类型:编号”填写，例如 entry:12，或只写类型。"),
    ("?before_id=-4", "翻页参数无效。"),
    ("?contest=nope", "没有找到活动“nope”。"),
])
def test_audit_bad_filters(client, trail, query, message):
    response = client.get(f"/staff/audit{query}")
    assert response.status_code in (400, 404)
    assert message in response.get_data(as_text=True)


def test_the_audit_trail_is_append_only(trail):
    event = db.session.get(AuditEvent, trail["approve"].id)
    event.note = "改写"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()


# --- the dashboard --------------------------------------------------------------------

@pytest.fixture
def entries(contest, make_user):
    author = make_user(nickname="作者")

    def add(day, theme, area, status, changed=None):
        at = datetime.fromisoformat(day)
        entry = build_entry(contest, author, video_id=str(6_840_000_000_000_000_000 + len(made)), theme=theme,
                            area=area, status=status, at=at, submitted_text="x", caption="x",
                            status_changed_at=datetime.fromisoformat(changed) if changed else at)
        made.append(entry)
        return entry

    made: list[Entry] = []
    # 06-18 00:30 Beijing is still 06-17 in UTC: the day is Beijing's.
    a = add("2020-06-18T00:30:00+08:00", "life", "hetang", EntryStatus.APPROVED)
    b = add("2020-06-18T23:59:00+08:00", "life", "liling", EntryStatus.APPROVED)
    add("2020-06-20T09:00:00+08:00", "talent", "hetang", EntryStatus.PENDING, "2020-06-20T09:00:00+08:00")
    add("2020-06-19T09:00:00+08:00", "village", "hetang", EntryStatus.PENDING, "2020-06-19T09:00:00+08:00")
    add("2020-06-20T10:00:00+08:00", "life", "youxian", EntryStatus.NEEDS_FIX, "2020-06-21T10:00:00+08:00")
    add("2020-06-22T10:00:00+08:00", "life", "youxian", EntryStatus.REJECTED)
    c = add("2020-06-22T11:00:00+08:00", "talent", "youxian", EntryStatus.APPROVED)
    add("2020-06-23T11:00:00+08:00", "talent", "youxian", EntryStatus.WITHDRAWN)
    db.session.commit()
    staff = make_user(role="reviewer", phone="13900000003", nickname="审核员")
    record_snapshot(a, observed_at=datetime.fromisoformat("2020-06-24T10:00:00+08:00"), likes=100,
                    source=SnapshotSource.PLATFORM)
    record_snapshot(b, observed_at=datetime.fromisoformat("2020-06-24T10:00:00+08:00"), likes=30,
                    source=SnapshotSource.MANUAL, recorded_by=staff)
    record_snapshot(b, observed_at=datetime.fromisoformat("2020-07-20T10:00:00+08:00"), likes=999,
                    source=SnapshotSource.PLATFORM)  # after the close: not counted
    db.session.commit()
    return made


def dd(page: str, ident: str) -> str:
    return re.search(rf'<dd id="{ident}">([^<]*)</dd>', page).group(1)


def chart(page: str, figure_id: str) -> dict:
    """The data of the dashboard's chart in ``<figure id=figure_id>`` (what static/js/charts.js draws)."""
    raw = re.search(rf'<figure class="chart" id="{figure_id}">.*?data-chart="([^"]*)"', page, re.S).group(1)
    return json.loads(html.unescape(raw))


def bars(spec: dict) -> list[str]:
    return [f"{label}：{value} {spec['unit']}" for label, value in zip(spec["labels"], spec["values"]) if value]


def test_dashboard_numbers(client, admin, entries):
    response = client.get("/staff/dashboard?contest=zhuzhou-2020")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [dd(page, i) for i in ("total-entries", "backlog-pending", "backlog-needs-fix", "likes-total",
                                  "likes-platform", "likes-manual", "approved-without-reading")] == [
        "8", "2", "1", "130", "100", "30", "1"]
    per_day = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2})</td><td class=\"num\">(\d+)</td></tr>", page)
    assert per_day == [("2020-06-18", "2"), ("2020-06-19", "1"), ("2020-06-20", "2"), ("2020-06-21", "0"),
                       ("2020-06-22", "2"), ("2020-06-23", "1"), ("2020-06-24", "0"), ("2020-06-25", "0")]
    waiting = [int(i) for i in re.findall(r'<tr id="waiting-(\d+)">', page)]
    assert waiting == [entries[3].id, entries[2].id, entries[4].id]  # oldest in its state first


def test_dashboard_charts(client, admin, entries):
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "<script" not in page.split("<main")[1]
    theme = chart(page, "chart-theme")
    assert theme["summary"] == "共 8 件：株洲美好生活秀 4 件，株洲达人才艺秀 3 件，美丽乡村旅游秀 1 件。"
    assert f'role="img" aria-label="{theme["summary"]}"' in page
    assert bars(theme) == ["株洲美好生活秀：4 件", "株洲达人才艺秀：3 件", "美丽乡村旅游秀：1 件"]
    assert bars(chart(page, "chart-area")) == ["荷塘区：3 件", "醴陵市：1 件", "攸县：4 件"]
    assert bars(chart(page, "chart-status")) == ["待审核：2 件", "待修改：1 件", "已通过：3 件", "未通过：1 件", "已撤回：1 件"]
    day = chart(page, "chart-day")
    assert (day["horizontal"], day["labels"][0], day["labels"][-1]) == (False, "6月18日", "6月25日")
    assert bars(day) == ["6月18日：2 件", "6月19日：1 件", "6月20日：2 件", "6月22日：2 件", "6月23日：1 件"]
    likes = chart(page, "chart-likes")
    assert [name["name"] for name in likes["series"]] == ["通过作品的点赞合计"]


def test_dashboard_for_a_reviewer_has_no_exports(client, make_user, login, entries):
    login(make_user(role="reviewer", phone="13900000004"))
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert dd(page, "total-entries") == "8"
    assert "/staff/exports/" not in page and "/staff/audit" not in page


def test_dashboard_for_a_reviewer_of_some_areas_counts_only_those(client, make_user, login, entries):
    reviewer = make_user(role="reviewer", phone="13900000004")
    reviewer.area_keys = ["liling", "hetang"]
    db.session.commit()
    login(reviewer)
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert '<p class="flash flash-info" role="status" id="dashboard-areas">只统计你负责的区县：荷塘区、醴陵市。</p>' in page
    assert [dd(page, i) for i in ("total-entries", "backlog-pending", "backlog-needs-fix", "likes-total",
                                  "likes-platform", "likes-manual", "approved-without-reading")] == [
        "4", "2", "0", "130", "100", "30", "0"]
    assert bars(chart(page, "chart-area")) == ["荷塘区：3 件", "醴陵市：1 件"]
    assert bars(chart(page, "chart-status")) == ["待审核：2 件", "已通过：2 件"]
    assert [int(i) for i in re.findall(r'<tr id="waiting-(\d+)">', page)] == [entries[3].id, entries[2].id]

    reviewer.area_keys = ["youxian"]
    db.session.commit()
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "只统计你负责的区县：攸县。" in page
    assert [dd(page, i) for i in ("total-entries", "backlog-pending", "backlog-needs-fix", "likes-total",
                                  "approved-without-reading")] == ["4", "0", "1", "0", "1"]
    assert [int(i) for i in re.findall(r'<tr id="waiting-(\d+)">', page)] == [entries[4].id]


def test_dashboard_for_an_admin_counts_every_area(client, admin, entries):
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert 'id="dashboard-areas"' not in page and dd(page, "total-entries") == "8"


def test_dashboard_of_an_empty_contest(client, admin):
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert dd(page, "total-entries") == "0" and "没有待处理的作品。" in page
    assert chart(page, "chart-theme")["summary"] == "没有数据。"


def test_admin_makes_a_citizen_an_area_reviewer(client, admin, make_user):
    citizen = make_user(phone="13900000005", nickname="文化馆小周")
    found = client.get("/staff/users?phone=139 0000 0005").get_data(as_text=True)
    assert "文化馆小周（参赛者，139****0005）" in found
    response = client.post("/staff/users", data={"user_id": str(citizen.id), "role": "reviewer",
                                                 "areas": ["liling", "hetang"], "csrf_token": token(client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/users")
    db.session.expire_all()
    user = db.session.get(User, citizen.id)
    assert (user.role, user.area_keys) == (Role.REVIEWER, ["hetang", "liling"])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role"))
    assert (event.actor_id, event.target_id, event.changes) == (
        admin.id, citizen.id, {"role": ["citizen", "reviewer"], "area_keys": [[], ["hetang", "liling"]]})
    page = client.get("/staff/users").get_data(as_text=True)
    assert "已将 文化馆小周 设为审核员。" in page
    assert "审核员 · 139****0005 · 荷塘区、醴陵市" in text_of(page)


def test_an_admin_cannot_drop_their_own_admin_role(client, admin):
    response = client.post("/staff/users", data={"user_id": str(admin.id), "role": "reviewer",
                                                 "csrf_token": token(client)})
    assert response.status_code == 302
    assert "不能取消自己的管理员身份。" in client.get("/staff/users").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role is Role.ADMIN


@pytest.mark.parametrize("data, status", [({"user_id": "999", "role": "judge"}, 404),
                                          ({"user_id": "x", "role": "judge"}, 404),
                                          ({"role": "root"}, 404)])
def test_bad_role_changes(client, admin, data, status):
    response = client.post("/staff/users", data={**data, "csrf_token": token(client)})
    assert response.status_code == status


def test_an_unknown_role_is_400(client, admin, make_user):
    user = make_user(phone="13900000006")
    response = client.post("/staff/users", data={"user_id": str(user.id), "role": "root", "csrf_token": token(client)})
    assert response.status_code == 400


def test_admin_adds_a_staff_member_who_sets_a_password_at_reset(client, admin, caplog):
    caplog.set_level("INFO", logger="contest.integrations.sms")
    response = client.post("/staff/users/new", data={"phone": "139 0000 0007", "nickname": "醴陵文化馆小王",
                                                     "role": "reviewer", "areas": ["liling"],
                                                     "csrf_token": token(client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/users")
    user = db.session.scalar(sa.select(User).where(User.phone == "13900000007"))
    assert (user.nickname, user.role, user.area_keys, user.password_hash, user.active) == (
        "醴陵文化馆小王", Role.REVIEWER, ["liling"], None, True)
    actions = [(e.action, e.target_id) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == [("user.role", user.id), ("user.add_staff", user.id)]
    assert [r.getMessage() for r in caplog.records if r.name == "contest.integrations.sms"] == [
        "SMS to 139****0007: 【株洲抖音生活秀】你已被添加为审核员。请打开 http://localhost/accounts/reset ，"
        "用手机号接收验证码并设置密码后登录工作台。"]
    page = client.get("/staff/users").get_data(as_text=True)
    assert "已添加审核员 醴陵文化馆小王（139****0007）。已发短信请其打开 /accounts/reset 用验证码设置密码" in page
    # Without a password the account cannot sign in.
    other = client.application.test_client()
    login = other.post("/accounts/login", data={"phone": "13900000007", "password": "anything-123",
                                                "csrf_token": csrf_from(other, "/accounts/login")})
    assert login.status_code == 422 and "手机号或密码错误。" in login.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"phone": "13900000001", "nickname": "重复", "role": "judge"}, "这个手机号已有账号"),
    ({"phone": "123", "nickname": "x", "role": "judge"}, "手机号"),
    ({"phone": "13900000008", "nickname": "", "role": "judge"}, "请填写姓名或昵称"),
    ({"phone": "13900000008", "nickname": "x", "role": "citizen"}, "只能添加管理员、审核员或评委。"),
    ({"phone": "13900000008", "nickname": "x", "role": "root"}, "请选择角色。"),
])
def test_adding_staff_refuses_bad_input_in_chinese(client, admin, data, message):
    response = client.post("/staff/users/new", data={**data, "csrf_token": token(client)})
    assert response.status_code == 302
    assert message in client.get("/staff/users").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.phone == "13900000008")) == 0
