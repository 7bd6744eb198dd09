"""The award flow with exact places: draft after the close, public notice with
disqualification, publication, corrections, the double-win rule, per-theme lists,
and announcements."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.domain import announcements as notices
from contest.domain import award_lists
from contest.domain import awards
from contest.domain import judging
from contest.domain.errors import Conflict, DomainError
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus
from contest.models.awards import AnnouncementKind, AwardKind, AwardList, AwardPlace, AwardStatus, Disqualification
from tests.support.awards import AWARDS_CONTEST, CLOSE, DRAFT, IN_WINDOW, NOTICE_ENDS

pytestmark = AWARDS_CONTEST


# name: (theme, likes at the close, excellence total given by every judge)


def places(award_list: AwardList) -> dict[str, list[str]]:
    """``{scope: [entry names in rank order]}`` (names from the caption)."""
    out: dict[str, list[str]] = {}
    for p in sorted(award_list.places, key=lambda p: (p.scope, p.rank)):
        out.setdefault(p.scope, []).append(db.session.get(Entry, p.entry_id).caption.split()[0])
    return out


def lists_of(contest, kind):
    return db.session.scalars(sa.select(AwardList).where(AwardList.contest_id == contest.id, AwardList.kind == kind)
                              .order_by(AwardList.version)).all()


def actions() -> list[str]:
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("awards.%")).order_by(AuditEvent.id))]


def test_draft_refused_before_the_close(contest, field, admin, freeze):
    now = freeze(CLOSE)  # the last second still counts
    with pytest.raises(DomainError, match="活动截止后才能生成获奖名单"):
        awards.draft_awards(contest, staff=admin, now=now, short_reason="名额多于参评作品（测试）。")
    assert lists_of(contest, AwardKind.POPULARITY) == []


def test_full_flow_notice_disqualify_publish_correct(contest, field, admin, freeze):
    made = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    popularity, excellence = made
    assert [(a.kind, a.version, a.status, a.notice_starts_at, a.notice_ends_at, a.published_at) for a in made] == [
        (AwardKind.POPULARITY, 1, AwardStatus.NOTICE, DRAFT, NOTICE_ENDS, None),
        (AwardKind.EXCELLENCE, 1, AwardStatus.NOTICE, DRAFT, NOTICE_ENDS, None)]
    # Top 2 overall and top 2 per theme.
    assert places(popularity) == {"overall": ["P1", "P2"], "life": ["P1", "P3"], "talent": ["P2", "P5"],
                                  "village": ["P4"]}
    assert places(excellence) == {"overall": ["P1", "P3"], "life": ["P1", "P3"], "talent": ["P5", "P2"],
                                  "village": ["P4"]}
    first = next(p for p in popularity.places if p.scope == "overall" and p.rank == 1)
    assert (first.value, first.detail["likes"]) == (500.0, 500)
    top = next(p for p in excellence.places if p.scope == "overall" and p.rank == 1)
    assert (top.detail["raw_mean"], top.detail["spread"], top.detail["judges"], top.detail["ranking"]) == (90, 0, 3, 1)
    assert award_lists.notice_awards(contest, "popularity").id == popularity.id
    assert award_lists.current_awards(contest, "popularity") is None

    with pytest.raises(Conflict, match="人气奖名单已在公示中"):
        awards.draft_awards(contest, staff=admin, now=DRAFT, short_reason="名额多于参评作品（测试）。")

    # During the notice: P1 is disqualified and everyone below moves up.
    now = freeze(DRAFT + timedelta(days=2))
    row = awards.disqualify(contest, field["P1"], "视频含有其他地区的宣传内容", staff=admin, now=now)
    db.session.commit()
    assert (row.entry_id, row.reason, row.at, row.by_id) == (field["P1"].id, "视频含有其他地区的宣传内容", now, admin.id)
    assert field["P1"].status is EntryStatus.REJECTED
    event = field["P1"].events[-1]
    assert (event.from_status, event.to_status, event.note, event.actor_id) == (
        EntryStatus.APPROVED, EntryStatus.REJECTED, "视频含有其他地区的宣传内容", admin.id)
    assert places(popularity) == {"overall": ["P2", "P3"], "life": ["P3", "P6"], "talent": ["P2", "P5"],
                                  "village": ["P4"]}
    assert places(excellence) == {"overall": ["P3", "P5"], "life": ["P3", "P6"], "talent": ["P5", "P2"],
                                  "village": ["P4"]}
    assert (popularity.version, popularity.status) == (1, AwardStatus.NOTICE)  # in place, not a new version

    with pytest.raises(DomainError, match="公示期尚未结束，不能发布获奖名单"):
        awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS - timedelta(seconds=1)))
    with pytest.raises(DomainError, match="公示期已结束，不能再在公示中取消资格"):
        awards.disqualify(contest, field["P2"], "迟到的投诉", staff=admin, now=freeze(NOTICE_ENDS))

    published = awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()
    assert [(a.id, a.status, a.published_at) for a in published] == [
        (popularity.id, AwardStatus.PUBLISHED, NOTICE_ENDS), (excellence.id, AwardStatus.PUBLISHED, NOTICE_ENDS)]
    assert award_lists.current_awards(contest, AwardKind.EXCELLENCE).id == excellence.id
    assert award_lists.notice_awards(contest, AwardKind.EXCELLENCE) is None
    # Scores are locked now.
    with pytest.raises(Conflict, match="优秀奖已经发布，评分已锁定"):
        judging.submit_score(field["P3"], _a_judge(), {"theme": 1, "creativity": 1, "production": 1, "zhuzhou": 1},
                             now=NOTICE_ENDS)
    with pytest.raises(Conflict, match="名单已经发布；如需修改，请发布更正"):
        awards.draft_awards(contest, staff=admin, now=NOTICE_ENDS, short_reason="名额多于参评作品（测试）。")

    # A correction: P2 turns out to be a copy; it holds places in both awards, so both are corrected.
    now = freeze(NOTICE_ENDS + timedelta(days=3))
    v1_popularity = places(popularity)
    made = awards.correct_awards(contest, kind="popularity", reason="作品 P2 系抄袭，取消资格", staff=admin, now=now,
                                 disqualify_entry=field["P2"])
    db.session.commit()
    assert [(a.kind, a.version, a.status, a.reason, a.published_at) for a in made] == [
        (AwardKind.POPULARITY, 2, AwardStatus.PUBLISHED, "作品 P2 系抄袭，取消资格", now),
        (AwardKind.EXCELLENCE, 2, AwardStatus.PUBLISHED, "作品 P2 系抄袭，取消资格", now)]
    assert places(made[0]) == {"overall": ["P3", "P4"], "life": ["P3", "P6"], "talent": ["P5"], "village": ["P4"]}
    assert places(made[1]) == {"overall": ["P3", "P5"], "life": ["P3", "P6"], "talent": ["P5"], "village": ["P4"]}
    db.session.expire_all()
    old = db.session.get(AwardList, popularity.id)
    assert (old.version, old.status, old.published_at, old.reason) == (1, AwardStatus.SUPERSEDED, NOTICE_ENDS, None)
    assert places(old) == v1_popularity  # version 1 is kept as it was published
    assert award_lists.current_awards(contest, "popularity").version == 2
    assert [a.version for a in award_lists.award_history(contest, "popularity")] == [2, 1]
    assert db.session.scalars(sa.select(Disqualification.entry_id).order_by(Disqualification.id)).all() == [
        field["P1"].id, field["P2"].id]

    assert actions() == ["awards.draft", "awards.draft", "awards.disqualify", "awards.publish", "awards.publish",
                         "awards.correct", "awards.correct"]
    correct = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "awards.correct")
                                 .order_by(AuditEvent.id)).first()
    assert (correct.actor_id, correct.target_type, correct.target_id, correct.contest_id, correct.note) == (
        admin.id, "award_list", made[0].id, contest.id, "作品 P2 系抄袭，取消资格")
    assert correct.changes["version"] == [1, 2]


def _a_judge():
    from contest.models import Role, User

    return db.session.scalar(sa.select(User).where(User.role == Role.JUDGE).order_by(User.id).limit(1))


def test_published_lists_cannot_be_edited(contest, field, admin, freeze):
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    published = awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()
    published[0].reason = "悄悄修改"
    with pytest.raises(RuntimeError, match="never edited"):
        db.session.flush()
    db.session.rollback()
    place = db.session.scalar(sa.select(AwardPlace).where(AwardPlace.award_list_id == published[0].id).limit(1))
    place.rank = 9
    with pytest.raises(RuntimeError, match="never edited"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AwardList, published[0].id))
    with pytest.raises(RuntimeError, match="never"):
        db.session.flush()
    db.session.rollback()


def test_a_correction_that_changes_nothing_is_refused(contest, field, admin, freeze):
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()
    with pytest.raises(Conflict, match="重新计算的获奖名单与已发布的名单相同"):
        awards.correct_awards(contest, kind="excellence", reason="复核", staff=admin, now=NOTICE_ENDS)
    with pytest.raises(DomainError, match="请填写更正原因"):
        awards.correct_awards(contest, kind="excellence", reason="  ", staff=admin, now=NOTICE_ENDS)


def test_no_double_win_skips_popularity_winners_scope_by_scope(contest, field, admin, freeze):
    contest.allow_double_win = False
    db.session.commit()
    popularity, excellence = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    assert places(popularity) == {"overall": ["P1", "P2"], "life": ["P1", "P3"], "talent": ["P2", "P5"],
                                  "village": ["P4"]}
    # Excellence order P1, P3, P5, P4, P2, P6 without the same scope's popularity winners.
    assert places(excellence) == {"overall": ["P3", "P5"], "life": ["P6"]}
    overall_first = next(p for p in excellence.places if p.scope == "overall" and p.rank == 1)
    assert (overall_first.detail["ranking"], overall_first.detail["passed_over"]) == (2, [field["P1"].id])
    life_first = next(p for p in excellence.places if p.scope == "life")
    assert life_first.detail["passed_over"] == [field["P1"].id, field["P3"].id]

    # Disqualifying a popularity winner frees its excellence place in the same recomputation.
    awards.disqualify(contest, field["P2"], "刷赞", staff=admin, now=freeze(DRAFT + timedelta(days=1)))
    db.session.commit()
    assert places(popularity) == {"overall": ["P1", "P3"], "life": ["P1", "P3"], "talent": ["P5"],
                                  "village": ["P4"]}
    assert places(excellence) == {"overall": ["P5", "P4"], "life": ["P6"]}


def test_late_score_during_the_notice_refreshes_the_lists(contest, field, admin, freeze):
    popularity, excellence = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    judge = _a_judge()
    # One judge lowers P1 to 0: 90, 90, 0 → it drops below P3 overall and in life.
    awards.score_entry(field["P1"], judge, {"theme": 0, "creativity": 0, "production": 0, "zhuzhou": 0},
                       now=freeze(DRAFT + timedelta(hours=1)))
    db.session.commit()
    assert places(excellence) == {"overall": ["P3", "P5"], "life": ["P3", "P1"], "talent": ["P5", "P2"],
                                  "village": ["P4"]}
    refresh = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "awards.refresh"))
    assert (refresh.actor_id, refresh.note, sorted(refresh.changes)) == (judge.id, "score.submit", ["excellence"])


def test_disqualify_needs_a_notice_and_a_reason(contest, field, admin, freeze):
    now = freeze(DRAFT)
    with pytest.raises(DomainError, match="现在没有公示中的获奖名单"):
        awards.disqualify(contest, field["P1"], "原因", staff=admin, now=now)
    awards.draft_awards(contest, staff=admin, now=now, short_reason="名额多于参评作品（测试）。")
    with pytest.raises(DomainError, match="请填写取消资格的原因"):
        awards.disqualify(contest, field["P1"], " ", staff=admin, now=now)
    with pytest.raises(DomainError, match="公示天数必须是 1 到 30 之间的整数"):
        awards.draft_awards(contest, staff=admin, now=now, notice_days=0, short_reason="名额多于参评作品（测试）。")


def test_notice_days_are_configurable(contest, field, admin, freeze):
    made = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), notice_days=7, short_reason="名额多于参评作品（测试）。")
    assert {a.notice_ends_at for a in made} == {DRAFT + timedelta(days=7)}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "awards.draft"))
    assert (event.changes["notice_days"], event.changes["places"][:2]) == (
        7, [["overall", 1, field["P1"].id], ["overall", 2, field["P2"].id]])


def test_publish_recomputes_a_change_made_elsewhere(contest, field, admin, freeze):
    from contest.domain.entries import set_entry_status

    popularity, _ = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    # Rejected through the review pages, not through the awards: publication still leaves it out.
    set_entry_status(field["P2"], EntryStatus.REJECTED, actor=admin, now=DRAFT + timedelta(days=1), note="复审未通过")
    awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()
    assert places(popularity)["overall"] == ["P1", "P3"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "awards.publish"))
    assert event.changes["recomputed"]["before"][:2] == [["overall", 1, field["P1"].id], ["overall", 2, field["P2"].id]]


# --- announcements --------------------------------------------------------------------------------------------------

def test_announcements_draft_publish_unpublish(contest, admin, freeze):
    now = freeze(IN_WINDOW)
    first = notices.create_announcement(contest, title=" 活动启动 ", body="欢迎参赛", kind="opening", staff=admin, now=now)
    second = notices.create_announcement(contest, title="截止提醒", body="还有三天", kind=AnnouncementKind.REMINDER,
                                         staff=admin, now=now)
    db.session.commit()
    assert (first.title, first.published_at, first.author_id) == ("活动启动", None, admin.id)
    assert notices.public_announcements(contest) == []
    notices.publish_announcement(first, staff=admin, now=now)
    notices.publish_announcement(second, staff=admin, now=now + timedelta(hours=1))
    db.session.commit()
    assert [a.title for a in notices.public_announcements(contest)] == ["截止提醒", "活动启动"]
    assert [a.title for a in notices.public_announcements(contest, limit=1)] == ["截止提醒"]
    notices.update_announcement(first, title="活动启动", body="欢迎参赛！", kind="opening", staff=admin, now=now)
    notices.unpublish_announcement(second, staff=admin, now=now)
    db.session.commit()
    assert [a.title for a in notices.public_announcements(contest)] == ["活动启动"]
    with pytest.raises(Conflict, match="已发布的公告不能删除"):
        notices.delete_announcement(first, staff=admin, now=now)
    notices.delete_announcement(second, staff=admin, now=now)
    db.session.commit()
    with pytest.raises(DomainError, match="请选择公告类型"):
        notices.create_announcement(contest, title="x", body="y", kind="banner", staff=admin, now=now)
    with pytest.raises(DomainError, match="请填写公告标题"):
        notices.create_announcement(contest, title=" ", body="y", kind="other", staff=admin, now=now)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_type) for e in events] == [
        ("announcement.create", "announcement"), ("announcement.create", "announcement"),
        ("announcement.publish", "announcement"), ("announcement.publish", "announcement"),
        ("announcement.update", "announcement"), ("announcement.unpublish", "announcement"),
        ("announcement.delete", "announcement")]
    assert events[4].changes == {"body": ["欢迎参赛", "欢迎参赛！"]}


# --- places as announced --------------------------------------------------------------------------------------------

def test_a_new_contest_has_ten_places_per_award_overall_only(make_contest):
    contest = make_contest(slug="defaults")
    assert (contest.popularity_award_size, contest.excellence_award_size, contest.theme_award_places) == (10, 10, False)


def test_without_theme_places_the_lists_are_overall_only(contest, field, admin, freeze):
    contest.theme_award_places = False
    db.session.commit()
    popularity, excellence = awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    assert places(popularity) == {"overall": ["P1", "P2"]}
    assert places(excellence) == {"overall": ["P1", "P3"]}
    # Disqualifying recomputes the overall list only, too.
    awards.disqualify(contest, field["P1"], "抄袭", staff=admin, now=freeze(DRAFT + timedelta(days=1)))
    db.session.commit()
    assert places(popularity) == {"overall": ["P2", "P3"]}
    assert places(excellence) == {"overall": ["P3", "P5"]}
