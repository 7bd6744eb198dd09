"""Staff API tokens: the CLI, the hash at rest, revocation, last use, and roles (set-role)."""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.staff_tokens import issue_token, user_for_token
from contest.extensions import db
from contest.models import AuditEvent, Role, User
from contest.models.tokens import StaffToken
from tests.conftest import count

TOKEN = re.compile(r"zzst_[A-Za-z0-9_-]{43}")
NOW = "2020-06-25T12:00:00+08:00"


@pytest.fixture
def reviewer(make_user, contest):
    return make_user(role="reviewer", phone="13900000001", nickname="审核员小张")


def create_token(runner, phone="13900000001", *extra):
    result = runner.invoke(args=["create-token", "--phone", phone, *extra])
    return result


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def audit_actions() -> list[tuple[str, int | None]]:
    return [(e.action, e.actor_id) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_create_token_prints_the_token_alone_on_its_last_line_and_it_works(runner, client, reviewer):
    result = create_token(runner, "13900000001", "--name", "核对脚本")
    assert result.exit_code == 0, result.output
    lines = result.output.rstrip("\n").split("\n")
    assert len(lines) == 2
    token = lines[-1]
    assert TOKEN.fullmatch(token)
    assert lines[0] == (f"已为审核员 审核员小张（139****0001）创建访问令牌“核对脚本”（{token[:13]}…）。"
                        "令牌只显示这一次，请妥善保存：")
    response = client.get("/api/v1/staff/standings", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["contest"] == "zhuzhou-2020"
    assert "Set-Cookie" not in response.headers


def test_only_the_hash_of_a_token_is_stored(runner, reviewer):
    token = create_token(runner).output.rstrip("\n").split("\n")[-1]
    row = db.session.scalar(sa.select(StaffToken))
    assert (row.user_id, row.name, row.prefix, row.token_hash) == (
        reviewer.id, "命令行创建", token[:13], hashlib.sha256(token.encode()).hexdigest())
    assert (row.created_at, row.last_used_at, row.revoked_at) == (clock.now(), None, None)
    with db.engine.connect() as conn:
        stored = [str(v) for v in conn.execute(sa.text("SELECT * FROM staff_token")).one()]
    assert not any(token in value for value in stored)
    assert audit_actions() == [("token.issue", reviewer.id)]


def test_a_revoked_token_is_refused(runner, client, reviewer):
    token = create_token(runner).output.rstrip("\n").split("\n")[-1]
    assert client.get("/api/v1/staff/standings", headers=bearer(token)).status_code == 200
    result = runner.invoke(args=["revoke-token", "--prefix", token[:13]])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"已撤销 1 个令牌：{token[:13]}…。"
    response = client.get("/api/v1/staff/standings", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json() == {"error": "需要有效的访问令牌。"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert audit_actions() == [("token.issue", reviewer.id), ("token.revoke", None)]
    again = runner.invoke(args=["revoke-token", "--prefix", token[:13]])
    assert again.exit_code == 1 and f"没有以 {token[:13]} 开头的有效令牌。" in again.output


def test_revoke_every_token_of_a_staff_member(runner, client, reviewer, make_user):
    other = make_user(role="admin", phone="13900000002")
    mine = [create_token(runner).output.rstrip("\n").split("\n")[-1] for _ in range(2)]
    theirs = create_token(runner, other.phone).output.rstrip("\n").split("\n")[-1]
    result = runner.invoke(args=["revoke-token", "--phone", reviewer.phone, "--all"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("已撤销 2 个令牌：")
    assert [client.get("/api/v1/staff/standings", headers=bearer(t)).status_code for t in mine + [theirs]] == [
        401, 401, 200]


@pytest.mark.parametrize("args", [[], ["--phone", "13900000001"], ["--all"],
                                  ["--prefix", "zzst_abc", "--phone", "13900000001", "--all"]])
def test_revoke_token_needs_a_prefix_or_a_phone_with_all(runner, reviewer, args):
    result = runner.invoke(args=["revoke-token", *args])
    assert result.exit_code == 2
    assert "请使用 --prefix X，或 --phone P --all（二选一）。" in result.output


def test_citizens_get_no_token(runner, make_user, contest):
    make_user(role="citizen", phone="13900000009")
    result = create_token(runner, "13900000009")
    assert result.exit_code == 1
    assert "只有工作人员可以申请访问令牌。" in result.output
    assert count(StaffToken) == 0


def test_create_token_for_an_unknown_phone(runner, contest):
    result = create_token(runner, "13900000077")
    assert result.exit_code == 1 and "没有找到手机号为 13900000077 的账号。" in result.output


def test_an_inactive_user_loses_their_tokens(client, reviewer):
    _, plain = issue_token(reviewer, name="脚本", now=clock.now())
    reviewer.active = False
    db.session.commit()
    assert client.get("/api/v1/staff/standings", headers=bearer(plain)).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer not-a-token",
                                    "Bearer zzst_" + "x" * 43, "Token zzst_abc"])
def test_malformed_or_unknown_authorization_is_401(client, reviewer, header):
    response = client.get("/api/v1/staff/standings", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.get_json() == {"error": "需要有效的访问令牌。"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_recorded_at_most_once_a_minute(client, reviewer, freeze):
    token, plain = issue_token(reviewer, name="脚本", now=clock.now())
    db.session.commit()
    first = clock.now()
    client.get("/api/v1/staff/standings", headers=bearer(plain))
    freeze(first + timedelta(seconds=59))
    client.get("/api/v1/staff/standings", headers=bearer(plain))
    db.session.expire_all()
    assert db.session.get(StaffToken, token.id).last_used_at == first
    later = freeze(first + timedelta(seconds=60))
    client.get("/api/v1/staff/standings", headers=bearer(plain))
    db.session.expire_all()
    assert db.session.get(StaffToken, token.id).last_used_at == later


def test_user_for_token_rejects_what_is_not_a_token(reviewer):
    _, plain = issue_token(reviewer, name="脚本", now=clock.now())
    db.session.commit()
    assert user_for_token(plain, now=clock.now()).id == reviewer.id
    for wrong in (None, "", plain[:-1], plain + "x", plain.upper(), "zzst_", 42):
        assert user_for_token(wrong, now=clock.now()) is None


# --- roles ----------------------------------------------------------------------------

def test_set_role_gives_a_reviewer_areas_and_is_audited(runner, make_user, contest):
    user = make_user(role="citizen", phone="13900000005", nickname="文化馆小周")
    result = runner.invoke(args=["set-role", "--phone", "13900000005", "--role", "reviewer", "--areas", "liling,hetang"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "文化馆小周 现在是审核员，负责区域：hetang、liling。"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.area_keys) == (Role.REVIEWER, ["hetang", "liling"])
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role"))
    assert (event.actor_id, event.target_type, event.target_id, event.changes) == (
        None, "user", user.id, {"role": ["citizen", "reviewer"], "area_keys": [[], ["hetang", "liling"]]})
    same = runner.invoke(args=["set-role", "--phone", "13900000005", "--role", "reviewer", "--areas", "hetang,liling"])
    assert same.output.strip() == "文化馆小周 的角色没有变化。"
    assert count(AuditEvent) == 1


def test_set_role_refuses_unknown_areas(runner, make_user, contest):
    make_user(role="reviewer", phone="13900000005")
    result = runner.invoke(args=["set-role", "--phone", "13900000005", "--role", "reviewer", "--areas", "mars"])
    assert result.exit_code == 1 and "没有这些区域：mars。" in result.output
    assert count(AuditEvent) == 0


def test_other_roles_keep_no_areas(runner, make_user, contest):
    make_user(role="reviewer", phone="13900000005")
    result = runner.invoke(args=["set-role", "--phone", "13900000005", "--role", "judge", "--areas", "hetang"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.phone == "13900000005"))
    db.session.refresh(user)
    assert (user.role, user.area_keys) == (Role.JUDGE, [])


def test_a_demoted_user_is_refused_by_role(runner, client, reviewer):
    _, plain = issue_token(reviewer, name="脚本", now=clock.now())
    db.session.commit()
    runner.invoke(args=["set-role", "--phone", reviewer.phone, "--role", "citizen"])
    response = client.get("/api/v1/staff/standings", headers=bearer(plain))
    assert (response.status_code, response.get_json()) == (403, {"error": "你没有权限进行这个操作。"})


# --- the tokens page --------------------------------------------------------------------

def page_token(client) -> str:
    html = client.get("/staff/tokens").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_staff_issue_a_token_on_the_page_and_see_it_once(client, login, reviewer):
    login(reviewer)
    response = client.post("/staff/tokens", data={"action": "issue", "name": "我的脚本", "csrf_token": page_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plain = re.search(r'<input id="new-token" class="token" value="([^"]+)" readonly>', page).group(1)
    assert TOKEN.fullmatch(plain)
    assert f"已创建令牌“我的脚本”（{plain[:13]}…）。它只显示这一次，请立即复制保存。" in page
    assert client.get("/api/v1/staff/standings", headers=bearer(plain)).status_code == 200
    again = client.get("/staff/tokens").get_data(as_text=True)
    assert plain not in again and f"<code>{plain[:13]}…</code>" in again


def test_staff_revoke_their_own_token_on_the_page(client, login, reviewer):
    token, plain = issue_token(reviewer, name="脚本", now=clock.now())
    db.session.commit()
    login(reviewer)
    response = client.post("/staff/tokens", data={"action": "revoke", "token_id": str(token.id),
                                                 "csrf_token": page_token(client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/tokens")
    assert client.get("/api/v1/staff/standings", headers=bearer(plain)).status_code == 401
    assert "已撤销令牌“脚本”" in client.get("/staff/tokens").get_data(as_text=True)


def test_a_reviewer_sees_and_revokes_only_their_own_tokens(client, login, reviewer, make_user):
    admin = make_user(role="admin", phone="13900000002", nickname="管理员小刘")
    theirs, _ = issue_token(admin, name="管理员的脚本", now=clock.now())
    issue_token(reviewer, name="我的脚本", now=clock.now())
    db.session.commit()
    login(reviewer)
    page = client.get("/staff/tokens").get_data(as_text=True)
    assert "我的脚本" in page and "管理员的脚本" not in page
    response = client.post("/staff/tokens", data={"action": "revoke", "token_id": str(theirs.id),
                                                 "csrf_token": page_token(client)})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(StaffToken, theirs.id).revoked_at is None


def test_an_admin_sees_every_token(client, login, reviewer, make_user):
    admin = make_user(role="admin", phone="13900000002", nickname="管理员小刘")
    issue_token(reviewer, name="审核脚本", now=clock.now())
    db.session.commit()
    login(admin)
    page = client.get("/staff/tokens").get_data(as_text=True)
    assert "审核脚本" in page and "审核员小张（审核员）" in page and "全部令牌（1）" in page


def test_issuing_a_token_needs_a_name(client, login, reviewer):
    login(reviewer)
    response = client.post("/staff/tokens", data={"action": "issue", "name": "  ", "csrf_token": page_token(client)})
    assert response.status_code == 422
    assert "请填写令牌用途。" in response.get_data(as_text=True)
    assert count(StaffToken) == 0
