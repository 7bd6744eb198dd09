"""Text made safe for XML, certificates and posters (contest/printable.py)."""

import xml.dom.minidom

import pytest

from contest.printable import for_print, for_xml


@pytest.mark.parametrize("bad", ["\x0b", "\x1b", "\x01", "\x00", "\ufffe", "\uffff", "\ud800", "\u202e", "\x85"])
def test_for_xml_removes_what_breaks_or_reorders_a_feed(bad):
    text = for_xml(f"公告{bad}正文")
    assert text == "公告正文"
    xml.dom.minidom.parseString(f"<title>{text}</title>")  # well-formed


def test_for_xml_keeps_line_breaks_tabs_emoji_and_chinese():
    assert for_xml("第一行\n第二行\t🎉 株洲") == "第一行\n第二行\t🎉 株洲"


def test_for_print_removes_bidi_overrides_so_the_name_prints_as_typed():
    assert for_print("老张\u202e的乡村") == "老张的乡村"
    assert for_print("\u2066abc\u2069\u200f") == "abc"


def test_for_print_removes_emoji_with_their_joiners_and_selectors():
    assert for_print("小李爱株洲🌸") == "小李爱株洲"
    assert for_print("家庭👨‍👩‍👧合影❤️") == "家庭合影"
    assert for_print("🇨🇳 中国") == "中国"


def test_for_print_folds_whitespace_and_keeps_punctuation():
    assert for_print("  动力株洲文旅通，\n美好生活抖起来！  ") == "动力株洲文旅通， 美好生活抖起来！"
    assert for_print("《株洲·炎陵》——黄桃") == "《株洲·炎陵》——黄桃"


def test_for_print_of_nothing_is_empty():
    assert for_print(None) == ""
    assert for_print("🎉🎉") == ""
