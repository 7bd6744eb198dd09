"""The platform-health page and the dashboard's alarm banner in a real browser, on a desktop (staff work
there) and on a phone, scanned by axe-core like every other page (tests/browser/test_accessibility.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from contest import clock
from contest.domain import platform_health
from contest.extensions import db
from contest.jobs.polling import run_sweep
from contest.jobs.ratelimit import Pacer
from tests.support.axe import AXE, RUN_AXE
from tests.conftest import build_entry, video_id_at

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "device_scale_factor": 1, "is_mobile": False,
           "has_touch": False}


@pytest.fixture
def unhealthy(app, sandbox, open_contest, linked_author, make_user):
    """Three authors; one revoked the authorisation; the sweep failed past the threshold, so an alarm is open."""
    sandbox.control("clock", {"now": int(clock.now().timestamp())})
    authors = [linked_author(f"ou_page{n}") for n in range(3)]
    for n, user in enumerate(authors):
        published = clock.now() - timedelta(days=2, hours=n)
        vid = video_id_at(published, n + 1)
        sandbox.control("videos", {"video_id": vid, "open_id": user.douyin.open_id, "title": f"作品{n}",
                                   "create_time": int(published.timestamp()), "digg_count": 10 * n})
        build_entry(open_contest, user, video_id=vid, at=published)
    db.session.commit()
    sandbox.control("users/ou_page1/revoke")
    run_sweep(app, client=app.extensions["douyin"], pacer=Pacer(1000), concurrency=1)
    db.session.expire_all()
    assert [a.kind for a in platform_health.open_alarms()] == ["error_share"]
    return make_user("admin", phone="13800000001", nickname="管理员小周", password="zhuzhou2020")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_health_page_and_the_banner(browser, browser_context_args, live_site, unhealthy, screen, request):
    from tests.browser.conftest import SCREENSHOTS

    options = {**browser_context_args, **(DESKTOP if screen == "desktop" else {}), "bypass_csp": True}
    context = browser.new_context(**options)
    page = context.new_page()
    try:
        page.goto(f"{live_site}/accounts/login")
        page.get_by_label("手机号").fill("13800000001")
        page.get_by_label("密码").fill("zhuzhou2020")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        found = {}
        for path, name in (("/staff/dashboard", "dashboard"), ("/staff/platform-health", "platform-health")):
            page.goto(live_site + path)
            expect(page.get_by_text("位作者读取失败").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{name}.png"), full_page=True)
            page.add_script_tag(path=str(AXE))
            if violations := [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]:
                found[path] = violations
        expect(page.get_by_role("heading", name="需要重新授权的作者（1）")).to_be_visible()
        page.get_by_role("button", name="标记为已处理").click()
        expect(page.get_by_text("已将这条告警标记为已处理。")).to_be_visible()
        expect(page.get_by_role("heading", name="未处理的告警（0）")).to_be_visible()
    finally:
        context.close()
    assert found == {}
