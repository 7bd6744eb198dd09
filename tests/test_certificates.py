"""Winner certificates: rendered as PDF and PNG with the Chinese font embedded, read back;
downloadable by the winner and admins only, for places on published lists only."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from contest.render.certificates import FontMissing, certificate_pdf, certificate_png, layout
from contest.domain import awards
from contest.domain.certificates import Certificate
from contest.extensions import db
from contest.models import AuditEvent
from contest.models.awards import AwardKind, AwardPlace, Certificate as CertificateRow, CertificateCopy
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
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
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
    # The winner's own copy: the nickname, never masked (the public lists mask it: not agreed to show).
    assert "作者小王：" in text and "作***" not in text
    png = mine.get(f"/entries/certificates/{place.id}.png")
    assert (png.status_code, png.mimetype, Image.open(io.BytesIO(png.data)).size) == (200, "image/png", (1600, 1131))
    mine_page = mine.get(f"/entries/mine?contest={contest.slug}").get_data(as_text=True)
    assert f'href="/entries/certificates/{place.id}.pdf"' in mine_page
    assert "人气奖（总榜）第 1 名" in mine_page and 'class="entry-award"' in mine_page

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
    awards.draft_awards(contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    place = db.session.scalar(sa.select(AwardPlace).order_by(AwardPlace.id).limit(1))
    client = app.test_client()
    _sign_in(client, admin)
    response = client.get(f"/entries/certificates/{place.id}.pdf")
    assert response.status_code == 404 and "只有已发布的获奖名单才有证书" in response.get_data(as_text=True)
    assert client.get("/entries/certificates/999999.png").status_code == 404


# --- numbers, verification, the winner's name, the kept copies, the fit -----------------------

def _code(place) -> str:
    return db.session.scalar(sa.select(CertificateRow.code).where(CertificateRow.place_id == place.id))


def test_every_published_place_has_a_numbered_certificate_anyone_can_verify(app, contest, field, admin, freeze):
    place = _published_place(contest, admin, freeze)
    places = db.session.scalars(sa.select(AwardPlace).order_by(AwardPlace.id)).all()
    codes = db.session.scalars(sa.select(CertificateRow.code)).all()
    assert len(codes) == len(places) == len(set(codes)) and all(re.fullmatch(r"[1-9]\d{7}", c) for c in codes)
    code = _code(place)
    client = app.test_client()
    page = client.get(f"/certificates/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>真实有效</strong>" in html and "已撤销" not in html
    for fact in (f"<dd>{code[:4]} {code[4:]}</dd>", "<dd>测试活动</dd>", "<dd>人气奖（总榜）</dd>", "<dd>第 1 名</dd>",
                 "<dd>P1 的作品</dd>", "<dd>作***</dd>", "<dd>2020年07月23日</dd>"):
        assert fact in html, fact
    # The public copies: the author as the lists show them.
    public = client.get(f"/certificates/{code}.pdf")
    assert (public.status_code, public.mimetype) == (200, "application/pdf")
    assert "作***：" in pdf_text(public.data) and "作者小王" not in pdf_text(public.data)
    assert client.get(f"/certificates/{code}.png").mimetype == "image/png"
    # /winners links each published place to its page.
    winners = client.get(f"/winners?contest={contest.slug}").get_data(as_text=True)
    assert f'href="/certificates/{code}"' in winners and winners.count('class="certificate-link"') == len(places)
    # Unknown numbers are 404s.
    for unknown in ("10000000", str(int(code) + 1) if str(int(code) + 1) not in codes else "99999999", "123"):
        assert client.get(f"/certificates/{unknown}").status_code == 404
        assert client.get(f"/certificates/{unknown}.png").status_code == 404
    assert client.get("/certificates/abc").status_code == 404


def test_a_withdrawn_certificate_says_so(app, contest, field, admin, freeze):
    place = _published_place(contest, admin, freeze)
    code, entry = _code(place), place.entry
    awards.correct_awards(contest, kind=AwardKind.POPULARITY, reason="核实发现刷赞", staff=admin,
                          now=freeze(NOTICE_ENDS + timedelta(days=2)), disqualify_entry=entry)
    db.session.commit()
    html = app.test_client().get(f"/certificates/{code}").get_data(as_text=True)
    assert "真实有效" not in html
    assert "<strong>已撤销</strong>：此证书已撤销：该作品于 2020年07月25日 被取消获奖资格，原因：核实发现刷赞" in html
    assert app.test_client().get(f"/certificates/{code}.pdf").status_code == 200  # the copy stays reachable
    # A place that stays on the corrected list: the old number points to the new certificate.
    second = next(p for p in db.session.scalars(sa.select(AwardPlace).where(AwardPlace.id != place.id))
                  if p.award_list.status.value == "superseded" and p.scope == "overall")
    new = db.session.scalar(sa.select(AwardPlace).join(AwardPlace.award_list).where(
        AwardPlace.entry_id == second.entry_id, AwardPlace.scope == "overall", AwardPlace.id != second.id,
        AwardPlace.award_list.has(kind=AwardKind.POPULARITY)))
    html = app.test_client().get(f"/certificates/{_code(second)}").get_data(as_text=True)
    assert "此证书已撤销：获奖名单已更正（第 2 版），更正原因：核实发现刷赞" in html
    assert f'href="/certificates/{_code(new)}"' in html


def test_the_winner_chooses_the_name_on_their_copy(app, contest, field, admin, freeze):
    place = _published_place(contest, admin, freeze)
    winner = place.entry.user
    client = app.test_client()
    _sign_in(client, winner)
    mine = client.get(f"/entries/mine?contest={contest.slug}").get_data(as_text=True)
    assert '<strong id="certificate-name">作者小王</strong>' in mine
    token = csrf_from(client, f"/entries/mine?contest={contest.slug}")
    refused = client.post("/entries/certificates/name", data={"choice": "real", "name": "", "csrf_token": token})
    assert "请填写证书上的名字。" in client.get(refused.headers["Location"]).get_data(as_text=True)
    saved = client.post("/entries/certificates/name", data={"choice": "real", "name": " 王小明 ", "csrf_token": token})
    assert "证书上的名字已保存" in client.get(saved.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(winner), winner.id).certificate_name == "王小明"
    text = pdf_text(client.get(f"/entries/certificates/{place.id}.pdf").data)
    assert "王小明：" in text and "作者小王" not in text
    # The public copy and page are unchanged: the author as shown publicly.
    assert "<dd>作***</dd>" in app.test_client().get(f"/certificates/{_code(place)}").get_data(as_text=True)
    client.post("/entries/certificates/name", data={"choice": "nickname", "name": "王小明", "csrf_token": token})
    assert "作者小王：" in pdf_text(client.get(f"/entries/certificates/{place.id}.pdf").data)
    events = db.session.scalars(sa.select(AuditEvent.changes).where(AuditEvent.action == "user.certificate_name")
                                .order_by(AuditEvent.id)).all()
    assert events == [{"certificate_name": [False, True]}, {"certificate_name": [True, False]}]


def test_a_certificate_is_rendered_once_and_kept(app, contest, field, admin, freeze):
    place = _published_place(contest, admin, freeze)
    client = app.test_client()
    first = client.get(f"/certificates/{_code(place)}.pdf")
    second = client.get(f"/certificates/{_code(place)}.pdf")
    assert first.data == second.data
    kept = db.session.scalars(sa.select(CertificateCopy)).all()
    assert [(c.fmt, c.body == first.data) for c in kept] == [("pdf", True)]


def test_the_qr_code_opens_the_verification_page(app, contest, field, admin, freeze):
    place = _published_place(contest, admin, freeze)
    code = _code(place)
    png = app.test_client().get(f"/certificates/{code}.png").data
    assert decode_qr(png) == f"http://localhost/certificates/{code}"


LONG_TITLE = "株洲神农城夜景与湘江风光带的四季变化记录" * 3  # 60 characters
LONG_CONTEST = "“动力株洲文旅通”杯株洲抖音生活秀暨第二届全市短视频与直播创作大赛（二〇二六年）"  # 40


def test_long_text_fits_inside_the_frame_and_prints_cleanly():
    assert (len(LONG_TITLE), len(LONG_CONTEST)) == (60, 40)
    cert = Certificate(**{**CERT.__dict__, "title": LONG_TITLE, "contest": LONG_CONTEST,
                          "winner": "小李\u202e爱株洲😀🎉", "organiser": "株洲市文化旅游广电体育局（株洲市文物局）联合株洲市各县市区文化馆",
                          "signatory": "负责人：张三", "code": "48217730", "url": "http://localhost/certificates/48217730"})
    plan = layout(cert, font_path=FONT, font_index=2)
    drawn = "".join(t.text for t in plan.texts)
    assert "\u202e" not in drawn and "😀" not in drawn and "小李爱株洲：" in drawn
    assert "".join(LONG_TITLE.split()) in "".join(drawn.split()) and LONG_CONTEST in "".join(drawn.split())
    png = certificate_png(cert, font_path=FONT, font_index=2)
    assert ink_outside_frame(png) == 0
    assert ink_outside_frame(png, margin_mm=30) > 0  # the check sees ink: the text is there
    text = pdf_text(certificate_pdf(cert, font_path=FONT, font_index=2))
    assert "小李爱株洲：" in text and "\u202e" not in text and "证书编号48217730" in text


def ink_outside_frame(png: bytes, margin_mm: float = 0) -> int:
    """Dark pixels (text, the QR code) outside the certificate's inner frame (the gold frame's
    own pixels are lighter), ``margin_mm`` inside it."""
    image = Image.open(io.BytesIO(png)).convert("L")
    scale = image.width / 297
    left, top, right, bottom = (round((15 + margin_mm) * scale), round((15 + margin_mm) * scale),
                                round((282 - margin_mm) * scale), round((195 - margin_mm) * scale))
    pixels = image.load()
    return sum(1 for y in range(0, image.height, 2) for x in range(0, image.width, 2)
               if pixels[x, y] < 110 and not (left < x < right and top < y < bottom))


def decode_qr(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


def test_the_signatory_line_and_the_seal_are_drawn():
    seal = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 16, 46, 255)).save(seal, format="PNG")
    plain = {**CERT.__dict__, "code": "48217730", "url": "http://localhost/certificates/48217730"}
    with_seal = Certificate(**{**plain, "signatory": "负责人：张三", "seal": seal.getvalue()})
    text = pdf_text(certificate_pdf(with_seal, font_path=FONT, font_index=2))
    assert "负责人：张三" in text
    plan = layout(with_seal, font_path=FONT, font_index=2)
    x, y, side = plan.seal
    image = Image.open(io.BytesIO(certificate_png(with_seal, font_path=FONT, font_index=2))).convert("RGB")
    scale = image.width / 297
    assert image.getpixel((round((x + side / 2) * scale), round((y + 2) * scale))) == (200, 16, 46)
    assert layout(Certificate(**plain), font_path=FONT, font_index=2).seal is None
