"""Judging the excellence award: the rubric, blind queues, conflicts, progress and the
z-score aggregate, checked against figures computed here by hand."""

from datetime import datetime, timedelta
from math import sqrt

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import judging as rules
from contest.domain.errors import Conflict, DomainError, Refused
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus
from contest.models.judging import JudgeConflict, Rubric, Score

NOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")


# make_entry(): approved entries submitted a minute apart from June 20, 10:00.
pytestmark = [
    pytest.mark.contest(frozen_at=NOW),
    pytest.mark.entries(status=EntryStatus.APPROVED, video_base=7_000_000_000_000_000_000,
                        at=datetime.fromisoformat("2020-06-20T10:00:00+08:00"), spacing=timedelta(minutes=1),
                        submitted_text="x", caption="作品说明 {n}", published_at=None, facts=None, event=False),
]


@pytest.fixture
def judges(make_user):
    return [make_user(role="judge", nickname=name) for name in ("评委甲", "评委乙", "评委丙", "评委丁")]


def uniform(total: int) -> dict:
    """Values that give ``total`` (each criterion total/10 out of 10)."""
    v = total // 10
    return {"theme": v, "creativity": v, "production": v, "zhuzhou": v}


def score(entry, judge, values):
    made = rules.submit_score(entry, judge, values, now=clock.now())
    db.session.commit()
    return made


def z_of(totals):
    """Population z-scores, computed without the module under test."""
    mean = sum(totals) / len(totals)
    sd = sqrt(sum((t - mean) ** 2 for t in totals) / len(totals))
    return [(t - mean) / sd for t in totals]


# --- rubric ---------------------------------------------------------------------------------------------------------

def test_rubric_for_creates_the_default(contest):
    rubric = rules.rubric_for(contest)
    db.session.commit()
    assert contest.min_judges == 3  # the contest's, set when it was created
    assert rubric.criteria == [
        {"key": "theme", "name": "主题契合", "weight": 30, "min": 0, "max": 10},
        {"key": "creativity", "name": "创意", "weight": 30, "min": 0, "max": 10},
        {"key": "production", "name": "制作", "weight": 20, "min": 0, "max": 10},
        {"key": "zhuzhou", "name": "株洲特色", "weight": 20, "min": 0, "max": 10},
    ]
    assert rules.rubric_for(contest).id == rubric.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rubric)) == 1


@pytest.mark.parametrize(("criteria", "message"), [
    ([], "评分标准至少要有一项"),
    ([{"key": "a", "name": "甲", "weight": 60, "min": 0, "max": 10},
      {"key": "b", "name": "乙", "weight": 30, "min": 0, "max": 10}], "各项权重之和必须是 100（现在是 90）"),
    ([{"key": "a", "name": "甲", "weight": 50, "min": 0, "max": 10},
      {"key": "a", "name": "乙", "weight": 50, "min": 0, "max": 10}], "评分项代码“a”重复了"),
    ([{"key": "a", "name": "甲", "weight": 100, "min": 5, "max": 5}], "“甲”的最低分必须小于最高分"),
    ([{"key": "A b", "name": "甲", "weight": 100, "min": 0, "max": 5}], "第 1 项的代码只能用小写字母"),
    ([{"key": "a", "name": "甲", "weight": 0, "min": 0, "max": 5},
      {"key": "b", "name": "乙", "weight": 100, "min": 0, "max": 5}], "“甲”的权重必须是大于 0 的数"),
])
def test_update_rubric_refuses_bad_criteria(contest, make_user, criteria, message):
    with pytest.raises(DomainError, match=message):
        rules.update_rubric(contest, criteria, staff=make_user(role="admin"), now=clock.now())


def test_update_rubric_is_audited_and_locked_once_scoring_starts(contest, make_user, make_entry, judges):
    admin = make_user(role="admin")
    criteria = [{"key": "story", "name": "故事", "weight": 60, "min": 1, "max": 5},
                {"key": "look", "name": "画面", "weight": 40.0, "min": 1, "max": 5}]
    rubric = rules.update_rubric(contest, criteria, staff=admin, now=clock.now())
    db.session.commit()
    assert rubric.criteria == [
        {"key": "story", "name": "故事", "weight": 60, "min": 1, "max": 5},
        {"key": "look", "name": "画面", "weight": 40, "min": 1, "max": 5}]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rubric.update"))
    assert (event.actor_id, event.target_type, event.target_id, event.contest_id) == (
        admin.id, "rubric", rubric.id, contest.id)
    assert list(event.changes) == ["criteria"]

    # 1..5 scale: story 4 → 60·3/4 = 45, look 2 → 40·1/4 = 10: total 55.
    assert score(make_entry(), judges[0], {"story": 4, "look": 2}).total == 55
    with pytest.raises(Conflict, match="评委已经开始评分，评分标准不能再修改"):
        rules.update_rubric(contest, [dict(criteria[0], weight=50), dict(criteria[1], weight=50)],
                            staff=admin, now=clock.now())
    db.session.rollback()


# --- scores ---------------------------------------------------------------------------------------------------------

def test_submit_score_weighted_total_and_overwrite(contest, make_entry, judges):
    entry = make_entry()
    first = score(entry, judges[0], {"theme": 10, "creativity": 8, "production": 9, "zhuzhou": 9})
    assert (first.values, first.total) == ({"theme": 10, "creativity": 8, "production": 9, "zhuzhou": 9}, 90)
    again = score(entry, judges[0], {"theme": 5, "creativity": 5.5, "production": 0, "zhuzhou": 10})
    assert again.id == first.id
    # 30·0.5 + 30·0.55 + 20·0 + 20·1 = 51.5
    assert again.total == pytest.approx(51.5, abs=1e-12)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in events] == [
        ("score.submit", judges[0].id, "entry", entry.id)] * 2
    assert events[1].changes["total"] == [90, pytest.approx(51.5)]


def test_fractional_weights_still_total_at_most_100(contest, make_entry, judges, make_user):
    criteria = [{"key": k, "name": n, "weight": w, "min": 0, "max": 10}
                for k, n, w in (("a", "甲", 33.3), ("b", "乙", 33.3), ("c", "丙", 33.4))]
    rules.update_rubric(contest, criteria, staff=make_user(role="admin"), now=clock.now())
    assert score(make_entry(), judges[0], {"a": 10, "b": 10, "c": 10}).total == 100.0
    assert score(make_entry(), judges[0], {"a": 0, "b": 0, "c": 10}).total == 33.4


@pytest.mark.parametrize(("values", "problems"), [
    ({"theme": 11, "creativity": 5, "production": 5, "zhuzhou": 5}, [("theme", "“主题契合”的分数必须在 0 到 10 之间。")]),
    ({"theme": -0.5, "creativity": 5, "production": 5}, [
        ("theme", "“主题契合”的分数必须在 0 到 10 之间。"), ("zhuzhou", "请给“株洲特色”打分。")]),
    ({"theme": True, "creativity": "5", "production": float("nan"), "zhuzhou": 5}, [
        ("theme", "请给“主题契合”打分。"), ("creativity", "请给“创意”打分。"), ("production", "请给“制作”打分。")]),
    ({"theme": 5, "creativity": 5, "production": 5, "zhuzhou": 5, "likes": 3}, [("unknown", "没有这些评分项：likes。")]),
])
def test_submit_score_validates_each_value(contest, make_entry, judges, values, problems):
    with pytest.raises(Refused) as refused:
        rules.submit_score(make_entry(), judges[0], values, now=clock.now())
    assert [(p.code, p.message) for p in refused.value.problems] == problems


def test_submit_score_only_by_judges_and_only_approved(contest, make_entry, judges, make_user):
    entry = make_entry()
    for role in ("admin", "reviewer", "citizen"):
        with pytest.raises(rules.NotAJudge, match="只有评委可以评分"):
            rules.submit_score(entry, make_user(role=role), uniform(50), now=clock.now())
    with pytest.raises(DomainError, match="只能给已通过审核的作品评分"):
        rules.submit_score(make_entry(status=EntryStatus.PENDING), judges[0], uniform(50), now=clock.now())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 0


# --- queue, conflicts and progress ----------------------------------------------------------------------------------

def test_judge_queue_is_blind_and_skips_scored_and_conflicted(contest, make_entry, judges):
    a, b, c = make_entry(), make_entry(theme="talent"), make_entry(theme="village")
    make_entry(status=EntryStatus.PENDING)
    make_entry(status=EntryStatus.REJECTED)
    queue = rules.judge_queue(contest, judges[0])
    assert queue == [
        rules.JudgeItem(a.id, "作品说明 1", "life", "株洲美好生活秀", a.video_id),
        rules.JudgeItem(b.id, "作品说明 2", "talent", "株洲达人才艺秀", b.video_id),
        rules.JudgeItem(c.id, "作品说明 3", "village", "美丽乡村旅游秀", c.video_id),
    ]
    # Nothing else travels with an item: no likes, no user.
    assert set(vars(queue[0])) == {"entry_id", "caption", "theme_key", "theme_name", "video_id"}

    score(a, judges[0], uniform(70))
    rules.declare_conflict(b, judges[0], "作者是我的亲戚", now=clock.now())
    db.session.commit()
    assert [i.entry_id for i in rules.judge_queue(contest, judges[0])] == [c.id]
    assert [i.entry_id for i in rules.judge_queue(contest, judges[1])] == [a.id, b.id, c.id]
    assert [(s.item.entry_id, s.total) for s in rules.scored_by(contest, judges[0])] == [(a.id, 70)]


def test_declare_conflict_withdraws_a_score_and_blocks_scoring(contest, make_entry, judges):
    entry = make_entry()
    score(entry, judges[0], uniform(80))
    conflict = rules.declare_conflict(entry, judges[0], "  同一单位同事  ", now=clock.now())
    db.session.commit()
    assert (conflict.entry_id, conflict.judge_id, conflict.reason) == (entry.id, judges[0].id, "同一单位同事")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "score.conflict"))
    assert (event.actor_id, event.target_id, event.note, event.changes["withdrawn_score"]) == (
        judges[0].id, entry.id, "同一单位同事", {"values": uniform(80), "total": 80})
    with pytest.raises(Conflict, match="你已声明与这件作品存在利益冲突"):
        rules.submit_score(entry, judges[0], uniform(80), now=clock.now())
    with pytest.raises(Conflict, match="你已经声明过"):
        rules.declare_conflict(entry, judges[0], "再次", now=clock.now())
    with pytest.raises(DomainError, match="请说明利益冲突的原因"):
        rules.declare_conflict(entry, judges[1], "   ", now=clock.now())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JudgeConflict)) == 1


def test_progress_per_judge_and_per_entry(contest, make_entry, judges, make_user):
    make_user(role="judge", nickname="停用评委").active = False
    db.session.commit()
    a, b, c = make_entry(), make_entry(), make_entry()
    for judge in judges[:3]:
        score(a, judge, uniform(60))
    score(b, judges[0], uniform(60))
    rules.declare_conflict(c, judges[1], "亲属", now=clock.now())
    db.session.commit()
    progress = rules.progress(contest)
    assert (progress.min_judges, progress.entries_total, progress.entries_ready) == (3, 3, 1)
    assert [(j.nickname, j.scored, j.conflicts, j.remaining) for j in progress.judges] == [
        ("评委甲", 2, 0, 1), ("评委乙", 1, 1, 1), ("评委丙", 1, 0, 2), ("评委丁", 0, 0, 3)]
    assert [(e.entry_id, e.judges, e.conflicts, e.enough) for e in progress.entries] == [
        (a.id, 3, 0, True), (b.id, 1, 0, False), (c.id, 0, 1, False)]


# --- the aggregate --------------------------------------------------------------------------------------------------

# Four judges of different harshness (totals out of 100); 丁 scored only E3 and E4.
TOTALS = {
    "甲": [90, 80, 70, 60],     # lenient
    "乙": [50, 60, 30, 20],     # harsh
    "丙": [70, 70, 80, 40],
    "丁": [None, None, 100, 90],
}


def test_excellence_ranking_mean_of_z_scores(contest, make_entry, judges):
    entries = [make_entry() for _ in range(4)]
    for judge, name in zip(judges, TOTALS):
        for entry, total in zip(entries, TOTALS[name]):
            if total is not None:
                # 甲's 90 for E1 is a mixed sheet: 30·1 + 30·0.8 + 20·0.9 + 20·0.9 = 90.
                values = {"theme": 10, "creativity": 8, "production": 9, "zhuzhou": 9} if total == 90 and name == "甲" \
                    else uniform(total)
                score(entry, judge, values)

    # By hand: 甲 mean 75, σ = √125; 乙 mean 40, σ = √250; 丙 mean 65, σ = 15; 丁 mean 95, σ = 5.
    assert z_of([90, 80, 70, 60]) == pytest.approx([15 / sqrt(125), 5 / sqrt(125), -5 / sqrt(125), -15 / sqrt(125)])
    z = {name: z_of([t for t in totals if t is not None]) for name, totals in TOTALS.items()}
    expected = {
        0: ((z["甲"][0] + z["乙"][0] + z["丙"][0]) / 3, 70, sqrt(800 / 3), 3),
        1: ((z["甲"][1] + z["乙"][1] + z["丙"][1]) / 3, 70, sqrt(200 / 3), 3),
        2: ((z["甲"][2] + z["乙"][2] + z["丙"][2] + z["丁"][0]) / 4, 70, sqrt(650), 4),
        3: ((z["甲"][3] + z["乙"][3] + z["丙"][3] + z["丁"][1]) / 4, 52.5, sqrt(668.75), 4),
    }
    # The same numbers, written out: E1 0.7691, E2 0.6818, E3 0.2301, E4 -1.3183.
    assert [round(expected[i][0], 4) for i in range(4)] == [0.7691, 0.6818, 0.2301, -1.3183]

    ranking = rules.excellence_ranking(contest)
    # Equal raw means (70, 70, 70): the z-scores decide, because 乙 is harsh and 丁 lenient.
    assert [(r.rank, r.entry.id) for r in ranking] == [(1, entries[0].id), (2, entries[1].id), (3, entries[2].id),
                                                      (4, entries[3].id)]
    for r, i in zip(ranking, range(4)):
        z_mean, raw_mean, spread, n = expected[i]
        assert (r.z_mean, r.raw_mean, r.spread, r.judges) == (
            pytest.approx(z_mean, abs=1e-12), pytest.approx(raw_mean, abs=1e-12), pytest.approx(spread, abs=1e-12), n)


def test_a_single_score_or_zero_spread_contributes_zero(contest, make_entry, judges):
    a, b = make_entry(), make_entry()
    contest.min_judges = 2
    score(a, judges[0], uniform(90))
    score(b, judges[0], uniform(50))      # 甲: z = +1, -1
    score(a, judges[1], uniform(40))
    score(b, judges[1], uniform(40))      # 乙: σ = 0 → 0, 0
    score(a, judges[2], uniform(10))      # 丙: one score → 0
    ranking = rules.excellence_ranking(contest)
    assert [(r.entry.id, r.z_mean, r.raw_mean, r.judges) for r in ranking] == [
        (a.id, pytest.approx(1 / 3), pytest.approx(140 / 3), 3), (b.id, pytest.approx(-1 / 2), 45, 2)]


def test_min_judges_and_conflicts_decide_who_ranks(contest, make_entry, judges):
    a, b = make_entry(), make_entry()
    for judge in judges[:3]:
        score(a, judge, uniform(80))
    score(b, judges[0], uniform(60))
    score(b, judges[1], uniform(60))
    rules.declare_conflict(b, judges[2], "亲属", now=clock.now())
    db.session.commit()
    assert [r.entry.id for r in rules.excellence_ranking(contest)] == [a.id]
    contest.min_judges = 2
    assert [(r.entry.id, r.judges) for r in rules.excellence_ranking(contest)] == [(a.id, 3), (b.id, 2)]


def test_tie_rule_raw_mean_then_judges_then_submission_then_id(contest, make_entry, judges):
    contest.min_judges = 1
    same_time = datetime.fromisoformat("2020-06-25T09:00:00+08:00")
    late = make_entry(at=same_time + timedelta(hours=1))
    early = make_entry(at=same_time)
    twin_b = make_entry(at=same_time + timedelta(hours=2))
    twin_a = make_entry(at=same_time + timedelta(hours=2))
    # Every judge gives every entry 50, and 甲 also scores a 100 and a 0 so that z is defined:
    # all four entries get z = 0 from 甲 and from the others (σ = 0).
    for entry in (late, early, twin_b, twin_a):
        score(entry, judges[0], uniform(50))
    top, bottom = make_entry(), make_entry()
    score(top, judges[0], uniform(100))
    score(bottom, judges[0], uniform(0))
    score(early, judges[1], uniform(50))
    score(late, judges[1], uniform(50))
    ranking = [r.entry.id for r in rules.excellence_ranking(contest)]
    # Equal z (0) and raw mean (50): more judges first (early, late have 2), then earlier submission, then id.
    assert ranking == [top.id, early.id, late.id, twin_b.id, twin_a.id, bottom.id]
    assert "原始平均分高者在前" in rules.TIE_RULE and "先提交报名的作品在前" in rules.TIE_RULE


def test_ranking_per_theme_keeps_contest_wide_z(contest, make_entry, judges):
    contest.min_judges = 1
    life, talent, village = make_entry("life"), make_entry("talent"), make_entry("village")
    for entry, total in ((life, 70), (talent, 90), (village, 50)):
        score(entry, judges[0], uniform(total))
    overall = {r.entry.id: r.z_mean for r in rules.excellence_ranking(contest)}
    talent_theme = next(t for t in contest.themes if t.key == "talent")
    only = rules.excellence_ranking(contest, theme=talent_theme)
    assert [(r.rank, r.entry.id) for r in only] == [(1, talent.id)]
    assert only[0].z_mean == overall[talent.id] == pytest.approx(20 / sqrt(800 / 3))


def test_disqualified_entries_keep_their_scores_in_the_judges_pool(contest, make_entry, judges):
    from contest.domain.entries import set_entry_status

    contest.min_judges = 1
    a, b, c = make_entry(), make_entry(), make_entry()
    for entry, total in ((a, 90), (b, 60), (c, 30)):
        score(entry, judges[0], uniform(total))
    before = {r.entry.id: r.z_mean for r in rules.excellence_ranking(contest)}
    set_entry_status(a, EntryStatus.REJECTED, actor=None, now=clock.now(), note="违规")
    db.session.commit()
    after = {r.entry.id: r.z_mean for r in rules.excellence_ranking(contest)}
    assert after == {b.id: before[b.id], c.id: before[c.id]}
