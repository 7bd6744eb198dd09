"""Review rules: who may review, the checklist, decisions and what they record, optimistic
locking (in the rule and in the database), bulk approval, resubmission, and telling the
entrant (inbox and SMS)."""

import logging
from datetime import datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from contest import clock
from contest.domain import notify
from contest.domain.entries import EntryRequest, entry_checks, submit_entry
from contest.domain.ownership import mark_proven
from contest.domain.errors import Conflict, DomainError, Refused
from contest.domain.review import (
    REJECTION_REASONS, Forbidden, approve_ticked, bulk_approve, can_review, compose_reason, resubmit_entry, review_entry, review_queue,
)
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, FlagStatus, LikeFlag, OwnerProof
from contest.models.notification import Notification
from contest.web.platform import douyin
from tests.conftest import count
from tests.support.review import TAGS, VERIFIED
from tests.support.sms import Gateway

IN_WINDOW = "2020-06-25T12:00:00+08:00"
ALL = {"slogan": True, "theme": True, "content": True}
PROVISIONAL = {"published_at": "video_id", "caption": "embed"}
FIX_HINT = "修改后可在“我的作品”中重新提交。"


@pytest.fixture
def staff(make_user):
    """``staff("reviewer", areas=["hetang"])``: a staff user, optionally limited to areas."""
    def _staff(role="reviewer", areas=(), nickname=None):
        user = make_user(role=role, nickname=nickname or f"{role}-{len(areas)}")
        user.area_keys = list(areas)
        db.session.commit()
        return user
    return _staff


@pytest.fixture
def reviewer(staff):
    return staff("reviewer", nickname="审核员小张")


def decide(entry, reviewer, decision, *, checklist=ALL, reason=None, version=None):
    review_entry(entry, reviewer=reviewer, decision=decision, checklist=checklist, reason=reason, version=version,
                 now=clock.now())


def audits():
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def notes():
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def fresh(entry):
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


# --- who may review ---------------------------------------------------------------------

def test_who_may_review_an_entry(make_entry, staff, make_user):
    hetang, liling = make_entry(area="hetang"), make_entry(area="liling")
    admin, everywhere = staff("admin", areas=["liling"]), staff("reviewer")
    local, judge, citizen = staff("reviewer", areas=["hetang", "lusong"]), staff("judge"), make_user()
    assert [can_review(u, hetang) for u in (admin, everywhere, local, judge, citizen)] == [True, True, True, False, False]
    assert [can_review(u, liling) for u in (admin, everywhere, local, judge, citizen)] == [True, True, False, False, False]


def test_a_reviewer_outside_their_areas_is_forbidden(entry, staff):
    with pytest.raises(Forbidden) as err:
        decide(entry, staff("reviewer", areas=["liling"]), "approve")
    assert (err.value.status, err.value.message) == (403, "你只能审核所负责区县的作品。")
    assert fresh(entry).status is EntryStatus.PENDING and audits() == [] and notes() == []


# --- decisions --------------------------------------------------------------------------

def test_approve_moves_the_entry_records_it_and_tells_the_entrant(entry, reviewer, author):
    decide(entry, reviewer, "approve", version=1)
    db.session.commit()
    entry = fresh(entry)
    now = clock.now()
    assert (entry.status, entry.version, entry.status_changed_at) == (EntryStatus.APPROVED, 2, now)
    assert [(e.actor_id, e.from_status, e.to_status, e.note) for e in entry.events] == [
        (author.id, None, EntryStatus.PENDING, "报名"),
        (reviewer.id, EntryStatus.PENDING, EntryStatus.APPROVED, "审核通过：口号、主题、内容均已确认"),
    ]
    (event,) = audits()
    assert (event.actor_id, event.action, event.target_type, event.target_id, event.contest_id, event.at, event.changes,
            event.note) == (reviewer.id, "entry.approve", "entry", entry.id, entry.contest_id, now,
                            {"status": ["pending", "approved"], "checklist": ALL}, None)
    (note,) = notes()
    assert (note.user_id, note.kind, note.title, note.entry_id, note.created_at, note.read_at) == (
        author.id, "entry.approved", "作品已通过审核", entry.id, now, None)
    assert note.body == (f"你报名“测试活动”的作品（株洲美好生活秀，视频编号 {entry.video_id}）已通过审核，"
                         "将参与点赞排名和评选。快分享给朋友积赞吧！")


@pytest.mark.parametrize("missing, words", [
    (["slogan"], "口号清晰"),
    (["theme", "content"], "符合主题、内容适宜"),
    (["slogan", "theme", "content"], "口号清晰、符合主题、内容适宜"),
])
def test_approve_needs_the_whole_checklist(entry, reviewer, missing, words):
    with pytest.raises(DomainError) as err:
        decide(entry, reviewer, "approve", checklist={k: k not in missing for k in ALL})
    assert err.value.message == f"通过前请逐项确认：还没有确认{words}。"
    db.session.rollback()
    assert fresh(entry).status is EntryStatus.PENDING and len(entry.events) == 1 and audits() == [] and notes() == []


@pytest.mark.parametrize("decision", ["reject", "request_fix"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_and_request_fix_need_a_reason(entry, reviewer, decision, reason):
    with pytest.raises(DomainError) as err:
        decide(entry, reviewer, decision, checklist={}, reason=reason)
    assert err.value.message == "不通过或退回修改时，请选择或填写原因（参赛者会看到）。"
    assert fresh(entry).status is EntryStatus.PENDING and audits() == [] and notes() == []


def test_reject_with_a_reason(entry, reviewer, author):
    reason = "内容与所选主题不符：视频拍的是美食，主题选了才艺秀"
    decide(entry, reviewer, "reject", checklist={"slogan": True}, reason=reason, version=1)
    db.session.commit()
    entry = fresh(entry)
    assert (entry.status, entry.status_reason) == (EntryStatus.REJECTED, reason)
    assert (entry.events[-1].from_status, entry.events[-1].to_status, entry.events[-1].note) == (
        EntryStatus.PENDING, EntryStatus.REJECTED, reason)
    (event,) = audits()
    assert (event.action, event.changes, event.note) == (
        "entry.reject", {"status": ["pending", "rejected"],
                         "checklist": {"slogan": True, "theme": False, "content": False}}, reason)
    (note,) = notes()
    assert (note.kind, note.title, note.body) == (
        "entry.rejected", "作品未通过审核",
        f"你报名“测试活动”的作品（株洲美好生活秀，视频编号 {entry.video_id}）未通过审核。原因：{reason}。")


def test_request_fix_tells_the_entrant_how_to_resubmit(entry, reviewer):
    decide(entry, reviewer, "request_fix", checklist={}, reason="作品描述缺少 @株洲足迹。")
    db.session.commit()
    entry = fresh(entry)
    assert (entry.status, entry.status_reason) == (EntryStatus.NEEDS_FIX, "作品描述缺少 @株洲足迹。")
    assert audits()[0].action == "entry.request_fix"
    (note,) = notes()
    assert (note.kind, note.title) == ("entry.needs_fix", "作品需要修改")
    assert note.body == (f"你报名“测试活动”的作品（株洲美好生活秀，视频编号 {entry.video_id}）需要修改。"
                         f"审核意见：作品描述缺少 @株洲足迹。{FIX_HINT}")


def test_no_fix_can_be_requested_after_the_close(entry, reviewer, freeze):
    freeze("2020-07-18T00:00:00+08:00")
    with pytest.raises(DomainError) as err:
        decide(entry, reviewer, "request_fix", reason="口号听不清")
    assert err.value.message == "活动报名已截止，参赛者无法再修改重新提交，请直接通过或不通过。"
    # Approving and rejecting still work after the close.
    decide(entry, reviewer, "reject", reason="口号听不清")
    assert entry.status is EntryStatus.REJECTED


def test_an_approved_entry_can_be_disqualified_but_not_approved_again(entry, reviewer):
    decide(entry, reviewer, "approve")
    with pytest.raises(DomainError) as err:
        decide(entry, reviewer, "approve")
    assert err.value.message == "作品当前状态为“已通过”，不能改为“已通过”。"
    decide(entry, reviewer, "reject", reason="非本人原创或盗用他人作品")
    db.session.commit()
    assert fresh(entry).status is EntryStatus.REJECTED
    assert [a.changes["status"] for a in audits()] == [["pending", "approved"], ["approved", "rejected"]]


def test_an_unknown_decision_is_refused(entry, reviewer):
    with pytest.raises(DomainError) as err:
        decide(entry, reviewer, "maybe")
    assert err.value.message == "请选择审核结果：通过、不通过或退回修改。"


def test_a_stale_version_is_a_conflict(entry, reviewer, staff):
    decide(entry, staff("admin"), "approve", version=1)
    db.session.commit()
    with pytest.raises(Conflict) as err:
        decide(fresh(entry), reviewer, "reject", reason="其他", version=1)
    assert (err.value.status, err.value.message) == (409, "这个作品刚被其他审核员处理过（版本 2），请刷新后再审。")
    assert fresh(entry).status is EntryStatus.APPROVED and len(audits()) == 1


def test_the_database_refuses_the_second_of_two_writers(app, entry, reviewer, staff):
    """Both reviewers loaded version 1 in their own sessions; the rule's version check passes
    for both, and the database (version_id_col) refuses the one that commits second."""
    other = staff("admin", nickname="管理员")
    with app.app_context():  # reviewer A's request
        a = db.session.get(Entry, entry.id)
        assert a.version == 1
        with app.app_context():  # reviewer B's request, committed first
            b = db.session.get(Entry, entry.id)
            decide(b, other, "approve", version=1)
            db.session.commit()
        with pytest.raises(StaleDataError):  # at the first flush (a lazy load may autoflush before the commit)
            decide(a, reviewer, "reject", reason="视频内容不适宜", version=1)
            db.session.commit()
        db.session.rollback()
    entry = fresh(entry)
    assert (entry.status, entry.version) == (EntryStatus.APPROVED, 2)
    assert [(e.actor_id, e.action) for e in audits()] == [(other.id, "entry.approve")]
    assert [n.kind for n in notes()] == ["entry.approved"]


def test_compose_reason():
    assert compose_reason("内容与所选主题不符", "  拍的是美食 ") == "内容与所选主题不符：拍的是美食"
    assert compose_reason("视频内容不适宜", "") == "视频内容不适宜"
    assert compose_reason("", "口号只出现了 1 秒") == "口号只出现了 1 秒"
    assert compose_reason("其他", "画面是别人的作品") == "画面是别人的作品"
    assert compose_reason(None, None) is None
    with pytest.raises(DomainError, match="选择“其他”时请写明原因。"):
        compose_reason("其他", " ")
    with pytest.raises(DomainError, match="请从列表中选择原因。"):
        compose_reason("我编的理由", "")
    assert REJECTION_REASONS == ("未清晰说出或展示活动口号", "内容与所选主题不符", "视频内容不适宜",
                                 "非本人原创或盗用他人作品", "发布时间不在活动期内", "其他")


def test_a_reason_over_500_characters_is_refused(entry, reviewer):
    with pytest.raises(DomainError, match="原因最多 500 个字。"):
        decide(entry, reviewer, "reject", reason="长" * 501)


# --- bulk approval ----------------------------------------------------------------------

def test_bulk_approval_takes_only_entries_that_qualify(make_entry, reviewer, staff, contest):
    good = make_entry()
    good_too = make_entry(theme="village")
    provisional = make_entry(facts=PROVISIONAL)
    failed = make_entry(checks=[dict(c, passed=c["code"] != "mention") for c in entry_checks(contest, VERIFIED)])
    no_tags = make_entry(caption="株洲的早晨 #动力株洲文旅通吧")
    flagged = make_entry()
    approved_already = make_entry(status=EntryStatus.APPROVED)
    changed = make_entry()
    db.session.add(LikeFlag(entry_id=flagged.id, kind="burst", window_start=clock.now(), window_end=clock.now(),
                            message="2 小时内新增 900 赞", status=FlagStatus.OPEN))
    db.session.add(LikeFlag(entry_id=good.id, kind="ratio", window_start=clock.now(), window_end=clock.now(),
                            message="已排除", status=FlagStatus.CLEARED))
    db.session.commit()
    entries = [good, good_too, provisional, failed, no_tags, flagged, approved_already, changed]
    versions = {e.id: e.version for e in entries} | {changed.id: 7}

    approved, skipped = bulk_approve(entries, reviewer=reviewer, now=clock.now(), versions=versions)
    db.session.commit()

    assert approved == [good, good_too]
    assert [(e.id, why) for e, why in skipped] == [
        (provisional.id, "发布时间仅由视频编号推算，尚未经抖音平台确认，请逐个审核。"),
        (failed.id, "自动检查没有全部通过，请逐个审核。"),
        (no_tags.id, "作品描述未经抖音核对或缺少话题、@主办方账号，请逐个审核。"),
        (flagged.id, "有 1 条待处理的点赞异常标记，请逐个审核。"),
        (approved_already.id, "状态为“已通过”，只有待审核的作品可以批量通过。"),
        (changed.id, "这个作品刚被其他人处理过，请刷新后再审。"),
    ]
    db.session.expire_all()
    assert [db.session.get(Entry, e.id).status for e in entries] == [
        EntryStatus.APPROVED, EntryStatus.APPROVED] + [EntryStatus.PENDING] * 4 + [EntryStatus.APPROVED, EntryStatus.PENDING]
    assert [(a.actor_id, a.action, a.target_id, a.changes) for a in audits()] == [
        (reviewer.id, "entry.approve", e.id, {"status": ["pending", "approved"], "checklist": ALL, "bulk": True})
        for e in (good, good_too)]
    assert [(n.entry_id, n.title) for n in notes()] == [(good.id, "作品已通过审核"), (good_too.id, "作品已通过审核")]


def test_bulk_approval_skips_entries_outside_the_reviewers_areas(make_entry, staff):
    hetang, liling = make_entry(area="hetang"), make_entry(area="liling")
    approved, skipped = bulk_approve([hetang, liling], reviewer=staff("reviewer", areas=["liling"]), now=clock.now())
    assert approved == [liling]
    assert skipped == [(hetang, "你只能审核所负责区县的作品。")]



def test_approve_ticked_refuses_without_ticks_or_attestation_and_approves_in_id_order(make_entry, reviewer):
    second, first = make_entry(), make_entry()
    with pytest.raises(DomainError, match="^请先勾选要通过的作品。$"):
        approve_ticked({}, attested=True, reviewer=reviewer, now=clock.now())
    with pytest.raises(DomainError, match="^请先勾选“我已逐一确认口号、主题和内容”，再批量通过。$"):
        approve_ticked({first.id: first.version}, attested=False, reviewer=reviewer, now=clock.now())
    assert count(AuditEvent) == 0
    versions = {second.id: second.version, first.id: first.version}
    approved, skipped = approve_ticked(versions, attested=True, reviewer=reviewer, now=clock.now())
    assert ([e.id for e in approved], skipped) == (sorted(versions), [])
    assert {e.status for e in approved} == {EntryStatus.APPROVED}

# --- resubmission -----------------------------------------------------------------------

@pytest.fixture
def submitted(contest, author, publish):
    """An entry submitted through the real rules (sandbox video, provisional facts) by a phone
    account whose ownership staff then verified from evidence (so it can be approved)."""
    video_id = publish(title=f"株洲的早晨 {TAGS}")
    entry = submit_entry(contest, author, EntryRequest(f"https://www.douyin.com/video/{video_id}", "life", "hetang",
                                                       True, False), douyin=douyin(), now=clock.now())
    mark_proven(entry, OwnerProof.STAFF, now=clock.now(), evidence_path="2020/06/25/" + "0" * 32 + ".png")
    db.session.commit()
    return entry


def test_request_fix_then_resubmit_round_trip(submitted, reviewer, author, sandbox, freeze):
    entry = submitted
    decide(entry, reviewer, "request_fix", checklist={"slogan": True}, reason="请在作品描述里 @株洲足迹")
    db.session.commit()
    # The entrant edits the caption on Douyin, but drops the mention.
    sandbox.control("videos", {"video_id": entry.video_id, "title": "株洲的早晨（修改版） #动力株洲文旅通"})
    with pytest.raises(Refused) as err:
        resubmit_entry(entry, user=author, now=clock.now(), douyin=douyin())
    assert [p.code for p in err.value.problems] == ["missing_mention"]
    assert err.value.message == "作品描述里没有 @株洲足迹。发布时请 @ 主办方账号“株洲足迹”。"
    db.session.rollback()
    assert (fresh(entry).status, entry.caption) == (EntryStatus.NEEDS_FIX, f"株洲的早晨 {TAGS}")

    sandbox.control("videos", {"video_id": entry.video_id, "title": f"株洲的早晨（修改版） {TAGS}"})
    later = freeze("2020-06-26T09:00:00+08:00")
    resubmit_entry(entry, user=author, now=later, douyin=douyin())
    db.session.commit()
    entry = fresh(entry)
    assert (entry.status, entry.caption, entry.status_changed_at, entry.status_reason) == (
        EntryStatus.PENDING, f"株洲的早晨（修改版） {TAGS}", later, "参赛者修改后重新提交")
    assert entry.submitted_at == datetime.fromisoformat(IN_WINDOW)  # the tie rule keeps the first submission
    assert entry.fact_sources == {"published_at": "video_id", "caption": "embed"}
    assert [c["code"] for c in entry.checks] == ["video", "hashtag", "mention", "published_in_window"]
    assert [(e.actor_id, e.from_status, e.to_status) for e in entry.events] == [
        (author.id, None, EntryStatus.PENDING),
        (reviewer.id, EntryStatus.PENDING, EntryStatus.NEEDS_FIX),
        (author.id, EntryStatus.NEEDS_FIX, EntryStatus.PENDING),
    ]
    # Back in the queue, and reviewable again.
    assert [r.entry.id for r in review_queue(entry.contest, user=reviewer).rows] == [entry.id]
    decide(entry, reviewer, "approve", version=entry.version)
    assert entry.status is EntryStatus.APPROVED


def test_resubmit_with_the_authors_token_verifies_the_facts(submitted, reviewer, author):
    entry = submitted
    decide(entry, reviewer, "request_fix", reason="请 @株洲足迹")
    published = int(datetime.fromisoformat("2020-06-20T12:00:00+08:00").timestamp())

    class Verifier:
        def fetch(self, video_id):
            return SimpleNamespace(video_id=video_id, title=f"修改后 {TAGS}", create_time=published,
                                   cover="https://p3.douyinpic.com/new-cover.jpeg", public=True, visibility="")

    resubmit_entry(entry, user=author, now=clock.now(), douyin=douyin(), verifier=Verifier())
    assert (entry.status, entry.caption) == (EntryStatus.PENDING, f"修改后 {TAGS}")
    assert entry.cover_url == "https://p3.douyinpic.com/new-cover.jpeg"
    assert entry.fact_sources == {"owner": "platform", "published_at": "platform", "caption": "platform"}
    assert not any(c["provisional"] for c in entry.checks)


def test_only_the_owner_resubmits_and_only_after_a_requested_fix(submitted, reviewer, make_user, freeze):
    entry = submitted
    with pytest.raises(DomainError) as err:
        resubmit_entry(entry, user=entry.user, now=clock.now(), douyin=douyin())
    assert err.value.message == "作品当前状态为“待审核”，不需要重新提交。"
    decide(entry, reviewer, "request_fix", reason="请 @株洲足迹")
    with pytest.raises(DomainError) as err:
        resubmit_entry(entry, user=make_user(), now=clock.now(), douyin=douyin())
    assert err.value.message == "只能重新提交自己的作品。"
    freeze("2020-07-18T00:00:00+08:00")
    with pytest.raises(Refused) as err:
        resubmit_entry(entry, user=entry.user, now=clock.now(), douyin=douyin())
    assert err.value.message == "现在不在报名时间内，不能再重新提交。"
    assert entry.status is EntryStatus.NEEDS_FIX


# --- the queue --------------------------------------------------------------------------

def test_the_queue_filters_and_scopes(make_entry, staff, reviewer):
    a = make_entry(area="hetang", theme="life")
    b = make_entry(area="liling", theme="village")
    c = make_entry(area="hetang", theme="talent", status=EntryStatus.APPROVED)
    d = make_entry(area="liling", theme="life")
    db.session.add(LikeFlag(entry_id=d.id, kind="burst", window_start=clock.now(), window_end=clock.now(), message="x"))
    db.session.commit()
    contest = a.contest

    def ids(user=reviewer, **filters):
        return [r.entry.id for r in review_queue(contest, user=user, **filters).rows]

    assert ids() == [a.id, b.id, d.id]
    assert ids(status=None) == [a.id, b.id, c.id, d.id]
    assert ids(status=EntryStatus.APPROVED) == [c.id]
    assert ids(theme="life") == [a.id, d.id]
    assert ids(area="liling") == [b.id, d.id]
    assert ids(flagged=True) == [d.id]
    assert ids(user=staff("reviewer", areas=["liling"])) == [b.id, d.id]
    assert ids(user=staff("reviewer", areas=["liling"]), area="hetang") == []
    assert ids(user=staff("judge")) == []
    page = review_queue(contest, user=reviewer, per_page=2, page=2)
    assert ([r.entry.id for r in page.rows], page.page, page.pages, page.total) == ([d.id], 2, 2, 3)
    assert page.counts == {"pending": 3, "needs_fix": 0, "approved": 1, "rejected": 0, "withdrawn": 0}
    life = review_queue(contest, user=reviewer, theme="life", status=None)
    assert (life.total, life.counts["pending"], life.counts["approved"]) == (2, 2, 0)
    assert review_queue(contest, user=reviewer, flagged=True, area="liling").counts["pending"] == 1
    assert [(r.open_flags, r.bulk_blocker) for r in review_queue(contest, user=reviewer, flagged=True).rows] == [
        (1, "有 1 条待处理的点赞异常标记，请逐个审核。")]


# --- telling the entrant ----------------------------------------------------------------

@pytest.fixture
def gateway(app):
    live = Gateway()
    app.config.update(CONTEST_SMS_BACKEND="http", CONTEST_SMS_GATEWAY_URL=live.url, CONTEST_SMS_GATEWAY_KEY="gw-key-1")
    yield live
    live.stop()


def test_a_decision_is_texted_through_the_gateway_after_the_commit(entry, reviewer, author, gateway):
    decide(entry, reviewer, "reject", reason="视频内容不适宜")
    assert gateway.received == []  # nothing leaves before the decision is saved
    db.session.commit()
    assert gateway.received == [{
        "json": {"phone": "13812345678", "message": notes()[0].body},
        "authorization": "Bearer gw-key-1", "content_type": "application/json",
    }]
    assert notes()[0].body.endswith("未通过审核。原因：视频内容不适宜。")


def test_a_decision_rolled_back_is_never_texted(entry, reviewer, gateway):
    decide(entry, reviewer, "approve")
    db.session.rollback()
    db.session.commit()
    assert gateway.received == [] and notes() == []


def test_no_text_without_the_http_backend_or_a_phone(entry, reviewer, make_entry, gateway, app, make_user):
    app.config["CONTEST_SMS_BACKEND"] = "log"
    decide(entry, reviewer, "approve")
    db.session.commit()
    app.config["CONTEST_SMS_BACKEND"] = "http"
    no_phone = make_user(nickname="抖音用户")
    no_phone.phone = None
    db.session.commit()
    decide(make_entry(user=no_phone), reviewer, "approve")
    db.session.commit()
    assert gateway.received == []
    assert [n.kind for n in notes()] == ["entry.approved", "entry.approved"]


def test_only_a_confirmed_phone_is_asked_to_receive_the_text(entry, make_entry, make_user):
    unconfirmed = make_user(nickname="未验证")
    unconfirmed.phone_verified_at = None
    db.session.commit()
    kwargs = dict(kind="entry.approved", title="t", body="b", now=clock.now())
    assert notify.tell_entrant(entry, **kwargs).text_to == "13812345678"
    assert notify.tell_entrant(make_entry(user=unconfirmed), **kwargs).text_to is None


def test_a_second_app_in_the_process_still_texts_once(entry, reviewer, gateway, database_url, sandbox):
    from contest import create_app
    from tests.conftest import make_environ

    create_app(environ=make_environ(database_url, sandbox.url))  # registers nothing twice
    decide(entry, reviewer, "approve")
    db.session.commit()
    assert [r["json"]["phone"] for r in gateway.received] == ["13812345678"]


def test_gateway_settings_missing_are_logged_and_nothing_is_sent(entry, reviewer, gateway, app, caplog):
    app.config["CONTEST_SMS_GATEWAY_KEY"] = ""
    decide(entry, reviewer, "approve")
    with caplog.at_level(logging.ERROR, logger="contest.integrations.sms_outbox"):
        db.session.commit()
    assert gateway.received == []
    assert [r.getMessage() for r in caplog.records if r.name == "contest.integrations.sms_outbox"] == [
        "SMS not sent to 138****5678: CONTEST_SMS_BACKEND=http needs CONTEST_SMS_GATEWAY_URL and CONTEST_SMS_GATEWAY_KEY"]
    assert fresh(entry).status is EntryStatus.APPROVED and count(Notification) == 1


def test_a_failed_text_is_logged_and_the_decision_stands(entry, reviewer, gateway, caplog):
    gateway.status = 500
    decide(entry, reviewer, "approve")
    with caplog.at_level(logging.WARNING, logger="contest.integrations.sms_outbox"):
        db.session.commit()
    assert len(gateway.received) == 1
    assert [r.getMessage() for r in caplog.records if r.name == "contest.integrations.sms_outbox"] == [
        "notification SMS to 138****5678 failed: 短信发送失败，请稍后再试。"]
    assert fresh(entry).status is EntryStatus.APPROVED and count(Notification) == 1


def test_inbox_unread_count_and_mark_read(entry, make_entry, reviewer, author, make_user, freeze):
    first = entry
    decide(first, reviewer, "approve")
    later = freeze("2020-06-25T13:00:00+08:00")
    second = make_entry()
    decide(second, reviewer, "reject", reason="其他原因")
    stranger = make_user()
    stranger_note = notify.tell_entrant(make_entry(user=stranger), kind="entry.approved", title="t", body="b", now=later)
    db.session.commit()
    assert [n.entry_id for n in notify.inbox(author)] == [second.id, first.id]  # newest first
    assert (notify.unread_count(author), notify.unread_count(stranger)) == (2, 1)

    newest = notify.inbox(author)[0]
    assert notify.mark_read(author, [newest.id, stranger_note.id], later) == 1  # another user's id is ignored
    db.session.commit()
    assert (notify.unread_count(author), notify.unread_count(stranger)) == (1, 1)
    assert notify.mark_read(author, "all", later) == 1
    assert notify.mark_read(author, [], later) == 0
    db.session.commit()
    assert notify.unread_count(author) == 0
    assert [n.read_at for n in notify.inbox(author)] == [later, later]
