"""The grammar of Douyin's URLs (DOUYIN.md §2): the hosts we understand and the short-link code.

A leaf module, below both the domain and the Douyin integration (it imports nothing of the
project): the domain's link rules classify pasted text with it, and the Douyin client checks a
short code with it before it builds the one request a short link may cause.
"""

from __future__ import annotations

import re

# Hosts whose links we understand. Exact names only: look-alikes
# (v.douyin.com.evil.cn, douyin.co, 抖音 punycode tricks) are not Douyin.
VIDEO_HOSTS = frozenset({
    "douyin.com", "www.douyin.com", "m.douyin.com", "jingxuan.douyin.com",
    "iesdouyin.com", "www.iesdouyin.com", "m.iesdouyin.com",
    "open.douyin.com",  # the official player: /player/video?vid=<id>
})
SHORT_HOST = "v.douyin.com"
LIVE_HOSTS = frozenset({"live.douyin.com", "webcast.amemv.com", "webcast.douyin.com"})
DOUYIN_HOSTS = VIDEO_HOSTS | LIVE_HOSTS | {SHORT_HOST}

# The path of a short link: one code of 6 to 11 letters, digits, "_" or "-".
SHORT_CODE = re.compile(r"^/([A-Za-z0-9_-]{6,11})/?\Z")
