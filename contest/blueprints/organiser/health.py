"""The platform-health page (/staff/platform-health): how Douyin is treating the site.

Admins and reviewers read it (a reviewer wondering why an entry's likes stopped moving finds the
answer here); only admins mark an alarm handled. The same report is served as JSON by the staff API
(``GET /api/v1/staff/platform-health``). The open alarms are also the banner of the dashboard.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from contest import clock
from contest.blueprints.organiser import bp
from contest.domain import platform_health
from contest.web.boundary import attempt, flash_and_redirect
from contest.web.platform import platform_health_report
from contest.web.roles import admin_only, reviewers_only


@bp.get("/platform-health")
@reviewers_only
def platform_health_page():
    report, uploads = platform_health_report()
    return render_template("organiser/platform_health.html", report=report, uploads=uploads,
                           outcomes=platform_health.OUTCOMES, labels=platform_health.OUTCOME_LABELS,
                           counts=platform_health.outcome_counts, share=platform_health.error_share)


@bp.post("/platform-health/alarms/<int:alarm_id>/close")
@admin_only
def close_platform_alarm(alarm_id: int):
    """Mark an open alarm handled (the CSRF token is checked for every POST by the site)."""
    return flash_and_redirect(
        attempt(lambda: platform_health.close_alarm(alarm_id, by=current_user._get_current_object(), now=clock.now())),
        url_for("organiser.platform_health_page"), "已将这条告警标记为已处理。")
