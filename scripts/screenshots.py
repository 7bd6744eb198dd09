"""Phone and desktop screenshots of the main screens for docs/design.md (docs/screenshots/).

Run against a demo site (`make run`), e.g. ``.venv/bin/python scripts/screenshots.py http://127.0.0.1:5000``;
prints each page's console errors, if any. Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
PHONE_SCREENS = 3  # a phone shot shows the first three screens of the page
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
# (name, path, who: None / citizen phone / staff phone, sizes)
PAGES = [
    ("home", "/", None, ("phone", "desktop")),
    ("gallery", "/gallery", None, ("phone", "desktop")),
    ("leaderboards", "/leaderboards", None, ("phone", "desktop")),
    ("areas", "/areas", None, ("phone", "desktop")),
    ("entry", "/gallery/{entry}", None, ("phone",)),
    ("mine", "/entries/mine", "13800000004", ("phone",)),
    ("queue", "/staff/", "13800000001", ("desktop",)),
    ("dashboard", "/staff/dashboard", "13800000001", ("desktop",)),
    ("judging", "/staff/judging", "13800000003", ("desktop",)),
]


def sign_in(page, base: str, phone: str) -> None:
    page.goto(f"{base}/accounts/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("zhuzhou2020")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def main(base: str, only: set[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, path, who, sizes in PAGES:
            if only and name not in only:
                continue
            for size in sizes:
                context = browser.new_context(**(PHONE if size == "phone" else DESKTOP), locale="zh-CN",
                                              timezone_id="Asia/Shanghai")
                page = context.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                if who:
                    sign_in(page, base, who)
                target = path
                if "{entry}" in path:
                    page.goto(f"{base}/gallery?sort=likes")
                    target = page.locator(".entry-card-title a").first.get_attribute("href")
                page.goto(base + target)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(600)
                if size == "phone":
                    height = min(page.evaluate("document.documentElement.scrollHeight"), PHONE_SCREENS * 844)
                    page.screenshot(path=str(OUT / f"{name}-{size}.png"), full_page=True,
                                    clip={"x": 0, "y": 0, "width": 390, "height": height})
                else:
                    page.screenshot(path=str(OUT / f"{name}-{size}.png"))
                print(name, size, "errors:", errors)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]))
