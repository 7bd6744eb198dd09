"""An axe-core scan (vendored: tests/browser/axe.min.js, axe-core 4.14.1, MPL-2.0; never served by
the site) of every page a visitor, a citizen and an admin can reach, on the phone viewport, over
the seeded demo. No serious or critical violation is allowed. The scan injects the script, so its
browser context bypasses the Content-Security-Policy (the site's own pages keep theirs)."""

from __future__ import annotations


import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Contest, Entry, EntryStatus, User
from tests.support.axe import AXE, RUN_AXE



@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    approved = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED)
                                  .order_by(Entry.id)).first()
    mine = db.session.scalars(sa.select(Entry).join(User).where(User.phone == "13800000004")
                              .order_by(Entry.id)).first()
    shown = db.session.scalars(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED,
                                                      Entry.show_nickname.is_(True))).first()
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))
    return {"approved": approved.id, "mine": mine.id, "mine_video": mine.video_id, "person": shown.user_id,
            "contest": contest.id}


def visitor_pages(d: dict) -> list[str]:
    return ["/", "/gallery", f"/gallery/{d['approved']}", "/leaderboards", "/winners", "/announcements", "/rules",
            "/contests", "/areas", "/areas/liling", f"/people/{d['person']}", "/privacy", "/accounts/login",
            "/accounts/signup", "/accounts/reset", "/winners/objections", "/gallery?q=不存在的作品", "/no-such-page"]


def citizen_pages(d: dict) -> list[str]:
    return ["/entries/new", f"/entries/new?video_id={d['mine_video']}", "/entries/mine", "/entries/inbox",
            f"/entries/{d['mine']}/likes", "/accounts/privacy"]


def admin_pages(d: dict) -> list[str]:
    return ["/staff/", "/staff/?status=all", f"/staff/entries/{d['approved']}", f"/staff/entries/{d['approved']}/likes",
            "/staff/flags",
            "/staff/judging", "/staff/judging/progress", "/staff/rubric", "/staff/awards", "/staff/announcements",
            "/staff/dashboard", "/staff/audit", "/staff/users", "/staff/tokens", "/staff/contests",
            "/staff/contests/new", f"/staff/contests/{d['contest']}", "/staff/objections",
            f"/staff/entries/{d['approved']}/tally-corrections", "/staff/platform-health"]


def scan(page, url: str) -> list[dict]:
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def sign_in(page, live_site: str, phone: str) -> None:
    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("zhuzhou2020")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


@pytest.mark.parametrize("who, phone, pages", [
    ("visitor", None, visitor_pages),
    ("citizen", "13800000004", citizen_pages),
    ("admin", "13800000001", admin_pages),
])
def test_no_serious_or_critical_violation(browser, browser_context_args, live_site, demo, who, phone, pages):
    context = browser.new_context(**browser_context_args, bypass_csp=True)
    page = context.new_page()
    try:
        if phone:
            sign_in(page, live_site, phone)
        found = {path: violations for path in pages(demo) if (violations := scan(page, live_site + path))}
    finally:
        context.close()
    assert found == {}, who
