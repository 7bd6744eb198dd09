"""The grammar of Douyin's URLs (docs/douyin.md, "Links citizens paste"): the hosts we understand
and the short-link code.

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
# 精选 (jx.douyin.com) shares short links of its own, which may redirect through v.douyin.com.
JX_SHORT_HOST = "jx.douyin.com"
SHORT_HOSTS = frozenset({SHORT_HOST, JX_SHORT_HOST})
LIVE_HOSTS = frozenset({"live.douyin.com", "webcast.amemv.com", "webcast.douyin.com"})
DOUYIN_HOSTS = VIDEO_HOSTS | LIVE_HOSTS | SHORT_HOSTS

# The path of a short link: one code of letters, digits, "_" or "-". Codes seen so far are 6 to
# 11 characters; newer ones are longer, so up to 24 are accepted (the length only bounds the request).
SHORT_CODE = re.compile(r"^/([A-Za-z0-9_-]{6,24})/?\Z")
# A short link resolves through at most this many redirects (jx → v → share page is two).
MAX_SHORT_HOPS = 3
