"""What staff pages and exports show of entries and the audit trail (contest.domain.staff_reports)."""

from __future__ import annotations

from datetime import datetime

from contest.domain import staff_reports
from contest.extensions import db
from contest.models import AuditEvent
from tests.conftest import build_entry


def test_iso_is_beijing_time():
    assert staff_reports.iso(datetime.fromisoformat("2020-06-17T16:00:00+00:00")) == "2020-06-18T00:00:00+08:00"
    assert staff_reports.iso(None) is None


def test_author_is_masked_unless_unmasked_or_shown(contest, make_user):
    entry = build_entry(contest, make_user(phone="13812345678", nickname="张三丰"), video_id="7000000000000000001")
    db.session.commit()
    assert staff_reports.author_name(entry, unmasked=False) == "张**"
    assert staff_reports.author_name(entry, unmasked=True) == "张三丰"
    assert staff_reports.author_phone(entry, unmasked=False) == "138****5678"
    assert staff_reports.author_phone(entry, unmasked=True) == "13812345678"
    entry.show_nickname = True
    assert staff_reports.author_name(entry, unmasked=False) == "张三丰"


def test_audit_actions_are_distinct_and_sorted_and_staff_users_include_actors(contest, make_user):
    admin, reviewer, citizen, actor = (make_user(role="admin"), make_user(role="reviewer"), make_user(),
                                       make_user())
    for action in ("entry.review", "award.publish", "entry.review"):
        db.session.add(AuditEvent(action=action, actor_id=actor.id))
    db.session.commit()
    assert staff_reports.audit_actions() == ["award.publish", "entry.review"]
    assert citizen not in staff_reports.staff_users()
    assert {u.id for u in staff_reports.staff_users()} == {admin.id, reviewer.id, actor.id}
