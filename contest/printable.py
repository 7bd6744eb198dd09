"""Text that people typed, made safe for the media the site writes it into.

A leaf module (nothing of the package below it): the Atom feed, the certificates and the posters
all take user text (nicknames, titles, announcements) that may carry characters which break XML,
reverse the printed line (bidi overrides such as U+202E) or print as boxes (emoji, for which the
embedded CJK font has no glyph). Each function removes exactly those, and keeps the rest as typed.
"""

from __future__ import annotations

import re
import unicodedata

# Characters XML 1.0 forbids: C0 controls except TAB, LF and CR, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Controls that reorder text on display: embeddings and overrides (U+202A–E), isolates (U+2066–9),
# the marks U+200E, U+200F and U+061C.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# C1 controls and DEL, harmless in XML but never meant to be seen.
_C1 = re.compile("[\x7f-\x9f]")
# Emoji and their glue: pictographs, symbols and flags (planes 1's U+1F000–U+1FAFF), the dingbat and
# misc-symbol blocks, variation selectors, the zero-width joiner, keycap and tag characters.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
    "\ufe00-\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
_NONCHARACTER = re.compile("[\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def for_xml(text: str) -> str:
    """``text`` without what XML 1.0 forbids or what reorders it: safe in any element or attribute."""
    return _C1.sub("", _BIDI.sub("", _NOT_XML.sub("", text or "")))


def for_print(text: str) -> str:
    """``text`` as one line for a certificate or a poster: NFC, without controls, bidi overrides,
    noncharacters or emoji (the print font has no glyph for them; they are removed deliberately),
    whitespace runs folded to one space."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if ch in "\t\n\r\x0b\x0c" else ch for ch in text)
    text = _EMOJI.sub("", _NONCHARACTER.sub("", for_xml(text)))
    return _SPACES.sub(" ", text).strip()
