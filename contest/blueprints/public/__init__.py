from flask import Blueprint

bp = Blueprint("public", __name__)

from contest.blueprints.public import announcements, gallery, leaderboards, objections, views  # noqa: E402,F401
