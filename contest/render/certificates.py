"""Render a :class:`contest.domain.certificates.Certificate` as PDF (fpdf2) and PNG (Pillow),
with a Chinese font embedded.

fpdf2 reads TrueType/OpenType files, not the collections (.ttc) Debian's fonts-noto-cjk ships:
the Simplified Chinese face is taken out of the collection with fontTools and subset to the
characters of the certificate (a few kB, so the PDF stays small), in memory. Pillow reads the
collection itself. ``CONTEST_CJK_FONT`` (a .ttc/.otf/.ttf) and ``CONTEST_CJK_FONT_INDEX`` (the
face in a collection) choose the font.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from contest.domain.certificates import Certificate

RED = (200, 16, 46)
GOLD = (191, 144, 0)
# For each line of Certificate.lines: size in points, alignment, space after it in millimetres.
SIZES = [44, 20, 20, 20, 20, 18, 18]
ALIGN = ["C", "L", "L", "L", "L", "R", "R"]
GAP = [10, 4, 4, 4, 10, 4, 4]


class FontMissing(RuntimeError):
    """The configured Chinese font is not there (install fonts-noto-cjk)."""


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
    lines = cert.lines
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"获奖证书 · {cert.contest}")
    pdf.set_creator("株洲抖音生活秀")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    with tempfile.TemporaryDirectory(prefix="certificate-") as tmp:  # fpdf2 reads fonts from files only
        subset_path = Path(tmp) / "cjk.otf"
        subset_path.write_bytes(_subset_font(font_path, font_index, "".join(lines) + "0123456789"))
        pdf.add_font("cjk", "", str(subset_path))
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.5)
    pdf.rect(15, 15, 267, 180)
    pdf.set_y(32)
    for n, line in enumerate(lines):
        pdf.set_font("cjk", size=SIZES[n])
        pdf.set_text_color(*(RED if n == 0 else (30, 30, 30)))
        pdf.set_x(40)
        pdf.cell(217, SIZES[n] * 0.6, line, align=ALIGN[n], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(GAP[n])
    return bytes(pdf.output())


def certificate_png(cert: Certificate, *, font_path: str, font_index: int, width: int = 1600) -> bytes:
    """The same certificate as a PNG (width × width·0.707, A4 landscape)."""
    height = round(width * 210 / 297)
    scale = width / 297  # pixels per millimetre
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([10 * scale, 10 * scale, 287 * scale, 200 * scale], outline=GOLD, width=round(2 * scale))
    draw.rectangle([15 * scale, 15 * scale, 282 * scale, 195 * scale], outline=GOLD, width=max(1, round(scale / 2)))
    y = 32 * scale
    for n, line in enumerate(cert.lines):
        try:
            font = ImageFont.truetype(font_path, round(SIZES[n] * 0.3528 * scale), index=font_index)
        except OSError as exc:
            raise FontMissing(f"找不到证书字体 {font_path}（请安装 fonts-noto-cjk）。") from exc
        text_width = draw.textlength(line, font=font)
        x = {"C": (width - text_width) / 2, "L": 40 * scale, "R": 257 * scale - text_width}[ALIGN[n]]
        draw.text((x, y), line, font=font, fill=RED if n == 0 else (30, 30, 30))
        y += (SIZES[n] * 0.6 + GAP[n]) * scale
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
