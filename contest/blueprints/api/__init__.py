from flask import Blueprint

bp = Blueprint("api", __name__)

from contest.blueprints.api import citizen, leaderboards, views  # noqa: E402,F401
