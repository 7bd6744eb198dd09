from flask import Blueprint

bp = Blueprint("public", __name__)

from contest.blueprints.public import announcements, certificates, gallery, leaderboards, objections, views  # noqa: E402,F401
