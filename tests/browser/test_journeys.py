"""The journeys people take, in a real browser on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from contest.domain import clock
from contest.extensions import db
from contest.models import Entry, EntryStatus
from tests.conftest import video_id_at


def test_citizen_signs_in_with_douyin_and_enters_a_video(page, live_site, sandbox, open_contest, shot):
    published = clock.now() - timedelta(days=2)
    vid = video_id_at(published, 7)
    sandbox.control("users", {"open_id": "ou_browser", "nickname": "小李爱株洲"})
    sandbox.control("videos", {"video_id": vid, "open_id": "ou_browser", "title": "神农城夜景 #动力株洲文旅通 @株洲足迹",
                               "create_time": int(published.timestamp()), "digg_count": 12, "public": True})
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_site}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("动力株洲文旅通")
    shot("home")
    page.get_by_role("link", name="登录").click()
    page.get_by_role("link", name="抖音授权登录").click()
    expect(page.get_by_text("小李爱株洲")).to_be_visible()   # the sandbox's authorize page
    shot("authorize")
    page.get_by_role("button", name="同意授权").click()
    expect(page.get_by_text("抖音授权成功")).to_be_visible()
    page.get_by_role("link", name="从我的抖音作品中选择").click()
    expect(page.get_by_text("神农城夜景")).to_be_visible()
    shot("pick")
    page.get_by_role("link", name="用这个视频参赛").first.click()
    page.get_by_label("株洲美好生活秀").check()
    page.get_by_label("所在区县").select_option("tianyuan")
    page.get_by_label("我已阅读并同意参赛规则").check()
    shot("form")
    page.get_by_role("button", name="提交报名").click()
    expect(page.get_by_text("报名成功！作品正在等待审核")).to_be_visible()
    expect(page.get_by_text("待审核").first).to_be_visible()
    shot("pending")

    entry = db.session.scalar(sa.select(Entry))
    assert (entry.video_id, entry.status, entry.area.key) == (vid, EntryStatus.PENDING, "tianyuan")
    assert entry.fact_sources == {"owner": "platform", "published_at": "platform", "caption": "platform"}
    assert failed == []
