from flask import Blueprint

bp = Blueprint("api", __name__)

from contest.blueprints.api import citizen, leaderboards, openapi, views  # noqa: E402,F401
