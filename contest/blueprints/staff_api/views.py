"""The staff JSON API (``/api/v1/staff``): entries, their readings, review decisions, manual
like counts and the standings, for scripts and tools of the organisers.

Authentication is **only** ``Authorization: Bearer <token>``, a per-staff token from
:mod:`contest.domain.staff_tokens` (``flask --app contest create-token`` or the tokens page).
The session cookie is never consulted here: a request that carries only a cookie gets 401.
That is what makes it safe to exempt the whole blueprint from CSRF: cross-site request
forgery rides on credentials the browser attaches by itself (cookies), and a browser
never attaches a bearer token by itself, so a forged request arrives without one and is
refused. Responses set no cookie.

Roles: admins everything; reviewers everything within their areas (the per-entry routes
answer 403 outside them, the list shows only them); judges nothing here (they never see
like counts or the entries' review data, docs/rules.md §8). The views call the same domain
functions as the pages. Errors are JSON ``{"error": ...}``; bad input is 400, never 500.
"""

from __future__ import annotations

from flask import g, request
from flask_limiter.util import get_remote_address
from sqlalchemy.orm.exc import StaleDataError

from contest.blueprints.staff_api import bp
from contest.blueprints.staff_api.schemas import (PAGE_MAX, LikesRequest, PlatformHealth, ReviewRequest, ReviewResult,
                                                  SnapshotCreated, StaffEntries, StaffEntryDetail, Standings,
                                                  TallyCorrection as CorrectionBody, TallyCorrectionRequest)
from contest import clock
from contest.domain.contests import area_by_key, theme_by_key
from contest.domain.likes import counted, ensure_manual_open, frozen, history, ranking, record_snapshot
from contest.domain import permissions
from contest.domain.review import review_entry
from contest.domain.staff_reports import iso, staff_entries
from contest.domain.staff_tokens import token_hash, user_for_token
from contest.domain.tally_corrections import correct_tally
from contest.web.boundary import commit
from contest.web.errors import error_response
from contest.extensions import csrf, db, limiter
from contest.models import Entry, EntryStatus, EntryTally, Snapshot, SnapshotSource, TallyCorrection
from contest.domain import platform_health
from contest.web.contest_choice import contest_for_request
from contest.web.platform import platform_health_report
from contest.web.roles import admin_only, reviewers_only
from contest.web import BadInput
from contest.web.numbers import MAX_ID, parse_int
from contest.web.schemas import answer, parse_body

NEED_TOKEN = "需要有效的访问令牌。"
STALE = "这个作品刚被其他人修改过，请重新读取后再提交。"

csrf.exempt(bp)


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _rate_key() -> str:
    """Per token (its hash, never the token itself); per address for calls without one."""
    plain = _bearer()
    return f"staff-token:{token_hash(plain)[:32]}" if plain else f"staff-ip:{get_remote_address()}"


limiter.limit("120/minute", key_func=_rate_key)(bp)


@bp.before_request
def _authenticate():
    plain = _bearer()
    user = user_for_token(plain, now=clock.now()) if plain else None
    if user is None:
        response, status = error_response(401, NEED_TOKEN)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if plain else "Bearer"
        return response, status
    db.session.commit()  # the token's last use
    g.staff_user = user
    return None


def _entry_for(entry_id: int) -> Entry:
    """The entry, 404 when missing, 403 outside a reviewer's areas."""
    return permissions.require_review(g.staff_user, db.get_or_404(Entry, entry_id, description="没有找到这个作品。"),
                                      "你只能查看和处理所负责区县的作品。")


# --- input ---------------------------------------------------------------------------

def _query_choice(name: str, lookup, *, blank_is_absent: bool = False):
    """``?name=`` looked up; absent is ``None``, a value with no match is a 400. Empty is such a
    value (no status, no number) unless ``blank_is_absent``: an empty theme or area key is every one."""
    value = request.args.get(name)
    if value is None or (blank_is_absent and not value):
        return None
    found = lookup(value)
    if found is None:
        raise BadInput(f"参数 {name} 的值无效：{value}")
    return found


# --- output ----------------------------------------------------------------------------

def _entry_json(entry: Entry, tally: EntryTally | None) -> dict:
    return {
        "id": entry.id, "video_id": entry.video_id, "status": entry.status.value, "theme": entry.theme.key,
        "area": entry.area.key, "submitted_at": iso(entry.submitted_at), "caption": entry.caption,
        "version": entry.version, "likes": tally.likes if tally else None,
        "owner_proof": entry.owner_proof.value if entry.owner_proof else None,
    }


def _snapshot_json(entry: Entry, snapshot: Snapshot) -> dict:
    return {"observed_at": iso(snapshot.observed_at), "likes": snapshot.likes, "source": snapshot.source.value,
            "counted": counted(entry.contest, snapshot.observed_at)}


# --- routes ----------------------------------------------------------------------------

@bp.get("/entries")
@reviewers_only
def list_entries():
    """Entries by id, filtered; reviewers see their areas only"""
    contest = contest_for_request()
    status = _query_choice("status", lambda v: EntryStatus(v) if v in set(EntryStatus) else None)
    theme = _query_choice("theme", lambda v: theme_by_key(contest, v), blank_is_absent=True)
    area = _query_choice("area", lambda v: area_by_key(contest, v), blank_is_absent=True)
    after = _query_choice("after", lambda v: parse_int(v, high=MAX_ID))
    limit = _query_choice("limit", lambda v: parse_int(v, low=1, high=PAGE_MAX)) or 100
    scope = permissions.require_area(g.staff_user, area.key if area else None, "你只能查看所负责区县的作品。")
    rows = staff_entries(contest, status=status, theme=theme, area=area, area_keys=scope, after_id=after,
                         limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return answer(StaffEntries, contest=contest.slug, entries=[_entry_json(e, t) for e, t in rows],
                   next_after=rows[-1][0].id if more else None)


@bp.get("/entries/<int:entry_id>")
@reviewers_only
def show_entry(entry_id: int):
    """One entry with its checks, fact sources and every like reading"""
    entry = _entry_for(entry_id)
    body = _entry_json(entry, db.session.get(EntryTally, entry.id))
    body.update(published_at=iso(entry.published_at), status_reason=entry.status_reason, checks=entry.checks,
                fact_sources=entry.fact_sources, snapshots=[_snapshot_json(entry, s) for s in history(entry)])
    return answer(StaffEntryDetail, **body)


@bp.post("/entries/<int:entry_id>/review")
@reviewers_only
def decide_entry(entry_id: int):
    """Approve, reject or ask for a fix"""
    entry = _entry_for(entry_id)
    body = parse_body(ReviewRequest)
    try:
        commit(lambda: review_entry(entry, reviewer=g.staff_user, decision=body.decision, checklist=body.checklist,
                                    reason=body.reason, version=body.version, now=clock.now()))
    except StaleDataError:  # another decision was committed between our read and our write
        return error_response(409, STALE)
    return answer(ReviewResult, id=entry.id, status=entry.status.value, version=entry.version)


@bp.post("/entries/<int:entry_id>/likes")
@reviewers_only
def record_likes(entry_id: int):
    """Record a manual like count

    The evidence screenshot is optional here, and the note says the count came through the API.
    After the close: 409, whatever the body (the board is frozen; see ``tally-corrections``)."""
    entry = _entry_for(entry_id)
    ensure_manual_open(entry.contest, clock.now())
    body = parse_body(LikesRequest)
    now = clock.now()
    observed_at = body.observed_at or now
    if observed_at > now:
        raise BadInput("读数时间不能晚于现在。")
    snapshot = commit(lambda: record_snapshot(
        entry, observed_at=observed_at, likes=body.likes, source=SnapshotSource.MANUAL, recorded_by=g.staff_user,
        note=f"[api] {body.note}" if body.note else "[api]", comments=body.comments, shares=body.shares,
        plays=body.plays))
    return answer(SnapshotCreated, 201, id=snapshot.id, entry_id=entry.id, note=snapshot.note,
                  **_snapshot_json(entry, snapshot))


def _correction_json(correction: TallyCorrection) -> dict:
    return {"id": correction.id, "entry_id": correction.entry_id, "likes": correction.likes,
            "observed_at": iso(correction.observed_at), "reason": correction.reason,
            "previous_likes": correction.previous_likes, "previous_observed_at": iso(correction.previous_observed_at),
            "at": iso(correction.corrected_at), "evidence_path": correction.evidence_path}


@bp.post("/entries/<int:entry_id>/tally-corrections")
@admin_only
def correct_likes(entry_id: int):
    """Correct a closed contest's tally, publicly, with a reason (admins only)

    Shown on the public leaderboard, `/api/v1/leaderboards/popularity` (`corrected`, `correction`) and
    the exports; audited as `likes.correct`. No evidence file through the API
    (:func:`contest.domain.tally_corrections.correct_tally`)."""
    entry = _entry_for(entry_id)
    body = parse_body(TallyCorrectionRequest)
    correction = commit(lambda: correct_tally(entry, likes=body.likes, observed_at=body.observed_at,
                                              reason=body.reason, admin=g.staff_user, now=clock.now()))
    return answer(CorrectionBody, 201, **_correction_json(correction))


@bp.get("/standings")
@reviewers_only
def show_standings():
    """The popularity ranking of approved entries

    Ranked by the tie rule (:func:`contest.domain.likes.standings`)."""
    contest = contest_for_request()
    now = clock.now()
    return answer(Standings, contest=contest.slug, as_of=iso(now), frozen=frozen(contest, now), entries=[{
        "rank": s.rank, "entry_id": s.entry_id, "video_id": s.video_id, "likes": s.likes,
        "observed_at": iso(s.observed_at), "reached_at": iso(s.reached_at), "corrected": s.correction_id is not None,
    } for s in ranking(contest)])


@bp.get("/platform-health")
@reviewers_only
def show_platform_health():
    """How the Douyin platform is treating the site

    The staff page /staff/platform-health as JSON; docs/douyin.md, "Platform health"."""
    report, uploads = platform_health_report()
    return answer(
        PlatformHealth, as_of=iso(report.as_of), error_share_threshold=report.threshold,
        alarms=[{"id": a.id, "kind": a.kind, "key": a.key, "message": a.message, "opened_at": iso(a.opened_at),
                 "last_seen_at": iso(a.last_seen_at), "code": (a.details or {}).get("code"),
                 "logid": (a.details or {}).get("logid")} for a in report.alarms],
        sweeps=[{"id": s.id, "started_at": iso(s.started_at), "finished_at": iso(s.finished_at),
                 "entries": s.entries_total, "snapshots": s.snapshots,
                 "outcomes": (counts := platform_health.outcome_counts(s)),
                 "authors": sum(counts.values()), "error_share": round(platform_health.error_share(counts), 4)}
                for s in report.sweeps],
        needs_reauth=[{"user_id": a.user_id, "nickname": a.user.nickname, "since": iso(a.reauth_since),
                       "live_entries": live} for a, live in report.needs_reauth],
        expiring_tokens=[{"user_id": a.user_id, "nickname": a.user.nickname,
                          "refresh_expires_at": iso(a.refresh_expires_at), "renewals": a.renewals,
                          "renew_refused_code": a.renew_refused_code, "reminded_at": iso(a.reauth_reminded_at)}
                         for a in report.expiring],
        upload_folder=uploads,
    )
