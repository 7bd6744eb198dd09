"""Admin pages of the organiser console: the audit trail, the dashboard, exports (entries,
tallies with every snapshot, a per-entry evidence pack), staff API tokens, users and roles.

Exports mask personal data unless an admin asks for ``?unmasked=1``; every export is in the
audit trail (``export.<what>``), and an unmasked one also as ``export.unmasked``.
"""

from __future__ import annotations

import io
import json
import zipfile

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from contest.blueprints.organiser import bp
from contest.render.charts import bar_chart, lines_chart
from contest import clock
from contest.domain import permissions
from contest.domain import audit, platform_health, slogan_checks
from contest.domain.accounts import find_by_phone
from contest.domain.contests import latest_first, resolve_contest
from contest.domain.errors import DomainError, NotFound
from contest.domain.staff_reports import (
    ENTRY_HEADERS, SNAPSHOT_HEADERS, TALLY_HEADERS, audit_actions, dashboard as dashboard_numbers,
    entry_record, entry_rows, entry_snapshot_rows, staff_users, tally_rows,
)
from contest.domain.privacy import mask_phone
from contest.domain.staff_accounts import (
    RESET_PATH, STAFF_ROLES, add_staff, area_names, known_area_keys, set_role, staff_accounts,
)
from contest.domain.staff_tokens import issue_token, revoke_token, tokens_of
from contest.integrations.sms import sender_from_config
from contest.integrations.evidence import evidence_store
from contest.render.exports import table_bytes, table_response
from contest.extensions import db
from contest.models import Entry, Role, User
from contest.models.tokens import StaffToken
from contest.web.boundary import attempt, flash_and_redirect, flash_outcome
from contest.web.origin import canonical_root
from contest.web.contest_choice import contest_for_request
from contest.web.roles import admin_only, any_staff, reviewers_only
from contest.web.numbers import parse_id, parse_int

AUDIT_PAGE = 50


def _current() -> User:
    return current_user._get_current_object()


# --- the audit trail --------------------------------------------------------------------

def _audit_filters() -> dict:
    """The trail's filters from the query string; a malformed one is a 400 with a message."""
    args = request.args
    filters: dict = {}
    if args.get("action"):
        filters["action"] = args["action"].strip()[:64]
    actor = args.get("actor", "").strip()
    if actor:
        if len(actor) == 11 and parse_int(actor, high=99_999_999_999) is not None:  # 11 digits: a mobile number
            user = find_by_phone(actor)
            filters["actor_id"] = user.id if user else -1
        elif (actor_id := parse_id(actor)) is not None:
            filters["actor_id"] = actor_id
        else:
            raise DomainError("操作人请填写账号编号或手机号。")
    target = args.get("target", "").strip()
    if target:
        kind, _, ident = target.partition(":")
        target_id = parse_id(ident) if ident else None
        if not kind or (ident and target_id is None):
            raise DomainError("对象请按“类型:编号”填写，例如 entry:12，或只写类型。")
        filters["target_type"] = kind[:32]
        if target_id is not None:
            filters["target_id"] = target_id
    if args.get("contest"):
        filters["contest_id"] = resolve_contest(args["contest"], clock.now()).id
    before = args.get("before_id", "")
    if before:
        if (before_id := parse_id(before)) is None:
            raise DomainError("翻页参数无效。")
        filters["before_id"] = before_id
    return filters


@bp.get("/audit", endpoint="audit")
@admin_only
def audit_trail():
    filters = _audit_filters()
    events = audit.events(limit=AUDIT_PAGE + 1, **filters)
    more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    query = {k: v for k, v in request.args.items() if k in {"action", "actor", "target", "contest"} and v}
    older = url_for("organiser.audit", before_id=events[-1].id, **query) if more else None
    contests = latest_first()
    return render_template("organiser/audit.html", events=events, older=older, query=query,
                           actions=audit_actions(), people=staff_users(), contests=contests,
                           contest_names={c.id: c.slug for c in contests},
                           first_page=url_for("organiser.audit", **query) if "before_id" in filters else None)


# --- the dashboard ----------------------------------------------------------------------

@bp.get("/dashboard")
@reviewers_only
def dashboard():
    contest = contest_for_request()
    numbers = dashboard_numbers(contest, now=clock.now(), area_keys=permissions.area_scope(_current()))
    charts = {
        "day": bar_chart([(f"{d.month}月{d.day}日", n) for d, n in numbers.per_day], horizontal=False),
        "theme": bar_chart([(t.name, n) for t, n in numbers.per_theme]),
        "area": bar_chart([(a.name, n) for a, n in numbers.per_area]),
        "status": bar_chart([(s.label, n) for s, n in numbers.per_status]),
        "likes": lines_chart({"通过作品的点赞合计": list(numbers.likes_over_time)}),
    }
    return render_template("organiser/dashboard.html", contest=contest, numbers=numbers, charts=charts,
                           days=numbers.per_day, contests=latest_first(), now=clock.now(),
                           can_export=permissions.is_admin(_current()), alarms=platform_health.open_alarms())


# --- exports ----------------------------------------------------------------------------

def _unmasked() -> bool:
    return request.args.get("unmasked") == "1"


def _audit_export(what: str, *, contest_id: int | None, target=None, unmasked: bool, **details) -> None:
    admin = _current()
    now = clock.now()
    changes = {"unmasked": unmasked, **details}
    audit.record(f"export.{what}", actor=admin, now=now, target=target, contest_id=contest_id, changes=changes)
    if unmasked:
        audit.record("export.unmasked", actor=admin, now=now, target=target, contest_id=contest_id,
                     changes={"export": what, **details},
                     note=f"{admin.nickname} 导出了未遮盖的个人信息（{what}）。")
    db.session.commit()


def _contest_table(what: str, headers, make_rows, fmt: str):
    """One table of the current contest as CSV or Excel, masked unless asked, the export audited."""
    contest = contest_for_request()
    unmasked = _unmasked()
    rows = make_rows(contest, unmasked=unmasked)
    response = table_response(headers, rows, fmt, f"{contest.slug}-{what}")
    _audit_export(what, contest_id=contest.id, unmasked=unmasked, format=fmt, rows=len(rows))
    return response


@bp.get("/exports/entries.<any(csv, xlsx):fmt>")
@admin_only
def export_entries(fmt: str):
    return _contest_table("entries", ENTRY_HEADERS, entry_rows, fmt)


@bp.get("/exports/tallies.<any(csv, xlsx):fmt>")
@admin_only
def export_tallies(fmt: str):
    return _contest_table("tallies", TALLY_HEADERS, tally_rows, fmt)


@bp.get("/exports/evidence/<int:entry_id>.zip")
@admin_only
def evidence_pack(entry_id: int):
    """``entry.json`` (the entry, its checks and fact sources, status history, tally and its
    corrections, and its slogan checks under ``slogan_checks``), ``snapshots.csv`` (every reading)
    and ``evidence/<name>`` for the owner-proof screenshot, each manual reading's and each
    correction's screenshot and each slogan check's frames."""
    entry = db.get_or_404(Entry, entry_id, description="没有找到这个作品。")
    unmasked = _unmasked()
    record = entry_record(entry, unmasked=unmasked)
    snapshots, rows = entry_snapshot_rows(entry)
    checks = slogan_checks.checks_of(entry)
    record["slogan_checks"] = [slogan_checks.check_json(check) for check in checks]
    names = ([entry.owner_evidence_path] + [s.evidence_path for s in snapshots]
             + [c["evidence_path"] for c in record["corrections"]]
             + [frame["name"] for check in checks for frame in check.frames or []])
    store = evidence_store()
    buffer = io.BytesIO()
    files, missing = [], []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name in filter(None, names):
            try:
                with store.open(name) as image:
                    pack.writestr(f"evidence/{name}", image.read())
                files.append(name)
            except NotFound:
                missing.append(name)
        record["evidence_files"] = files
        record["missing_evidence"] = missing
        pack.writestr("entry.json", json.dumps(record, ensure_ascii=False, indent=2))
        pack.writestr("snapshots.csv", table_bytes(SNAPSHOT_HEADERS, rows, "csv"))
    _audit_export("evidence_pack", contest_id=entry.contest_id, target=entry, unmasked=unmasked,
                  files=len(files), missing=len(missing))
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f"attachment; filename={entry.contest.slug}-entry-{entry.id}-evidence.zip"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- staff API tokens -------------------------------------------------------------------

def _render_tokens(new_token: str | None = None, status: int = 200):
    user = _current()
    tokens = tokens_of(None if permissions.is_admin(user) else user)
    response = Response(render_template("organiser/tokens.html", tokens=tokens, new_token=new_token,
                                        everyone=permissions.is_admin(user)), status=status)
    response.headers["Cache-Control"] = "no-store"  # the new token is on this page once
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@any_staff
def tokens():
    """List tokens (an admin sees everyone's); ``action=issue`` (``name``) shows a new token once,
    on this very response (never in a redirect or the session); ``action=revoke`` (``token_id``)."""
    if request.method == "GET":
        return _render_tokens()
    user = _current()
    action = request.form.get("action")

    def act():
        if action == "issue":
            return issue_token(user, name=request.form.get("name", ""), now=clock.now())
        if action == "revoke":
            token_id = parse_id(request.form.get("token_id", ""))
            token = db.get_or_404(StaffToken, token_id or 0, description="没有找到这个令牌。")
            revoke_token(token, actor=user, now=clock.now())
            return token, None
        abort(400)

    outcome = attempt(act)
    if not outcome.ok:
        if outcome.error.status != 400:
            raise outcome.error
        flash(outcome.error.message, "error")
        return _render_tokens(status=422)
    token, plain = outcome.value
    if plain is not None:
        flash(f"已创建令牌“{token.name}”（{token.prefix}…）。它只显示这一次，请立即复制保存。", "success")
        return _render_tokens(plain)
    flash(f"已撤销令牌“{token.name}”（{token.prefix}…）。", "success")
    return redirect(url_for("organiser.tokens"))


# --- users and roles --------------------------------------------------------------------

@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    """Staff accounts and their roles; ``?phone=`` finds any account to change its role. A POST
    (``user_id``, ``role``, ``areas``…) changes one account's role and areas (audited)."""
    if request.method == "POST":
        user_id = parse_id(request.form.get("user_id", ""))
        user = db.get_or_404(User, user_id or 0, description="没有找到这个账号。")
        role = request.form.get("role")
        if role not in set(Role):
            abort(400)
        outcome = attempt(lambda: set_role(user, role=Role(role), area_keys=request.form.getlist("areas"),
                                           actor=_current(), now=clock.now()))
        if not outcome.ok:
            flash(outcome.error.message, "error")
        elif outcome.value:
            flash(f"已将 {user.nickname} 设为{user.role.label}。", "success")
        else:
            flash(f"{user.nickname} 的角色没有变化。", "info")
        return redirect(url_for("organiser.users"))
    found, looked_up = None, request.args.get("phone", "").strip()
    if looked_up:
        found = flash_outcome(attempt(lambda: find_by_phone(looked_up))).value
    return render_template("organiser/users.html", people=staff_accounts(), found=found, looked_up=looked_up,
                           areas=sorted(known_area_keys()), area_names=area_names(), roles=list(Role),
                           staff_roles=STAFF_ROLES)


@bp.post("/users/new")
@admin_only
def add_staff_member():
    """Add a staff member by phone, name, role and areas: no password until they set one at
    /accounts/reset with a one-time code (the SMS says so)."""
    role = request.form.get("role")

    def add():
        if role not in set(Role):
            raise DomainError("请选择角色。")
        return add_staff(phone=request.form.get("phone", ""), nickname=request.form.get("nickname", ""),
                         role=Role(role), area_keys=request.form.getlist("areas"), actor=_current(),
                         now=clock.now(), sender=sender_from_config(current_app.config), site_url=canonical_root())

    return flash_and_redirect(attempt(add), url_for("organiser.users"), lambda user: (
        f"已添加{user.role.label} {user.nickname}（{mask_phone(user.phone)}）。已发短信请其打开 "
        f"{RESET_PATH} 用验证码设置密码，设置后即可登录工作台。"))

