"""The journeys people take, in a real browser on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from contest import clock
from contest.domain import awards
from contest.extensions import db
from contest.models import Entry, EntryStatus
from tests.conftest import build_entry, video_id_at
from tests.support.awards import AWARDS_CONTEST, DRAFT, NOTICE_ENDS

pytestmark = AWARDS_CONTEST


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
    expect(page.locator(".chosen")).to_contain_text("已选择抖音作品《神农城夜景》")  # its title, not a bare id
    expect(page.locator(".chosen img")).to_be_visible()
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


def test_reviewer_approves_a_pending_entry(page, live_site, open_contest, make_user, shot):
    reviewer = make_user(role="reviewer", phone="13800000002", nickname="审核员小陈")
    citizen = make_user(nickname="小李爱株洲")
    entry = build_entry(open_contest, citizen, video_id=video_id_at(clock.now() - timedelta(days=1), 3),
                        status=EntryStatus.PENDING, caption="炎帝陵祭祖 #动力株洲文旅通 @株洲足迹", show_nickname=True)
    db.session.commit()

    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(reviewer.phone)
    page.get_by_label("密码").fill("secret-pass-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="工作台").click()
    expect(page.get_by_role("link", name=f"作品 {entry.id}")).to_be_visible()
    shot("queue")
    page.get_by_role("link", name=f"作品 {entry.id}").click()
    expect(page.locator("mark").first).to_be_visible()  # the required tags highlighted in the caption
    for key in ("slogan", "theme", "content"):
        page.locator(f"#check-{key}").check()
    page.get_by_role("radio", name="通过", exact=True).check()
    shot("decide")
    page.get_by_role("button", name="提交审核结果").click()
    expect(page.get_by_text(f"作品 {entry.id} 已通过审核，已通知参赛者。")).to_be_visible()
    shot("approved")

    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status is EntryStatus.APPROVED


def test_visitor_finds_an_entry_in_the_gallery_and_after_a_poll_on_the_leaderboard(
        app, page, live_site, sandbox, open_contest, linked_author, entry_of, shot):
    published = clock.to_local(clock.now() - timedelta(days=2)).isoformat()
    entry = entry_of(open_contest, linked_author("ou_visitor_test"), published=published, likes=5)
    entry.caption = "醴陵瓷器手作 #动力株洲文旅通 @株洲足迹"
    db.session.commit()

    page.goto(f"{live_site}/")
    open_menu(page, "菜单")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="作品展示").click()
    page.get_by_label("搜索标题、作者昵称，或粘贴抖音链接").fill("醴陵瓷器")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("status")).to_contain_text("共 1 件作品")
    expect(page.get_by_role("link", name="醴陵瓷器手作", exact=True)).to_be_visible()
    shot("gallery")
    page.get_by_role("link", name="醴陵瓷器手作", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("醴陵瓷器手作")
    expect(page.locator("img[src$='/qr.svg']")).to_be_visible()
    shot("entry")

    # A poll reads the likes Douyin now reports; the leaderboard shows them at once.
    sandbox.control(f"videos/{entry.video_id}/stats", {"digg_count": 2_468})
    result = app.test_cli_runner().invoke(args=["poll-likes"])
    assert result.exit_code == 0, result.output
    page.goto(f"{live_site}/")
    open_menu(page, "菜单")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="排行榜").click()
    first = page.locator(".rank-row").first
    expect(first).to_contain_text("醴陵瓷器手作")
    expect(first).to_contain_text("2,468 赞")
    shot("leaderboard")


def test_citizen_resets_a_forgotten_password_and_signs_in_with_the_new_one(page, live_site, open_contest, make_user,
                                                                            shot):
    citizen = make_user(phone="13800000004", nickname="小李爱株洲", password="forgotten-pass-1")
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{live_site}/accounts/login")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("找回密码")
    page.get_by_label("手机号").fill("138 0000 0004")
    shot("phone")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("如果 138****0004 已注册，验证码已发送到这个手机")).to_be_visible()
    code = page.get_by_text("演示模式：验证码是").inner_text().rsplit(" ", 1)[-1]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("设置密码", exact=True).fill("new-secret-2")
    page.get_by_label("再次输入密码", exact=True).fill("new-secret-2")
    shot("new-password")
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("密码已重新设置，所有设备上的登录已退出。请用新密码登录。")).to_be_visible()
    shot("reset-done")

    page.get_by_label("手机号").fill(citizen.phone)
    page.get_by_label("密码", exact=True).fill("new-secret-2")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("欢迎回来，小李爱株洲！")).to_be_visible()
    open_menu(page, "我的")
    expect(page.get_by_role("button", name="退出（小李爱株洲）")).to_be_visible()
    shot("signed-in")
    assert failed == []


def open_menu(page, name: str) -> None:
    """Open a header menu (菜单, 我的): on a phone its links are folded behind it."""
    page.locator("header summary", has_text=name).click()


def sign_in(page, live_site: str, phone: str, password: str = "secret-pass-1") -> None:
    page.goto(f"{live_site}/accounts/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def test_admin_creates_a_contest_on_the_web_and_a_citizen_enters_it(
        browser, browser_context_args, live_site, sandbox, make_user, publish, shot, page):
    admin = make_user(role="admin", phone="13800000001", nickname="管理员小周")
    citizen = make_user(phone="13800000004", nickname="小李爱株洲")
    today = clock.to_local(clock.now()).date()
    published = clock.to_local(clock.now() - timedelta(hours=3)).isoformat()
    publish(published, title="渌口的清晨 #株洲新话题 @株洲文旅", code="ZZweb001")

    sign_in(page, live_site, admin.phone)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="活动管理").click()
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("活动名称").fill("2026 冬季株洲抖音生活秀")
    page.get_by_label("活动标识（网址中的名字）").fill("winter-2026")
    page.get_by_label("开始时间（北京时间）").fill(f"{today - timedelta(days=1)}T00:00:00")
    page.get_by_label("结束时间（北京时间，这一秒仍在活动内）").fill(f"{today + timedelta(days=30)}T23:59:59")
    page.get_by_label("话题（不带 #）").fill("株洲新话题")
    page.get_by_label("需要 @ 的账号（不带 @）").fill("株洲文旅")
    shot("contest-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存活动“2026 冬季株洲抖音生活秀”。")).to_be_visible()
    expect(page.get_by_role("cell", name="winter-2026")).to_be_visible()
    shot("contests")
    open_menu(page, "我的")
    page.get_by_role("button", name="退出（管理员小周）").click()

    sign_in(page, live_site, citizen.phone)
    page.goto(f"{live_site}/entries/new?contest=winter-2026")
    page.get_by_label("抖音视频分享链接").fill("复制此链接 https://v.douyin.com/ZZweb001/ 打开抖音")
    page.get_by_label("株洲美好生活秀").check()
    page.get_by_label("所在区县").select_option("lukou")
    page.get_by_label("我已阅读并同意参赛规则").check()
    page.get_by_role("button", name="提交报名").click()
    expect(page.get_by_text("报名成功！作品正在等待审核")).to_be_visible()
    shot("entered")
    entry = db.session.scalar(sa.select(Entry))
    assert (entry.contest.slug, entry.status, entry.area.key) == ("winter-2026", EntryStatus.PENDING, "lukou")


def test_visitor_opens_the_douyin_link_and_an_area_page(app, page, live_site, sandbox, shot):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{live_site}/areas")
    page.get_by_role("link", name="醴陵市", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("醴陵市的参赛作品")
    expect(page.locator(".entry-card").first).to_be_visible()
    page.locator(".entry-card img").first.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    shot("area")
    page.locator(".entry-card-title a").first.click()
    frame = page.frame_locator("iframe.player")
    expect(frame.get_by_text("抖音沙盒播放器")).to_be_visible()  # the sandbox's player, not a broken frame
    title = page.get_by_role("heading", level=1).inner_text()
    shot("entry")
    page.get_by_role("link", name=f"去抖音点赞：{title}").first.click()
    page.wait_for_url(f"{sandbox.url}/iesdouyin/share/video/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text(title.split()[0])
    shot("douyin")
    assert failed == []


def test_winner_downloads_a_certificate(page, live_site, freeze, shot, contest, admin, field):
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()

    sign_in(page, live_site, field["P1"].user.phone)
    page.goto(f"{live_site}/entries/mine?contest={contest.slug}")
    expect(page.get_by_role("heading", name="我的获奖证书")).to_be_visible()
    shot("certificates")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载打印版").first.click()
    path = download.value.path()
    text = "".join(PdfReader(str(path)).pages[0].extract_text().replace("\x00", "").split())
    assert "获奖证书" in text and "第1名" in text and "株洲市文化旅游广电体育局" in text
