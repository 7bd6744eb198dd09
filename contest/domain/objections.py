"""Objections (异议) during the public notice (公示) of the award lists.

Who and when: anyone, while a list is in its notice (``notice_starts_at <= now <
notice_ends_at``), against an entry that is on that list. A signed-in objector files under
their account; anyone else proves a mobile number with a one-time code (purpose
:data:`contest.domain.one_time_codes.OBJECTION`; the sign-up code rules apply: resend interval,
daily limit, burnt after 5 wrong guesses). A proven number that belongs to an account files
under that account. One objector has at most one open objection per entry and list.

The objector gets a random lookup code of eight digits, shown in two groups (``4821 7730``; shown
once with a copy button and texted to their phone; only its SHA-256 is kept), with which, together
with the phone, they can look the objection up without signing in; it is accepted with or without
the space. A list already published takes no objection, and no code is sent for one
(:data:`PUBLISHED`).

Staff answer every objection with a reply: :func:`uphold` disqualifies the entry through
:func:`contest.domain.awards.disqualify` (the next in line moves up; an entry already
disqualified is not disqualified twice), :func:`dismiss` leaves the lists alone. Both are
audited, and an objector with an account is told in their inbox. The lists cannot be
published while an objection is open (:func:`contest.domain.awards.publish_awards`), so an
objection filed in time can be upheld after the period too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.domain import audit, awards
from contest.domain.one_time_codes import OBJECTION, verify_code
from contest.domain.phones import normalise_phone
from contest.domain.errors import Conflict, DomainError
from contest.domain.notify import to_inbox
from contest.extensions import db
from contest.models import Contest, Entry, User
from contest.models.awards import FINAL, AwardList, AwardStatus, Disqualification
from contest.models.objection import Objection, ObjectionStatus

MAX_REASON = 1000
MAX_REPLY = awards.MAX_REASON  # an upheld objection's reply is the disqualification's reason
REFERENCE_DIGITS = 8  # shown in groups of four: 4821 7730

NOT_IN_NOTICE = "只能在获奖名单公示期内提出异议。"
PUBLISHED = "这份获奖名单已经正式公布，不再受理异议。"
NOT_LISTED = "这件作品不在该获奖名单上。"
NOT_FOUND = "没有找到这条异议，请核对查询码和手机号。"
HANDLED = "这条异议已经处理过了。"
ALREADY_FILED = "你已对这件作品提出过异议，正在处理中。"


@dataclass(frozen=True)
class Filed:
    objection: Objection
    reference: str  # shown to the objector once; never stored in clear


def reference_hash(reference: str) -> str:
    return hashlib.sha256(reference.encode()).hexdigest()


def normalise_reference(reference: str | None) -> str:
    """A lookup code as typed or pasted, without its spaces: ``4821 7730`` → ``48217730``."""
    return "".join((reference or "").split())


def grouped(reference: str) -> str:
    """A lookup code in groups of four digits, as shown and texted: ``48217730`` → ``4821 7730``."""
    return " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))


def _new_reference() -> str:
    """Eight random digits no objection has yet (the hashes are unique)."""
    while True:
        reference = f"{secrets.randbelow(10 ** REFERENCE_DIGITS):0{REFERENCE_DIGITS}d}"
        taken = sa.select(Objection.id).where(Objection.reference_hash == reference_hash(reference))
        if db.session.scalar(taken) is None:
            return reference


def refuse_published(award_list: AwardList) -> None:
    """A published (or corrected) list takes no objection: :data:`PUBLISHED`, before any code is sent."""
    if award_list.status in FINAL:
        raise DomainError(PUBLISHED)


def in_notice(award_list: AwardList, now: datetime) -> bool:
    return (award_list.status is AwardStatus.NOTICE and award_list.notice_starts_at is not None
            and award_list.notice_starts_at <= now < award_list.notice_ends_at)


def _account(phone: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.phone == phone, User.active.is_(True),
                                                   User.deleted_at.is_(None)))


def file_objection(award_list: AwardList, entry: Entry, *, reason: str | None, now: datetime,
                   user: User | None = None, phone: str | None = None, code: str | None = None,
                   secret: str = "", evidence_path: str | None = None) -> Filed:
    """File an objection against ``entry`` on ``award_list`` during its notice.

    ``user`` (signed in) or ``phone`` + ``code`` (a one-time code sent for
    :data:`OBJECTION`). Everything else is checked before the code is spent. The caller
    commits, **also when this raises** (the count of wrong guesses at the code)."""
    refuse_published(award_list)
    if not in_notice(award_list, now):
        raise DomainError(NOT_IN_NOTICE)
    if not any(p.entry_id == entry.id for p in award_list.places):
        raise DomainError(NOT_LISTED)
    reason = awards.clean_reason(reason, "异议理由", MAX_REASON)
    if user is None:
        if not phone:
            raise DomainError("请先验证手机号：填写手机号并获取验证码。")
        phone = normalise_phone(phone)
        if not (code or "").strip():
            raise DomainError("请输入短信验证码。")
    mine = sa.select(Objection.id).where(Objection.award_list_id == award_list.id, Objection.entry_id == entry.id,
                                         Objection.status == ObjectionStatus.OPEN)
    objector = Objection.user_id == user.id if user is not None else Objection.phone == phone
    if db.session.scalar(mine.where(objector).limit(1)) is not None:
        raise Conflict(ALREADY_FILED)
    if user is None:
        verify_code(phone, code, purpose=OBJECTION, now=now, secret=secret)
        user = _account(phone)
    reference = _new_reference()
    objection = Objection(contest_id=award_list.contest_id, award_list_id=award_list.id, entry_id=entry.id,
                          user_id=user.id if user is not None else None, phone=phone,
                          reference_hash=reference_hash(reference), reason=reason, evidence_path=evidence_path,
                          status=ObjectionStatus.OPEN, created_at=now)
    try:
        with db.session.begin_nested():  # a savepoint: the code spent above stays spent
            db.session.add(objection)
            db.session.flush()
    except IntegrityError:  # a concurrent request filed the same objection first
        raise Conflict(ALREADY_FILED) from None
    audit.record("objection.file", actor=user, now=now, target=objection, changes={
        "award_list_id": award_list.id, "kind": award_list.kind.value, "entry_id": entry.id,
        "by_code": phone is not None, "evidence": evidence_path is not None})
    return Filed(objection, reference)


def _handle(objection: Objection, status: ObjectionStatus, *, reply: str, staff: User, now: datetime,
            changes: dict) -> Objection:
    staff_id = staff.id  # read first: loading it must not flush a half-answered objection
    objection.status, objection.reply, objection.handled_by_id, objection.handled_at = status, reply, staff_id, now
    audit.record(f"objection.{'uphold' if status is ObjectionStatus.UPHELD else 'dismiss'}", actor=staff, now=now,
                 target=objection, changes={"status": [ObjectionStatus.OPEN.value, status.value],
                                            "entry_id": objection.entry_id, **changes}, note=reply)
    if objection.user is not None and objection.user.deleted_at is None:
        award = objection.award_list.kind.label
        verdict = "经核实，异议成立，该作品已被取消获奖资格，名单已顺延。" if status is ObjectionStatus.UPHELD \
            else "经核实，异议不成立，获奖名单不变。"
        to_inbox(objection.user, kind=f"objection.{status.value}", title=f"你的异议已处理：{status.label}",
                 body=f"你对{award}名单中作品（编号 {objection.entry_id}）提出的异议已处理。{verdict}答复：{reply}",
                 now=now)
    db.session.flush()
    return objection


def _open(objection: Objection) -> None:
    if objection.status is not ObjectionStatus.OPEN:
        raise Conflict(HANDLED)


def uphold(objection: Objection, *, reply: str | None, staff: User, now: datetime) -> Objection:
    """The objection holds: the entry is disqualified (its reason: ``reply``) and the lists in
    their notice are recomputed, unless it already was. Also after the notice period, as long
    as the lists are not published (they cannot be while an objection is open). The caller
    commits."""
    _open(objection)
    reply = awards.clean_reason(reply, "答复", MAX_REPLY)
    entry = objection.entry
    contest = db.session.get(Contest, objection.contest_id)
    done = db.session.scalar(sa.select(Disqualification).where(
        Disqualification.contest_id == contest.id, Disqualification.entry_id == entry.id))
    if done is None:
        done = awards.disqualify(contest, entry, reply, staff=staff, now=now, late=True)
    return _handle(objection, ObjectionStatus.UPHELD, reply=reply, staff=staff, now=now,
                   changes={"disqualification_id": done.id})


def dismiss(objection: Objection, *, reply: str | None, staff: User, now: datetime) -> Objection:
    """The objection does not hold: answered with ``reply``, the lists stay. The caller commits."""
    _open(objection)
    reply = awards.clean_reason(reply, "答复", MAX_REPLY)
    return _handle(objection, ObjectionStatus.DISMISSED, reply=reply, staff=staff, now=now, changes={})


def queue(contest: Contest, status: ObjectionStatus | None = None) -> list[Objection]:
    """The contest's objections, oldest first (the order to answer them in), by ``status``."""
    query = sa.select(Objection).where(Objection.contest_id == contest.id)
    if status is not None:
        query = query.where(Objection.status == status)
    return list(db.session.scalars(query.order_by(Objection.created_at, Objection.id)))


def open_count(contest: Contest) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Objection).where(
        Objection.contest_id == contest.id, Objection.status == ObjectionStatus.OPEN)) or 0


def objections_of(user: User) -> list[Objection]:
    """``user``'s objections, newest first."""
    return list(db.session.scalars(sa.select(Objection).where(Objection.user_id == user.id)
                                   .order_by(Objection.created_at.desc(), Objection.id.desc())))


def look_up(reference: str | None, phone: str | None) -> Objection:
    """The objection with this reference filed from this phone (or by the account with this
    phone); :class:`DomainError` with one message for every miss, so nothing can be learnt
    from a wrong guess."""
    reference = normalise_reference(reference)
    try:
        phone = normalise_phone(phone)
    except DomainError:
        raise DomainError(NOT_FOUND) from None
    if not reference or len(reference) > 64:
        raise DomainError(NOT_FOUND)
    found = db.session.scalar(sa.select(Objection).where(Objection.reference_hash == reference_hash(reference)))
    owner_phone = found.phone or (found.user.phone if found.user is not None else None) if found else None
    if found is None or owner_phone is None or not hmac.compare_digest(owner_phone, phone):
        raise DomainError(NOT_FOUND)
    return found
