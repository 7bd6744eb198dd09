from flask import Blueprint

bp = Blueprint("organiser", __name__)

from contest.blueprints.organiser import admin, awards, contests, judging, objections, review, views  # noqa: E402,F401
