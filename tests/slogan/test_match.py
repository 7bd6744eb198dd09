"""The text matcher: a pure function of the slogan and the lines read."""

import pytest

from contest.slogan.match import Line, find_slogan, normalise, reading_order

SLOGAN = "动力株洲文旅通，美好生活抖起来"


def line(text, top, left=10.0, height=30.0):
    return Line(text=text, left=left, top=top, right=left + 20 * len(text), bottom=top + height)


def test_normalise_drops_punctuation_spaces_and_width():
    assert normalise("动力株洲文旅通， 美好生活·抖起来！") == "动力株洲文旅通美好生活抖起来"
    assert normalise("ＡＢｃ１２３") == "abc123"


@pytest.mark.parametrize("lines, expected", [
    ([line(SLOGAN, 100)], SLOGAN),
    ([line("动力株洲文旅通美好生活抖起来", 100)], "动力株洲文旅通美好生活抖起来"),
    ([line("动力株洲文旅通 美好生活抖起来", 100)], "动力株洲文旅通 美好生活抖起来"),
    ([line("动力株洲文旅通，", 100), line("美好生活抖起来", 140)], "动力株洲文旅通， 美好生活抖起来"),
    # Read out of order by the OCR: reading order puts them right.
    ([line("美好生活抖起来", 140), line("动力株洲文旅通，", 100)], "动力株洲文旅通， 美好生活抖起来"),
    # Two boxes on one row, left then right.
    ([line("美好生活抖起来", 102, left=200), line("动力株洲文旅通", 100, left=10)], "动力株洲文旅通 美好生活抖起来"),
    # Other text around it does not matter; only the lines that carry it are returned.
    ([line("欢迎来到株洲", 20), line("快来参加动力株洲文旅通，", 100), line("美好生活抖起来！", 140),
      line("@株洲足迹", 300)], "快来参加动力株洲文旅通， 美好生活抖起来！"),
])
def test_find_slogan_counts(lines, expected):
    assert find_slogan(SLOGAN, lines) == expected


@pytest.mark.parametrize("lines", [
    [],
    [line("欢迎来到株洲，美好生活", 100)],
    [line("动力株洲文旅通，美好生活嗨起来", 100)],      # one character changed
    [line("动力株洲文旅通，美好生活起来", 100)],        # one missing
    [line("动力株洲文旅，美好生活抖起来", 100)],        # one missing in the first half
    [line("动力株洲文旅通，美好的生活抖起来", 100)],    # one added
    [line("美好生活抖起来", 100), line("动力株洲文旅通", 140)],  # the halves in the wrong order
    [line("动力株洲文旅通", 100), line("今天天气很好", 140), line("美好生活抖起来", 180)],  # not continuous
])
def test_find_slogan_refuses_other_wordings(lines):
    assert find_slogan(SLOGAN, lines) is None


def test_find_slogan_uses_the_slogan_given():
    assert find_slogan("醴陵瓷器，天下一绝", [line("醴陵瓷器", 10), line("天下一绝", 50)]) == "醴陵瓷器 天下一绝"
    assert find_slogan("醴陵瓷器，天下一绝", [line(SLOGAN, 10)]) is None
    assert find_slogan("，。", [line(SLOGAN, 10)]) is None


def test_reading_order_rows_then_columns():
    a, b, c = line("右", 100, left=300), line("左", 105, left=10), line("下", 200)
    assert reading_order([c, a, b]) == [b, a, c]
