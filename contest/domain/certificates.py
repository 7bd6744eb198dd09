"""Winner certificates (获奖证书): one for each place on a published award list (docs/rules.md §12).

Every published place gets a :class:`contest.models.awards.Certificate` with a number, ``code``
(eight digits), when its list is published (:func:`issue`). The number's public page,
``/certificates/<code>``, tells anyone whether the certificate is genuine (“真实有效”) or was
withdrawn by a correction or a disqualification (:func:`verification`).

A certificate names the contest, the award and its scope, the rank, a name, the entry's title,
the organiser (with the contest's signatory line and seal) and the day the list was published
(Beijing time), and carries its number and a QR code of its page. Two copies:

- the **public** copy (``/certificates/<code>.png|.pdf``, anyone) names the author as the
  public pages show them (:func:`contest.domain.privacy.public_author`);
- the **winner's** copy (``/entries/certificates/<place id>.png|.pdf``, the winner and admins)
  prints the name the winner chose (:func:`winner_name`): their nickname, or the name they
  typed once for their certificates (``User.certificate_name``), never a masked one.

Rendered copies are kept (:func:`stored_copy`), keyed by the certificate and the SHA-256 of
everything drawn on them: a certificate is rendered once, and again only when what it says
changes (the winner chose another name).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Callable, Literal

import sqlalchemy as sa

from contest import clock
from contest.domain import audit
from contest.domain.award_lists import current_awards
from contest.domain.errors import DomainError, Forbidden, NotFound
from contest.domain.permissions import is_admin
from contest.domain.gallery import UNTITLED, entry_title
from contest.domain.privacy import public_author
from contest.extensions import db
from contest.models import Entry, User
from contest.models.awards import (AwardKind, AwardList, AwardPlace, AwardStatus, Certificate as CertificateRow,
                                   CertificateCopy, Disqualification)

CODE_DIGITS = 8
MAX_NAME = 20
Copy = Literal["public", "winner"]


@dataclass(frozen=True)
class Certificate:
    place_id: int
    contest: str
    award: str   # 人气奖（总榜）, 优秀奖（株洲美好生活秀） …
    rank: int
    winner: str
    title: str
    organiser: str
    date: str    # 2026年12月06日, the publication day in Beijing time
    code: str = ""
    signatory: str = ""
    url: str = ""  # the verification page: what the QR code opens
    seal: bytes | None = None

    @property
    def lines(self) -> list[str]:
        """The certificate's text, in reading order (what the PDF and PNG show, wrapped to fit)."""
        return ["获奖证书", f"{self.winner}：", self.sentence, "特发此证，以资鼓励。", self.organiser,
                *([self.signatory] if self.signatory else []), self.date]

    @property
    def sentence(self) -> str:
        return f"你的作品《{self.title}》在{self.contest}中荣获{self.award}第 {self.rank} 名。"

    def content_hash(self) -> str:
        """SHA-256 of everything the certificate shows (the key of its kept copies)."""
        values = {k: v for k, v in asdict(self).items() if k != "seal"}
        digest = hashlib.sha256(json.dumps(values, ensure_ascii=False, sort_keys=True).encode())
        digest.update(self.seal or b"")
        return digest.hexdigest()


# --- numbers --------------------------------------------------------------------------

def _new_code() -> str:
    while True:
        code = str(10 ** (CODE_DIGITS - 1) + secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)))
        if db.session.scalar(sa.select(CertificateRow.id).where(CertificateRow.code == code)) is None:
            return code


def issue(award_list: AwardList, *, now: datetime) -> list[CertificateRow]:
    """A numbered certificate for every place of a published list that has none. The caller commits."""
    if award_list.status is not AwardStatus.PUBLISHED:
        raise DomainError("只有已发布的获奖名单才有证书。")
    have = set(db.session.scalars(sa.select(CertificateRow.place_id).join(AwardPlace).where(
        AwardPlace.award_list_id == award_list.id)))
    made = [CertificateRow(code=_new_code(), place_id=place.id, created_at=now)
            for place in award_list.places if place.id not in have]
    db.session.add_all(made)
    db.session.flush()
    return made


def code_of(place: AwardPlace) -> str | None:
    return db.session.scalar(sa.select(CertificateRow.code).where(CertificateRow.place_id == place.id))


def codes_for(places) -> dict[int, str]:
    """``{place id: code}`` of the given places that have a certificate."""
    ids = [p.id for p in places]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(CertificateRow.place_id, CertificateRow.code)
                                   .where(CertificateRow.place_id.in_(ids))).all())


def by_code(code: str) -> CertificateRow:
    row = db.session.scalar(sa.select(CertificateRow).where(CertificateRow.code == code)) \
        if code.isdigit() and len(code) == CODE_DIGITS else None
    if row is None:
        raise NotFound("没有这个编号的证书。请核对证书上的编号。")
    return row


# --- what a certificate says ----------------------------------------------------------

def scope_label(place: AwardPlace) -> str:
    contest = place.entry.contest
    scope = "总榜" if place.scope == "overall" else next(
        (t.name for t in contest.themes if t.key == place.scope), place.scope)
    return f"{AwardKind(place.award_list.kind).label}（{scope}）"


def winner_name(user: User) -> str:
    """The name on the winner's own copy: the one they typed for their certificates, else their
    nickname (their Douyin nickname when they signed up with Douyin). Never masked."""
    return user.certificate_name or user.nickname


def set_certificate_name(user: User, name: str | None, *, now: datetime) -> None:
    """The winner chooses the name on their own copies: ``None`` or blank for their nickname,
    else a name of at most :data:`MAX_NAME` characters. Audited. The caller commits."""
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_NAME:
        raise DomainError(f"证书上的名字最多 {MAX_NAME} 个字。")
    if name is not None and not any(ch.isalpha() for ch in name):
        raise DomainError("证书上的名字至少要有一个文字。")
    if name == user.certificate_name:
        return
    audit.record("user.certificate_name", actor=user, now=now, target=user,
                 changes={"certificate_name": [user.certificate_name is not None, name is not None]})
    user.certificate_name = name


def _certificate(place: AwardPlace, *, name: str, url: str) -> Certificate:
    entry = place.entry
    contest = entry.contest
    published = clock.to_local(place.award_list.published_at, contest.timezone)
    return Certificate(
        place_id=place.id, contest=contest.name, award=scope_label(place), rank=place.rank, winner=name,
        title=entry_title(entry.caption) or UNTITLED, organiser=contest.organiser, date=f"{published:%Y年%m月%d日}",
        code=code_of(place) or "", signatory=contest.signatory or "", url=url, seal=contest.seal_png)


def certificate(place_id: int, *, viewer: User, url: Callable[[str], str] = lambda code: "") -> Certificate:
    """The winner's copy of a place's certificate, for its winner or an admin; ``url(code)`` is
    the verification page's address (the QR code)."""
    place = db.session.get(AwardPlace, place_id)
    if place is None or place.award_list.status is not AwardStatus.PUBLISHED:
        raise NotFound("没有找到这张证书：只有已发布的获奖名单才有证书。")
    entry = place.entry
    if not is_admin(viewer) and entry.user_id != viewer.id:
        raise Forbidden("只有获奖者本人和管理员可以下载这张证书。")
    code = code_of(place) or ""
    return _certificate(place, name=winner_name(entry.user), url=url(code) if code else "")


def public_certificate(code: str, *, url: Callable[[str], str]) -> Certificate:
    """The public copy of certificate ``code``: the author as the public pages show them."""
    row = by_code(code)
    return _certificate(row.place, name=public_author(row.place.entry), url=url(code))


@dataclass(frozen=True)
class Verification:
    code: str
    valid: bool
    contest: str
    contest_slug: str
    award: str
    rank: int
    title: str
    author: str
    published: datetime
    notice: str | None          # why it is no longer valid
    replacement: str | None     # the code of the same entry's certificate on the corrected list


def verification(code: str) -> Verification:
    """What ``/certificates/<code>`` says: the award, the place, the entry's title, the author
    as shown publicly, the contest, the publication date, and whether the certificate stands.
    A certificate whose list was superseded by a correction is withdrawn (the correction's
    reason, and a disqualification's when the entry was disqualified); when the entry holds
    a place on the corrected list, that certificate's code."""
    row = by_code(code)
    place, award_list = row.place, row.place.award_list
    entry = place.entry
    notice = replacement = None
    if award_list.status is not AwardStatus.PUBLISHED:
        disqualified = db.session.scalar(sa.select(Disqualification).where(
            Disqualification.entry_id == entry.id, Disqualification.contest_id == entry.contest_id))
        current = current_awards(entry.contest, award_list.kind)
        later = next((p for p in current.places if p.entry_id == entry.id and p.scope == place.scope), None) \
            if current is not None else None
        if disqualified is not None:
            notice = f"此证书已撤销：该作品于 {clock.to_local(disqualified.at):%Y年%m月%d日} 被取消获奖资格，原因：{disqualified.reason}"
        else:
            notice = f"此证书已撤销：获奖名单已更正（第 {current.version if current else '?'} 版），更正原因：" \
                     f"{current.reason if current else ''}"
        replacement = code_of(later) if later is not None else None
    return Verification(
        code=row.code, valid=notice is None, contest=entry.contest.name, contest_slug=entry.contest.slug,
        award=scope_label(place), rank=place.rank, title=entry_title(entry.caption) or UNTITLED,
        author=public_author(entry), published=award_list.published_at, notice=notice, replacement=replacement)


def stored_copy(cert: Certificate, fmt: str, render: Callable[[Certificate], bytes], *, now: datetime) -> bytes:
    """The kept copy of ``cert`` in ``fmt``, rendered with ``render`` and kept the first time
    (or when what it says changed). The caller commits."""
    row_id = db.session.scalar(sa.select(CertificateRow.id).where(CertificateRow.code == cert.code))
    if row_id is None:
        return render(cert)
    digest = cert.content_hash()
    body = db.session.scalar(sa.select(CertificateCopy.body).where(
        CertificateCopy.certificate_id == row_id, CertificateCopy.fmt == fmt, CertificateCopy.content_hash == digest))
    if body is None:
        body = render(cert)
        db.session.add(CertificateCopy(certificate_id=row_id, fmt=fmt, content_hash=digest, body=body, created_at=now))
    return body


@dataclass(frozen=True)
class MyAward:
    place_id: int
    label: str   # 人气奖（总榜）第 1 名
    kind: str
    rank: int
    code: str | None
    entry_id: int


def my_awards(user: User) -> list[MyAward]:
    """Every place on a published list the user's entries hold."""
    rows = db.session.scalars(
        sa.select(AwardPlace).join(AwardList).join(Entry, Entry.id == AwardPlace.entry_id)
        .where(Entry.user_id == user.id, AwardList.status == AwardStatus.PUBLISHED).order_by(AwardPlace.id)).all()
    codes = codes_for(rows)
    return [MyAward(place_id=p.id, label=f"{scope_label(p)}第 {p.rank} 名", kind=p.award_list.kind.value,
                    rank=p.rank, code=codes.get(p.id), entry_id=p.entry_id) for p in rows]


def my_certificates(user: User) -> list[tuple[int, str]]:
    """``(place id, label)`` of every published place the user's entries won."""
    return [(a.place_id, a.label) for a in my_awards(user)]
