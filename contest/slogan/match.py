"""Whether OCR'd lines show the slogan: a pure function of the slogan and the lines.

The slogan counts when all of its characters appear in order, contiguous once punctuation,
symbols and spaces are dropped (NFKC first, so full- and half-width forms are one), in the
lines read in reading order (top to bottom, then left to right). So a slogan split over two
lines, or shown without its comma, counts; a different wording (one character changed,
missing or added in the middle) does not.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of text read on a frame, with its box (pixels: left, top, right, bottom)."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def normalise(text: str) -> str:
    """Letters and digits only (NFKC, lower case): what the comparison sees."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower()
                   if unicodedata.category(ch)[0] in "LN")


def reading_order(lines: list[Line]) -> list[Line]:
    """Rows top to bottom (lines whose vertical centres lie within half a line height of a
    row's first line join it), each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (l.top + l.bottom) / 2):
        centre = (line.top + line.bottom) / 2
        if rows:
            first = rows[-1][0]
            if abs(centre - (first.top + first.bottom) / 2) <= max(first.bottom - first.top, 1) / 2:
                rows[-1].append(line)
                continue
        rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda l: l.left)]


def slogan_lines(slogan: str, lines: list[Line]) -> list[Line] | None:
    """The lines (in reading order) that carry ``slogan`` when they show it, else None."""
    wanted = normalise(slogan)
    if not wanted:
        return None
    ordered = reading_order(lines)
    texts = [normalise(line.text) for line in ordered]
    # The slogan starts in some line and runs on through the following ones.
    for first in range(len(ordered)):
        joined = ""
        for last in range(first, len(ordered)):
            joined += texts[last]
            at = joined.find(wanted)
            if at >= len(texts[first]):
                break  # it starts in a later line: that line's turn as ``first`` finds it
            if at >= 0:
                return ordered[first:last + 1]
            if len(joined) >= len(wanted) + len(texts[first]):
                break
    return None


def as_read(lines: list[Line]) -> str:
    """The text of ``lines`` (those that carry the slogan), joined by a space: what a finding reports."""
    return " ".join(line.text for line in lines)


def find_slogan(slogan: str, lines: list[Line]) -> str | None:
    """The text as read (:func:`as_read`) when the lines show ``slogan``, else None."""
    found = slogan_lines(slogan, lines)
    return None if found is None else as_read(found)
