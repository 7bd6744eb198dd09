"""The share poster (拉票海报) of an entry: a PNG an entrant saves and posts to ask for likes.

750 × 1334 pixels (a phone screen, what WeChat moments show whole): a cover panel with the
entry's title, the contest's name and slogan, who entered it and from where, its likes or its
place on the board, and a QR code of the entry's page. Text is cleaned for print
(:func:`contest.printable.for_print`), wrapped to its box and shrunk until it fits, so any title
fits. The cover panel is drawn, not fetched: the site makes no request outside the configured
Douyin bases, and Douyin serves covers from its image CDN.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from contest.printable import for_print

WIDTH, HEIGHT = 750, 1334
MARGIN = 48
RED, RED_DARK, ORANGE, GOLD = (200, 16, 46), (155, 12, 35), (240, 138, 60), (183, 121, 31)
INK, MUTED, PAPER = (29, 29, 31), (91, 91, 102), (255, 255, 255)
PANEL_H = 720
QR_SIZE = 232


@dataclass(frozen=True)
class Poster:
    """What a poster says (plain values: a view builds it from the entry's public card)."""

    title: str
    author: str
    theme: str
    area: str
    likes: int | None
    place: int | None  # on the overall popularity board, when in its top
    contest: str
    slogan: str
    url: str  # the entry page: what the QR code opens


@lru_cache(maxsize=32)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


def _bold(path: str) -> str:
    """The bold face beside a regular one (Noto's naming), else the regular one."""
    bold = path.replace("Regular", "Bold")
    return bold if bold != path and Path(bold).exists() else path


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` (Chinese breaks between any two characters)."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    return [*lines, line] if line else lines


def _fit(draw, text: str, font_path: str, index: int, *, width: int, max_lines: int, size: int,
         smallest: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` takes at most
    ``max_lines`` lines; at the smallest, the lines that fit, the last one ending in "…"."""
    for current in range(size, smallest - 1, -2):
        font = _font(font_path, index, current)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    while lines[-1] and draw.textlength(lines[-1] + "…", font=font) > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] += "…"
    return font, lines


def _gradient() -> Image.Image:
    """The cover panel: the contest's red into orange, top left to bottom right."""
    small = Image.new("RGB", (2, 2))
    small.putdata([RED, (226, 69, 60), (226, 69, 60), ORANGE])
    return small.resize((WIDTH, PANEL_H), Image.Resampling.BILINEAR)


def _qr(url: str) -> Image.Image:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB").resize((QR_SIZE, QR_SIZE), Image.Resampling.NEAREST)


def poster_png(poster: Poster, *, font_path: str, font_index: int) -> bytes:
    """The poster as PNG bytes (see the module docstring)."""
    bold = _bold(font_path)
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    image.paste(_gradient(), (0, 0))
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN

    # The cover panel: the contest's name small, the title large, the place or likes in a badge.
    y = MARGIN
    font, lines = _fit(draw, for_print(poster.contest), bold, font_index, width=inner, max_lines=2, size=30, smallest=22)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=PAPER)
        y += font.size + 10
    y += 40
    font, lines = _fit(draw, for_print(poster.title) or "未命名作品", bold, font_index, width=inner, max_lines=4,
                       size=72, smallest=40)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=PAPER)
        y += round(font.size * 1.25)
    badge = f"人气榜第 {poster.place} 名" if poster.place else None
    count = f"{poster.likes:,} 赞" if poster.likes is not None else "快来点赞"
    font = _font(bold, font_index, 40)
    by = PANEL_H - MARGIN - 64
    x = MARGIN
    for text, fill, ink in ((badge, GOLD, PAPER), (count, PAPER, RED_DARK)):
        if not text:
            continue
        w = draw.textlength(text, font=font) + 48
        draw.rounded_rectangle([x, by, x + w, by + 64], radius=32, fill=fill)
        draw.text((x + 24, by + 8), text, font=font, fill=ink)
        x += w + 16

    # Below the panel: who and where, the slogan, the QR code and what to do with it.
    y = PANEL_H + 40
    font, lines = _fit(draw, for_print(f"{poster.author} · {poster.area} · {poster.theme}"), font_path, font_index,
                       width=inner, max_lines=2, size=30, smallest=22)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += font.size + 10
    y += 16
    font, lines = _fit(draw, f"“{for_print(poster.slogan)}”", bold, font_index, width=inner, max_lines=2, size=34,
                       smallest=24)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=RED_DARK)
        y += font.size + 12
    qr_top = HEIGHT - MARGIN - QR_SIZE
    image.paste(_qr(poster.url), (WIDTH - MARGIN - QR_SIZE, qr_top))
    text_w = inner - QR_SIZE - 24
    font, lines = _fit(draw, "长按识别二维码，打开作品页，去抖音为TA点赞", bold, font_index, width=text_w, max_lines=3,
                       size=34, smallest=24)
    ty = qr_top + 8
    for line in lines:
        draw.text((MARGIN, ty), line, font=font, fill=INK)
        ty += font.size + 12
    small = _font(font_path, font_index, 20)
    for line in _wrap(draw, poster.url, small, text_w)[:2]:
        draw.text((MARGIN, ty + 12), line, font=small, fill=MUTED)
        ty += 28
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
