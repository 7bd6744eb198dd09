"""The entrant's inbox and the messages that tell a decision (contest.domain.notify)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contest import clock
from contest.domain import notify
from contest.extensions import db
from tests.conftest import build_entry

AT = datetime.fromisoformat("2020-06-25T12:00:00+08:00")


@pytest.fixture
def entry(contest, make_user):
    made = build_entry(contest, make_user(phone="13812345678", nickname="小李"), video_id="7000000000000000001")
    db.session.commit()
    return made


def about(entry) -> str:
    return f"你报名“测试活动”的作品（{entry.theme.name}，视频编号 7000000000000000001）"


def test_decision_messages_name_the_entry_and_end_the_reason_with_one_full_stop(entry):
    assert notify.decision_message(entry, "approved") == (
        "entry.approved", "作品已通过审核", f"{about(entry)}已通过审核，将参与点赞排名和评选。快分享给朋友积赞吧！")
    assert notify.decision_message(entry, "rejected", "  不是本人作品！ ") == (
        "entry.rejected", "作品未通过审核", f"{about(entry)}未通过审核。原因：不是本人作品。")
    assert notify.decision_message(entry, "needs_fix", "缺少话题") == (
        "entry.needs_fix", "作品需要修改", f"{about(entry)}需要修改。审核意见：缺少话题。修改后可在“我的作品”中重新提交。")
    with pytest.raises(ValueError):
        notify.decision_message(entry, "maybe")


def test_closed_for_author_message(entry):
    kind, title, body = notify.closed_for_author_message(entry)
    assert (kind, title) == ("entry.closed_for_author", "报名已关闭：视频作者本人已报名")
    assert body.startswith(f"{about(entry)}已关闭：视频作者本人已通过抖音授权证明身份并报名了这个视频。")


def test_tell_entrant_asks_for_a_text_only_to_a_confirmed_phone(entry):
    entry.user.phone_verified_at = None
    unconfirmed = notify.tell_entrant(entry, kind="k", title="标题", body="正文", now=AT)
    entry.user.phone_verified_at = AT
    confirmed = notify.tell_entrant(entry, kind="k", title="标题", body="正文", now=AT)
    db.session.commit()
    assert (unconfirmed.text_to, confirmed.text_to) == (None, "13812345678")
    assert (confirmed.user_id, confirmed.entry_id, confirmed.created_at) == (entry.user.id, entry.id, AT)


def test_inbox_newest_first_and_mark_read_counts_only_the_users_unread(entry, make_user):
    user, other = entry.user, make_user()
    first = notify.to_inbox(user, kind="k", title="一", body="1", now=AT)
    second = notify.to_inbox(user, kind="k", title="二", body="2", now=AT + timedelta(minutes=1), entry=entry)
    theirs = notify.to_inbox(other, kind="k", title="三", body="3", now=AT)
    db.session.commit()
    assert [n.title for n in notify.inbox(user)] == ["二", "一"]
    assert [n.title for n in notify.inbox(user, limit=1)] == ["二"]
    assert (notify.unread_count(user), notify.unread_count(other)) == (2, 1)
    assert notify.mark_read(user, [], clock.now()) == 0
    assert notify.mark_read(user, [first.id, theirs.id], clock.now()) == 1
    assert (notify.unread_count(user), notify.unread_count(other)) == (1, 1)
    assert notify.mark_read(user, "all", clock.now()) == 1
    assert notify.mark_read(user, "all", clock.now()) == 0
    db.session.commit()
    assert (notify.unread_count(user), notify.unread_count(other)) == (0, 1)
    assert second.read_at is not None and theirs.read_at is None
