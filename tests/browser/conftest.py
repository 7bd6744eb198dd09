"""Browser tests: Debian's Chromium driven by Playwright, against the site served on a
free loopback port (and the Douyin sandbox), on a phone-sized viewport. Screenshots of
every step go to ``test-artifacts/screenshots/``. (``live_site`` is in tests/support/live.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from contest import clock

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A phone: most visitors come from inside Douyin or WeChat.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
            "is_mobile": True, "has_touch": True, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def open_contest(make_contest):
    """A contest whose window is open now (browser tests run on the real clock)."""
    today = clock.to_local(clock.now()).date()
    return make_contest(slug="live", opens=(today - timedelta(days=10)).isoformat(),
                        closes=(today + timedelta(days=20)).isoformat(), name="“动力株洲文旅通”杯株洲抖音生活秀")


@pytest.fixture
def shot(page, request):
    """``shot("step")`` saves a full-page screenshot as ``<test>-<n>-<step>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def _shot(step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return _shot
