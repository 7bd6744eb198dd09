"""Awards that can't go out wrong (docs/rules.md §9): moving the lists to their notice and
publishing them each go through a confirmation page showing exactly what will be public; a
list with fewer entries than places is refused unless an admin gives a reason, which is audited
and shown beside the list on /winners; the listed entrants are told at each step."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest.domain.likes import record_snapshot
from contest.extensions import db
from contest.models import AuditEvent, SnapshotSource
from contest.models.awards import AwardKind, AwardList, AwardStatus
from contest.models.notification import Notification
from tests.conftest import build_entry, csrf_from

IN_WINDOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")
CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
DRAFT = datetime.fromisoformat("2020-07-18T10:00:00+08:00")
SLUG = "zhuzhou-2020"
REASON = "只有两件作品获得三位评委评分，优秀奖空缺名额不再补评。"
SHORT = ("优秀奖名单不足额（总榜 0/2）。名单人数少于名额时，必须由管理员填写原因才能开始公示，原因会公开显示在名单旁。")


@pytest.fixture
def field(make_contest, make_user):
    """Three entries with likes and no judges' scores: the popularity list is full (2 of 2), the
    excellence list empty (0 of 2)."""
    contest = make_contest(frozen_at=IN_WINDOW, popularity_award_size=2, excellence_award_size=2)
    hidden, shown = make_user(nickname="张三丰"), make_user(nickname="李四")
    entries = []
    for n, (user, likes, show) in enumerate(((hidden, 500, False), (shown, 400, True), (hidden, 100, False)), 1):
        entry = build_entry(contest, user, video_id=str(7_400_000_000_000_000_000 + n), at=IN_WINDOW,
                            caption=f"第{n}个作品 #动力株洲文旅通", show_nickname=show)
        db.session.flush()
        record_snapshot(entry, observed_at=CLOSE - timedelta(hours=1), likes=likes, source=SnapshotSource.PLATFORM)
        entries.append(entry)
    db.session.commit()
    return contest, entries


def page(client, url: str) -> str:
    return client.get(url, follow_redirects=True).get_data(as_text=True)


def expected_of(html: str) -> str:
    return re.search(r'name="expected" type="hidden" value="([0-9a-f]{16})"', html).group(1)


def test_notice_and_publication_go_through_confirmation(client, login, make_user, field, freeze):
    contest, (first, second, _third) = field
    login(make_user(role="admin", nickname="管理员"))
    freeze(DRAFT)
    awards_page = page(client, f"/staff/awards?contest={SLUG}")
    assert '<form method="get" action="/staff/awards/draft">' in awards_page and "预览名单" in awards_page

    # The confirmation page shows exactly what will be public: places, titles, authors as shown publicly.
    html = page(client, f"/staff/awards/draft?contest={SLUG}&notice_days=5")
    assert "<h1>确认公示拟获奖名单</h1>" in html
    rows = re.findall(r'<tr data-entry="(\d+)"><td>(.*?)</td><td class="num">(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>',
                      html)
    assert rows == [(str(first.id), "总榜", "1", "第1个作品", "张**"), (str(second.id), "总榜", "2", "第2个作品", "李四")]
    assert "这个名单是空的：没有一件作品符合条件。" in html and "名单不足额：总榜 0/2。" in html
    assert "张三丰" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardList)) == 0  # a preview writes nothing

    # Refused without a reason: back to the confirmation page, which says why; nothing is written.
    token = csrf_from(client, f"/staff/awards?contest={SLUG}")
    form = {"csrf_token": token, "notice_days": "5", "expected": expected_of(html)}
    refused = client.post(f"/staff/awards/draft?contest={SLUG}", data=form)
    assert refused.headers["Location"] == f"/staff/awards/draft?contest={SLUG}&notice_days=5"
    assert SHORT in page(client, refused.headers["Location"])
    # Refused when the lists changed after the page was shown.
    stale = client.post(f"/staff/awards/draft?contest={SLUG}", data={**form, "expected": "0" * 16,
                                                                      "short_reason": REASON})
    assert "名单在你确认之后发生了变化，请重新查看后再开始公示。" in page(client, stale.headers["Location"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardList)) == 0

    # Accepted with a reason: kept on the short list, audited, shown beside it on /winners.
    done = client.post(f"/staff/awards/draft?contest={SLUG}", data={**form, "short_reason": f"  {REASON} "})
    assert done.headers["Location"] == f"/staff/awards?contest={SLUG}"
    assert "已生成拟获奖名单，开始公示（5 天），名单上的作者已收到通知。" in page(client, done.headers["Location"])
    lists = {a.kind: a for a in db.session.scalars(sa.select(AwardList))}
    assert {k: (a.status, a.short_reason) for k, a in lists.items()} == {
        AwardKind.POPULARITY: (AwardStatus.NOTICE, None), AwardKind.EXCELLENCE: (AwardStatus.NOTICE, REASON)}
    drafts = db.session.execute(sa.select(AuditEvent.target_id, AuditEvent.note, AuditEvent.changes)
                                .where(AuditEvent.action == "awards.draft").order_by(AuditEvent.id)).all()
    assert [(t, note, changes.get("short")) for t, note, changes in drafts] == [
        (lists[AwardKind.POPULARITY].id, None, None), (lists[AwardKind.EXCELLENCE].id, REASON, {"overall": [0, 2]})]
    winners = client.get(f"/winners?contest={SLUG}").get_data(as_text=True)
    excellence = winners.split('id="award-excellence"')[1]
    assert f'<p class="short-reason" role="note">名单人数少于名额（2 名）的说明：{REASON}</p>' in excellence
    assert "short-reason" not in winners.split('id="award-excellence"')[0]

    # The listed entrants are told: inbox, and a text to their confirmed phone.
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "award.notice")
                               .order_by(Notification.id)).all()
    assert [(n.user_id, n.entry_id, n.title) for n in notes] == [
        (first.user_id, first.id, "你的作品进入拟获奖名单公示"), (second.user_id, second.id, "你的作品进入拟获奖名单公示")]
    assert notes[0].body == ("你在“测试活动”的作品《第1个作品》列入人气奖（总榜）第 1 名拟获奖名单，"
                             "公示至 2020年07月23日 10:00（北京时间）。公示结束且没有成立的异议后，名单正式公布。")

    # Publication: its own confirmation page, the reason offered again; published with it.
    freeze(DRAFT + timedelta(days=5))
    html = page(client, f"/staff/awards?contest={SLUG}")
    assert 'href="/staff/awards/publish?contest=zhuzhou-2020">预览并确认发布</a>' in html
    html = page(client, f"/staff/awards/publish?contest={SLUG}")
    assert "<h1>确认发布获奖名单</h1>" in html, html[-3000:]
    assert f"{REASON}</textarea>" in html
    assert "发布" in html and "第1个作品" in html and "张**" in html
    token = csrf_from(client, f"/staff/awards?contest={SLUG}")
    refused = client.post(f"/staff/awards/publish?contest={SLUG}",
                          data={"csrf_token": token, "expected": "0" * 16, "short_reason": REASON})
    assert "名单在你确认之后发生了变化，请重新查看后再发布。" in page(client, refused.headers["Location"])
    done = client.post(f"/staff/awards/publish?contest={SLUG}",
                       data={"csrf_token": token, "expected": expected_of(html), "short_reason": REASON})
    assert "获奖名单已发布，获奖者已收到通知，证书已生成。" in page(client, done.headers["Location"])
    published = db.session.execute(sa.select(AuditEvent.note, AuditEvent.changes)
                                   .where(AuditEvent.action == "awards.publish").order_by(AuditEvent.id)).all()
    assert [(note, changes.get("short")) for note, changes in published] == [
        (None, None), (REASON, {"overall": [0, 2]})]
    db.session.expire_all()
    assert db.session.scalar(sa.select(AwardList.short_reason).where(
        AwardList.kind == AwardKind.EXCELLENCE, AwardList.status == AwardStatus.PUBLISHED)) == REASON
    assert REASON in client.get(f"/winners?contest={SLUG}").get_data(as_text=True)
    told = db.session.scalars(sa.select(Notification.body).where(Notification.kind == "award.published")
                              .order_by(Notification.id)).all()
    assert told == [
        "你在“测试活动”的作品《第1个作品》荣获人气奖（总榜）第 1 名，获奖名单已正式公布。"
        "获奖证书可在“我的作品”中查看和下载，证书上的名字可以自己选择。",
        "你在“测试活动”的作品《第2个作品》荣获人气奖（总榜）第 2 名，获奖名单已正式公布。"
        "获奖证书可在“我的作品”中查看和下载，证书上的名字可以自己选择。"]


def test_winners_are_texted_at_their_confirmed_phone(app, field, make_user, freeze):
    """The SMS outbox queues a text for each listed entrant with a confirmed phone; it goes to the
    gateway after the commit (rolled back here: nothing is sent)."""
    from contest.domain import awards
    from contest.integrations.sms_outbox import _OUTBOX

    contest, (first, second, _third) = field
    second.user.phone_verified_at = IN_WINDOW  # only a confirmed phone is texted
    db.session.commit()
    first.user.phone_verified_at = None
    db.session.commit()
    app.config["CONTEST_SMS_BACKEND"] = "http"
    awards.draft_awards(contest, staff=make_user(role="admin"), now=freeze(DRAFT), short_reason=REASON)
    db.session.flush()
    assert db.session.info[_OUTBOX] == [(second.user.phone, (
        "你在“测试活动”的作品《第2个作品》列入人气奖（总榜）第 2 名拟获奖名单，"
        "公示至 2020年07月23日 10:00（北京时间）。公示结束且没有成立的异议后，名单正式公布。"))]
    db.session.rollback()


def test_the_rule_holds_outside_the_pages(field, make_user, freeze):
    """The domain refuses a short list without a reason (a blank one too), whoever calls it."""
    from contest.domain import awards
    from contest.domain.errors import DomainError

    contest, _ = field
    for blank in (None, "   "):
        with pytest.raises(DomainError) as refused:
            awards.draft_awards(contest, staff=make_user(role="admin"), now=freeze(DRAFT), short_reason=blank)
        assert refused.value.message == SHORT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AwardList)) == 0
