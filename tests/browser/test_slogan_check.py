"""The slogan check end to end in a real browser: an entrant uploads the original (in
chunks), the background worker checks it, the reviewer sees where the slogan is."""

from __future__ import annotations

from datetime import timedelta

import pytest

import sqlalchemy as sa
from playwright.sync_api import expect

from contest import clock
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus, SloganCheck
from tests.conftest import build_entry
from tests.slogan_clips import SLOGAN, Text, make_clip


def sign_in(page, live_site, user):
    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(user.phone)
    page.get_by_label("密码").fill("secret-pass-1")
    page.get_by_role("button", name="登录").click()


def entrants_page(page, live_site, citizen) -> list[str]:
    """Watch for failed responses and console errors (the list returned), then open 我的作品 as ``citizen``."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    sign_in(page, live_site, citizen)
    page.goto(f"{live_site}/entries/mine")
    return failed


def test_entrant_uploads_the_original_and_the_reviewer_sees_the_subtitle(
        page, live_site, app, open_contest, make_user, publish, shot, tmp_path):
    # The local worker thread (no Redis), small chunks so that the script sends several.
    app.config.update(CONTEST_SLOGAN_WORKER="thread", CONTEST_SLOGAN_UPLOAD_DIR=str(tmp_path / "uploads"),
                      CONTEST_EVIDENCE_DIR=str(tmp_path / "evidence"), CONTEST_SLOGAN_CHUNK_BYTES=16 * 1024)
    clip = make_clip(tmp_path / "原视频.mp4", seconds=4.0, texts=[Text([SLOGAN], 0.5, 3.7)])
    assert clip.stat().st_size > 2 * 16 * 1024
    citizen = make_user(nickname="小李爱株洲")
    reviewer = make_user(role="reviewer", nickname="审核员小陈")
    # Published in the sandbox, so that the review page's player (the sandbox's in sandbox mode) loads.
    video_id = publish((clock.now() - timedelta(days=1)).isoformat(), title="神农城夜景 #动力株洲文旅通 @株洲足迹")
    entry = build_entry(open_contest, citizen, video_id=video_id,
                        status=EntryStatus.PENDING, caption="神农城夜景 #动力株洲文旅通 @株洲足迹")
    db.session.commit()
    failed = entrants_page(page, live_site, citizen)
    page.get_by_text("口号检查与报名详情").click()  # folded away until asked for
    expect(page.get_by_text("还没有上传原视频。")).to_be_visible()
    page.get_by_label("上传原视频，自动检查口号字幕").set_input_files(str(clip))
    shot("chosen")
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("口号字幕检查：完成")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("检查完成。")).to_be_visible()
    shot("checked")

    page.context.clear_cookies()
    sign_in(page, live_site, reviewer)
    page.goto(f"{live_site}/staff/entries/{entry.id}")
    hint = page.locator("#slogan-hint")
    expect(hint).to_contain_text("字幕检测：")
    expect(page.locator(".timeline-longest")).to_have_count(1)
    frames = page.locator(".slogan-frames img")
    expect(frames).to_have_count(3)
    for i in range(3):
        frames.nth(i).scroll_into_view_if_needed()
        expect(frames.nth(i)).to_have_js_property("complete", True)
        assert frames.nth(i).evaluate("img => img.naturalWidth") > 0
    shot("review")

    check = db.session.scalar(sa.select(SloganCheck))
    subtitle = check.result["subtitle"]
    assert subtitle["meets_rule"] is True and abs(subtitle["longest_seconds"] - 3.2) <= 0.5
    assert check.uploaded_by_id == citizen.id and check.upload_name is None
    assert hint.inner_text().strip() == (
        f"字幕检测：{subtitle['segments'][0]['end'] - subtitle['segments'][0]['start']:.1f} 秒"
        f"（00:0{subtitle['segments'][0]['start']:.1f}–00:0{subtitle['segments'][0]['end']:.1f}）")
    assert list((tmp_path / "uploads").iterdir()) == []
    assert db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "slogan_check.queued", "slogan_check.done"]
    assert failed == []


def test_an_original_kept_for_blind_judging_plays_to_the_judge_with_no_author(
        page, live_site, app, open_contest, make_user, publish, shot, tmp_path):
    app.config.update(CONTEST_SLOGAN_WORKER="thread", CONTEST_SLOGAN_UPLOAD_DIR=str(tmp_path / "uploads"),
                      CONTEST_EVIDENCE_DIR=str(tmp_path / "evidence"))
    clip = make_clip(tmp_path / "原视频.mp4", seconds=3.0, texts=[Text([SLOGAN], 0.5, 2.8)])
    citizen = make_user(nickname="老张的乡村")
    judge = make_user(role="judge", nickname="评委甲")
    video_id = publish((clock.now() - timedelta(days=1)).isoformat(), title="乡村的早晨 #动力株洲文旅通 @株洲足迹")
    entry = build_entry(open_contest, citizen, video_id=video_id, caption="乡村的早晨 #动力株洲文旅通 @株洲足迹")
    plain = build_entry(open_contest, citizen, video_id=publish((clock.now() - timedelta(days=1)).isoformat()),
                        caption="乡村的傍晚 #动力株洲文旅通 @株洲足迹")
    db.session.commit()
    failed = entrants_page(page, live_site, citizen)
    box = page.locator(f"#entry-{entry.id}")
    box.get_by_text("口号检查与报名详情").click()
    box.get_by_label("上传原视频，自动检查口号字幕").set_input_files(str(clip))
    box.get_by_label("同意保留这个原视频，只用于匿名评审", exact=False).check()
    shot("consent")
    box.get_by_role("button", name="上传并检查").click()
    expect(box.get_by_text("检查完成。")).to_be_visible(timeout=60_000)

    page.context.clear_cookies()
    sign_in(page, live_site, judge)
    page.goto(f"{live_site}/staff/judging/{entry.id}")
    video = page.locator("video.player")
    expect(video).to_have_count(1)
    page.wait_for_function("() => document.querySelector('video.player').readyState >= 1", timeout=30_000)
    assert video.evaluate("v => v.duration") == pytest.approx(3.0, abs=0.3)
    assert "老张" not in page.locator("main").inner_text() and page.locator("iframe").count() == 0
    shot("judge-blind-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot("judge-blind-desktop")
    page.goto(f"{live_site}/staff/judging/{plain.id}")
    expect(page.get_by_text("该作品的抖音播放器会显示作者")).to_be_visible()
    shot("judge-player-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("judge-player-phone")
    assert failed == []
