"""The share poster (拉票海报): a PNG of an approved entry whose QR code opens the entry's page,
linked from the entry page and from 我的作品."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from contest.models import EntryStatus
from contest.render.poster import HEIGHT, WIDTH, Poster, poster_png


def decoded(png: bytes) -> str:
    image = cv2.cvtColor(np.array(Image.open(io.BytesIO(png)).convert("RGB")), cv2.COLOR_RGB2BGR)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_poster_is_a_png_whose_qr_code_opens_the_entry_page(client, add):
    entry = add("炎陵黄桃熟了，欢迎来摘 #动力株洲文旅通 @株洲足迹", likes=1234)
    response = client.get(f"/gallery/{entry.id}/poster.png")
    assert (response.status_code, response.content_type) == (200, "image/png")
    assert response.headers["Content-Disposition"] == f'inline; filename="poster-{entry.id}.png"'
    assert response.headers["Cache-Control"] == "public, max-age=600"
    png = response.get_data()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and Image.open(io.BytesIO(png)).size == (WIDTH, HEIGHT) == (750, 1334)
    assert len(png) < 400_000
    assert decoded(png) == f"http://localhost/gallery/{entry.id}"
    again = client.get(f"/gallery/{entry.id}/poster.png", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("status", [EntryStatus.PENDING, EntryStatus.REJECTED, EntryStatus.WITHDRAWN])
def test_only_an_approved_entry_has_a_poster(client, add, status):
    assert client.get(f"/gallery/{add(status=status).id}/poster.png").status_code == 404


def test_any_title_fits_and_the_code_still_reads(app):
    poster = Poster(title="长" * 60 + "\u202e🎉", author="老****", theme="美丽乡村旅游秀", area="炎陵县", likes=None,
                    place=3, contest="“动力株洲文旅通”杯株洲抖音生活秀" * 3, slogan="动力株洲文旅通，美好生活抖起来",
                    url="https://example.gov.cn/gallery/123456")
    png = poster_png(poster, font_path=app.config["CONTEST_CJK_FONT"], font_index=app.config["CONTEST_CJK_FONT_INDEX"])
    assert Image.open(io.BytesIO(png)).size == (750, 1334)
    assert decoded(png) == "https://example.gov.cn/gallery/123456"


def test_entry_page_and_my_entries_link_the_poster(client, add, signed_in):
    entry = add(likes=5)
    assert f'<a class="button" href="/gallery/{entry.id}/poster.png">拉票海报</a>' in client.get(
        f"/gallery/{entry.id}").get_data(as_text=True)
    mine = signed_in(entry.user).get("/entries/mine?contest=zhuzhou-2020").get_data(as_text=True)
    assert f'href="/gallery/{entry.id}/poster.png">拉票海报</a>' in mine
