"""Links citizens paste (docs/douyin.md, "Links citizens paste"): finding the URL in share text, classifying it,
refusing every host that is not Douyin's, and reading the short link's redirect."""

from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.domain.links import (
    DOUYIN_HOSTS,
    SHORT_CODE,
    Link,
    LinkProblem,
    find_url,
    parse_redirect,
    parse_url,
    published_at_from_id,
    require_video,
)

VIDEO_ID = "7455266733985729852"  # the id of a real share text, > 2**53
DOCUMENTED_CODES = {"not_douyin", "link_expired", "not_a_video", "no_link"}
SHARE_BASE = "https://www.iesdouyin.com"


def problem_of(call, *args) -> tuple[str, str]:
    """Run ``call`` expecting a LinkProblem; return its (code, message)."""
    with pytest.raises(LinkProblem) as info:
        call(*args)
    return info.value.problem.code, info.value.problem.message


# --------------------------------------------------------------------------- find_url

SHARE_TEXTS = [
    pytest.param(
        "7.43 pda:/ 让你在几秒钟之内记住我  https://v.douyin.com/L5pbfdP/ 复制此链接，打开Dou音搜索，直接观看视频！",
        "https://v.douyin.com/L5pbfdP/", "L5pbfdP", id="plain-share-text",
    ),
    pytest.param(
        "2.84 nqe:/ 骑白马的也可以是公主%%百万转场变身https://v.douyin.com/L4FJNR3/ 复制此链接，打开Dou音搜索，直接观看视频！",
        "https://v.douyin.com/L4FJNR3/", "L4FJNR3", id="percent-and-chinese-glued-before-https",
    ),
    pytest.param(
        "9.20 复制打开抖音，看看【某某的作品】从不胡吃海喝... https://v.douyin.com/i5JpSdu8/ Gic:/ o@q.EH 02/23",
        "https://v.douyin.com/i5JpSdu8/", "i5JpSdu8", id="trailing-gibberish-with-at-sign",
    ),
]


@pytest.mark.parametrize(("text", "url", "code"), SHARE_TEXTS)
def test_find_url_in_real_short_link_share_texts(text, url, code):
    assert find_url(text) == url
    assert parse_url(find_url(text)) == Link("short", short_code=code, short_host="v.douyin.com")


def test_find_url_in_real_iesdouyin_share_text_verbatim():
    # A real share text, verbatim: the "…" elisions are not URL characters, so the URL stops at the first one.
    text = ("4.30 去抖音看看【某某的作品】15天… https://www.iesdouyin.com/share/video/7455266733985729852/"
            "?region=CN&mid=…&share_sign=…&ts=1747487868 12/10 T@Y.MW ba:/")
    url = find_url(text)
    assert url == "https://www.iesdouyin.com/share/video/7455266733985729852/?region=CN&mid="
    assert parse_url(url) == Link("video", video_id=VIDEO_ID)


def test_find_url_in_iesdouyin_share_text_with_full_query():
    text = ("4.30 去抖音看看【某某的作品】15天… https://www.iesdouyin.com/share/video/7455266733985729852/"
            "?region=CN&mid=7455266750121069351&share_sign=Xk3J_0a.Qz-&ts=1747487868 12/10 T@Y.MW ba:/")
    url = find_url(text)
    assert url == ("https://www.iesdouyin.com/share/video/7455266733985729852/"
                   "?region=CN&mid=7455266750121069351&share_sign=Xk3J_0a.Qz-&ts=1747487868")
    assert require_video(parse_url(url)) == VIDEO_ID


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("   \n\t ", id="whitespace"),
    pytest.param("让你在几秒钟之内记住我 复制此链接，打开Dou音搜索，直接观看视频！", id="share-text-without-url"),
    pytest.param("douyin.com", id="bare-domain-without-path"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("file:///etc/passwd", id="file-scheme"),
])
def test_find_url_without_a_url_is_none(text):
    assert find_url(text) is None


@pytest.mark.parametrize(("text", "url"), [
    pytest.param("v.douyin.com/L5pbfdP/", "https://v.douyin.com/L5pbfdP/", id="bare"),
    pytest.param("看看这个v.douyin.com/L5pbfdP/ 复制此链接", "https://v.douyin.com/L5pbfdP/", id="chinese-glued"),
    pytest.param("www.douyin.com/video/7455266733985729852", "https://www.douyin.com/video/7455266733985729852",
                 id="www-video"),
    pytest.param("V.DOUYIN.COM/L5pbfdP", "https://V.DOUYIN.COM/L5pbfdP", id="upper-case"),
])
def test_find_url_scheme_less(text, url):
    assert find_url(text) == url


@pytest.mark.parametrize(("text", "url"), [
    pytest.param("（https://v.douyin.com/L5pbfdP/）", "https://v.douyin.com/L5pbfdP/", id="fullwidth-paren"),
    pytest.param("链接https://v.douyin.com/L5pbfdP/。", "https://v.douyin.com/L5pbfdP/", id="chinese-full-stop"),
    pytest.param("https://v.douyin.com/L5pbfdP/, 快看", "https://v.douyin.com/L5pbfdP/", id="comma"),
    pytest.param("(https://v.douyin.com/L5pbfdP/)", "https://v.douyin.com/L5pbfdP/", id="ascii-paren"),
    pytest.param("see https://v.douyin.com/L5pbfdP.", "https://v.douyin.com/L5pbfdP", id="full-stop-no-slash"),
    pytest.param('"https://v.douyin.com/L5pbfdP/"!', "https://v.douyin.com/L5pbfdP/", id="quotes-and-bang"),
    pytest.param("https://v.douyin.com/L5pbfdP/，复制", "https://v.douyin.com/L5pbfdP/", id="fullwidth-comma"),
    pytest.param("(v.douyin.com/L5pbfdP/)", "https://v.douyin.com/L5pbfdP/", id="bare-in-parens"),
])
def test_find_url_drops_trailing_punctuation(text, url):
    assert find_url(text) == url
    assert parse_url(url) == Link("short", short_code="L5pbfdP", short_host="v.douyin.com")


@pytest.mark.parametrize(("text", "url"), [
    pytest.param("https://v.douyin.com/AAAAAA/ https://v.douyin.com/BBBBBB/", "https://v.douyin.com/AAAAAA/",
                 id="two-short-links"),
    pytest.param("https://example.com/ 然后 https://v.douyin.com/BBBBBB/", "https://example.com/",
                 id="foreign-first"),
    pytest.param("v.douyin.com/AAAAAA/ https://www.douyin.com/video/1", "https://v.douyin.com/AAAAAA/",
                 id="bare-before-schemed"),
    pytest.param("https://www.douyin.com/video/1 v.douyin.com/BBBBBB/", "https://www.douyin.com/video/1",
                 id="schemed-before-bare"),
])
def test_find_url_first_url_wins(text, url):
    assert find_url(text) == url


def test_find_url_does_not_pick_a_douyin_name_out_of_a_foreign_url():
    url = find_url("https://evil.cn/?next=v.douyin.com/abc123/")
    assert url == "https://evil.cn/?next=v.douyin.com/abc123/"
    assert problem_of(parse_url, url)[0] == "not_douyin"


# --------------------------------------------------------------------------- parse_url: every form

@pytest.mark.parametrize(("url", "code"), [
    pytest.param("https://v.douyin.com/abc123/", "abc123", id="6-chars-slash"),
    pytest.param("https://v.douyin.com/abc123", "abc123", id="6-chars-no-slash"),
    pytest.param("https://v.douyin.com/aB3_-xYz09Q/", "aB3_-xYz09Q", id="11-chars-slash"),
    pytest.param("https://v.douyin.com/aB3_-xYz09Q", "aB3_-xYz09Q", id="11-chars-no-slash"),
    pytest.param("http://v.douyin.com/L5pbfdP/", "L5pbfdP", id="http"),
    pytest.param("https://V.DOUYIN.COM/L5pbfdP/", "L5pbfdP", id="upper-case-host-code-case-kept"),
    pytest.param("HTTPS://v.Douyin.Com/L5pbfdP/", "L5pbfdP", id="upper-case-scheme"),
    pytest.param("https://v.douyin.com:443/L5pbfdP/", "L5pbfdP", id="explicit-https-port"),
    pytest.param("https://v.douyin.com/L5pbfdP/?from=share&u=1", "L5pbfdP", id="with-query"),
    pytest.param("https://v.douyin.com/---___/", "---___", id="only-dash-underscore"),
    pytest.param("https://v.douyin.com/aB3_-xYz09Qz/", "aB3_-xYz09Qz", id="12-chars: newer codes are longer"),
    pytest.param("https://v.douyin.com/aB3_-xYz09QzaB3_-xYz09Q/", "aB3_-xYz09QzaB3_-xYz09Q", id="24-chars"),
])
def test_parse_url_short_link(url, code):
    link = parse_url(url)
    assert link == Link("short", video_id=None, short_code=code, short_host="v.douyin.com")


@pytest.mark.parametrize("url", [
    pytest.param("https://v.douyin.com/abc12/", id="5-chars"),
    pytest.param("https://v.douyin.com/aB3_-xYz09QzaB3_-xYz09Qzx/", id="25-chars"),
    pytest.param("https://v.douyin.com/abc.123/", id="dot"),
    pytest.param("https://v.douyin.com/abc%20123/", id="percent"),
    pytest.param("https://v.douyin.com/abc~123/", id="tilde"),
    pytest.param("https://v.douyin.com/", id="no-code"),
    pytest.param("https://v.douyin.com", id="no-path"),
    pytest.param("https://v.douyin.com/abc123/extra/", id="extra-segment"),
    pytest.param("https://v.douyin.com//abc123/", id="double-slash"),
    pytest.param("https://v.douyin.com/abc123//", id="two-trailing-slashes"),
])
def test_parse_url_bad_short_code_is_expired(url):
    code, message = problem_of(parse_url, url)
    assert code == "link_expired"
    assert "失效" in message


@pytest.mark.parametrize(("url", "host"), [
    ("https://jx.douyin.com/aBcD123/", "jx.douyin.com"), ("https://v.douyin.com/aBcD123", "v.douyin.com")])
def test_short_links_of_both_short_hosts(url, host):
    assert parse_url(url) == Link("short", short_code="aBcD123", short_host=host)


@pytest.mark.parametrize(("location", "host"), [
    ("https://v.douyin.com/abc123/", "v.douyin.com"), ("https://jx.douyin.com/abc123", "jx.douyin.com")])
def test_a_short_link_redirecting_to_another_short_link_is_resolved_in_turn(location, host):
    # jx.douyin.com codes redirect through v.douyin.com: the caller resolves the code again, from its base.
    assert parse_redirect(location, SHARE_BASE) == Link("short", short_code="abc123", short_host=host)


def test_short_code_pattern_rejects_a_trailing_newline():
    # The client checks a short code with this pattern before building the request.
    assert SHORT_CODE.match("/abc123/")
    assert SHORT_CODE.match("/abc123\n") is None
    assert SHORT_CODE.match("/abc123/\n") is None


@pytest.mark.parametrize("url", [
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}", id="www-video"),
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}/", id="www-video-slash"),
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}?previous_page=app_code_link", id="www-video-query"),
    pytest.param(f"https://douyin.com/video/{VIDEO_ID}", id="apex-video"),
    pytest.param(f"http://www.douyin.com/video/{VIDEO_ID}", id="http-video"),
    pytest.param(f"https://WWW.DOUYIN.COM/video/{VIDEO_ID}", id="upper-case-host"),
    pytest.param(f"https://www.douyin.com/discover?modal_id={VIDEO_ID}", id="discover-modal-id"),
    pytest.param(f"https://www.douyin.com/user/MS4wLjABAAAAx9?modal_id={VIDEO_ID}", id="user-page-modal-id"),
    pytest.param(f"https://www.douyin.com/search/%E6%A0%AA%E6%B4%B2?vid={VIDEO_ID}", id="search-vid"),
    pytest.param(f"https://www.douyin.com/?vid={VIDEO_ID}&from=x", id="home-vid"),
    pytest.param(f"https://www.douyin.com/jingxuan?modal_id=abc&modal_id={VIDEO_ID}", id="second-modal-id"),
    pytest.param(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}/"
                 "?region=CN&mid=7455266750121069351&share_sign=abc.def&ts=1747487868", id="iesdouyin-share"),
    pytest.param(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}", id="iesdouyin-share-bare"),
    pytest.param(f"https://m.douyin.com/share/video/{VIDEO_ID}", id="m-share"),
    pytest.param(f"https://jingxuan.douyin.com/m/video/{VIDEO_ID}", id="jingxuan"),
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}#comments", id="fragment"),
    pytest.param(f"https://www.douyin.com./video/{VIDEO_ID}", id="fqdn-trailing-dot"),
])
def test_parse_url_video_forms(url):
    link = parse_url(url)
    assert link == Link("video", video_id=VIDEO_ID, short_code=None)
    assert require_video(link) == VIDEO_ID


def test_video_id_is_an_exact_string_above_2_53():
    big = "9007199254740993"  # 2**53 + 1: a float would make it ...992
    assert int(big) == 2**53 + 1
    link = parse_url(f"https://www.douyin.com/video/{big}")
    assert link.video_id == big and isinstance(link.video_id, str)
    largest = str(2**64 - 1)  # 18446744073709551615, 20 digits
    assert require_video(parse_url(f"https://www.douyin.com/video/{largest}")) == largest
    assert require_video(parse_url(f"https://www.douyin.com/?modal_id={largest}")) == largest


@pytest.mark.parametrize("url", [
    pytest.param(f"https://www.douyin.com/video/{2**64}", id="path-2**64"),
    pytest.param("https://www.douyin.com/video/99999999999999999999", id="path-20-nines"),
    pytest.param("https://www.douyin.com/video/123456789012345678901", id="path-21-digits"),
    pytest.param(f"https://www.douyin.com/discover?modal_id={2**64}", id="modal-id-2**64"),
    pytest.param("https://www.douyin.com/discover?modal_id=99999999999999999999", id="modal-id-20-nines"),
    pytest.param(f"https://www.douyin.com/?vid={2**64}", id="vid-2**64"),
    pytest.param(f"https://www.douyin.com/discover?modal_id={VIDEO_ID}%0A", id="modal-id-encoded-newline"),
    pytest.param(f"https://www.douyin.com/discover?modal_id=%20{VIDEO_ID}", id="modal-id-encoded-space"),
    pytest.param("https://www.douyin.com/discover?modal_id=%EF%BC%91%EF%BC%92", id="modal-id-fullwidth-digits"),
    pytest.param("https://www.douyin.com/discover?modal_id=-1", id="modal-id-negative"),
    pytest.param("https://www.douyin.com/discover?modal_id=", id="modal-id-empty"),
    pytest.param("https://www.douyin.com/video/abc", id="path-letters"),
    pytest.param("https://www.douyin.com/video/1e19", id="path-exponent"),
    pytest.param("https://www.douyin.com/video/1_000", id="path-underscore-digits"),
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}/extra", id="path-extra-segment"),
    pytest.param("https://www.douyin.com/", id="home"),
    pytest.param("https://www.douyin.com/discover", id="discover-without-id"),
])
def test_parse_url_no_usable_video_id_is_not_a_video(url):
    link = parse_url(url)
    assert link == Link("home")
    code, message = problem_of(require_video, link)
    assert code == "not_a_video"
    assert "没有指向具体的视频" in message


@pytest.mark.parametrize(("url", "kind", "key_words"), [
    pytest.param(f"https://www.douyin.com/note/{VIDEO_ID}", "note", "图文", id="www-note"),
    pytest.param(f"https://www.iesdouyin.com/share/note/{VIDEO_ID}/", "note", "图文", id="iesdouyin-note"),
    pytest.param(f"https://www.iesdouyin.com/share/slides/{VIDEO_ID}/", "note", "图文", id="iesdouyin-slides"),
    pytest.param("https://www.iesdouyin.com/share/user/MS4wLjABAAAAx9?sec_uid=MS4w", "user", "主页",
                 id="iesdouyin-user"),
    pytest.param("https://www.douyin.com/user/MS4wLjABAAAAx9", "user", "主页", id="www-user"),
    pytest.param("https://live.douyin.com/123456", "live", "直播间", id="live-room"),
    pytest.param("https://live.douyin.com/", "live", "直播间", id="live-home"),
    pytest.param("https://webcast.amemv.com/douyin/webcast/reflow/7455266733985729852", "live", "直播间",
                 id="webcast-reflow"),
])
def test_parse_url_not_a_video(url, kind, key_words):
    link = parse_url(url)
    assert link.kind == kind
    assert link.video_id is None
    code, message = problem_of(require_video, link)
    assert code == "not_a_video"
    assert key_words in message
    assert "不是视频" in message or "只接受视频" in message


def test_require_video_of_an_unresolved_short_link_is_a_link_problem():
    code, message = problem_of(require_video, parse_url("https://v.douyin.com/L5pbfdP/"))
    assert code == "not_a_video"
    assert "没有指向具体的视频" in message


# --------------------------------------------------------------------------- parse_url: refused hosts

REFUSED = [
    # other sites
    pytest.param("https://www.bilibili.com/video/BV1GJ411x7h7", id="bilibili"),
    pytest.param("https://example.com/", id="example"),
    pytest.param("https://www.tiktok.com/@user/video/7455266733985729852", id="tiktok"),
    pytest.param("https://sso.douyin.com/video/1", id="other-douyin-subdomain"),
    # look-alikes
    pytest.param("https://v.douyin.com.evil.cn/abc123/", id="suffix-look-alike"),
    pytest.param("https://vdouyin.com/abc123", id="no-dot-look-alike"),
    pytest.param("https://douyin.co/video/1", id="wrong-tld"),
    pytest.param("https://evil-douyin.com/video/7455266733985729852", id="hyphen-prefix"),
    pytest.param("https://evildouyin.com/video/7455266733985729852", id="glued-prefix"),
    pytest.param("https://www.douyin.com.cn/video/7455266733985729852", id="douyin-com-cn"),
    pytest.param("https://www.iesdouyin.com.evil.cn/share/video/7455266733985729852/", id="iesdouyin-suffix"),
    pytest.param("https://xn--v-douyin-com/abc123/", id="punycode-like"),
    pytest.param("https://ｖ.douyin.com/abc123/", id="fullwidth-letter-host"),
    pytest.param("https://v.douyin.cοm/abc123/", id="greek-omicron-host"),
    pytest.param("https://v.douyin.com\\abc123/", id="backslash-as-path"),
    # userinfo tricks
    pytest.param("https://v.douyin.com@evil.cn/abc123/", id="douyin-as-userinfo"),
    pytest.param("https://user:pass@v.douyin.com/abc123/", id="userinfo-on-douyin"),
    pytest.param("https://@v.douyin.com/abc123/", id="empty-userinfo"),
    pytest.param("https://evil.cn\\@v.douyin.com/abc123/", id="backslash-userinfo"),
    pytest.param("https://evil.cn#@v.douyin.com/", id="fragment-at"),
    pytest.param("https://evil.cn?@v.douyin.com/abc123/", id="query-at"),
    pytest.param("https://v.douyin.com%40evil.cn/abc123/", id="encoded-at"),
    # IP literals
    pytest.param("http://127.0.0.1/share/video/1/", id="ipv4-loopback"),
    pytest.param("http://169.254.169.254/latest/meta-data/", id="metadata-ip"),
    pytest.param("http://[::1]/share/video/1/", id="ipv6-loopback"),
    pytest.param("http://[::ffff:127.0.0.1]/abc123/", id="ipv4-mapped-ipv6"),
    pytest.param("http://2130706433/", id="decimal-ip"),
    pytest.param("http://0x7f000001/", id="hex-ip"),
    pytest.param("http://0177.0.0.1/", id="octal-ip"),
    pytest.param("http://[::1/", id="broken-ipv6"),
    # odd ports
    pytest.param("https://v.douyin.com:8443/abc123/", id="port-8443"),
    pytest.param("https://www.douyin.com:8080/video/7455266733985729852", id="port-8080"),
    pytest.param("https://v.douyin.com:0/abc123/", id="port-0"),
    pytest.param("https://v.douyin.com:99999/abc123/", id="port-out-of-range"),
    pytest.param("https://v.douyin.com:abc/abc123/", id="port-not-a-number"),
    # non-http schemes
    pytest.param("ftp://v.douyin.com/abc123/", id="ftp"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("file:///etc/passwd", id="file"),
    pytest.param("gopher://v.douyin.com/abc123/", id="gopher"),
    pytest.param("//v.douyin.com/abc123/", id="scheme-relative"),
    pytest.param("v.douyin.com/abc123/", id="no-scheme"),
    pytest.param("/share/video/7455266733985729852/", id="relative-path"),
    pytest.param("", id="empty"),
    # percent-encoded hosts
    pytest.param("https://v%2Edouyin.com/abc123/", id="encoded-dot"),
    pytest.param("https://%76.douyin.com/abc123/", id="encoded-letter"),
    pytest.param("https://%76%2e%64%6f%75%79%69%6e%2e%63%6f%6d/abc123/", id="fully-encoded"),
]


@pytest.mark.parametrize("url", REFUSED)
def test_parse_url_refuses_non_douyin(url):
    code, message = problem_of(parse_url, url)
    assert code == "not_douyin"
    assert "不是抖音的链接" in message


@pytest.mark.parametrize("text", [
    pytest.param("快看 https://v.douyin.com@evil.cn/abc123/ 复制此链接", id="userinfo-in-share-text"),
    pytest.param("快看https://evil.cn#@v.douyin.com/", id="fragment-in-share-text"),
    pytest.param("http://127.0.0.1:5001/share/video/7455266733985729852/", id="loopback"),
    pytest.param("https://v.douyin.com.evil.cn/abc123/）", id="look-alike-with-paren"),
    pytest.param("https://v.douyin.com:8443/abc123/", id="odd-port"),
])
def test_hostile_share_text_is_refused_end_to_end(text):
    assert problem_of(parse_url, find_url(text))[0] == "not_douyin"


# --------------------------------------------------------------------------- parse_redirect

@pytest.mark.parametrize(("location", "expected"), [
    pytest.param(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}/?region=CN&mid=1&u_code=0&did=1&with_sec_did=1"
                 "&titleType=title&share_sign=abc&share_version=170400&ts=1747487868&from_aid=6383&from_ssr=1",
                 Link("video", video_id=VIDEO_ID), id="video"),
    pytest.param(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}", Link("video", video_id=VIDEO_ID),
                 id="video-bare"),
    pytest.param(f"https://www.iesdouyin.com/share/note/{VIDEO_ID}/?region=CN", Link("note"), id="note"),
    pytest.param(f"https://www.iesdouyin.com/share/slides/{VIDEO_ID}/", Link("note"), id="slides"),
    pytest.param("https://www.iesdouyin.com/share/user/MS4wLjABAAAAx9?sec_uid=MS4w&from_ssr=1", Link("user"),
                 id="user"),
    pytest.param(f"https://webcast.amemv.com/douyin/webcast/reflow/{VIDEO_ID}?u_code=1", Link("live"), id="live"),
    pytest.param(f"https://www.douyin.com/video/{VIDEO_ID}", Link("video", video_id=VIDEO_ID), id="www-video"),
])
def test_parse_redirect_kinds(location, expected):
    assert parse_redirect(location, SHARE_BASE) == expected


@pytest.mark.parametrize(("location", "kind", "key_words"), [
    pytest.param(f"https://www.iesdouyin.com/share/note/{VIDEO_ID}/", "note", "图文", id="note"),
    pytest.param("https://www.iesdouyin.com/share/user/MS4wLjABAAAAx9", "user", "主页", id="user"),
    pytest.param(f"https://webcast.amemv.com/douyin/webcast/reflow/{VIDEO_ID}", "live", "直播间", id="live"),
])
def test_parse_redirect_not_a_video(location, kind, key_words):
    link = parse_redirect(location, SHARE_BASE)
    assert link.kind == kind
    code, message = problem_of(require_video, link)
    assert code == "not_a_video" and key_words in message


@pytest.mark.parametrize("location", [
    pytest.param("https://www.douyin.com/", id="home"),
    pytest.param("https://www.douyin.com", id="home-no-slash"),
    pytest.param("https://www.douyin.com/?recommend=1", id="home-query"),
    pytest.param("https://www.iesdouyin.com/share/video/notanid/", id="bad-id"),
    pytest.param(f"https://www.iesdouyin.com/share/video/{2**64}/", id="id-too-large"),
])
def test_parse_redirect_without_an_id_means_expired(location):
    code, message = problem_of(parse_redirect, location, SHARE_BASE)
    assert code == "link_expired"
    assert "失效" in message


@pytest.mark.parametrize("location", [
    pytest.param("https://evil.cn/share/video/1/", id="other-host"),
    pytest.param("http://127.0.0.1/share/video/1/", id="loopback"),
    pytest.param("http://127.0.0.1:5001/share/video/1/", id="loopback-port"),
    pytest.param("http://[::1]/share/video/1/", id="ipv6-loopback"),
    pytest.param("https://www.iesdouyin.com.evil.cn/share/video/1/", id="look-alike"),
    pytest.param("https://www.iesdouyin.com@evil.cn/share/video/1/", id="userinfo"),
    pytest.param("https://www.iesdouyin.com:8443/share/video/1/", id="odd-port"),
    pytest.param("ftp://www.iesdouyin.com/share/video/1/", id="ftp"),
    pytest.param("/share/video/7455266733985729852/", id="relative"),
    pytest.param("", id="empty"),
])
def test_parse_redirect_leaving_douyin_is_refused(location):
    code, message = problem_of(parse_redirect, location, SHARE_BASE)
    assert code == "not_douyin"
    assert "抖音以外" in message


@pytest.mark.parametrize("share_base", [
    pytest.param("http://127.0.0.1:5001/iesdouyin", id="plain"),
    pytest.param("http://127.0.0.1:5001/iesdouyin/", id="trailing-slash"),
])
def test_parse_redirect_under_the_configured_share_base(share_base):
    base = "http://127.0.0.1:5001/iesdouyin"
    assert parse_redirect(f"{base}/share/video/{VIDEO_ID}/?region=CN", share_base) == Link("video", video_id=VIDEO_ID)
    assert parse_redirect(f"{base}/share/note/{VIDEO_ID}/", share_base) == Link("note")
    assert parse_redirect(f"{base}/share/user/MS4w", share_base) == Link("user")
    # Real Douyin hosts are still understood when the share base points at the sandbox.
    assert parse_redirect(f"https://www.iesdouyin.com/share/video/{VIDEO_ID}/", share_base).video_id == VIDEO_ID


@pytest.mark.parametrize("location", [
    pytest.param("http://127.0.0.1:5001/iesdouyinX/share/video/1/", id="prefix-without-slash"),
    pytest.param("http://127.0.0.1:5001/other/share/video/1/", id="other-path-same-host"),
    pytest.param("http://127.0.0.1:5002/iesdouyin/share/video/1/", id="other-port"),
    pytest.param("https://127.0.0.1:5001/iesdouyin/share/video/1/", id="other-scheme"),
])
def test_parse_redirect_outside_the_configured_share_base_is_refused(location):
    assert problem_of(parse_redirect, location, "http://127.0.0.1:5001/iesdouyin")[0] == "not_douyin"


# --------------------------------------------------------------------------- published_at_from_id

def test_published_at_from_id_reads_the_top_32_bits():
    seconds = int(VIDEO_ID) >> 32
    published = published_at_from_id(VIDEO_ID)
    assert published == datetime.fromtimestamp(seconds, tz=timezone.utc)
    assert published.tzinfo is not None and published.utcoffset().total_seconds() == 0
    assert published.date() == date(2025, 1, 2)


def test_two_ids_of_the_same_second_give_the_same_time():
    seconds = int(VIDEO_ID) >> 32
    assert published_at_from_id(str(seconds << 32)) == published_at_from_id(VIDEO_ID)
    assert published_at_from_id(str((seconds << 32) | 0xFFFFFFFF)) == published_at_from_id(VIDEO_ID)


@pytest.mark.parametrize("video_id", [
    pytest.param("0", id="zero"),
    pytest.param("1", id="one"),
    pytest.param("123456789", id="nine-digits"),
    pytest.param(str(2**53), id="2**53"),
    pytest.param(str((1451606400 - 1) << 32), id="just-before-2016"),
])
def test_published_at_from_small_id_is_none(video_id):
    assert published_at_from_id(video_id) is None


def test_published_at_from_id_starts_in_2016():
    assert published_at_from_id(str(1451606400 << 32)) == datetime(2016, 1, 1, tzinfo=timezone.utc)


def test_published_at_from_the_largest_id_does_not_raise():
    assert published_at_from_id(str(2**64 - 1)) == datetime.fromtimestamp(2**32 - 1, tz=timezone.utc)


# --------------------------------------------------------------------------- properties

def _classify(url: str) -> None:
    """parse_url either returns a Link or raises a documented LinkProblem; nothing else."""
    try:
        link = parse_url(url)
    except LinkProblem as exc:
        assert exc.problem.code in DOCUMENTED_CODES
        assert exc.problem.message
        return
    assert isinstance(link, Link)
    assert link.kind in {"video", "short", "note", "user", "live", "home"}
    if link.kind == "video":
        assert link.video_id.isascii() and link.video_id.isdigit() and int(link.video_id) < 2**64
    if link.kind == "short":
        assert SHORT_CODE.match(f"/{link.short_code}/")
    try:
        require_video(link)
    except LinkProblem as exc:
        assert exc.problem.code == "not_a_video"


@settings(max_examples=300)
@given(st.text())
def test_property_find_url_and_parse_url_on_arbitrary_text(text):
    url = find_url(text)
    if url is not None:
        assert isinstance(url, str) and url
        _classify(url)


@settings(max_examples=300)
@given(st.text(), st.text())
def test_property_find_url_inside_share_text(before, after):
    text = f"{before} https://v.douyin.com/L5pbfdP/ {after}"
    url = find_url(text)
    assert url is not None
    _classify(url)


_HOSTS = st.one_of(
    st.sampled_from([
        "v.douyin.com", "www.douyin.com", "douyin.com", "m.douyin.com", "jingxuan.douyin.com",
        "www.iesdouyin.com", "live.douyin.com", "webcast.amemv.com", "V.DOUYIN.COM",
        "v.douyin.com.evil.cn", "evil.cn", "127.0.0.1", "[::1]", "[::1", "2130706433", "0x7f000001",
        "user:pass@v.douyin.com", "v.douyin.com@evil.cn", "v.douyin.com:8443", "v.douyin.com:443",
        "v.douyin.com:", "v.douyin.com:99999", "evil.cn\\@v.douyin.com", "%76.douyin.com", "",
    ]),
    st.text(alphabet=st.characters(codec="ascii"), max_size=30),
    st.text(max_size=20),
)
_PATHS = st.one_of(
    st.sampled_from([
        "/", "", "/abc123/", "/aB3_-xYz09Q", "/abc12/", f"/video/{VIDEO_ID}", f"/note/{VIDEO_ID}",
        f"/share/video/{VIDEO_ID}/?region=CN", "/share/user/MS4w", f"/discover?modal_id={VIDEO_ID}",
        f"/?vid={2**64}", "/?modal_id=%0A", "#@evil.cn/",
    ]),
    st.builds(lambda a, b: f"/{a}/{b}", st.sampled_from(["video", "note", "share/video", "m/video", "user"]),
              st.one_of(st.integers(min_value=-1, max_value=2**70).map(str), st.text(max_size=25))),
    st.text(max_size=40),
)


@settings(max_examples=500)
@given(st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "//", "", "https:"]), _HOSTS, _PATHS)
def test_property_generated_urls(scheme, host, path):
    url = scheme + host + path
    _classify(url)
    try:
        link = parse_url(url)
    except LinkProblem:
        return
    # Whatever was accepted names a Douyin host, over http(s), without userinfo or an odd port.
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"}
    assert parts.username is None and parts.password is None
    assert parts.port in {None, 80, 443}
    assert parts.hostname.rstrip(".") in DOUYIN_HOSTS
    assert link.kind in {"video", "short", "note", "user", "live", "home"}


@settings(max_examples=300)
@given(st.text(), st.sampled_from([SHARE_BASE, "http://127.0.0.1:5001/iesdouyin", ""]))
def test_property_parse_redirect_raises_only_link_problems(location, share_base):
    try:
        link = parse_redirect(location, share_base)
    except LinkProblem as exc:
        assert exc.problem.code in {"not_douyin", "link_expired"}
        return
    assert link.kind in {"video", "note", "user", "live"}


def test_the_official_player_url_is_a_video():
    from contest.domain.links import Link, parse_url

    assert parse_url("https://open.douyin.com/player/video?vid=7455266733985729852&autoplay=0") == Link(
        "video", video_id="7455266733985729852")
