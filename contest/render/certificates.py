"""Render a :class:`contest.domain.certificates.Certificate` as PDF (fpdf2) and PNG (Pillow),
with a Chinese font embedded.

One layout (:func:`layout`, in millimetres on A4 landscape) serves both: every text is cleaned
for print (:func:`contest.printable.for_print`: no bidi overrides such as U+202E, no emoji that
would print as boxes), wrapped to its box and shrunk until it fits, so the text always stays
inside the gold frame whatever the title, the name or the contest's name. The number and a QR
code of the verification page sit bottom left, the organiser, the signatory line, the date and
the seal bottom right.

fpdf2 reads TrueType/OpenType files, not the collections (.ttc) Debian's fonts-noto-cjk ships:
the Simplified Chinese face is taken out of the collection with fontTools and subset to the
characters of the certificate (a few kB, so the PDF stays small), in memory. Pillow reads the
collection itself. ``CONTEST_CJK_FONT`` (a .ttc/.otf/.ttf) and ``CONTEST_CJK_FONT_INDEX`` (the
face in a collection) choose the font.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from contest.domain.certificates import Certificate
from contest.printable import for_print

# fontTools logs every subsetting step at INFO: a page of noise per rendered certificate.
logging.getLogger("fontTools").setLevel(logging.WARNING)

RED = (200, 16, 46)
GOLD = (191, 144, 0)
INK = (30, 30, 30)
MUTED = (90, 90, 90)
PAGE_W, PAGE_H = 297, 210       # A4 landscape, millimetres
OUTER = (10, 10, 287, 200)       # the gold frame
INNER = (15, 15, 282, 195)
LEFT, RIGHT = 40, 257            # the text block
BODY_TOP, BODY_BOTTOM = 50, 136  # the salutation, the sentence and the closing line
QR_BOX = (30, 140, 32)           # x, y, side
SEAL_SIDE = 36
PT = 0.3528                      # millimetres per point
MEASURE = 10                     # pixels per millimetre when measuring


class FontMissing(RuntimeError):
    """The configured Chinese font is not there (install fonts-noto-cjk)."""


@dataclass(frozen=True)
class Text:
    x: float         # left, millimetres
    baseline: float  # millimetres from the top
    size: float      # points
    text: str
    color: tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    texts: list[Text]
    qr: tuple[float, float, float] | None   # x, y, side
    seal: tuple[float, float, float] | None


@lru_cache(maxsize=64)
def _font(path: str, index: int, px: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, px, index=index)
    except OSError as exc:
        raise FontMissing(f"找不到证书字体 {path}（请安装 fonts-noto-cjk）。") from exc


def _width(text: str, size: float, path: str, index: int) -> float:
    """The width of ``text`` at ``size`` points, in millimetres."""
    return _font(path, index, max(1, round(size * PT * MEASURE))).getlength(text) / MEASURE


def _wrap(text: str, size: float, width: float, path: str, index: int, indent: float = 0) -> list[str]:
    """``text`` in lines no wider than ``width`` mm (the first ``indent`` mm narrower); Chinese
    breaks between any two characters, a full stop or comma never starts a line."""
    lines, line = [], ""
    for char in text:
        room = width - (indent if not lines else 0)
        if line and _width(line + char, size, path, index) > room and char not in "，。、；：！？）》”":
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    return [*lines, line] if line else lines


def _shrink(text: str, *, width: float, size: float, smallest: float, max_lines: int, path: str,
            index: int) -> tuple[float, list[str]]:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` takes at most
    ``max_lines`` lines; at the smallest, the lines that fit, the last ending in "…"."""
    current = size
    while True:
        lines = _wrap(text, current, width, path, index)
        if len(lines) <= max_lines or current <= smallest:
            break
        current -= 1
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and _width(lines[-1] + "…", current, path, index) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return current, lines


def layout(cert: Certificate, *, font_path: str, font_index: int) -> Layout:
    """Where every text, the QR code and the seal go (see the module docstring)."""
    args = {"path": font_path, "index": font_index}
    texts = []
    title_w = _width("获奖证书", 36, **args)
    texts.append(Text((PAGE_W - title_w) / 2, 38, 36, "获奖证书", RED))

    # The body: salutation, sentence (first line indented two characters), closing line.
    salutation = for_print(f"{cert.winner}：")
    sentence = for_print(cert.sentence)
    closing = "特发此证，以资鼓励。"
    width = RIGHT - LEFT
    size = 20.0
    while True:
        indent = 2 * size * PT
        head = _wrap(salutation, size, width, **args)
        body = _wrap(sentence, size, width, indent=indent, **args)
        step = size * PT * 1.7
        if (len(head) + len(body) + 1) * step <= BODY_BOTTOM - BODY_TOP or size <= 9:
            break
        size -= 0.5
    y = BODY_TOP + size * PT
    for line in head:
        texts.append(Text(LEFT, y, size, line, INK))
        y += step
    for n, line in enumerate(body):
        texts.append(Text(LEFT + (indent if n == 0 else 0), y, size, line, INK))
        y += step
    texts.append(Text(LEFT + indent, y, size, closing, INK))

    # Bottom right: organiser (up to two lines), signatory, date — right-aligned.
    right_w = 110
    org_size, org_lines = _shrink(for_print(cert.organiser), width=right_w, size=18, smallest=10, max_lines=2, **args)
    bottom = [(line, org_size, INK) for line in org_lines]
    if cert.signatory:
        sig_size, sig_lines = _shrink(for_print(cert.signatory), width=right_w, size=14, smallest=9, max_lines=1,
                                      **args)
        bottom += [(line, sig_size, INK) for line in sig_lines]
    bottom.append((cert.date, 16, INK))
    y = 184.0
    placed = []
    for line, line_size, color in reversed(bottom):
        placed.append(Text(RIGHT - _width(line, line_size, **args), y, line_size, line, color))
        y -= line_size * PT * 1.7
    texts.extend(reversed(placed))

    # Bottom left: the QR code of the verification page and the number under it.
    qr = None
    if cert.url:
        qr = QR_BOX
        x, top, side = QR_BOX
        if cert.code:
            code = f"证书编号 {cert.code[:4]} {cert.code[4:]}"
            texts.append(Text(x, top + side + 5, 10, code, MUTED))
            texts.append(Text(x, top + side + 10, 9, "扫码或访问网站核验真伪", MUTED))
    elif cert.code:
        texts.append(Text(QR_BOX[0], 184, 10, f"证书编号 {cert.code[:4]} {cert.code[4:]}", MUTED))
    seal = None
    if cert.seal:
        centre = RIGHT - min(right_w, max(_width(t.text, t.size, **args) for t in placed)) / 2
        seal = (centre - SEAL_SIDE / 2, 184 - SEAL_SIDE - 4, SEAL_SIDE)
    return Layout(texts, qr, seal)


def _qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def _seal_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGBA")


def _subset_font(path: str, index: int, text: str) -> bytes:
    try:
        font = TTFont(path, fontNumber=index)
    except OSError as exc:
        raise FontMissing(f"找不到证书字体 {path}（请安装 fonts-noto-cjk）。") from exc
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def certificate_pdf(cert: Certificate, *, font_path: str, font_index: int) -> bytes:
    """An A4 landscape certificate with the font subset embedded."""
    plan = layout(cert, font_path=font_path, font_index=font_index)
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"获奖证书 · {for_print(cert.contest)}")
    pdf.set_creator("株洲抖音生活秀")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    with tempfile.TemporaryDirectory(prefix="certificate-") as tmp:  # fpdf2 reads fonts from files only
        subset_path = Path(tmp) / "cjk.otf"
        subset_path.write_bytes(_subset_font(font_path, font_index,
                                             "".join(t.text for t in plan.texts) + "0123456789"))
        pdf.add_font("cjk", "", str(subset_path))
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(2)
    pdf.rect(OUTER[0], OUTER[1], OUTER[2] - OUTER[0], OUTER[3] - OUTER[1])
    pdf.set_line_width(0.5)
    pdf.rect(INNER[0], INNER[1], INNER[2] - INNER[0], INNER[3] - INNER[1])
    if plan.qr:
        x, y, side = plan.qr
        pdf.image(io.BytesIO(_qr_png(cert.url)), x=x, y=y, w=side, h=side)
    for text in plan.texts:
        pdf.set_font("cjk", size=text.size)
        pdf.set_text_color(*text.color)
        pdf.text(text.x, text.baseline, text.text)
    if plan.seal:
        x, y, side = plan.seal
        pdf.image(_seal_image(cert.seal), x=x, y=y, w=side, h=side)
    return bytes(pdf.output())


def certificate_png(cert: Certificate, *, font_path: str, font_index: int, width: int = 1600) -> bytes:
    """The same certificate as a PNG (width × width·0.707, A4 landscape)."""
    plan = layout(cert, font_path=font_path, font_index=font_index)
    height = round(width * PAGE_H / PAGE_W)
    scale = width / PAGE_W  # pixels per millimetre
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([c * scale for c in OUTER], outline=GOLD, width=round(2 * scale))
    draw.rectangle([c * scale for c in INNER], outline=GOLD, width=max(1, round(scale / 2)))
    if plan.qr:
        x, y, side = plan.qr
        qr = Image.open(io.BytesIO(_qr_png(cert.url))).convert("RGB")
        image.paste(qr.resize((round(side * scale),) * 2, Image.Resampling.NEAREST), (round(x * scale), round(y * scale)))
    for text in plan.texts:
        font = _font(font_path, font_index, max(1, round(text.size * PT * scale)))
        draw.text((text.x * scale, text.baseline * scale), text.text, font=font, fill=text.color, anchor="ls")
    if plan.seal:
        x, y, side = plan.seal
        seal = _seal_image(cert.seal).resize((round(side * scale),) * 2, Image.Resampling.LANCZOS)
        image.paste(seal, (round(x * scale), round(y * scale)), seal)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
