"""Ownership rules: who may enter a video, who is displaced, what an unproven entry may not
do (approval, bulk approval, polling), proof through the platform after linking Douyin, and
proof from staff evidence."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain import ownership
from contest.domain.entries import EntryRequest, entry_checks, set_entry_status, submit_entry, withdraw_entry
from contest.domain.errors import DomainError, Refused
from contest.domain.review import bulk_approve, bulk_blocker, prove_owner_by_staff, review_entry
from contest.douyin.author import AuthorVideos
from contest.extensions import db
from contest.models import AuditEvent, Entry, EntryStatus, OwnerProof, Snapshot
from contest.models.notification import Notification
from contest.web.platform import douyin
from tests.conftest import build_entry, count

IN_WINDOW = "2020-06-25T12:00:00+08:00"
AUTHOR = "ou_real_author"
ALL = {"slogan": True, "theme": True, "content": True}
EVIDENCE = "2020/06/25/" + "a" * 32 + ".png"


pytestmark = pytest.mark.contest(frozen_at=IN_WINDOW, sandbox_clock=True)


@pytest.fixture
def video(publish):
    """A public video of AUTHOR's, in the window, with the right caption."""
    return publish(open_id=AUTHOR)


@pytest.fixture
def real_author(linked_author):
    return linked_author(AUTHOR)


def request_for(video_id: str, **kw) -> EntryRequest:
    fields = dict(theme="life", area="hetang", accept_rules=True, show_nickname=False)
    fields.update(kw)
    return EntryRequest(text=f"https://www.douyin.com/video/{video_id}", **fields)


def enter(contest, user, video_id, *, linked: bool = False) -> Entry:
    """Submit as the app does: with the user's own token when they linked Douyin."""
    verifier = AuthorVideos.of(user, douyin(), clock.now()) if linked else None
    entry = submit_entry(contest, user, request_for(video_id), douyin=douyin(), now=clock.now(), verifier=verifier)
    db.session.commit()
    return entry


def fresh(entry: Entry) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


# --- entering --------------------------------------------------------------------------

def test_a_phone_entry_is_unproven_and_a_linked_authors_is_proven(contest, video, make_user, real_author, publish):
    stranger = make_user(nickname="路人")
    unproven = enter(contest, stranger, video)
    assert (unproven.owner_verified_at, unproven.owner_proof, unproven.fact_sources.get("owner")) == (None, None, None)
    own = enter(contest, real_author, publish(open_id=AUTHOR), linked=True)
    assert (own.owner_verified_at, own.owner_proof) == (clock.now(), OwnerProof.PLATFORM)
    assert [c["code"] for c in own.checks if c["code"] == "owner"] == ["owner"]


def test_the_proven_author_displaces_a_strangers_unproven_entry(contest, video, make_user, real_author):
    stranger = make_user(nickname="路人")
    squatted = enter(contest, stranger, video)
    own = enter(contest, real_author, video, linked=True)

    assert (own.status, own.user_id, own.owner_proof) == (EntryStatus.PENDING, real_author.id, OwnerProof.PLATFORM)
    squatted = fresh(squatted)
    assert (squatted.status, squatted.status_reason) == (EntryStatus.REJECTED, ownership.DISPLACED_REASON)
    assert [(e.actor_id, e.from_status, e.to_status, e.note) for e in squatted.events][-1] == (
        None, EntryStatus.PENDING, EntryStatus.REJECTED, ownership.DISPLACED_REASON)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.closed_for_author"))
    assert (event.actor_id, event.target_type, event.target_id, event.changes, event.note) == (
        None, "entry", squatted.id, {"status": ["pending", "rejected"], "author_entry_id": own.id},
        ownership.DISPLACED_REASON)
    message = db.session.scalar(sa.select(Notification).where(Notification.user_id == stranger.id))
    assert (message.kind, message.title, message.entry_id) == (
        "entry.closed_for_author", "报名已关闭：视频作者本人已报名", squatted.id)
    assert "视频作者本人已通过抖音授权证明身份并报名了这个视频" in message.body
    assert count(Entry) == 2


def test_an_unproven_entry_blocks_another_unproven_one_and_says_how_to_prove(contest, video, make_user):
    enter(contest, make_user(), video)
    with pytest.raises(Refused) as refused:
        enter(contest, make_user(), video)
    assert refused.value.status == 409
    assert refused.value.problems == [ownership.ALREADY_ENTERED_UNPROVEN]
    assert "请用抖音授权登录证明身份后再报名" in refused.value.message


@pytest.mark.parametrize("close", ["withdraw", "reject"])
def test_a_closed_entry_of_another_account_never_blocks(contest, video, make_user, real_author, close):
    stranger = make_user()
    squatted = enter(contest, stranger, video)
    if close == "withdraw":
        withdraw_entry(squatted, user=stranger, now=clock.now())
    else:
        set_entry_status(squatted, EntryStatus.REJECTED, actor=None, now=clock.now(), note="非本人作品")
    db.session.commit()
    other = enter(contest, make_user(), video)  # even an unproven newcomer
    assert other.id != squatted.id and other.status is EntryStatus.PENDING
    # …and the author then displaces that one in turn.
    own = enter(contest, real_author, video, linked=True)
    assert fresh(other).status is EntryStatus.REJECTED and own.owner_proven


def test_a_platform_proven_entry_blocks_everyone_else(contest, video, make_user, real_author):
    enter(contest, real_author, video, linked=True)
    with pytest.raises(Refused) as refused:
        enter(contest, make_user(), video)
    assert (refused.value.status, refused.value.problems) == (409, [ownership.ALREADY_ENTERED])


def test_staff_proof_never_blocks_the_author(contest, video, make_user, real_author, staff_reviewer):
    stranger = make_user()
    squatted = enter(contest, stranger, video)
    prove_owner_by_staff(squatted, reviewer=staff_reviewer, evidence_path=EVIDENCE, note="截图", now=clock.now())
    review_entry(squatted, reviewer=staff_reviewer, decision="approve", checklist=ALL, reason=None, version=None,
                 now=clock.now())
    db.session.commit()
    own = enter(contest, real_author, video, linked=True)
    assert own.owner_proof is OwnerProof.PLATFORM
    squatted = fresh(squatted)
    assert (squatted.status, squatted.status_reason) == (EntryStatus.REJECTED, ownership.DISPLACED_REASON)


def test_the_entrants_own_rejected_entry_stays_final(contest, video, real_author):
    own = enter(contest, real_author, video, linked=True)
    set_entry_status(own, EntryStatus.REJECTED, actor=None, now=clock.now(), note="内容不适宜")
    db.session.commit()
    with pytest.raises(Refused) as refused:
        enter(contest, real_author, video, linked=True)
    assert refused.value.problems == [ownership.ALREADY_ENTERED]


def test_the_database_keeps_one_live_entry_a_video(contest, video, make_user):
    enter(contest, make_user(), video)
    build_entry(contest, make_user(), video_id=video, status=EntryStatus.PENDING, owner_verified_at=None)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A closed one may sit beside the live one.
    build_entry(contest, make_user(), video_id=video, status=EntryStatus.WITHDRAWN, owner_verified_at=None)
    db.session.commit()
    assert sorted(e.status.value for e in db.session.scalars(sa.select(Entry))) == ["pending", "withdrawn"]


# --- what an unproven entry may not do -------------------------------------------------

@pytest.fixture
def staff_reviewer(make_user):
    return make_user(role="reviewer", nickname="审核员")


@pytest.fixture
def unproven(contest, video, make_user):
    return enter(contest, make_user(nickname="手机用户"), video)


def test_an_unproven_entry_is_never_approved(unproven, staff_reviewer):
    with pytest.raises(ownership.OwnershipUnproven) as refused:
        set_entry_status(unproven, EntryStatus.APPROVED, actor=staff_reviewer, now=clock.now())
    assert (refused.value.status, refused.value.message) == (409, ownership.UNPROVEN_APPROVAL)
    with pytest.raises(ownership.OwnershipUnproven):
        review_entry(unproven, reviewer=staff_reviewer, decision="approve", checklist=ALL, reason=None,
                     version=None, now=clock.now())
    assert fresh(unproven).status is EntryStatus.PENDING


def test_bulk_approval_skips_an_unproven_entry_with_the_reason(contest, unproven, staff_reviewer, make_user):
    facts = {"owner": "platform", "published_at": "platform", "caption": "platform"}
    unproven.fact_sources, unproven.checks = facts, entry_checks(contest, facts)  # otherwise it would qualify
    unproven.caption = "株洲的早晨 #动力株洲文旅通 @株洲足迹"
    db.session.commit()
    assert bulk_blocker(unproven) == ownership.UNPROVEN_APPROVAL
    approved, skipped = bulk_approve([unproven], reviewer=staff_reviewer, now=clock.now())
    assert (approved, skipped) == ([], [(unproven, ownership.UNPROVEN_APPROVAL)])
    ownership.mark_proven(unproven, OwnerProof.STAFF, now=clock.now(), evidence_path=EVIDENCE)
    assert bulk_blocker(unproven) is None


def test_an_unproven_entry_is_never_polled(contest, real_author, publish, sweep):
    proven = enter(contest, real_author, publish(open_id=AUTHOR), linked=True)
    # The same author's entry whose check fell back to the embed (the platform did not answer).
    other = build_entry(contest, real_author, video_id=publish(open_id=AUTHOR), status=EntryStatus.PENDING,
                        owner_verified_at=None)
    db.session.commit()
    report = sweep()
    assert report.entries == 1
    assert [s.entry_id for s in db.session.scalars(sa.select(Snapshot))] == [proven.id]
    assert other.id != proven.id


# --- proving later ---------------------------------------------------------------------

def test_linking_douyin_proves_the_entries_of_ones_own_videos_in_place(contest, video, real_author, publish,
                                                                      make_user, at):
    # Entered before linking (no token used), then the account links Douyin.
    own = build_entry(contest, real_author, video_id=video, status=EntryStatus.PENDING, owner_verified_at=None,
                      fact_sources={"published_at": "video_id", "caption": "embed"}, checks=[])
    not_theirs = build_entry(contest, real_author, video_id=publish(open_id="ou_someone_else"),
                             status=EntryStatus.PENDING, owner_verified_at=None)
    db.session.commit()
    submitted_at, entry_id = own.submitted_at, own.id
    later = at("2020-06-27T09:00:00+08:00")

    proven = ownership.verify_own_entries(real_author, AuthorVideos.of(real_author, douyin(), later), now=later)
    db.session.commit()
    assert [e.id for e in proven] == [entry_id]
    own = fresh(own)
    assert (own.id, own.submitted_at, own.status, own.owner_verified_at, own.owner_proof) == (
        entry_id, submitted_at, EntryStatus.PENDING, later, OwnerProof.PLATFORM)
    assert own.fact_sources["owner"] == "platform" and own.checks == [ownership.OWNER_CHECK]
    assert fresh(not_theirs).owner_verified_at is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.owner_verified"))
    assert (event.actor_id, event.target_id, event.changes) == (real_author.id, entry_id,
                                                               {"owner_proof": [None, "platform"]})


def test_staff_proof_needs_a_note_a_live_unproven_entry_and_is_audited(unproven, staff_reviewer, make_user):
    with pytest.raises(DomainError, match="请写明核实了什么证据"):
        prove_owner_by_staff(unproven, reviewer=staff_reviewer, evidence_path=EVIDENCE, note="  ", now=clock.now())
    prove_owner_by_staff(unproven, reviewer=staff_reviewer, evidence_path=EVIDENCE, note="创作者中心截图",
                         now=clock.now())
    db.session.commit()
    unproven = fresh(unproven)
    assert (unproven.owner_proof, unproven.owner_evidence_path, unproven.owner_verified_at) == (
        OwnerProof.STAFF, EVIDENCE, clock.now())
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "entry.owner_verified"))
    assert (event.actor_id, event.changes, event.note) == (
        staff_reviewer.id, {"owner_proof": [None, "staff"], "evidence": EVIDENCE}, "创作者中心截图")
    with pytest.raises(DomainError, match="已经确认"):
        prove_owner_by_staff(unproven, reviewer=staff_reviewer, evidence_path=EVIDENCE, note="再次", now=clock.now())
    judge = make_user(role="judge")
    with pytest.raises(DomainError):
        prove_owner_by_staff(unproven, reviewer=judge, evidence_path=EVIDENCE, note="x", now=clock.now())
