"""Platform health (docs/douyin.md, "Platform health"): the sweeps by outcome, the alarm (a banner on the
staff dashboard and one SMS to the admins per incident), the staff page and GET /api/v1/staff/platform-health."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.config import ConfigError, load_config
from contest.domain import platform_health
from contest.domain.staff_tokens import issue_token
from contest.extensions import db
from contest.models import DouyinAccount, PlatformAlarm, Role, Sweep, User
from tests.support.sms import texts_to

OPENS = "2020-06-18T09:00:00+08:00"
ADMIN_PHONE = "13900000001"


@pytest.fixture
def linked_fleet(make_contest, linked_author, entry_of, at, make_user):
    """Four authors with an entry each, and an admin with a phone."""
    at(OPENS)
    contest = make_contest()
    authors = [linked_author(f"ou_h{n}") for n in range(4)]
    entries = [entry_of(contest, a, likes=10 * n) for n, a in enumerate(authors)]
    admin = make_user("admin", phone=ADMIN_PHONE, nickname="管理员")
    return contest, authors, entries, admin


def admin_texts(gateway) -> list[str]:
    return texts_to(gateway, ADMIN_PHONE)


def bearer(role: str) -> dict:
    """A token of a user of ``role`` (a citizen's: issued while a reviewer, then demoted)."""
    user = User(phone=None, nickname=f"{role}用户", role=Role.REVIEWER if role == "citizen" else Role(role), active=True)
    db.session.add(user)
    db.session.flush()
    _, plain = issue_token(user, name="测试", now=clock.now())
    user.role = Role(role)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_sweep_past_the_error_share_raises_one_alarm_per_incident(linked_fleet, at, sandbox, sweep, sms, app, client, login):
    contest, authors, entries, admin = linked_fleet
    app.extensions["douyin"].retries = 0
    # One author of four fails: 25 % is above the default threshold of 20 %.
    sandbox.control("faults", {"endpoint": "video_data", "kind": "bad_json"})
    at("2020-06-20T20:00:00+08:00")
    first = sweep(concurrency=1)
    assert first.outcomes == {"ok": 3, "unavailable": 1}
    message = (f"点赞读取扫描 #{first.sweep_id} 中 1/4 位作者读取失败（25%，告警阈值 20%；成功 3，平台不可用 1）。"
               "请查看“平台状态”页。")
    assert [(a.kind, a.message) for a in platform_health.open_alarms()] == [("error_share", message)]
    assert admin_texts(sms) == [f"【株洲抖音生活秀】{message}"]
    # The banner on the staff dashboard.
    login(admin)
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert '<section class="flash flash-error platform-alarms" role="alert"' in page and message in page
    # The next sweep fails alike: the same incident, no second text.
    sandbox.control("faults", {"endpoint": "video_data", "kind": "bad_json"})
    at("2020-06-20T22:00:00+08:00")
    assert sweep(concurrency=1).outcomes == {"ok": 3, "unavailable": 1}
    assert len(admin_texts(sms)) == 1 and db.session.scalar(sa.select(sa.func.count()).select_from(PlatformAlarm)) == 1
    # A healthy sweep closes it; the banner goes.
    at("2020-06-21T20:00:00+08:00")
    assert sweep(concurrency=1).outcomes == {"ok": 4}
    db.session.expire_all()
    assert platform_health.open_alarms() == []
    assert "platform-alarms" not in client.get("/staff/dashboard").get_data(as_text=True)
    # Failing again is a new incident: a new text.
    sandbox.control("faults", {"endpoint": "video_data", "kind": "bad_json"})
    at("2020-06-22T20:00:00+08:00")
    sweep(concurrency=1)
    assert len(admin_texts(sms)) == 2


def test_the_threshold_is_configurable(linked_fleet, at, sandbox, sweep, sms, app):
    app.config["CONTEST_PLATFORM_ALARM_ERROR_SHARE"] = 0.25  # passing means above: 1 of 4 is not enough
    app.extensions["douyin"].retries = 0
    sandbox.control("faults", {"endpoint": "video_data", "kind": "bad_json"})
    at("2020-06-20T20:00:00+08:00")
    assert sweep(concurrency=1).outcomes == {"ok": 3, "unavailable": 1}
    assert platform_health.open_alarms() == [] and admin_texts(sms) == []


@pytest.mark.parametrize(("value", "share"), [(None, 0.2), ("", 0.2), ("0.5", 0.5), ("1", 1.0)])
def test_the_threshold_variable(tmp_path, value, share):
    env = {} if value is None else {"CONTEST_PLATFORM_ALARM_ERROR_SHARE": value}
    assert load_config(env, str(tmp_path))["CONTEST_PLATFORM_ALARM_ERROR_SHARE"] == share


@pytest.mark.parametrize("value", ["0", "1.5", "-0.1", "many"])
def test_a_bad_threshold_stops_the_start(tmp_path, value):
    with pytest.raises(ConfigError, match="CONTEST_PLATFORM_ALARM_ERROR_SHARE"):
        load_config({"CONTEST_PLATFORM_ALARM_ERROR_SHARE": value}, str(tmp_path))


def test_a_retired_capability_during_a_sweep_raises_its_alarm(linked_fleet, at, sandbox, sweep, sms):
    sandbox.control("capabilities", {"endpoint": "video_data", "retired": True})
    at("2020-06-20T20:00:00+08:00")
    assert sweep().outcomes == {"ok": 0, "capability_retired": 4}
    alarms = {(a.kind, a.key): a for a in platform_health.open_alarms()}
    assert set(alarms) == {("error_share", ""), ("capability_retired", "video_data")}
    assert alarms[("capability_retired", "video_data")].details["code"] == 28001056
    assert alarms[("capability_retired", "video_data")].details["logid"]
    assert len(admin_texts(sms)) == 2


def health_world(linked_fleet, at, sandbox, sweep):
    """Two sweeps (one with an author revoked), an author whose refresh token ends within 7 days."""
    contest, authors, entries, admin = linked_fleet
    at("2020-06-20T20:00:00+08:00")
    sweep(concurrency=1)
    sandbox.control("users/ou_h1/revoke")
    at("2020-06-21T20:00:00+08:00")
    second = sweep(concurrency=1)
    expiring = db.session.scalar(sa.select(DouyinAccount).where(DouyinAccount.open_id == "ou_h2"))
    expiring.refresh_expires_at = clock.now() + timedelta(days=5)
    expiring.renew_refused_code = 10004
    db.session.commit()
    return authors, second


def test_platform_health_json(linked_fleet, at, sandbox, sweep, client, app, tmp_path):
    authors, second = health_world(linked_fleet, at, sandbox, sweep)
    uploads = tmp_path / "uploads"
    (uploads / "a").mkdir(parents=True)
    (uploads / "a" / "chunk").write_bytes(b"x" * 1500)
    (uploads / "b").write_bytes(b"y" * 500)
    app.config["CONTEST_SLOGAN_UPLOAD_DIR"] = str(uploads)
    response = client.get("/api/v1/staff/platform-health", headers=bearer("admin"))
    assert response.status_code == 200
    body = response.get_json()
    (alarm,) = body["alarms"]
    assert body == {
        "as_of": "2020-06-21T20:00:00+08:00", "error_share_threshold": 0.2,
        "alarms": [{"id": alarm["id"], "kind": "error_share", "key": "", "message": alarm["message"],
                    "opened_at": "2020-06-21T20:00:00+08:00", "last_seen_at": "2020-06-21T20:00:00+08:00",
                    "code": None, "logid": None}],
        "sweeps": [
            {"id": second.sweep_id, "started_at": "2020-06-21T20:00:00+08:00",
             "finished_at": "2020-06-21T20:00:00+08:00", "entries": 4, "snapshots": 3, "authors": 4,
             "outcomes": {"ok": 3, "rate_limited": 0, "quota": 0, "auth": 1, "unavailable": 0,
                          "capability_retired": 0}, "error_share": 0.25},
            {"id": second.sweep_id - 1, "started_at": "2020-06-20T20:00:00+08:00",
             "finished_at": "2020-06-20T20:00:00+08:00", "entries": 4, "snapshots": 4, "authors": 4,
             "outcomes": {"ok": 4, "rate_limited": 0, "quota": 0, "auth": 0, "unavailable": 0,
                          "capability_retired": 0}, "error_share": 0.0},
        ],
        "needs_reauth": [{"user_id": authors[1].id, "nickname": "ou_h1", "since": "2020-06-21T20:00:00+08:00",
                          "live_entries": 1}],
        "expiring_tokens": [{"user_id": authors[2].id, "nickname": "ou_h2",
                             "refresh_expires_at": "2020-06-26T20:00:00+08:00", "renewals": 0,
                             "renew_refused_code": 10004, "reminded_at": None}],
        "upload_folder": {"files": 2, "bytes": 2000},
    }
    assert "1/4 位作者读取失败（25%" in alarm["message"]
    assert client.get("/api/v1/staff/platform-health", headers=bearer("reviewer")).status_code == 200


@pytest.mark.parametrize(("headers", "status"), [(None, 401), ("judge", 403), ("citizen", 403)])
def test_platform_health_json_needs_a_staff_token(linked_fleet, client, headers, status):
    response = client.get("/api/v1/staff/platform-health", headers=bearer(headers) if headers else {})
    assert response.status_code == status and set(response.get_json()) == {"error"}


def test_platform_health_page(linked_fleet, at, sandbox, sweep, client, login, make_user):
    authors, second = health_world(linked_fleet, at, sandbox, sweep)
    contest, _, _, admin = linked_fleet
    login(admin)
    page = client.get("/staff/platform-health").get_data(as_text=True)
    assert "<h1>抖音平台状态</h1>" in page
    assert (f'<tr id="sweep-{second.sweep_id}"><td>#{second.sweep_id}</td><td>06-21 20:00</td>\n'
            '                <td class="num">4</td>\n                <td class="num">3</td><td class="num">0</td>'
            '<td class="num">0</td><td class="num">1</td><td class="num">0</td><td class="num">0</td>\n'
            '                <td class="num">25%</td></tr>') in page
    assert f'<tr id="reauth-{authors[1].id}"><td>{authors[1].id}</td><td>ou_h1</td>' in page
    assert f'<tr id="expiring-{authors[2].id}"><td>{authors[2].id}</td><td>ou_h2</td>' in page
    assert '<p id="upload-usage">0 个文件，共 0.0 MB。</p>' in page
    (alarm,) = platform_health.open_alarms()
    assert f'action="/staff/platform-health/alarms/{alarm.id}/close"' in page


def test_an_admin_marks_an_alarm_handled(linked_fleet, at, sandbox, sweep, client, login, csrf):
    health_world(linked_fleet, at, sandbox, sweep)
    contest, _, _, admin = linked_fleet
    (alarm,) = platform_health.open_alarms()
    login(admin)
    token = csrf(client, "/staff/platform-health")
    assert client.post(f"/staff/platform-health/alarms/{alarm.id}/close").status_code == 400  # no CSRF token
    response = client.post(f"/staff/platform-health/alarms/{alarm.id}/close", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/platform-health")
    db.session.expire_all()
    closed = db.session.get(PlatformAlarm, alarm.id)
    assert (closed.closed_at, closed.closed_by_id) == (clock.now(), admin.id)
    assert "已将这条告警标记为已处理。" in client.get("/staff/platform-health").get_data(as_text=True)


@pytest.mark.parametrize(("role", "read", "close"), [("reviewer", 200, 403), ("judge", 403, 403), ("citizen", 403, 403)])
def test_who_may_see_the_page_and_close_an_alarm(linked_fleet, at, sandbox, sweep, client, login, make_user, csrf,
                                                 role, read, close):
    health_world(linked_fleet, at, sandbox, sweep)
    (alarm,) = platform_health.open_alarms()
    login(make_user(role))
    assert client.get("/staff/platform-health").status_code == read
    token = csrf(client, "/accounts/login")
    assert client.post(f"/staff/platform-health/alarms/{alarm.id}/close", data={"csrf_token": token}).status_code == close
    db.session.expire_all()
    assert db.session.get(PlatformAlarm, alarm.id).closed_at is None


def test_sweeps_keep_their_outcomes(linked_fleet, at, sweep):
    at("2020-06-20T20:00:00+08:00")
    report = sweep()
    assert db.session.get(Sweep, report.sweep_id).outcomes == {"ok": 4}
