"""Results day, the whole season in a browser (issue 18's journey; docs/rules.md §9, §11, §12):
a second contest exists; the demo closes and three judges have scored; an admin moves the lists
to their notice after a confirmation page (the home page still shows the demo, in 公示); an
objection is answered; the lists are published after confirmation; a winner finds the award in
their inbox and downloads a certificate whose text fits inside the frame and whose QR code opens
the verification page. The close and the judges' scores are seeded with ``seed-demo --phase
closed`` (the judging pages have journeys of their own); the clock is frozen and moved on past the
notice period instead of waiting for it."""

from __future__ import annotations

from datetime import timedelta

import requests
import sqlalchemy as sa
from playwright.sync_api import expect

from contest import clock
from contest.domain import objections
from contest.domain.award_lists import notice_awards
from contest.extensions import db
from contest.models import Contest, User
from contest.models.awards import AwardKind, AwardStatus
from contest.models.objection import ObjectionStatus
from tests.test_certificates import decode_qr, ink_outside_frame

PASSWORD = "zhuzhou2020"


def sign_in(page, live_site: str, phone: str) -> None:
    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def sign_out(page, live_site: str) -> None:
    page.context.clear_cookies()


def test_the_season_from_the_close_to_a_verified_certificate(app, page, live_site, freeze, make_contest, shot):
    start = freeze(clock.now().replace(microsecond=0))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--phase", "closed"])
    assert result.exit_code == 0, result.output
    today = clock.to_local(start).date()
    make_contest(slug="demo-next", opens=(today + timedelta(days=60)).isoformat(),
                 closes=(today + timedelta(days=90)).isoformat(), name="下一届株洲抖音生活秀")
    demo = db.session.scalar(sa.select(Contest).where(Contest.slug == "demo"))

    # The admin previews the lists, checks them on the confirmation page and starts the notice.
    sign_in(page, live_site, "13800000001")
    page.goto(f"{live_site}/staff/awards")  # no ?contest=: the console shows the demo, in judging
    expect(page.locator(".contest-switcher, nav").filter(has_text="演示").first).to_be_visible()
    page.get_by_role("button", name="预览名单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认公示拟获奖名单")
    expect(page.locator("table.confirm-popularity tbody tr")).to_have_count(10)
    expect(page.locator("table.confirm-excellence tbody tr")).to_have_count(10)
    shot("confirm-notice")
    page.get_by_role("button", name="确认无误，开始公示").click()
    expect(page.get_by_text("已生成拟获奖名单，开始公示")).to_be_visible()

    # The home page still shows the demo, in its notice, although the next contest exists.
    sign_out(page, live_site)
    page.goto(f"{live_site}/")
    expect(page.locator(".phase-badge").first).to_contain_text("公示中")
    expect(page.locator("body")).to_contain_text(demo.name)
    shot("home-in-notice")

    # A citizen objects (filed through the rules: the objection form has its own journey); the admin answers.
    popularity = notice_awards(demo, AwardKind.POPULARITY)
    first = popularity.places[0].entry
    objector = db.session.scalar(sa.select(User).where(User.phone.in_(["13800000004", "13800000005"]),
                                                       User.id != first.user_id).order_by(User.phone))
    objections.file_objection(popularity, first, reason="请核实点赞数是否真实。", now=clock.now(), user=objector)
    db.session.commit()
    sign_in(page, live_site, "13800000001")
    page.goto(f"{live_site}/staff/objections")
    page.get_by_label("答复（异议成立时也是取消资格的原因）").fill("经核查，点赞来自正常传播，异议不成立。")
    page.get_by_role("button", name="异议不成立").click()
    db.session.expire_all()
    assert {o.status for o in objections.queue(demo, None)} == {ObjectionStatus.DISMISSED}

    # The notice period is over: the admin publishes after the confirmation page.
    freeze(start + timedelta(days=demo.notice_days, hours=1))
    page.goto(f"{live_site}/staff/awards")
    page.get_by_role("link", name="预览并确认发布").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认发布获奖名单")
    shot("confirm-publish")
    page.get_by_role("button", name="确认无误，正式发布").click()
    expect(page.get_by_text("获奖名单已发布，获奖者已收到通知，证书已生成。")).to_be_visible()
    db.session.expire_all()
    assert notice_awards(demo, AwardKind.POPULARITY) is None
    winner = first.user
    assert popularity.status is AwardStatus.PUBLISHED

    # The winner finds the award in the inbox and downloads the certificate.
    sign_out(page, live_site)
    sign_in(page, live_site, winner.phone)
    page.goto(f"{live_site}/entries/inbox")
    expect(page.get_by_text("恭喜！你的作品获奖了").first).to_be_visible()
    shot("inbox")
    page.goto(f"{live_site}/entries/mine")
    expect(page.get_by_role("heading", name="我的获奖证书")).to_be_visible()
    shot("my-certificates")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载图片").first.click()
    png = open(download.value.path(), "rb").read()
    assert ink_outside_frame(png) == 0
    url = decode_qr(png)
    assert url.startswith(f"{live_site}/certificates/")
    assert "真实有效" in requests.get(url, timeout=10).text
    page.goto(url)
    expect(page.locator(".certificate-valid")).to_contain_text("真实有效")
    shot("verified")
