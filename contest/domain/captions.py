"""Caption checks (docs/douyin.md, "Captions"): find hashtags and mentions exactly as Douyin writes them.

A token runs from ``#`` or ``@`` to the next whitespace, ``#``, ``@`` or punctuation
mark (Chinese or Western; any Unicode punctuation, symbol, separator or control
character). Text is NFKC-normalised first, so full-width ``＃``/``＠`` count, and
zero-width and control characters are removed. The match is exact:
``#动力株洲文旅通吧`` is not ``#动力株洲文旅通``.
"""

from __future__ import annotations

import unicodedata

from contest.domain.errors import Problem

_MARKS = "#@"


def _is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def normalise(text: str) -> str:
    """NFKC, whitespace controls to spaces, other invisible characters removed."""
    folded = unicodedata.normalize("NFKC", text)
    out = []
    for ch in folded:
        category = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif category in {"Cc", "Cf", "Cn", "Co", "Cs"} or _is_variation_selector(ch):
            continue  # zero-width space, BOM, U+FFF4, emoji variation selectors: invisible
        else:
            out.append(ch)
    return "".join(out)


def _ends_token(ch: str) -> bool:
    return ch.isspace() or ch in _MARKS or unicodedata.category(ch)[0] in "PSZC"


def _tag_spans(text: str, marks: str = _MARKS):
    """``(start, end)`` of each tag in ``text``: a mark and the characters up to where the tag ends."""
    i, n = 0, len(text)
    while i < n:
        if text[i] not in marks:
            i += 1
            continue
        j = i + 1
        while j < n and not _ends_token(text[j]):
            j += 1
        yield i, j
        i = j


def tokens(text: str) -> list[tuple[str, str]]:
    """Every ``(mark, name)`` in ``text``, in order: ``[("#", "动力株洲文旅通"), ("@", "株洲足迹")]``."""
    text = normalise(text)
    return [(text[i], text[i + 1:j]) for i, j in _tag_spans(text) if j > i + 1]


def without_tags(caption: str | None) -> str:
    """The caption as written, minus its ``#话题`` and ``@提及`` tags (full-width marks too) and
    invisible marks, whitespace collapsed: what the public sees as an entry's title."""
    text = "".join(ch for ch in caption or "" if unicodedata.category(ch) != "Cf")
    kept, start = [], 0
    for i, j in _tag_spans(text, _MARKS + "＃＠"):
        kept.append(text[start:i])
        start = j
    kept.append(text[start:])
    return " ".join(" ".join(kept).split())


def bare(tag: str, mark: str) -> str:
    """A configured tag without its mark, normalised: ``"＃动力株洲文旅通"`` → ``"动力株洲文旅通"``."""
    tag = normalise(tag).strip()
    return tag[1:] if tag.startswith(mark) else tag


def has_token(caption: str, mark: str, name: str) -> bool:
    wanted = bare(name, mark)
    return any(m == mark and t == wanted for m, t in tokens(caption))


def caption_problems(caption: str, *, hashtag: str, mention: str) -> list[Problem]:
    """The problems of a caption against a contest's required hashtag and mention."""
    problems = []
    if not has_token(caption, "#", hashtag):
        problems.append(Problem(
            "missing_hashtag",
            f"作品描述里没有话题 #{bare(hashtag, '#')}。发布时请添加这个话题（必须完全一致，后面不能紧跟其他文字）。",
        ))
    if not has_token(caption, "@", mention):
        problems.append(Problem(
            "missing_mention",
            f"作品描述里没有 @{bare(mention, '@')}。发布时请 @ 主办方账号“{bare(mention, '@')}”。",
        ))
    return problems
