"""Winner certificates: rendered as PDF and PNG with the Chinese font embedded, read back;
downloadable by the winner and admins only, for places on published lists only."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from contest.render.certificates import FontMissing, certificate_pdf, certificate_png
from contest.domain import awards
from contest.domain.certificates import Certificate
from contest.extensions import db
from contest.models.awards import AwardKind, AwardPlace
from tests.conftest import csrf_from
from tests.support.awards import AWARDS_CONTEST, DRAFT, NOTICE_ENDS

pytestmark = AWARDS_CONTEST

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CERT = Certificate(place_id=1, contest="“动力株洲文旅通”杯株洲抖音生活秀", award="人气奖（总榜）", rank=1,
                   winner="小李爱株洲", title="神农城的夜景", organiser="株洲市文化旅游广电体育局", date="2020年07月23日")


def pdf_text(data: bytes) -> str:
    """The page's text without whitespace (pypdf reads fpdf2's two-byte CID text with a NUL
    between characters: dropped too)."""
    return "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().replace("\x00", "").split())


def test_pdf_embeds_the_font_and_reads_back_every_line():
    data = certificate_pdf(CERT, font_path=FONT, font_index=2)
    assert data.startswith(b"%PDF-") and len(data) < 60_000
    text = pdf_text(data)
    for line in CERT.lines:
        assert "".join(line.split()) in text, line
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    descriptor = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert any(key in descriptor for key in ("/FontFile2", "/FontFile3"))  # embedded, not referenced


def test_png_is_a_landscape_image_drawn_with_the_font():
    data = certificate_png(CERT, font_path=FONT, font_index=2, width=800)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (800, 566))
    assert data == certificate_png(CERT, font_path=FONT, font_index=2, width=800)  # deterministic
    other = certificate_png(Certificate(**{**CERT.__dict__, "winner": "老张的乡村"}), font_path=FONT,
                            font_index=2, width=800)
    assert other != data  # the name is drawn
    assert len(image.convert("L").getcolors(maxcolors=256)) > 10  # anti-aliased glyphs, not tofu boxes alone


def test_a_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(FontMissing, match="找不到证书字体"):
        certificate_pdf(CERT, font_path=str(tmp_path / "none.ttc"), font_index=0)


def _published_place(contest, admin, freeze, kind=AwardKind.POPULARITY) -> AwardPlace:
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT))
    published = awards.publish_awards(contest, staff=admin, now=freeze(NOTICE_ENDS))
    db.session.commit()
    award_list = next(a for a in published if a.kind is kind)
    return next(p for p in award_list.places if p.scope == "overall" and p.rank == 1)


def _sign_in(client, user):
    response = client.post("/accounts/login", data={"phone": user.phone, "password": "secret-pass-1",
                                                    "csrf_token": csrf_from(client)})
    assert response.status_code == 302


def test_winner_and_admin_download_others_may_not(app, contest, field, admin, freeze, make_user):
    place = _published_place(contest, admin, freeze)
    winner = place.entry.user
    mine = app.test_client()
    _sign_in(mine, winner)
    pdf = mine.get(f"/entries/certificates/{place.id}.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="certificate-{place.id}.pdf"'
    text = pdf_text(pdf.data)
    assert "获奖证书" in text and "人气奖（总榜）第1名" in text and "《P1的作品》" in text
    assert "测试活动" in text and "株洲市文化旅游广电体育局" in text and "2020年07月23日" in text
    assert "作***：" in text  # the winner did not agree to show the nickname: masked, as on the lists
    png = mine.get(f"/entries/certificates/{place.id}.png")
    assert (png.status_code, png.mimetype, Image.open(io.BytesIO(png.data)).size) == (200, "image/png", (1600, 1131))
    mine_page = mine.get(f"/entries/mine?contest={contest.slug}").get_data(as_text=True)
    assert f'href="/entries/certificates/{place.id}.pdf"' in mine_page

    boss = app.test_client()
    _sign_in(boss, admin)
    assert boss.get(f"/entries/certificates/{place.id}.pdf").status_code == 200
    assert f'/entries/certificates/{place.id}.png' in boss.get(f"/staff/awards?contest={contest.slug}").get_data(
        as_text=True)

    stranger = app.test_client()
    _sign_in(stranger, make_user(nickname="路人"))
    refused = stranger.get(f"/entries/certificates/{place.id}.pdf")
    assert refused.status_code == 403 and "只有获奖者本人和管理员可以下载这张证书。" in refused.get_data(as_text=True)
    anonymous = app.test_client().get(f"/entries/certificates/{place.id}.pdf")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/accounts/login")


def test_no_certificate_during_the_notice(app, contest, field, admin, freeze):
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT))
    db.session.commit()
    place = db.session.scalar(sa.select(AwardPlace).order_by(AwardPlace.id).limit(1))
    client = app.test_client()
    _sign_in(client, admin)
    response = client.get(f"/entries/certificates/{place.id}.pdf")
    assert response.status_code == 404 and "只有已发布的获奖名单才有证书" in response.get_data(as_text=True)
    assert client.get("/entries/certificates/999999.png").status_code == 404
