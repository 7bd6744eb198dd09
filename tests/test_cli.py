from collections import Counter
from datetime import datetime, timezone

import sqlalchemy as sa

from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, Role, User
from tests.conftest import count

UTC = timezone.utc


def test_create_contest_without_options_is_the_2020_contest(runner):
    result = runner.invoke(args=["create-contest"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "已创建活动 zhuzhou-2020：“动力株洲文旅通”杯株洲抖音生活秀，"
        "2020-06-18 00:00:00 至 2020-07-17 23:59:59（北京时间）；优秀奖每件作品需要 3 位评委评分"
    )
    contest = db.session.scalar(sa.select(Contest))
    assert (contest.slug, contest.opens_at, contest.closes_at) == (
        "zhuzhou-2020", datetime(2020, 6, 17, 16, 0, tzinfo=UTC), datetime(2020, 7, 17, 15, 59, 59, tzinfo=UTC))
    assert (contest.hashtag, contest.mention, contest.slogan, contest.topic) == (
        "动力株洲文旅通", "株洲足迹", "动力株洲文旅通，美好生活抖起来", "动力株洲文旅通·美好生活抖起来")
    assert contest.organiser == "株洲市文化旅游广电体育局"
    assert contest.co_organisers == ["株洲市文化馆", "各县市区文化馆"]
    assert [t.name for t in contest.themes] == ["株洲美好生活秀", "株洲达人才艺秀", "美丽乡村旅游秀"]
    assert [a.name for a in contest.areas] == [
        "荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "醴陵市", "攸县", "茶陵县", "炎陵县"]
    assert (contest.popularity_award_size, contest.excellence_award_size, contest.allow_double_win) == (10, 10, True)
    assert contest.theme_award_places is False  # ten places per award, overall, as announced
    assert contest.timezone == "Asia/Shanghai"
    assert contest.min_judges == 3


def test_create_contest_with_theme_places(runner):
    result = runner.invoke(args=["create-contest", "--theme-places"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "已创建活动 zhuzhou-2020：“动力株洲文旅通”杯株洲抖音生活秀，"
        "2020-06-18 00:00:00 至 2020-07-17 23:59:59（北京时间）；优秀奖每件作品需要 3 位评委评分；每个主题另设获奖名额"
    )
    contest = db.session.scalar(sa.select(Contest))
    assert (contest.theme_award_places, contest.popularity_award_size, contest.excellence_award_size) == (True, 10, 10)


def test_create_contest_with_judges_per_entry(runner):
    result = runner.invoke(args=["create-contest", "--min-judges", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("；优秀奖每件作品需要 5 位评委评分")
    assert db.session.scalar(sa.select(Contest.min_judges)) == 5
    for bad in ("0", "51"):
        refused = runner.invoke(args=["create-contest", "--slug", "x-2021", "--name", "x", "--opens", "2021-06-18",
                                      "--closes", "2021-07-17", "--min-judges", bad])
        assert (refused.exit_code, refused.output.strip()) == (1, "Error: 每件作品的评委人数必须是 1 到 50 之间的整数。")
    assert count(Contest) == 1


def test_create_contest_with_other_dates(runner):
    result = runner.invoke(args=["create-contest", "--slug", "zhuzhou-2021", "--name", "第二届",
                                 "--opens", "2021-06-18T08:00:00", "--closes", "2021-07-17"])
    assert result.exit_code == 0, result.output
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "zhuzhou-2021"))
    assert contest.opens_at == datetime(2021, 6, 18, 0, 0, tzinfo=UTC)
    assert contest.closes_at == datetime(2021, 7, 17, 15, 59, 59, tzinfo=UTC)
    assert contest.name == "第二届"
    assert len(contest.themes) == 3


def test_create_contest_errors_are_clear(runner):
    assert runner.invoke(args=["create-contest"]).exit_code == 0
    again = runner.invoke(args=["create-contest"])
    assert again.exit_code == 1
    assert "活动标识 zhuzhou-2020 已被使用。" in again.output
    partial = runner.invoke(args=["create-contest", "--slug", "x"])
    assert partial.exit_code == 2
    assert "要么都不填，要么都要填" in partial.output
    bad = runner.invoke(args=["create-contest", "--slug", "x1", "--name", "n", "--opens", "soon", "--closes", "2021-01-01"])
    assert bad.exit_code == 1
    assert "无法识别的时间：soon" in bad.output
    assert count(Contest) == 1


def test_create_user_reads_the_password_from_the_environment(runner, monkeypatch):
    monkeypatch.setenv("CONTEST_NEW_PASSWORD", "a-long-password")
    result = runner.invoke(args=["create-user", "--role", "reviewer", "--phone", "13912345678", "--name", "审核员甲"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已创建审核员账号：13912345678（审核员甲）"
    user = db.session.scalar(sa.select(User))
    assert (user.phone, user.nickname, user.role) == ("13912345678", "审核员甲", Role.REVIEWER)
    assert user.password_hash and "a-long-password" not in user.password_hash


def test_create_user_prompts_for_the_password(runner, monkeypatch):
    monkeypatch.delenv("CONTEST_NEW_PASSWORD", raising=False)
    result = runner.invoke(args=["create-user", "--role", "admin", "--phone", "13912345678", "--name", "管理员"],
                           input="pass-word-1\npass-word-1\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role)) == Role.ADMIN


def test_create_user_refuses_a_bad_phone(runner, monkeypatch):
    monkeypatch.setenv("CONTEST_NEW_PASSWORD", "a-long-password")
    result = runner.invoke(args=["create-user", "--role", "citizen", "--phone", "12345", "--name", "x"])
    assert result.exit_code == 1
    assert "手机号" in result.output
    assert count(User) == 0


def test_seed_demo_is_idempotent_and_fills_the_sandbox(runner, freeze, sandbox):
    freeze("2026-11-29T10:00:00+08:00")
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "已创建演示活动 demo：2026-11-04 00:00:00 至 2026-12-03 23:59:59（北京时间）" in first.output
    assert "13800000001（管理员小周）" in first.output
    assert "抖音沙盒已写入演示视频" in first.output
    demo = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))
    statuses = Counter(s.value for s in db.session.scalars(sa.select(Entry.status)))
    assert statuses == {"approved": 36, "pending": 2, "needs_fix": 1, "rejected": 1, "withdrawn": 1}
    assert {r.value for r in db.session.scalars(sa.select(User.role))} == {"admin", "reviewer", "judge", "citizen"}
    snapshot = (count(Contest), count(User), count(Entry))

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "已创建演示活动" not in second.output
    assert (count(Contest), count(User), count(Entry)) == snapshot
    assert db.session.get(Contest, demo.id).opens_at == datetime(2026, 11, 3, 16, 0, tzinfo=UTC)

    # The demo entries' videos are in the sandbox with their short links.
    state = sandbox.http.get(f"{sandbox.url}/__sandbox__/state", timeout=5).json()
    entered = set(db.session.scalars(sa.select(Entry.video_id)))
    in_sandbox = {v["video_id"]: v for v in state["videos"]}
    assert entered <= set(in_sandbox)
    assert len({in_sandbox[v]["open_id"] for v in entered}) == 10
    assert {in_sandbox[v]["curve"] for v in entered} == {True}


def test_seed_demo_entries_pass_their_own_checks(runner, freeze, client):
    freeze("2026-11-29T10:00:00+08:00")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    response = client.post("/api/v1/preflight", json={"text": "看看 https://v.douyin.com/ZZtry01/ 复制此链接"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True, body
    assert body["problems"] == []
    approved = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED)).all()
    assert len(approved) == 36
