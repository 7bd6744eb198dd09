"""Personal data rules: what deleting an account does to each entry (by what points at it),
what is erased, who may delete, the retention date, and the export's like readings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import audit, awards, judging_videos
from contest.domain.errors import DomainError
from contest.domain.leaderboards import popularity_board
from contest.domain.likes import record_snapshot
from contest.domain.personal_data import (
    ALREADY_DELETED, DELETED_NAME, RETENTION_DAYS, STAFF_REFUSED, WRONG_CONFIRMATION, StaffAccount, Unconfirmed,
    delete_account, deletion_plan, export_user_data, retention_ends_at,
)
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Entry, EntryEvent, EntryStatus, LikeFlag, PhoneCode, SnapshotSource, User
from contest.models.awards import Disqualification
from contest.models.judging import JudgeConflict, Score
from tests.conftest import build_entry, count

IN_WINDOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")
CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
PHRASE = "注销账号"


pytestmark = pytest.mark.contest(frozen_at=IN_WINDOW, popularity_award_size=1, excellence_award_size=1)


@pytest.fixture
def entrant(make_user):
    return make_user(nickname="小李", phone="13912345678")


@pytest.fixture
def staff(make_user):
    return make_user(role="admin", nickname="管理员")


def entry_of(contest, user, n, status=EntryStatus.PENDING, **fields):
    entry = build_entry(contest, user, video_id=str(6_847_000_000_000_000_000 + n), status=status,
                        submitted_text=f"分享文字{n}", caption=f"作品{n}", show_nickname=True, **fields)
    db.session.flush()
    return entry


def _snapshot(entry, staff):
    record_snapshot(entry, observed_at=clock.now(), likes=10, source=SnapshotSource.PLATFORM)


def _score(entry, staff):
    db.session.add(Score(entry_id=entry.id, judge_id=staff.id, values={}, total=50.0))


def _conflict(entry, staff):
    db.session.add(JudgeConflict(entry_id=entry.id, judge_id=staff.id, reason="亲属"))


def _audit(entry, staff):
    audit.record("entry.request_fix", actor=staff, now=clock.now(), target=entry)


def _flag(entry, staff):
    now = clock.now()
    db.session.add(LikeFlag(entry_id=entry.id, kind="burst", window_start=now, window_end=now, message="突增"))


def _disqualification(entry, staff):
    db.session.add(Disqualification(contest_id=entry.contest_id, entry_id=entry.id, reason="抄袭", by_id=staff.id))


@pytest.mark.parametrize("mark", [_snapshot, _score, _conflict, _audit, _flag, _disqualification])
def test_plan_withdraws_an_entry_that_a_record_points_at(contest, entrant, staff, mark):
    marked, plain = entry_of(contest, entrant, 1), entry_of(contest, entrant, 2)
    mark(marked, staff)
    db.session.flush()
    plan = deletion_plan(entrant)
    assert (plan.kept, plan.withdrawn, plan.deleted) == ([], [marked], [plain])


def test_plan_keeps_entries_in_a_list_in_its_notice(contest, entrant, staff, freeze):
    winner = entry_of(contest, entrant, 1, status=EntryStatus.APPROVED)
    record_snapshot(winner, observed_at=clock.now(), likes=5, source=SnapshotSource.PLATFORM)
    freeze(CLOSE + timedelta(hours=1))
    awards.draft_awards(contest, staff=staff, now=clock.now(), short_reason="名额多于参评作品（测试）。")
    db.session.flush()
    plan = deletion_plan(entrant)
    assert (plan.kept, plan.withdrawn, plan.deleted) == ([winner], [], [])


def test_delete_withdraws_running_entries_and_leaves_closed_ones_as_they_were(contest, entrant, staff):
    now = clock.now()
    running = {status: entry_of(contest, entrant, n, status=status) for n, status in enumerate(
        [EntryStatus.PENDING, EntryStatus.NEEDS_FIX, EntryStatus.APPROVED, EntryStatus.REJECTED,
         EntryStatus.WITHDRAWN], start=1)}
    running[EntryStatus.REJECTED].status_reason = "缺少口号"
    for entry in running.values():
        _snapshot(entry, staff)
    db.session.commit()
    later = now + timedelta(minutes=5)
    delete_account(entrant, confirmation=PHRASE, now=later)
    db.session.commit()
    after = {status: (e.status, e.status_reason, e.caption, e.submitted_text, e.show_nickname,
                      [(ev.from_status, ev.to_status, ev.note) for ev in e.events])
             for status, e in running.items()}
    withdrawn = (EntryStatus.WITHDRAWN, "参赛者注销账号", None, "", False)
    assert after == {
        EntryStatus.PENDING: (*withdrawn, [(EntryStatus.PENDING, EntryStatus.WITHDRAWN, "参赛者注销账号")]),
        EntryStatus.NEEDS_FIX: (*withdrawn, [(EntryStatus.NEEDS_FIX, EntryStatus.WITHDRAWN, "参赛者注销账号")]),
        EntryStatus.APPROVED: (*withdrawn, [(EntryStatus.APPROVED, EntryStatus.WITHDRAWN, "参赛者注销账号")]),
        EntryStatus.REJECTED: (EntryStatus.REJECTED, "缺少口号", None, "", False, []),
        EntryStatus.WITHDRAWN: (EntryStatus.WITHDRAWN, None, None, "", False, []),
    }


def test_delete_erases_the_account_codes_and_keeps_other_phones_codes(contest, entrant, make_user):
    now = clock.now()
    for phone in (entrant.phone, "13800000009"):
        db.session.add(PhoneCode(phone=phone, purpose="signup", code_hash="x" * 64, created_at=now,
                                 expires_at=now + timedelta(minutes=10)))
    entrant.area_keys = ["hetang"]
    db.session.commit()
    plan = delete_account(entrant, confirmation=f"  {PHRASE} ", now=now)
    db.session.commit()
    assert (plan.kept, plan.withdrawn, plan.deleted) == ([], [], [])
    user = db.session.get(User, entrant.id)
    assert (user.phone, user.nickname, user.password_hash, user.active, user.area_keys, user.deleted_at) \
        == (None, DELETED_NAME, None, False, [], now)
    assert db.session.scalars(sa.select(PhoneCode.phone)).all() == ["13800000009"]


def test_delete_removes_an_unreferenced_entry_with_its_history(contest, entrant):
    entry = entry_of(contest, entrant, 1)
    entry.events.append(EntryEvent(at=clock.now(), actor_id=entrant.id, to_status=EntryStatus.PENDING, note="报名"))
    db.session.commit()
    plan = delete_account(entrant, confirmation=PHRASE, now=clock.now())
    db.session.commit()
    assert [e.id for e in plan.deleted] == [1]
    assert (count(Entry), count(EntryEvent)) == (0, 0)


@pytest.mark.parametrize("typed", [None, "", "注销", "注销 账号", "delete"])
def test_delete_needs_the_exact_phrase(contest, entrant, typed):
    with pytest.raises(Unconfirmed) as refused:
        delete_account(entrant, confirmation=typed, now=clock.now())
    assert (refused.value.message, refused.value.status) == (WRONG_CONFIRMATION, 422)
    assert entrant.deleted_at is None and entrant.phone == "13912345678"


@pytest.mark.parametrize("role", ["admin", "reviewer", "judge"])
def test_staff_are_refused(contest, make_user, role):
    member = make_user(role=role)
    with pytest.raises(StaffAccount) as refused:
        delete_account(member, confirmation=PHRASE, now=clock.now())
    assert (refused.value.message, refused.value.status) == (STAFF_REFUSED, 403)


def test_a_deleted_account_cannot_be_deleted_twice(contest, entrant):
    delete_account(entrant, confirmation=PHRASE, now=clock.now())
    with pytest.raises(DomainError, match=ALREADY_DELETED):
        delete_account(entrant, confirmation=PHRASE, now=clock.now())


def test_a_withdrawn_entry_leaves_the_live_board_and_a_kept_winner_is_anonymous(contest, entrant, staff, freeze,
                                                                                make_user):
    shown = entry_of(contest, entrant, 1, status=EntryStatus.APPROVED)
    record_snapshot(shown, observed_at=clock.now(), likes=50, source=SnapshotSource.PLATFORM)
    db.session.commit()
    board = popularity_board(contest, theme=None, limit=10, now=clock.now())
    assert [(r.entry_id, r.author) for r in board.rows] == [(shown.id, "小李")]
    delete_account(entrant, confirmation=PHRASE, now=clock.now())
    db.session.commit()
    assert popularity_board(contest, theme=None, limit=10, now=clock.now()).rows == []

    other = make_user(nickname="王五")
    winner = entry_of(contest, other, 2, status=EntryStatus.APPROVED)
    record_snapshot(winner, observed_at=clock.now(), likes=70, source=SnapshotSource.PLATFORM)
    contest.theme_award_places = True  # the theme list keeps the anonymous winner too
    freeze(CLOSE + timedelta(hours=1))
    awards.draft_awards(contest, staff=staff, now=clock.now(), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    delete_account(other, confirmation=PHRASE, now=clock.now())
    db.session.commit()
    assert public_author(winner) == DELETED_NAME
    _, rows = awards.winners_table(contest, staff=staff, now=clock.now(), fmt="csv")
    assert [(row[0], row[3], row[9]) for row in rows] == [("人气奖", "总榜", DELETED_NAME),
                                                          ("人气奖", "株洲美好生活秀", DELETED_NAME)]


def test_retention_runs_from_the_last_publication(contest, staff, entrant, freeze):
    entry = entry_of(contest, entrant, 1, status=EntryStatus.APPROVED)
    record_snapshot(entry, observed_at=clock.now(), likes=5, source=SnapshotSource.PLATFORM)
    freeze(CLOSE + timedelta(hours=1))
    awards.draft_awards(contest, staff=staff, now=clock.now(), short_reason="名额多于参评作品（测试）。")
    assert retention_ends_at(contest) is None  # in its notice: not published yet
    published = freeze(clock.now() + timedelta(days=5))
    awards.publish_awards(contest, staff=staff, now=published)
    db.session.flush()
    assert retention_ends_at(contest) == published + timedelta(days=RETENTION_DAYS)


def test_export_marks_readings_after_the_close_as_not_counted(contest, entrant):
    entry = entry_of(contest, entrant, 1, status=EntryStatus.APPROVED)
    for at, likes in ((CLOSE, 40), (CLOSE + timedelta(seconds=1), 45)):
        record_snapshot(entry, observed_at=at, likes=likes, source=SnapshotSource.PLATFORM)
    db.session.commit()
    readings = export_user_data(entrant)["entries"][0]["like_readings"]
    assert [(r["observed_at"], r["likes"], r["counted"]) for r in readings] == [
        ("2020-07-17T23:59:59+08:00", 40, True), ("2020-07-18T00:00:00+08:00", 45, False)]


def test_export_says_which_originals_are_kept_for_blind_judging(contest, entrant, freeze):
    kept = entry_of(contest, entrant, 1, status=EntryStatus.APPROVED)
    entry_of(contest, entrant, 2, status=EntryStatus.APPROVED)
    agreed = freeze("2020-06-25T10:00:00+08:00")
    judging_videos.keep(kept, "kept-1.mp4", user=entrant, now=agreed)
    db.session.commit()
    entries = export_user_data(entrant)["entries"]
    assert {e["id"]: e["original_kept_for_judging"] for e in entries} == {
        kept.id: {"agreed_at": "2020-06-25T10:00:00+08:00", "kept_until": "评奖结果公布时删除（作品撤回、未通过或账号注销时也会删除）"},
        kept.id + 1: None}
    assert "kept-1.mp4" not in str(entries)  # the file's name on the server is not theirs to need
