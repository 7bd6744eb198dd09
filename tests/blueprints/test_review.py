"""The review queue and review page (/staff), the entrant's inbox and resubmission
(/entries), end to end through the pages."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from contest import clock
from contest.extensions import db
from contest.models import Entry, EntryStatus, FlagStatus, LikeFlag
from contest.models.notification import Notification
from tests.conftest import count
from tests.support.sms import Gateway
from tests.support.review import TAGS, ALL, token, decide, APPROVE, fresh, audits, text, flashes, bulk

PROVISIONAL = {"published_at": "video_id", "caption": "embed"}
CSRF_REFUSED = "页面已过期或缺少安全令牌（CSRF），请刷新页面后重试。"
FORBIDDEN = "你没有权限进行这个操作。"
OUTSIDE = "你只能审核所负责区县的作品。"


def notes():
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def queue_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr class="queue-item" id="entry-(\d+)">', page)]


# --- access ---------------------------------------------------------------------------------

REVIEW_ROUTES = [("GET", "/staff/"), ("POST", "/staff/bulk-approve"), ("GET", "/staff/entries/{id}"),
                 ("POST", "/staff/entries/{id}/review")]


@pytest.mark.parametrize("role", ["judge", "citizen"])
def test_judges_and_citizens_get_403_everywhere(entry, staff, make_user, signed_in, role):
    user = staff("judge") if role == "judge" else make_user(nickname="市民")
    client = signed_in(user)
    for method, path in REVIEW_ROUTES:
        response = client.open(path.format(id=entry.id), method=method, data={"csrf_token": token(client)})
        assert response.status_code == 403, path
        assert FORBIDDEN in response.get_data(as_text=True)
    assert fresh(entry).status is EntryStatus.PENDING


def test_signed_out_visitors_are_sent_to_sign_in(client, entry):
    response = client.get(f"/staff/entries/{entry.id}")
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/accounts/login?next=%2Fstaff%2Fentries%2F{entry.id}")


def test_a_reviewer_outside_the_area_gets_403_and_never_sees_the_entry(make_entry, staff, signed_in):
    hetang, liling = make_entry(area="hetang"), make_entry(area="liling")
    client = signed_in(staff("reviewer", areas=["liling"]))
    page = client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)
    assert queue_ids(page) == [liling.id]
    assert "你负责的区县：醴陵市" in text(page)
    assert '<option value="hetang"' not in page  # the area filter offers only their areas
    response = client.get(f"/staff/entries/{hetang.id}")
    assert response.status_code == 403 and OUTSIDE in response.get_data(as_text=True)
    response = decide(client, hetang, **APPROVE)
    assert response.status_code == 403 and OUTSIDE in response.get_data(as_text=True)
    assert fresh(hetang).status is EntryStatus.PENDING and audits() == []
    # Asking for another area by hand changes nothing.
    assert queue_ids(client.get("/staff/?contest=zhuzhou-2020&area=hetang").get_data(as_text=True)) == [liling.id]


def test_a_missing_entry_is_404(contest, reviewer, signed_in):
    client = signed_in(reviewer)
    assert client.get("/staff/entries/999").status_code == 404
    response = client.post("/staff/entries/999/review", data={"csrf_token": token(client), **APPROVE})
    assert response.status_code == 404 and "没有找到这个作品。" in response.get_data(as_text=True)


# --- the queue ------------------------------------------------------------------------------

def test_queue_filters(make_entry, reviewer, signed_in):
    a = make_entry(area="hetang", theme="life")
    b = make_entry(area="liling", theme="village", facts=PROVISIONAL)
    c = make_entry(area="hetang", theme="talent", status=EntryStatus.APPROVED)
    d = make_entry(area="liling", theme="life")
    db.session.add(LikeFlag(entry_id=d.id, kind="burst", window_start=clock.now(), window_end=clock.now(),
                            message="2 小时内新增 900 赞"))
    db.session.add(LikeFlag(entry_id=a.id, kind="burst", window_start=clock.now(), window_end=clock.now(),
                            message="已排除", status=FlagStatus.CLEARED))
    db.session.commit()
    client = signed_in(reviewer)

    def ids(query=""):
        return queue_ids(client.get(f"/staff/?contest=zhuzhou-2020{query}").get_data(as_text=True))

    assert ids() == [a.id, b.id, d.id]  # pending by default, oldest first
    assert ids("&status=approved") == [c.id]
    assert ids("&status=all") == [a.id, b.id, c.id, d.id]
    assert ids("&status=nonsense") == [a.id, b.id, d.id]
    assert ids("&theme=life") == [a.id, d.id]
    assert ids("&area=liling") == [b.id, d.id]
    assert ids("&flagged=1") == [d.id]
    assert ids("&theme=life&area=liling") == [d.id]
    assert ids("&theme=unknown") == [a.id, b.id, d.id]

    page = client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)
    rows = {int(i): text(body) for i, body in
            re.findall(r'<tr class="queue-item" id="entry-(\d+)">(.*?)</tr>', page, re.S)}
    # A table row: tick box, cover, entry (status, caption), theme, area, entrant, submitted, checks, flags, likes.
    assert rows[a.id] == (f"选择作品 {a.id} 批量通过 作品 {a.id} 待审核 株洲的早晨 {TAGS} 株洲美好生活秀 荷塘区 作者小王 "
                          "2020-06-25 12:00 5/5 项通过 0 —")
    assert "4/4 项通过，1 项待平台确认 0 —" in rows[b.id]
    assert "不能批量通过：发布时间仅由视频编号推算，尚未经抖音平台确认，请逐个审核。" in rows[b.id]
    assert "不能批量通过：有 1 条待处理的点赞异常标记，请逐个审核。" in rows[d.id] and rows[d.id].endswith("待处理 1 —")
    assert f'href="/staff/entries/{d.id}/likes">待处理 1</a>' in page
    assert page.count('<img class="thumb"') == 3
    # Only entries that qualify can be ticked for bulk approval.
    assert re.findall(r'name="entry" value="([^"]+)"', page) == [f"{a.id}:1"]
    assert "待审核（3）" in text(page) and "已通过（1）" in text(page) and "全部（4）" in text(page)


def test_queue_pages_fifty_at_a_time(make_entry, reviewer, signed_in):
    entries = [make_entry() for _ in range(51)]
    client = signed_in(reviewer)
    first = client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)
    assert queue_ids(first) == [e.id for e in entries[:50]]
    assert "共 51 个作品，第 1/2 页" in text(first)
    assert 'href="/staff/?contest=zhuzhou-2020&amp;status=pending&amp;page=2" rel="next"' in first
    assert queue_ids(client.get("/staff/?contest=zhuzhou-2020&page=2").get_data(as_text=True)) == [entries[50].id]
    assert queue_ids(client.get("/staff/?contest=zhuzhou-2020&page=99").get_data(as_text=True)) == [entries[50].id]


# --- the review page ------------------------------------------------------------------------

def test_the_review_page_shows_the_player_caption_checks_and_history(make_entry, reviewer, signed_in, sandbox):
    entry = make_entry(caption="株洲<b>真美</b> ＃动力株洲文旅通 #动力株洲文旅通吧 @株洲足迹")
    client = signed_in(reviewer)
    page = client.get(f"/staff/entries/{entry.id}?next=/staff/%3Fcontest%3Dzhuzhou-2020%26status%3Dall").get_data(as_text=True)
    assert (f'<iframe class="player" src="{sandbox.url}/open/player/video?vid={entry.video_id}&amp;autoplay=0" '
            'referrerpolicy="unsafe-url" allowfullscreen title="抖音播放器"></iframe>') in page
    # Escaped first; the full-width ＃ counts (as in the check); the near miss is not marked.
    assert ('<p class="caption review-caption">株洲&lt;b&gt;真美&lt;/b&gt; <mark>#动力株洲文旅通</mark> '
            '#动力株洲文旅通吧 <mark>@株洲足迹</mark></p>') in page
    assert '<li class="passed">抖音已确认是本人发布的作品</li>' in page
    assert "发布时间：抖音平台确认（已核实）" in text(page)
    assert f'href="/staff/entries/{entry.id}/likes"' in page
    assert "2020-06-25 12:00 · 作者小王：新报名 → 待审核（报名）" in text(page)
    assert '<input id="version" name="version" type="hidden" value="1">' in page
    assert '<input id="next" name="next" type="hidden" value="/staff/?contest=zhuzhou-2020&amp;status=all">' in page
    for reason in ["未清晰说出或展示活动口号", "内容与所选主题不符", "视频内容不适宜", "非本人原创或盗用他人作品",
                   "发布时间不在活动期内", "其他"]:
        assert f'<option value="{reason}">{reason}</option>' in page
    assert "视频中清晰说出口号“动力株洲文旅通，美好生活抖起来”，或以醒目字幕展示超过 2 秒" in page
    assert "内容符合所选主题“株洲美好生活秀”" in page


def test_the_review_page_marks_provisional_facts_and_caption_problems(make_entry, reviewer, signed_in):
    entry = make_entry(facts=PROVISIONAL, caption="没有标签")
    page = signed_in(reviewer).get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert "发布时间：由视频编号推算（待核实）" in text(page)
    assert "2020-06-20 12:00（由视频编号推算，待平台确认）" in text(page)
    assert '<li data-code="missing_hashtag">' in page and '<li data-code="missing_mention">' in page


# --- decisions end to end -------------------------------------------------------------------

def test_approve_end_to_end(entry, reviewer, author, signed_in):
    client = signed_in(reviewer)
    response = decide(client, entry, **APPROVE)
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/?contest=zhuzhou-2020")
    assert f"作品 {entry.id} 已通过审核，已通知参赛者。" in flashes(client.get(response.headers["Location"]).get_data(as_text=True))

    entry = fresh(entry)
    now = clock.now()
    assert (entry.status, entry.version) == (EntryStatus.APPROVED, 2)
    assert [(e.actor_id, e.from_status, e.to_status, e.at) for e in entry.events] == [
        (author.id, None, EntryStatus.PENDING, now), (reviewer.id, EntryStatus.PENDING, EntryStatus.APPROVED, now)]
    assert [(a.actor_id, a.action, a.target_type, a.target_id, a.changes, a.note) for a in audits()] == [
        (reviewer.id, "entry.approve", "entry", entry.id, {"status": ["pending", "approved"], "checklist": ALL}, None)]
    (note,) = notes()
    assert (note.user_id, note.kind, note.title, note.entry_id, note.read_at) == (
        author.id, "entry.approved", "作品已通过审核", entry.id, None)

    # The entrant sees it: the nav badge, the inbox, then marks it read.
    entrant = signed_in(author)
    home = entrant.get("/").get_data(as_text=True)
    assert '<a href="/entries/inbox">消息<span class="badge">1</span><span class="visually-hidden">条未读</span></a>' in home
    inbox = entrant.get("/entries/inbox").get_data(as_text=True)
    message = text(re.search(rf'<li class="card message unread" id="message-{note.id}">(.*?)</li>', inbox, re.S).group(1))
    assert message == (f"作品已通过审核 未读 2020-06-25 12:00 你报名“测试活动”的作品（株洲美好生活秀，视频编号 {entry.video_id}）"
                       "已通过审核，将参与点赞排名和评选。快分享给朋友积赞吧！ 查看作品 标为已读")
    assert f'href="/entries/mine?contest=zhuzhou-2020#entry-{entry.id}">查看作品</a>' in inbox
    response = entrant.post("/entries/inbox/read", data={"csrf_token": token(entrant), "id": str(note.id)})
    assert (response.status_code, response.headers["Location"]) == (302, "/entries/inbox")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at == clock.now()
    assert 'class="badge"' not in entrant.get("/").get_data(as_text=True)


def test_reject_end_to_end_with_a_listed_reason_and_a_note(entry, reviewer, author, signed_in):
    client = signed_in(reviewer)
    response = decide(client, entry, decision="reject", slogan="y", reason_choice="内容与所选主题不符",
                      reason_text="拍的是美食，主题却选了才艺秀")
    assert response.status_code == 302
    reason = "内容与所选主题不符：拍的是美食，主题却选了才艺秀"
    entry = fresh(entry)
    assert (entry.status, entry.status_reason, entry.events[-1].note) == (EntryStatus.REJECTED, reason, reason)
    assert [(a.action, a.changes, a.note) for a in audits()] == [
        ("entry.reject", {"status": ["pending", "rejected"], "checklist": {"slogan": True, "theme": False, "content": False}},
         reason)]
    (note,) = notes()
    assert (note.kind, note.title) == ("entry.rejected", "作品未通过审核")
    entrant = signed_in(author)
    assert f"原因：{reason}。" in text(entrant.get("/entries/inbox").get_data(as_text=True))
    assert f"审核意见：{reason}" in text(entrant.get("/entries/mine").get_data(as_text=True))


def test_other_needs_the_free_text(entry, reviewer, signed_in):
    client = signed_in(reviewer)
    response = decide(client, entry, decision="reject", reason_choice="其他", reason_text="  ")
    assert response.status_code == 422
    assert "选择“其他”时请写明原因。" in response.get_data(as_text=True)
    response = decide(client, entry, decision="reject", reason_choice="其他", reason_text="画面里有未打码的车牌")
    assert response.status_code == 302
    assert fresh(entry).status_reason == "画面里有未打码的车牌"


@pytest.mark.parametrize("ticked, missing", [
    ({}, "口号清晰、符合主题、内容适宜"),
    ({"slogan": "y", "content": "y"}, "符合主题"),
])
def test_approve_without_the_full_checklist_is_refused(entry, reviewer, signed_in, ticked, missing):
    client = signed_in(reviewer)
    response = decide(client, entry, decision="approve", reason_text="我看过了", **ticked)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"没有保存： 通过前请逐项确认：还没有确认{missing}。" in text(page)
    # What the reviewer chose is kept.
    assert '<input type="radio" id="decision-approve" name="decision" value="approve" checked required>' in page
    assert "我看过了</textarea>" in page
    for key in ("slogan", "theme", "content"):
        assert (f'name="{key}" value="y" checked>' in page) == (key in ticked)
    assert fresh(entry).status is EntryStatus.PENDING and audits() == [] and notes() == []


@pytest.mark.parametrize("decision", ["reject", "request_fix"])
def test_reject_and_request_fix_without_a_reason_are_refused(entry, reviewer, signed_in, decision):
    response = decide(signed_in(reviewer), entry, decision=decision, **{k: "y" for k in ALL})
    assert response.status_code == 422
    assert "不通过或退回修改时，请选择或填写原因（参赛者会看到）。" in response.get_data(as_text=True)
    assert fresh(entry).status is EntryStatus.PENDING and audits() == [] and notes() == []


def test_no_decision_chosen_is_refused(entry, reviewer, signed_in):
    response = decide(signed_in(reviewer), entry, slogan="y")
    assert response.status_code == 422
    assert "请选择审核结果：通过、不通过或退回修改。" in response.get_data(as_text=True)


# --- request a fix, the entrant resubmits ---------------------------------------------------

@pytest.fixture
def published_entry(make_entry, publish):
    """An entry whose video exists in the sandbox (provisional facts, as when entered by link)."""
    video_id = publish(title=f"株洲的早晨 {TAGS}")
    return make_entry(video_id=video_id, facts=PROVISIONAL)


def resubmit(client, entry, csrf=True):
    data = {"csrf_token": token(client)} if csrf else {}
    return client.post(f"/entries/{entry.id}/resubmit", data=data)


def test_request_fix_and_resubmit_round_trip(published_entry, reviewer, author, signed_in, sandbox):
    entry = published_entry
    reviewer_client = signed_in(reviewer)
    response = decide(reviewer_client, entry, decision="request_fix", reason_choice="未清晰说出或展示活动口号",
                      reason_text="字幕只出现了 1 秒，请重新剪辑后在描述中注明")
    assert response.status_code == 302
    reason = "未清晰说出或展示活动口号：字幕只出现了 1 秒，请重新剪辑后在描述中注明"
    assert (fresh(entry).status, fresh(entry).status_reason) == (EntryStatus.NEEDS_FIX, reason)
    assert [a.action for a in audits()] == ["entry.request_fix"]
    (note,) = notes()
    assert (note.kind, note.title) == ("entry.needs_fix", "作品需要修改")
    assert note.body.endswith(f"需要修改。审核意见：{reason}。修改后可在“我的作品”中重新提交。")

    entrant = signed_in(author)
    mine = entrant.get("/entries/mine").get_data(as_text=True)
    assert f'action="/entries/{entry.id}/resubmit"' in mine and "已修改，重新提交" in mine

    # Edited on Douyin, but the mention went missing: refused, nothing changes.
    sandbox.control("videos", {"video_id": entry.video_id, "title": "株洲的早晨（字幕加长版） #动力株洲文旅通"})
    response = resubmit(entrant, entry)
    assert (response.status_code, response.headers["Location"]) == (
        302, f"/entries/mine?contest=zhuzhou-2020#entry-{entry.id}")
    assert ("还不能重新提交：作品描述里没有 @株洲足迹。发布时请 @ 主办方账号“株洲足迹”。"
            in flashes(entrant.get("/entries/mine").get_data(as_text=True)))
    assert (fresh(entry).status, fresh(entry).caption, fresh(entry).version) == (
        EntryStatus.NEEDS_FIX, f"株洲的早晨 {TAGS}", 2)

    # Fixed: back in the queue with the new caption.
    sandbox.control("videos", {"video_id": entry.video_id, "title": f"株洲的早晨（字幕加长版） {TAGS}"})
    response = resubmit(entrant, entry)
    assert response.status_code == 302
    assert "已重新提交，作品正在等待审核。" in flashes(entrant.get("/entries/mine").get_data(as_text=True))
    entry = fresh(entry)
    assert (entry.status, entry.caption, entry.version) == (EntryStatus.PENDING, f"株洲的早晨（字幕加长版） {TAGS}", 3)
    assert [(e.from_status, e.to_status, e.note) for e in entry.events][1:] == [
        (EntryStatus.PENDING, EntryStatus.NEEDS_FIX, reason),
        (EntryStatus.NEEDS_FIX, EntryStatus.PENDING, "参赛者修改后重新提交"),
    ]
    assert queue_ids(reviewer_client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == [entry.id]
    assert decide(reviewer_client, entry, **APPROVE).status_code == 302
    assert fresh(entry).status is EntryStatus.APPROVED


def test_resubmit_is_for_the_owner_of_an_entry_that_needs_a_fix(published_entry, author, make_user, signed_in):
    entry = published_entry
    stranger = signed_in(make_user(nickname="路人"))
    response = resubmit(stranger, entry)
    assert response.status_code == 404
    entrant = signed_in(author)
    resubmit(entrant, entry)
    assert "作品当前状态为“待审核”，不需要重新提交。" in flashes(entrant.get("/entries/mine").get_data(as_text=True))
    assert fresh(entry).status is EntryStatus.PENDING and len(fresh(entry).events) == 1


# --- two reviewers --------------------------------------------------------------------------

def test_the_second_reviewer_gets_a_409_and_nothing_changes(entry, reviewer, staff, signed_in):
    a = signed_in(reviewer)
    page = a.get(f"/staff/entries/{entry.id}").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    b_user = staff("admin")
    b = signed_in(b_user)
    assert decide(b, entry, **APPROVE).status_code == 302

    response = decide(a, entry, version=1, decision="reject", slogan="y", reason_choice="视频内容不适宜",
                      reason_text="画面有危险驾驶")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "这个作品刚被其他审核员处理过（版本 2），请刷新后再审。" in page
    assert "管理员小刘 于 2020-06-25 12:00 改为“已通过”：审核通过：口号、主题、内容均已确认" in text(page)
    assert "审核结果 不通过 已确认 视频中清晰说出口号“动力株洲文旅通，美好生活抖起来”，或以醒目字幕展示超过 2 秒 " \
           "原因 视频内容不适宜 补充说明 画面有危险驾驶" in text(page)
    entry_now = fresh(entry)
    assert (entry_now.status, entry_now.version) == (EntryStatus.APPROVED, 2)
    assert [(x.actor_id, x.action) for x in audits()] == [(b_user.id, "entry.approve")]
    assert [n.kind for n in notes()] == ["entry.approved"]

    # The reload link brings back what reviewer A typed, on the current version.
    reload_url = html.unescape(re.search(r'<a class="button" href="([^"]+)">重新载入作品', page).group(1))
    assert urlsplit(reload_url).path == f"/staff/entries/{entry.id}"
    assert parse_qs(urlsplit(reload_url).query) == {
        "decision": ["reject"], "reason_choice": ["视频内容不适宜"], "reason_text": ["画面有危险驾驶"], "slogan": ["1"],
        "next": ["/staff/?contest=zhuzhou-2020"]}
    page = a.get(reload_url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="2"' in page
    assert 'value="reject" checked' in page and '<option value="视频内容不适宜" selected>' in page
    assert "画面有危险驾驶</textarea>" in page
    assert 'name="slogan" value="y" checked>' in page and 'name="theme" value="y">' in page


def test_a_conflict_can_be_answered_as_json(entry, reviewer, staff, signed_in):
    decide(signed_in(staff("admin")), entry, **APPROVE)
    a = signed_in(reviewer)
    response = a.post(f"/staff/entries/{entry.id}/review", headers={"Accept": "application/json"},
                      data={"csrf_token": token(a), "version": "1", "decision": "reject", "reason_choice": "其他",
                            "reason_text": "x"})
    assert (response.status_code, response.get_json()) == (
        409, {"error": "这个作品刚被其他审核员处理过（版本 2），请刷新后再审。", "status": "approved", "version": 2})


def test_a_write_lost_in_the_database_is_a_409_not_a_500(app, entry, reviewer, staff, signed_in, monkeypatch):
    """Reviewer B commits between reviewer A's version check and A's write: the database's
    version check (version_id_col) refuses A's write, and A sees the conflict page."""
    from contest.domain import review as review_rules

    other = staff("admin")
    real = review_rules.review_entry

    def racing(entry_obj, **kwargs):
        with app.app_context():  # reviewer B, in another session, commits first
            b = db.session.get(Entry, entry_obj.id)
            real(b, reviewer=db.session.get(type(other), other.id), decision="approve", checklist=ALL, reason=None,
                 version=1, now=clock.now())
            db.session.commit()
        return real(entry_obj, **kwargs)

    monkeypatch.setattr(review_rules, "review_entry", racing)
    response = decide(signed_in(reviewer), entry, decision="reject", reason_choice="视频内容不适宜")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "这个作品刚被其他审核员处理过（版本 2），请刷新后再审。" in page
    entry = fresh(entry)
    assert (entry.status, entry.version) == (EntryStatus.APPROVED, 2)
    assert [(a.actor_id, a.action) for a in audits()] == [(other.id, "entry.approve")]
    assert count(Notification) == 1


def test_a_bulk_approval_lost_in_the_database_saves_nothing_and_is_a_409(app, make_entry, reviewer, staff, signed_in,
                                                                         monkeypatch):
    from contest.domain import review as review_rules

    first, second = make_entry(), make_entry()
    other = staff("admin")
    real = review_rules.bulk_approve

    def racing(entries, **kwargs):
        with app.app_context():  # someone rejects the second entry meanwhile
            b = db.session.get(Entry, second.id)
            review_rules.review_entry(b, reviewer=db.session.get(type(other), other.id), decision="reject",
                                      checklist={}, reason="视频内容不适宜", version=1, now=clock.now())
            db.session.commit()
        return real(entries, **kwargs)

    monkeypatch.setattr(review_rules, "bulk_approve", racing)
    response = bulk(signed_in(reviewer), [first, second])
    assert response.status_code == 409
    assert "有作品刚被其他审核员处理过，这次批量通过没有保存任何作品。请刷新后重试。" in response.get_data(as_text=True)
    assert [fresh(e).status for e in (first, second)] == [EntryStatus.PENDING, EntryStatus.REJECTED]
    assert [(a.actor_id, a.action) for a in audits()] == [(other.id, "entry.reject")]


# --- bulk approval --------------------------------------------------------------------------


def test_bulk_approval_approves_what_qualifies_and_reports_the_rest(make_entry, reviewer, author, signed_in):
    good, good_too = make_entry(), make_entry(theme="talent")
    provisional = make_entry(facts=PROVISIONAL)
    decided = make_entry(status=EntryStatus.REJECTED)
    client = signed_in(reviewer)
    response = bulk(client, [good, provisional, good_too, decided])
    assert (response.status_code, response.headers["Location"]) == (302, "/staff/?contest=zhuzhou-2020")
    assert flashes(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == [
        f"已批量通过 2 个作品（{good.id}、{good_too.id}），已通知参赛者。",
        f"作品 {provisional.id} 没有批量通过：发布时间仅由视频编号推算，尚未经抖音平台确认，请逐个审核。",
        f"作品 {decided.id} 没有批量通过：状态为“未通过”，只有待审核的作品可以批量通过。",
    ]
    assert [fresh(e).status for e in (good, good_too, provisional, decided)] == [
        EntryStatus.APPROVED, EntryStatus.APPROVED, EntryStatus.PENDING, EntryStatus.REJECTED]
    assert [(a.actor_id, a.action, a.target_id, a.changes) for a in audits()] == [
        (reviewer.id, "entry.approve", e.id, {"status": ["pending", "approved"], "checklist": ALL, "bulk": True})
        for e in (good, good_too)]
    assert [(n.user_id, n.entry_id, n.title) for n in notes()] == [
        (author.id, good.id, "作品已通过审核"), (author.id, good_too.id, "作品已通过审核")]


def test_bulk_approval_needs_the_attestation(entry, reviewer, signed_in):
    client = signed_in(reviewer)
    response = bulk(client, [entry], attest=None)
    assert response.status_code == 302
    assert flashes(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == [
        "请先勾选“我已逐一确认口号、主题和内容”，再批量通过。"]
    assert fresh(entry).status is EntryStatus.PENDING and audits() == []
    bulk(client, [])
    assert flashes(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == ["请先勾选要通过的作品。"]


def test_bulk_approval_skips_entries_changed_since_the_page_was_loaded(entry, reviewer, signed_in):
    client = signed_in(reviewer)
    bulk(client, [entry], versions={entry.id: 7})
    assert flashes(client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True)) == [
        f"作品 {entry.id} 没有批量通过：这个作品刚被其他人处理过，请刷新后再审。"]
    assert fresh(entry).status is EntryStatus.PENDING


def test_bulk_approval_skips_entries_outside_the_reviewers_areas(make_entry, staff, signed_in):
    hetang, liling = make_entry(area="hetang"), make_entry(area="liling")
    client = signed_in(staff("reviewer", areas=["liling"]))
    bulk(client, [hetang, liling])
    assert [fresh(e).status for e in (hetang, liling)] == [EntryStatus.PENDING, EntryStatus.APPROVED]
    assert f"作品 {hetang.id} 没有批量通过：你只能审核所负责区县的作品。" in flashes(
        client.get("/staff/?contest=zhuzhou-2020").get_data(as_text=True))


# --- SMS ------------------------------------------------------------------------------------

@pytest.fixture
def gateway(app):
    live = Gateway()
    app.config.update(CONTEST_SMS_BACKEND="http", CONTEST_SMS_GATEWAY_URL=live.url, CONTEST_SMS_GATEWAY_KEY="gw-key-1")
    yield live
    live.stop()


def test_a_decision_is_texted_when_the_http_backend_is_configured(entry, reviewer, signed_in, gateway):
    decide(signed_in(reviewer), entry, decision="request_fix", reason_choice="其他", reason_text="请 @株洲足迹")
    (note,) = notes()
    assert gateway.received == [{"json": {"phone": "13812345678", "message": note.body},
                                 "authorization": "Bearer gw-key-1", "content_type": "application/json"}]
    assert note.body.endswith("修改后可在“我的作品”中重新提交。")


def test_no_text_with_the_log_backend(entry, reviewer, signed_in, gateway, app):
    app.config["CONTEST_SMS_BACKEND"] = "log"
    assert decide(signed_in(reviewer), entry, **APPROVE).status_code == 302
    assert gateway.received == [] and count(Notification) == 1


def test_a_failing_gateway_never_undoes_the_decision(entry, reviewer, signed_in, gateway):
    gateway.status = 503
    response = decide(signed_in(reviewer), entry, **APPROVE)
    assert response.status_code == 302
    assert len(gateway.received) == 1
    assert fresh(entry).status is EntryStatus.APPROVED and count(Notification) == 1


# --- CSRF and the inbox ---------------------------------------------------------------------

def test_every_post_needs_a_csrf_token(published_entry, reviewer, author, signed_in):
    entry = published_entry
    client = signed_in(reviewer)
    for response in (decide(client, entry, csrf=False, **APPROVE), bulk(client, [entry], csrf=False)):
        assert response.status_code == 400 and CSRF_REFUSED in response.get_data(as_text=True)
    assert fresh(entry).status is EntryStatus.PENDING

    decide(client, entry, decision="request_fix", reason_choice="其他", reason_text="请修改")
    entrant = signed_in(author)
    for response in (resubmit(entrant, entry, csrf=False),
                     entrant.post("/entries/inbox/read", data={"all": "1"})):
        assert response.status_code == 400 and CSRF_REFUSED in response.get_data(as_text=True)
    assert fresh(entry).status is EntryStatus.NEEDS_FIX
    assert [n.read_at for n in notes()] == [None]


def test_the_inbox_lists_newest_first_and_marks_all_read(make_entry, reviewer, author, signed_in, freeze):
    first, second = make_entry(), make_entry()
    client = signed_in(reviewer)
    decide(client, first, **APPROVE)
    freeze("2020-06-25T13:30:00+08:00")
    decide(client, second, decision="reject", reason_choice="视频内容不适宜")
    entrant = signed_in(author)
    page = entrant.get("/entries/inbox").get_data(as_text=True)
    assert re.findall(r"<h2>(.*?)(?: <span|</h2>)", page) == ["作品未通过审核", "作品已通过审核"]
    assert "全部标为已读（2 条未读）" in text(page)
    assert entrant.post("/entries/inbox/read", data={"csrf_token": token(entrant), "all": "1"}).status_code == 302
    page = entrant.get("/entries/inbox").get_data(as_text=True)
    assert "未读" not in text(page) and 'class="badge"' not in page
    assert [n.read_at for n in notes()] == [clock.now(), clock.now()]


def test_the_inbox_needs_sign_in_and_shows_only_ones_own(client, entry, reviewer, signed_in, make_user):
    response = client.get("/entries/inbox")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login?next=%2Fentries%2Finbox")
    decide(signed_in(reviewer), entry, **APPROVE)
    page = signed_in(make_user(nickname="别人")).get("/entries/inbox").get_data(as_text=True)
    assert "还没有消息。" in page and "作品已通过审核" not in page


def test_pages_for_anonymous_visitors_run_no_query_for_the_badge(app, contest):
    from contest.blueprints.entries.inbox import _unread_messages

    statements = []

    def _count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        with app.test_request_context("/"):
            assert _unread_messages() == {}
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    assert statements == []


def test_queue_sorts_by_a_column_and_back(make_entry, reviewer, signed_in):
    first = make_entry(area="liling")
    second = make_entry(area="hetang")
    third = make_entry(area="liling")
    client = signed_in(reviewer)

    def ids(query=""):
        return queue_ids(client.get(f"/staff/?contest=zhuzhou-2020{query}").get_data(as_text=True))

    assert ids() == ids("&sort=submitted") == ids("&sort=nonsense") == [first.id, second.id, third.id]
    assert ids("&sort=-submitted") == [third.id, second.id, first.id]
    assert ids("&sort=area") == [second.id, first.id, third.id]  # 荷塘区 comes first in the contest
    assert ids("&sort=-area") == [third.id, first.id, second.id]
    page = client.get("/staff/?contest=zhuzhou-2020&sort=area").get_data(as_text=True)
    assert '<th scope="col" aria-sort="ascending"><a href="/staff/?contest=zhuzhou-2020&amp;status=pending&amp;sort=-area">区县</a></th>' in page
