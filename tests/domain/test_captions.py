"""Caption checks (docs/douyin.md, "Captions"): the contest hashtag and mention, matched exactly as Douyin writes them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.domain.captions import bare, caption_problems, has_token, normalise, tokens
from contest.domain.errors import Problem

HASHTAG = "动力株洲文旅通"
MENTION = "株洲足迹"
SUFFIX = " #动力株洲文旅通 @株洲足迹"


def codes(caption: str, *, hashtag: str = HASHTAG, mention: str = MENTION) -> list[str]:
    return [p.code for p in caption_problems(caption, hashtag=hashtag, mention=mention)]


# --------------------------------------------------------------------------- tokens

@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("我的株洲 #动力株洲文旅通 @株洲足迹", [("#", HASHTAG), ("@", MENTION)], id="plain"),
    pytest.param("#话题1#动力株洲文旅通#天气不错@株洲足迹",
                 [("#", "话题1"), ("#", HASHTAG), ("#", "天气不错"), ("@", MENTION)], id="no-spaces"),
    pytest.param("#动力株洲文旅通@株洲足迹", [("#", HASHTAG), ("@", MENTION)], id="adjacent"),
    pytest.param("…#某话题 #@抖音小助手", [("#", "某话题"), ("@", "抖音小助手")], id="hash-then-mention"),
    pytest.param("＃动力株洲文旅通　＠株洲足迹", [("#", HASHTAG), ("@", MENTION)], id="fullwidth"),
    pytest.param("#动力株洲文旅通，@株洲足迹。", [("#", HASHTAG), ("@", MENTION)], id="chinese-punctuation"),
    pytest.param("#动力株洲文旅通·美好生活抖起来", [("#", HASHTAG)], id="middle-dot"),
    pytest.param("# 动力株洲文旅通 @ 株洲足迹", [], id="space-after-mark"),
    pytest.param("##@@", [], id="marks-only"),
    pytest.param("", [], id="empty"),
    pytest.param("#动力株洲文旅通吧", [("#", "动力株洲文旅通吧")], id="longer"),
    pytest.param("#Zhuzhou2025!", [("#", "Zhuzhou2025")], id="latin-and-digits"),
])
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("＃动力株洲文旅通", "#动力株洲文旅通", id="fullwidth-hash"),
    pytest.param("＠株洲足迹", "@株洲足迹", id="fullwidth-at"),
    pytest.param("#动力\u200b株洲文旅通", "#动力株洲文旅通", id="zero-width-space"),
    pytest.param("\ufeff#动力株洲文旅通\ufff4", "#动力株洲文旅通", id="bom-and-fff4"),
    pytest.param("a\nb\tc\u3000d", "a b c d", id="whitespace-to-space"),
    pytest.param("a\x00b\x7fc", "abc", id="control-removed"),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize(("tag", "mark", "expected"), [
    pytest.param("动力株洲文旅通", "#", HASHTAG, id="no-mark"),
    pytest.param("#动力株洲文旅通", "#", HASHTAG, id="with-mark"),
    pytest.param("＃动力株洲文旅通", "#", HASHTAG, id="fullwidth-mark"),
    pytest.param("  @株洲足迹 ", "@", MENTION, id="spaces-and-mark"),
    pytest.param("@株洲足迹", "#", "@株洲足迹", id="other-mark-kept"),
])
def test_bare(tag, mark, expected):
    assert bare(tag, mark) == expected


def test_has_token_distinguishes_marks():
    assert has_token("#株洲足迹", "#", MENTION)
    assert not has_token("#株洲足迹", "@", MENTION)
    assert has_token("@株洲足迹", "@", "@株洲足迹")


# --------------------------------------------------------------------------- caption_problems

@pytest.mark.parametrize("caption", [
    pytest.param("带你看株洲的夜景 #动力株洲文旅通 @株洲足迹", id="plain"),
    pytest.param("@株洲足迹 #动力株洲文旅通", id="mention-first"),
    pytest.param("＃动力株洲文旅通 ＠株洲足迹", id="fullwidth-marks"),
    pytest.param("#话题1#动力株洲文旅通#天气不错@株洲足迹", id="no-spaces-between-tags"),
    pytest.param("#动力株洲文旅通@株洲足迹", id="adjacent"),
    pytest.param("#动力株洲文旅通，@株洲足迹", id="chinese-comma"),
    pytest.param("#动力株洲文旅通! @株洲足迹!", id="western-bang"),
    pytest.param("#动力株洲文旅通。@株洲足迹、", id="chinese-stop-and-comma"),
    pytest.param("#动力株洲文旅通·美好生活抖起来 @株洲足迹", id="middle-dot"),
    pytest.param("#动力株洲文旅通～@株洲足迹…", id="tilde-ellipsis"),
    pytest.param("【#动力株洲文旅通】(@株洲足迹)", id="brackets"),
    pytest.param("#动力株洲文旅通😀@株洲足迹🎉", id="emoji-right-after"),
    pytest.param("#动力株洲文旅通❤️@株洲足迹", id="emoji-with-variation-selector-after"),
    pytest.param("#动力株洲文旅通[微笑]@株洲足迹", id="douyin-text-emoji"),
    pytest.param("第一行\n#动力株洲文旅通\n@株洲足迹\n", id="newlines"),
    pytest.param("#动力株洲文旅通\r\n@株洲足迹", id="crlf"),
    pytest.param("#动力株洲文旅通\t@株洲足迹", id="tab"),
    pytest.param("#动力株洲文旅通\u3000@株洲足迹", id="ideographic-space"),
    pytest.param("#动力株洲文旅通\u00a0@株洲足迹", id="nbsp"),
    pytest.param("#动力株洲\u200b文旅通 @株洲\u200b足迹", id="zero-width-space-inside"),
    pytest.param("\u200b#动力株洲文旅通\u200b @株洲足迹\u200b", id="zero-width-space-around"),
    pytest.param("\ufeff#动力株洲文旅通 @株洲足迹\ufeff", id="bom-around"),
    pytest.param("#动力株洲文旅通\ufff4 @\ufff4株洲足迹", id="fff4"),
    pytest.param("#动力\u200d株洲文旅通 @株洲足迹\u200d", id="zero-width-joiner"),
    pytest.param("#\u200b动力株洲文旅通 @\ufeff株洲足迹", id="invisible-between-mark-and-name"),
    pytest.param("#动力株洲文旅通\x00@株洲足迹", id="nul-removed-still-adjacent"),
    pytest.param("##动力株洲文旅通 @@株洲足迹", id="doubled-marks"),
    pytest.param("#动力株洲文旅通 #动力株洲文旅通 @株洲足迹", id="repeated"),
])
def test_caption_passes(caption):
    assert caption_problems(caption, hashtag=HASHTAG, mention=MENTION) == []


@pytest.mark.parametrize(("caption", "expected"), [
    pytest.param("带你看株洲的夜景 @株洲足迹", ["missing_hashtag"], id="no-hashtag"),
    pytest.param("带你看株洲的夜景 #动力株洲文旅通", ["missing_mention"], id="no-mention"),
    pytest.param("带你看株洲的夜景", ["missing_hashtag", "missing_mention"], id="neither"),
    pytest.param("", ["missing_hashtag", "missing_mention"], id="empty"),
    pytest.param("#动力株洲文旅通吧 @株洲足迹", ["missing_hashtag"], id="longer-hashtag"),
    pytest.param("#动力株洲文旅通abc @株洲足迹", ["missing_hashtag"], id="hashtag-plus-latin"),
    pytest.param("#动力株洲文旅通2025 @株洲足迹", ["missing_hashtag"], id="hashtag-plus-digits"),
    pytest.param("#动力株洲文旅 @株洲足迹", ["missing_hashtag"], id="shorter-hashtag"),
    pytest.param("#动力株洲文旅通 @株洲足迹君", ["missing_mention"], id="longer-mention"),
    pytest.param("#动力株洲文旅通吧 @株洲足迹君", ["missing_hashtag", "missing_mention"], id="both-longer"),
    pytest.param("# 动力株洲文旅通 @株洲足迹", ["missing_hashtag"], id="space-after-hash"),
    pytest.param("#动力株洲文旅通 @ 株洲足迹", ["missing_mention"], id="space-after-at"),
    pytest.param("#动力株洲 文旅通 @株洲足迹", ["missing_hashtag"], id="space-inside"),
    pytest.param("%动力株洲文旅通 @株洲足迹", ["missing_hashtag"], id="share-text-percent"),
    pytest.param("%%动力株洲文旅通%%株洲足迹", ["missing_hashtag", "missing_mention"], id="share-text-mangled"),
    pytest.param("动力株洲文旅通 株洲足迹", ["missing_hashtag", "missing_mention"], id="no-marks"),
    pytest.param("@动力株洲文旅通 #株洲足迹", ["missing_hashtag", "missing_mention"], id="marks-swapped"),
    pytest.param("#动力株洲文旅通\u200b吧 @株洲足迹", ["missing_hashtag"], id="zero-width-hides-longer-tag"),
    pytest.param("#动力株洲\n文旅通 @株洲足迹", ["missing_hashtag"], id="newline-inside"),
    pytest.param("＃动力株洲文旅通吧 ＠株洲足迹君", ["missing_hashtag", "missing_mention"], id="fullwidth-longer"),
])
def test_caption_problems(caption, expected):
    assert codes(caption) == expected


def test_problem_messages_name_the_tags_in_chinese():
    problems = caption_problems("只是一段描述", hashtag=HASHTAG, mention=MENTION)
    assert [p.code for p in problems] == ["missing_hashtag", "missing_mention"]
    assert all(isinstance(p, Problem) for p in problems)
    hashtag_problem, mention_problem = problems
    assert "#动力株洲文旅通" in hashtag_problem.message
    assert "话题" in hashtag_problem.message and "完全一致" in hashtag_problem.message
    assert "@株洲足迹" in mention_problem.message
    assert "主办方账号" in mention_problem.message


@pytest.mark.parametrize(("hashtag", "mention"), [
    pytest.param("#动力株洲文旅通", "@株洲足迹", id="ascii-marks"),
    pytest.param("＃动力株洲文旅通", "＠株洲足迹", id="fullwidth-marks"),
    pytest.param(" 动力株洲文旅通 ", " 株洲足迹 ", id="surrounding-spaces"),
    pytest.param("动力株洲\u200b文旅通", "株洲足迹\ufeff", id="invisible-characters"),
])
def test_configured_tags_with_marks_work_the_same(hashtag, mention):
    assert caption_problems("#动力株洲文旅通 @株洲足迹", hashtag=hashtag, mention=mention) == []
    assert codes("#动力株洲文旅通吧 @株洲足迹君", hashtag=hashtag, mention=mention) == [
        "missing_hashtag", "missing_mention"]
    problems = caption_problems("", hashtag=hashtag, mention=mention)
    # The message shows the tag once, with a single mark.
    assert "#动力株洲文旅通。" in problems[0].message and "##" not in problems[0].message
    assert "@株洲足迹。" in problems[1].message and "@@" not in problems[1].message


# --------------------------------------------------------------------------- properties

@settings(max_examples=300)
@given(st.text())
def test_property_caption_problems_never_raises(text):
    problems = caption_problems(text, hashtag=HASHTAG, mention=MENTION)
    assert [p.code for p in problems] in (
        [], ["missing_hashtag"], ["missing_mention"], ["missing_hashtag", "missing_mention"])


@settings(max_examples=300)
@given(st.text())
def test_property_appending_the_tags_always_passes(text):
    assert caption_problems(text + SUFFIX, hashtag=HASHTAG, mention=MENTION) == []


@settings(max_examples=200)
@given(st.text(), st.text())
def test_property_tags_between_any_texts_pass(before, after):
    assert caption_problems(f"{before} #动力株洲文旅通 @株洲足迹 {after}", hashtag=HASHTAG, mention=MENTION) == []


def _stays_a_letter(ch: str) -> bool:
    # A few presentation forms (U+FE70…) fold under NFKC to a space plus a mark: not a glued letter any more.
    return unicodedata.category(unicodedata.normalize("NFKC", ch)[0])[0] in "LN"


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(categories=["Lo", "Ll", "Lu", "Nd"]).filter(_stays_a_letter), min_size=1))
def test_property_letters_glued_after_the_tag_fail(extra):
    assert codes(f"#动力株洲文旅通{extra} @株洲足迹{extra}") == ["missing_hashtag", "missing_mention"]


def test_an_emoji_variation_selector_after_the_tag_is_invisible():
    from contest.domain.captions import caption_problems as problems

    assert problems("#动力株洲文旅通\ufe0f @株洲足迹\U000e0100", hashtag="动力株洲文旅通", mention="株洲足迹") == []
