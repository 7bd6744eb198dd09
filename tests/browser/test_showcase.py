"""The showcase, measured in Chromium over the seeded demo: covers first on the public pages (phone,
390 × 844), a race chart a visitor can tap, a one-line header, and staff tables that fit a desktop
(1366 × 900). No page logs a console error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import Entry, EntryStatus

PHONE_H = 844
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
# Entry covers: the cards' and the ranked rows' images.
COVERS = "() => [...document.querySelectorAll('.entry-card-cover img, .rank-row img')].map(i => i.getBoundingClientRect().top + scrollY)"


@pytest.fixture
def demo(app, sandbox):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(sa.func.count()).select_from(Entry).where(Entry.status == EntryStatus.APPROVED))


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    return errors


def covers_within(page, url: str, screens: int) -> int:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return sum(1 for top in page.evaluate(COVERS) if top < screens * PHONE_H)


def sign_in(page, live_site: str, phone: str) -> None:
    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("zhuzhou2020")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_public_pages_show_covers_first_on_a_phone(page, live_site, demo, shot):
    errors = watch(page)
    home = covers_within(page, f"{live_site}/", 2)
    shot("home")
    gallery = covers_within(page, f"{live_site}/gallery", 1)
    shot("gallery")
    boards = covers_within(page, f"{live_site}/leaderboards", 2)
    shot("leaderboards")
    print(f"covers: home {home} in two screens, gallery {gallery} in one, leaderboards {boards} in two")
    assert home >= 3 and gallery >= 4 and boards >= 5
    assert errors == []


def test_the_race_chart_is_drawn_and_a_tap_names_the_entry(page, live_site, demo, shot):
    errors = watch(page)
    page.goto(f"{live_site}/leaderboards")
    chart = page.locator(".race .echart[data-chart-ready] canvas").first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    print(f"race chart {box['width']:.0f}×{box['height']:.0f}")
    assert box["width"] >= 200 and box["height"] >= 120
    # Tap near the leader's curve, between two of its readings: the entry is named under the chart,
    # with a link to it.
    page.wait_for_timeout(800)  # the curves are drawn in
    x, y = page.evaluate("""() => {
        const el = document.querySelector('.race .echart');
        const spec = JSON.parse(el.getAttribute('data-chart'));
        const points = spec.series[0].points, chart = echarts.getInstanceByDom(el);
        const [a, b] = [points[points.length - 3], points[points.length - 2]].map(p => chart.convertToPixel({seriesIndex: 0}, p));
        return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 6];
    }""")
    page.mouse.click(box["x"] + x, box["y"] + y)
    pick = page.locator("[data-chart-pick]")
    leader = page.locator(".rank-row").first.locator("a.title")
    expect_text = f"第 1 名《{leader.inner_text()}》"
    assert expect_text in pick.inner_text()
    assert pick.get_by_role("link", name="查看作品").get_attribute("href") == leader.get_attribute("href")
    shot("tapped")
    assert errors == []


def test_the_likes_chart_keeps_its_labels_readable_on_a_phone(page, live_site, demo, shot):
    errors = watch(page)
    page.goto(f"{live_site}/gallery?sort=likes")
    page.locator(".entry-card-title a").first.click()
    canvas = page.locator(".chart .echart[data-chart-ready] canvas").first
    canvas.scroll_into_view_if_needed()
    canvas.screenshot(path=str(shot("entry").with_name("likes-chart-phone.png")))
    # Drawn at the box's own CSS size (never a wide drawing scaled down), with 12 px labels that skip overlaps.
    sizes = page.evaluate("""() => {
        const el = document.querySelector('.chart .echart[data-chart-ready]');
        const axis = echarts.getInstanceByDom(el).getOption().xAxis[0].axisLabel;
        return [el.clientWidth, el.querySelector('canvas').getBoundingClientRect().width, axis.fontSize, axis.hideOverlap];
    }""")
    assert sizes[0] == round(sizes[1]) and sizes[2:] == [12, True]
    # The date labels drawn: each a different day, at most one tick a day, none overlapping the next.
    labels = page.evaluate("""() => {
        const el = document.querySelector('.chart .echart[data-chart-ready]');
        const chart = echarts.getInstanceByDom(el);
        const axis = chart.getModel().getComponent('xAxis', 0).axis;
        return [chart.getOption().xAxis[0].minInterval, axis.getViewLabels().map(l => l.formattedLabel)];
    }""")
    print(f"likes chart date labels: {labels[1]}")
    assert labels[0] == 24 * 3600 * 1000 and len(labels[1]) == len(set(labels[1])) >= 3
    assert errors == []


@pytest.mark.parametrize("phone", ["13800000004", "13800000001"])
def test_a_signed_in_header_is_one_line_on_a_phone(page, live_site, demo, phone, shot):
    errors = watch(page)
    sign_in(page, live_site, phone)
    page.goto(f"{live_site}/")
    height = page.locator("header").bounding_box()["height"]
    print(f"signed-in header ({phone}): {height:.0f} px")
    assert height <= 120
    nav = page.get_by_role("navigation", name="我的账户")
    # Staff never see the citizens' links.
    assert (nav.get_by_role("link", name="我要参赛").count(), nav.get_by_role("link", name="工作台").count()) == (
        (1, 0) if phone == "13800000004" else (0, 1))
    page.get_by_text("我的", exact=True).click()
    assert nav.get_by_role("button", name="退出").first.is_visible()
    shot("menu")
    assert errors == []


def test_the_judging_queue_fits_and_links_every_entry(browser, live_site, demo):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = watch(page)
    try:
        sign_in(page, live_site, "13800000003")
        page.goto(f"{live_site}/staff/judging")
        height = page.evaluate("document.documentElement.scrollHeight")
        links = page.locator(".judge-queue a[href*='/staff/judging/']").evaluate_all(
            "links => [...new Set(links.map(a => a.getAttribute('href')))]")
        print(f"judging queue: {height} px high, {len(links)} entries linked")
        assert height <= 2700 and len(links) == demo
        assert page.locator("iframe").count() == 0  # one player only, on the scoring page
    finally:
        context.close()
    assert errors == []


def test_the_review_queue_is_full_width_with_a_thumbnail_per_entry(browser, live_site, demo):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors = watch(page)
    try:
        sign_in(page, live_site, "13800000001")
        page.goto(f"{live_site}/staff/?status=all")
        width = page.locator("main").bounding_box()["width"]
        rows = page.locator("tr.queue-item")
        thumbs = page.locator("tr.queue-item img.thumb")
        print(f"review queue: main {width:.0f} px wide, {rows.count()} rows, {thumbs.count()} thumbnails")
        assert width >= 1000 and rows.count() == thumbs.count() == 41
        # Sortable: by likes, most first.
        page.get_by_role("link", name="点赞", exact=True).click()  # fewest first
        page.get_by_role("link", name="点赞", exact=True).click()  # most first
        likes = [int(t.replace(",", "")) for t in page.locator("tr.queue-item td.num").all_inner_texts() if t != "—"]
        assert likes == sorted(likes, reverse=True) and len(likes) > 30
    finally:
        context.close()
    assert errors == []


def test_an_entry_whose_nickname_is_private_shows_its_cover_and_a_link(page, live_site, demo, shot):
    errors = watch(page)
    entry = db.session.scalar(sa.select(Entry).where(Entry.status == EntryStatus.APPROVED,
                                                     Entry.show_nickname.is_(False)).order_by(Entry.id))
    page.goto(f"{live_site}/gallery/{entry.id}")
    link = page.locator("a.cover-link")
    assert page.locator("iframe").count() == 0 and link.is_visible()
    assert link.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert entry.user.nickname not in page.locator("main").inner_text()
    shot("private-phone")
    page.set_viewport_size(DESKTOP["viewport"])
    shot("private-desktop")
    assert errors == []


def test_the_phone_page_of_an_account_with_a_phone_offers_a_change_only(page, live_site, demo, shot):
    errors = watch(page)
    sign_in(page, live_site, "13800000004")
    page.goto(f"{live_site}/accounts/phone")
    assert page.get_by_text("当前手机号：138****0004").is_visible()
    assert page.locator("main form").count() == 0
    shot("current")
    page.get_by_role("link", name="更换手机号").click()
    assert page.get_by_role("heading", name="更换手机号").is_visible()
    shot("change")
    assert errors == []
