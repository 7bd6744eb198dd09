"""Privacy (PIPL) through the site: the notice and its links, the data download, and account
deletion end to end (Douyin linked over real HTTP against the sandbox, award lists published)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.awards import draft_awards, publish_awards
from contest.domain.entries import set_entry_status
from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import AuditEvent, DouyinAccount, Entry, EntryEvent, EntryStatus, Snapshot, SnapshotSource, User
from contest.models.awards import AwardPlace
from contest.models.notification import Notification
from tests.support.accounts import ask_code, confirm, demo_code, post_login
from tests.support.douyin import sign_in
from tests.conftest import build_entry, count, csrf_from

T0 = "2020-07-01T12:00:00+08:00"
CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
PHONE = "13912345678"
OPEN_ID = "ou_test_xiaoli"
AVATAR = "https://p3.douyinpic.com/aweme/xiaoli.jpeg"
CSRF_MESSAGE = "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。"


def html(response) -> str:
    return response.get_data(as_text=True)


pytestmark = pytest.mark.contest(frozen_at=T0, sandbox_clock=True, popularity_award_size=1, excellence_award_size=1)


@pytest.fixture(autouse=True)
def _xiaoli_on_douyin(request):
    """With a contest, 小李爱株洲 has a Douyin account in the sandbox."""
    if "contest" in request.fixturenames:
        request.getfixturevalue("contest")
        request.getfixturevalue("sandbox").control("users", {"open_id": OPEN_ID, "nickname": "小李爱株洲",
                                                             "union_id": "un_xiaoli", "avatar": AVATAR})


@pytest.fixture
def citizen(client, contest, make_user, login, sandbox):
    """A phone account, signed in on ``client``, that linked Douyin through the sandbox."""
    user = make_user(nickname="小李", phone=PHONE)
    login(user)
    assert sign_in(client, sandbox).status_code == 302
    assert db.session.scalar(sa.select(DouyinAccount.user_id)) == user.id
    return user


def delete(client, phrase="注销账号", with_csrf=True):
    data = {"confirmation": phrase}
    if with_csrf:
        data["csrf_token"] = csrf_from(client, "/accounts/privacy")
    return client.post("/accounts/delete", data=data)


# --- the notice and its links -------------------------------------------------------

def test_privacy_notice_is_rendered_from_the_contests_data(client, contest):
    response = client.get("/privacy")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>隐私政策</h1>" in page
    assert "本活动由株洲市文化旅游广电体育局主办，株洲市文化馆、各县市区文化馆承办。" in page
    assert "主办方：株洲市文化旅游广电体育局（抖音 @株洲足迹）" in page
    for heading in ("我们收集哪些信息，为什么", "谁能看到", "保存多久", "你的权利", "联系我们"):
        assert f">{heading}</h2>" in page
    assert "抖音的访问令牌和刷新令牌<strong>加密保存</strong>" in page
    assert "不同意的显示为打码昵称（例如“张三”显示为“张*”）。手机号从不公开。" in page
    assert "保存至本活动获奖名单正式公布后 180 天。" in page
    assert "<strong>获奖作品仍保留在获奖名单中，但匿名显示</strong>，作者显示为“已注销用户”" in page
    assert "style=" not in page and "<script>" not in page


def test_privacy_notice_states_the_retention_date_once_awards_are_published(client, contest, make_user, freeze):
    admin = make_user(role="admin", nickname="管理员")
    drafted = freeze(CLOSE + timedelta(hours=1))
    draft_awards(contest, staff=admin, now=drafted, short_reason="名额多于参评作品（测试）。")
    published = freeze(drafted + timedelta(days=5))
    publish_awards(contest, staff=admin, now=published)
    db.session.commit()
    # Published 2020-07-23 00:59:59 Beijing time; 180 days later is 2021-01-19.
    assert "保存至本活动获奖名单正式公布后 180 天（即 2021年01月19日）。" in html(client.get("/privacy"))


def test_privacy_notice_for_an_unknown_contest_is_a_chinese_404(client, contest):
    response = client.get("/privacy?contest=nope")
    assert response.status_code == 404
    assert "没有找到活动“nope”。" in html(response)


def test_the_notice_is_linked_from_the_footer_signup_entry_form_and_rules(client, contest, make_user, login):
    link = '<a href="/privacy">隐私政策</a>'
    assert link in html(client.get("/"))
    assert f"注册即表示你已阅读{link}。" in html(client.get("/accounts/signup"))
    assert "详见<a href=\"/privacy?contest=zhuzhou-2020\">隐私政策</a>" in html(client.get("/rules"))
    assert "<strong>获奖作品在注销账号后仍保留在获奖名单中，但匿名显示</strong>" in html(client.get("/rules"))
    login(make_user())
    form = html(client.get("/entries/new"))
    assert "我们如何处理你的个人信息，见<a href=\"/privacy?contest=zhuzhou-2020\">隐私政策</a>。" in form
    assert '<a href="/accounts/privacy">我的个人信息</a>' in form  # the footer, once signed in


# --- the privacy centre and the download ---------------------------------------------

@pytest.mark.parametrize("path", ["/accounts/privacy", "/accounts/data"])
def test_signed_out_visitors_are_sent_to_sign_in(client, contest, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/login?next={path.replace('/', '%2F')}"


def test_signed_out_delete_is_sent_to_sign_in(client, contest):
    response = client.post("/accounts/delete", data={"confirmation": "注销账号",
                                                     "csrf_token": csrf_from(client, "/accounts/login")})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


def test_privacy_centre_lists_what_is_held_and_what_deletion_does(client, citizen, contest):
    build_entry(contest, citizen, video_id="6845000000000000001", status=EntryStatus.PENDING)
    db.session.commit()
    page = html(client.get("/accounts/privacy"))
    assert '<dt>手机号</dt><dd>139****5678（<a href="/accounts/phone">更换</a>）</dd>' in page
    assert "已绑定 小李爱株洲（授权令牌加密保存）" in page
    assert "<dt>参赛作品</dt><dd>1 件</dd>" in page
    assert '<a class="button" href="/accounts/data" download>下载我的数据</a>' in page
    assert "<li>1 件作品直接删除。</li>" in page
    assert '<label for="confirmation">请输入“注销账号”确认</label>' in page
    assert "style=" not in page and "<script>" not in page


def test_download_holds_everything_about_the_user_and_no_token(client, citizen, contest, make_user):
    account = db.session.scalar(sa.select(DouyinAccount))
    tokens = [account.access_token, account.refresh_token]
    stored = db.session.execute(sa.text("SELECT access_token, refresh_token FROM douyin_account")).one()
    assert all(tokens) and all(value.startswith("gAAAA") for value in stored)
    reviewer = make_user(role="reviewer", nickname="审核员小陈")
    now = clock.now()
    approved = build_entry(
        contest, citizen, video_id="6845000000000000001", theme="life", area="liling", status=EntryStatus.PENDING,
        submitted_text="复制打开抖音 https://v.douyin.com/ZZtry01/", caption="株洲的早晨 #动力株洲文旅通 @株洲足迹",
        published_at=now - timedelta(days=2), show_nickname=True,
        checks=[{"code": "hashtag", "passed": True, "label": "含话题", "provisional": False}],
        fact_sources={"published_at": "platform", "caption": "platform", "owner": "platform"})
    pending = build_entry(contest, citizen, video_id="6845000000000000002", theme="village",
                          status=EntryStatus.PENDING, at=now + timedelta(hours=1))
    db.session.flush()
    set_entry_status(approved, EntryStatus.APPROVED, actor=reviewer, now=now + timedelta(minutes=30), note="通过")
    record_snapshot(approved, observed_at=now + timedelta(hours=2), likes=120, comments=4, shares=2, plays=900,
                    source=SnapshotSource.PLATFORM)
    db.session.add(Notification(user_id=citizen.id, created_at=now + timedelta(minutes=30), kind="entry.approved",
                                title="你的作品已通过审核", body="恭喜！", entry_id=approved.id))
    db.session.commit()

    message_id = db.session.scalar(sa.select(Notification.id))
    response = client.get("/accounts/data")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="my-data-{citizen.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    text = html(response)
    assert json.loads(text) == {
        "generated_at": "2020-07-01T12:00:00+08:00",
        "privacy_notice": "http://localhost/privacy",
        "account": {"id": citizen.id, "phone": PHONE, "nickname": "小李", "role": "citizen",
                    "certificate_name": None,
                    "created_at": "2020-07-01T12:00:00+08:00", "phone_verified_at": "2020-07-01T12:00:00+08:00"},
        "douyin": {"open_id": OPEN_ID, "union_id": "un_xiaoli", "nickname": "小李爱株洲", "avatar": AVATAR,
                   "scopes": ["user_info", "video.data.bind", "video.list.bind"],
                   "linked_at": "2020-07-01T12:00:00+08:00", "needs_reauth": False},
        "entries": [
            {"id": pending.id, "contest": "zhuzhou-2020", "contest_name": "测试活动", "video_id": "6845000000000000002",
             "caption": None, "submitted_text": "6845000000000000002",
             "theme": {"key": "village", "name": "美丽乡村旅游秀"}, "area": {"key": "hetang", "name": "荷塘区"},
             "status": "pending", "status_label": "待审核", "status_reason": None, "checks": [], "fact_sources": {},
             "show_nickname": False, "submitted_at": "2020-07-01T13:00:00+08:00", "published_at": None,
             "status_changed_at": "2020-07-01T13:00:00+08:00", "rules_accepted_at": "2020-07-01T13:00:00+08:00",
             "history": [], "like_readings": [], "original_kept_for_judging": None},
            {"id": approved.id, "contest": "zhuzhou-2020", "contest_name": "测试活动",
             "video_id": "6845000000000000001", "caption": "株洲的早晨 #动力株洲文旅通 @株洲足迹",
             "submitted_text": "复制打开抖音 https://v.douyin.com/ZZtry01/",
             "theme": {"key": "life", "name": "株洲美好生活秀"}, "area": {"key": "liling", "name": "醴陵市"},
             "status": "approved", "status_label": "已通过", "status_reason": "通过",
             "checks": [{"code": "hashtag", "passed": True, "label": "含话题", "provisional": False}],
             "fact_sources": {"published_at": "platform", "caption": "platform", "owner": "platform"},
             "show_nickname": True, "submitted_at": "2020-07-01T12:00:00+08:00",
             "published_at": "2020-06-29T12:00:00+08:00", "status_changed_at": "2020-07-01T12:30:00+08:00",
             "rules_accepted_at": "2020-07-01T12:00:00+08:00",
             "history": [{"at": "2020-07-01T12:30:00+08:00", "from": "pending", "to": "approved", "note": "通过"}],
             "like_readings": [{"observed_at": "2020-07-01T14:00:00+08:00", "likes": 120, "comments": 4, "shares": 2,
                                "plays": 900, "source": "platform", "counted": True}],
             "original_kept_for_judging": None},
        ],
        "messages": [{"id": message_id, "created_at": "2020-07-01T12:30:00+08:00", "kind": "entry.approved",
                      "title": "你的作品已通过审核", "body": "恭喜！", "entry_id": approved.id, "read_at": None}],
    }
    for secret in (*tokens, *stored):
        assert secret not in text
    assert "审核员小陈" not in text and "gAAAA" not in text and "token" not in text


# --- deletion -------------------------------------------------------------------------

@pytest.fixture
def awarded(client, citizen, contest, make_user, freeze):
    """小李 has a winner (500 likes, the overall and life lists), an approved loser with a
    reading (100 likes) and a fresh pending entry; 王五 wins the talent list. Published."""
    other = make_user(nickname="王五")
    now = clock.now()
    entries = {}
    for name, user, theme, status, likes in [("win", citizen, "life", EntryStatus.APPROVED, 500),
                                             ("lose", citizen, "life", EntryStatus.APPROVED, 100),
                                             ("fresh", citizen, "talent", EntryStatus.PENDING, None),
                                             ("other", other, "talent", EntryStatus.APPROVED, 300)]:
        entry = entries[name] = build_entry(
            contest, user, video_id=str(6_846_000_000_000_000_000 + len(entries)), theme=theme, status=status,
            submitted_text=f"复制打开抖音，看看【小李的作品】{name}", caption=f"作品{name}", show_nickname=True)
        db.session.flush()
        if likes is not None:
            record_snapshot(entry, observed_at=now, likes=likes, source=SnapshotSource.PLATFORM)
    db.session.add(Notification(user_id=citizen.id, kind="entry.approved", title="通过", body="恭喜"))
    admin = make_user(role="admin", nickname="管理员")
    contest.theme_award_places = True  # the life and talent lists too
    drafted = freeze(CLOSE + timedelta(hours=1))
    draft_awards(contest, staff=admin, now=drafted, short_reason="名额多于参评作品（测试）。")
    publish_awards(contest, staff=admin, now=freeze(drafted + timedelta(days=5)))
    db.session.commit()
    return entries


def places() -> list[tuple]:
    return list(db.session.execute(sa.select(AwardPlace.award_list_id, AwardPlace.scope, AwardPlace.rank,
                                             AwardPlace.entry_id).order_by(AwardPlace.id)))


def test_deletion_anonymises_the_account_and_keeps_the_winner_anonymous(client, citizen, awarded, freeze):
    win, lose, fresh, other = (awarded[k] for k in ("win", "lose", "fresh", "other"))
    ids = {name: entry.id for name, entry in awarded.items()}
    before_places, before_snapshots = places(), count(Snapshot)
    assert (client.get("/api/v1/winners").get_json()["popularity"]["places"][0]["author"]) == "小李"
    deleted_at = freeze(clock.now() + timedelta(hours=1))

    response = delete(client)
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/deleted"
    page = html(client.get("/accounts/deleted"))
    assert "<h1>账号已注销</h1>" in page
    assert "<li>1 件获奖作品匿名保留在获奖名单中，作者显示为“已注销用户”。</li>" in page
    assert "<li>1 件作品已撤回并清除文案。</li>" in page and "<li>1 件作品已删除。</li>" in page
    assert client.get("/accounts/deleted").headers["Location"] == "/"  # shown once

    db.session.expire_all()
    user = db.session.get(User, citizen.id)
    assert (user.phone, user.nickname, user.password_hash, user.phone_verified_at, user.active, user.deleted_at) \
        == (None, "已注销用户", None, None, False, deleted_at)
    assert count(DouyinAccount) == 0
    assert db.session.scalar(sa.text("SELECT count(*) FROM douyin_account")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == citizen.id)) == 0

    win, lose = db.session.get(Entry, ids["win"]), db.session.get(Entry, ids["lose"])
    assert (win.status, win.show_nickname, win.caption, win.submitted_text) \
        == (EntryStatus.APPROVED, False, "作品win", "")
    assert (lose.status, lose.show_nickname, lose.caption, lose.submitted_text, lose.status_reason) \
        == (EntryStatus.WITHDRAWN, False, None, "", "参赛者注销账号")
    assert (lose.events[-1].from_status, lose.events[-1].to_status, lose.events[-1].actor_id) \
        == (EntryStatus.APPROVED, EntryStatus.WITHDRAWN, citizen.id)
    assert db.session.get(Entry, ids["fresh"]) is None
    assert db.session.get(Entry, ids["other"]).status is EntryStatus.APPROVED
    assert places() == before_places and count(Snapshot) == before_snapshots

    popularity = client.get("/api/v1/winners").get_json()["popularity"]
    assert [(p["scope"], p["entry_id"], p["author"]) for p in popularity["places"]] == [
        ("overall", ids["win"], "已注销用户"), ("life", ids["win"], "已注销用户"), ("talent", ids["other"], "王五")]
    winners = html(client.get("/winners"))
    assert "已注销用户" in winners and "小李" not in winners

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.delete"))
    assert (event.actor_id, event.target_type, event.target_id, event.at, event.note) \
        == (citizen.id, "user", citizen.id, deleted_at, None)
    assert event.changes == {"entries_kept": [ids["win"]], "entries_withdrawn": [ids["lose"]],
                             "entries_deleted": [ids["fresh"]], "douyin_unlinked": True,
                             # one message, and the winner's two places told in the notice and at publication
                             "messages_deleted": 5,
                             "codes_deleted": 0, "sessions_ended": 1}
    recorded = json.dumps([event.changes, event.note], ensure_ascii=False)
    assert PHONE not in recorded and "小李" not in recorded


def test_a_deleted_account_is_signed_out_and_cannot_sign_in_again(client, citizen, contest):
    assert delete(client).status_code == 302
    assert client.get("/accounts/privacy").status_code == 302  # signed out
    assert client.get("/api/v1/me").status_code == 401
    response = post_login(client, PHONE)
    assert response.status_code == 422 and "手机号或密码错误。" in html(response)


def test_the_phone_can_sign_up_again_after_deletion(client, citizen, contest):
    delete(client)
    assert ask_code(client, phone=PHONE).status_code == 302
    assert confirm(client, demo_code(client), nickname="新的小李").status_code == 302
    new = db.session.scalar(sa.select(User).where(User.phone == PHONE))
    assert new.id != citizen.id and new.nickname == "新的小李" and new.deleted_at is None


def test_douyin_sign_in_after_deletion_makes_a_new_account(client, citizen, contest, sandbox):
    delete(client)
    assert sign_in(client, sandbox).status_code == 302
    db.session.expire_all()
    account = db.session.scalar(sa.select(DouyinAccount))
    assert account.open_id == OPEN_ID and account.user_id != citizen.id
    assert db.session.get(User, citizen.id).deleted_at is not None


@pytest.mark.parametrize("phrase", ["", "注销", "delete", "注销账号吧"])
def test_a_wrong_confirmation_deletes_nothing(client, citizen, contest, phrase):
    entry = build_entry(contest, citizen, video_id="6845000000000000001", status=EntryStatus.PENDING)
    db.session.commit()
    response = delete(client, phrase=phrase)
    assert response.status_code == 422
    page = html(response)
    message = ("请在输入框中准确输入“注销账号”四个字，以确认注销。账号没有注销。" if phrase
               else "请输入“注销账号”四个字以确认。")
    assert message in page
    db.session.expire_all()
    user = db.session.get(User, citizen.id)
    assert (user.phone, user.nickname, user.active, user.deleted_at) == (PHONE, "小李", True, None)
    assert count(DouyinAccount) == 1 and db.session.get(Entry, entry.id) is not None
    assert count(AuditEvent) == 0
    assert client.get("/accounts/privacy").status_code == 200  # still signed in


def test_delete_without_a_csrf_token_is_refused(client, citizen, contest):
    response = delete(client, with_csrf=False)
    assert response.status_code == 400
    assert CSRF_MESSAGE in html(response)
    db.session.expire_all()
    assert db.session.get(User, citizen.id).deleted_at is None and count(DouyinAccount) == 1


@pytest.mark.parametrize("role", ["admin", "reviewer", "judge"])
def test_staff_cannot_delete_themselves(client, contest, make_user, login, role):
    staff = make_user(role=role, nickname="工作人员")
    login(staff)
    page = html(client.get("/accounts/privacy"))
    assert "<p>工作人员账号不能在这里注销，请联系管理员处理。</p>" in page and 'action="/accounts/delete"' not in page
    response = delete(client)
    assert response.status_code == 403
    assert "工作人员账号不能自行注销，请联系管理员处理。" in html(response)
    db.session.expire_all()
    assert db.session.get(User, staff.id).deleted_at is None and count(AuditEvent) == 0


def test_history_of_a_deleted_entry_goes_with_it(client, citizen, contest):
    entry = build_entry(contest, citizen, video_id="6845000000000000001", status=EntryStatus.PENDING)
    db.session.flush()
    entry.events.append(EntryEvent(at=clock.now(), actor_id=citizen.id, from_status=None,
                                   to_status=EntryStatus.PENDING, note="报名"))
    db.session.commit()
    delete(client)
    assert count(Entry) == 0 and count(EntryEvent) == 0


def test_the_deleted_page_without_a_deletion_goes_home(client, contest):
    response = client.get("/accounts/deleted")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_download_of_a_phone_only_account_has_no_douyin(client, contest, make_user, login):
    user = make_user(nickname="小王")
    login(user)
    body = client.get("/accounts/data").get_json()
    assert (body["douyin"], body["entries"], body["messages"]) == (None, [], [])
    assert re.fullmatch(r"1[3-9]\d{9}", body["account"]["phone"])
