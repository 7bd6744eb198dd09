"""``seed-demo --phase open|closed|notice|published`` (docs/demo.md): each phase on a fresh
database and one after another on the same one, with exactly what a person needs to see it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest.domain import contests
from contest.extensions import db
from contest.models import AuditEvent, Contest, Entry, EntryStatus, EntryTally, User
from contest.models.awards import AwardKind, AwardList, AwardStatus, Certificate
from contest.models.notification import Notification
from contest.models.judging import Score
from contest.models.objection import Objection, ObjectionStatus

NOW = "2026-11-29T10:00:00+08:00"
CLOSE = datetime.fromisoformat("2026-11-21T23:59:59+08:00")   # the end of the day 8 days before today
DRAFTED = datetime.fromisoformat("2026-11-23T10:00:00+08:00")  # the lists of a published demo
OBJECTION = "这个作品的点赞数在截止前一天突然多了几千，请核实有没有刷赞。"


def demo() -> Contest:
    return db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))


def seed(runner, *args: str) -> list[str]:
    result = runner.invoke(args=["seed-demo", *args])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def phase_of(now) -> tuple[str, str]:
    found = contests.contest_phase(demo(), now)
    return found.key, found.label


def lists() -> dict[AwardKind, AwardList]:
    return {a.kind: a for a in db.session.scalars(sa.select(AwardList).order_by(AwardList.id))}


def assert_judged() -> None:
    """Three judges scored each of the 36 approved entries, the morning after the close."""
    judges = db.session.scalars(sa.select(User.nickname).join(Score, Score.judge_id == User.id).distinct()).all()
    assert sorted(judges) == sorted(["评委老刘", "评委小吴", "评委老谭"])
    approved = set(db.session.scalars(sa.select(Entry.id).where(Entry.status == EntryStatus.APPROVED)))
    per_entry = Counter(db.session.scalars(sa.select(Score.entry_id)))
    assert (len(approved), set(per_entry), set(per_entry.values())) == (36, approved, {3})
    first, last = db.session.execute(sa.select(sa.func.min(Score.created_at), sa.func.max(Score.created_at))).one()
    assert CLOSE < first and last < DRAFTED


def assert_closed_and_judged() -> None:
    contest = demo()
    assert contest.closes_at == CLOSE
    # The tallies follow the close: no reading after it counts.
    assert db.session.scalar(sa.select(sa.func.max(EntryTally.observed_at))) <= CLOSE
    moved = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "contest.update"))
    assert (moved.changes["closes_at"][1], moved.note) == (
        "2026-11-21T15:59:59+00:00", "演示：把截止时间移到 8 天前，以便展示评审、公示和公布结果。")
    assert_judged()


def test_phase_open_is_the_demo_as_before(runner, freeze):
    now = freeze(NOW)
    lines = seed(runner, "--phase", "open")
    assert "已创建演示活动 demo：2026-11-04 00:00:00 至 2026-12-03 23:59:59（北京时间）" in lines
    assert "演示活动现在：进行中" in lines
    assert phase_of(now) == ("open", "进行中")
    assert (rows(Score), rows(AwardList), rows(Objection)) == (0, 0, 0)
    # Three judges to sign in as, with the admin and the reviewer.
    staff = db.session.scalars(sa.select(User.phone).where(User.role != "citizen").order_by(User.phone)).all()
    assert staff == ["13800000001", "13800000002", "13800000003", "13800000014", "13800000015"]


def test_phase_closed_has_three_judges_scores_and_no_list(runner, freeze):
    now = freeze(NOW)
    lines = seed(runner, "--phase", "closed")
    assert lines[lines.index("演示活动已截止：截止时间改为 2026-11-21 23:59:59（北京时间）。") + 1] == (
        "3 位评委已给 36 件已通过的作品评分（新增 108 份评分），优秀奖可以排名了。")
    assert phase_of(now) == ("judging", "已截止，评审中")
    assert_closed_and_judged()
    assert rows(AwardList) == 0
    assert contests.current_contest(now).slug == "demo"


def test_phase_notice_has_both_lists_in_notice_and_an_objection_waiting(runner, freeze):
    now = freeze(NOW)
    lines = seed(runner, "--phase", "notice")
    assert "人气奖和优秀奖的拟获奖名单已进入公示。" in lines
    assert phase_of(now) == ("notice", "公示中（至12月4日 10:00）")
    assert_closed_and_judged()
    found = lists()
    assert {(k, a.status, a.notice_starts_at, a.notice_ends_at, len(a.places)) for k, a in found.items()} == {
        (k, AwardStatus.NOTICE, now, now + timedelta(days=5), 10) for k in AwardKind}
    objection = db.session.scalar(sa.select(Objection))
    first = found[AwardKind.POPULARITY].places[0]
    # The first demo citizen who is not the author of the first place objects.
    objector = "老张的乡村" if first.entry.user.phone == "13800000004" else "小李爱株洲"
    assert (objection.status, objection.entry_id, objection.award_list_id, objection.reason, objection.created_at,
            objection.user.nickname) == (ObjectionStatus.OPEN, first.entry_id, found[AwardKind.POPULARITY].id,
                                         OBJECTION, now, objector)
    assert f"{objection.user.nickname} 对人气奖第 1 名（作品 {first.entry_id}）提出了异议，等待管理员答复（/staff/objections）。" in lines
    assert rows(Certificate) == 0  # no certificate before publication


def assert_published(now) -> None:
    assert phase_of(now) == ("published", "已公布")
    assert_closed_and_judged()
    found = lists()
    assert {(k, a.status, a.notice_starts_at, a.notice_ends_at, a.published_at, len(a.places))
            for k, a in found.items()} == {
        (k, AwardStatus.PUBLISHED, DRAFTED, DRAFTED + timedelta(days=5), now, 10) for k in AwardKind}
    objection = db.session.scalar(sa.select(Objection))
    assert (objection.status, objection.created_at, objection.handled_at, objection.reply) == (
        ObjectionStatus.DISMISSED, DRAFTED + timedelta(hours=5) if rows(AuditEvent, "demo.shift") == 0 else DRAFTED,
        DRAFTED + timedelta(days=5, hours=1), "经核查，点赞增长来自作品被本地媒体转发后的正常传播，未发现刷赞，异议不成立。")
    assert contests.current_contest(now).slug == "demo"
    # Every published place has its numbered certificate; the winners were told.
    places = [p for a in found.values() for p in a.places]
    codes = db.session.scalars(sa.select(Certificate.code).where(Certificate.place_id.in_([p.id for p in places])))
    assert len(set(codes)) == len(places) == 20
    told = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == "award.published"))
    assert told == 20


def rows(model, action: str | None = None) -> int:
    """How many rows ``model`` has (audit events: of ``action``)."""
    query = sa.select(sa.func.count()).select_from(model)
    return db.session.scalar(query.where(AuditEvent.action == action) if action else query)


def test_phase_published_on_a_fresh_database(runner, freeze, client):
    now = freeze(NOW)
    lines = seed(runner, "--phase", "published")
    code = db.session.scalar(sa.select(Certificate.code).order_by(Certificate.id))
    assert f"获奖证书已生成（20 张），例如 /certificates/{code}（公开核验页；获奖者在“我的作品”下载自己的证书）。" in lines
    assert "<strong>真实有效</strong>" in client.get(f"/certificates/{code}").get_data(as_text=True)
    assert lines[lines.index("获奖名单已公布，异议已答复。") + 2] == "演示活动现在：已公布"
    assert rows(AuditEvent, "demo.shift") == 0  # drafted in the past: nothing to move
    assert_published(now)


def test_the_phases_follow_each_other_on_one_database(runner, freeze):
    now = freeze(NOW)
    for phase in ("open", "closed", "notice"):
        seed(runner, "--phase", phase)
    lines = seed(runner, "--phase", "published")
    assert "演示：公示期整体提前到 2026-11-23 10:00（北京时间）开始，现已结束。" in lines
    shift = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "demo.shift"))
    assert shift.changes["seconds"] == int((DRAFTED - now).total_seconds())
    assert_published(now)
    before = (rows(Score), rows(AwardList), rows(Objection), rows(AuditEvent))

    # Again: nothing changes; plain seed-demo (make run) leaves the phase alone; no going back.
    assert "演示活动现在：已公布" in seed(runner, "--phase", "published")
    assert "演示活动现在：已公布" in seed(runner)
    assert (rows(Score), rows(AwardList), rows(Objection), rows(AuditEvent)) == before
    back = runner.invoke(args=["seed-demo", "--phase", "notice"])
    assert (back.exit_code, back.output.strip().splitlines()[-1]) == (
        1, "Error: 演示活动已经过了“公示中”阶段（现在：已公布），阶段不能倒退：请换一个空数据库重新运行 seed-demo。")


def test_phase_notice_twice_and_the_pages_say_so(runner, freeze, client):
    freeze(NOW)
    seed(runner, "--phase", "notice")
    before = (rows(Score), rows(AwardList), rows(Objection))
    assert "演示活动现在：公示中（至12月4日 10:00）" in seed(runner, "--phase", "notice")
    assert (rows(Score), rows(AwardList), rows(Objection)) == before
    badge = '<span class="phase-badge phase-notice">公示中（至12月4日 10:00）</span>'
    for path in ("/", "/winners", "/leaderboards", "/gallery", "/rules", "/announcements"):
        page = client.get(path).get_data(as_text=True)
        assert badge in page and '<a href="/contests">全部活动</a>' in page.split('<nav class="contest-bar"')[1], path


@pytest.mark.parametrize("bad", ["later", ""])
def test_an_unknown_phase_is_refused(runner, bad):
    result = runner.invoke(args=["seed-demo", "--phase", bad])
    assert result.exit_code == 2 and "Invalid value for '--phase'" in result.output
