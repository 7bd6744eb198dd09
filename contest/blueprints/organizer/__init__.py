from flask import Blueprint

bp = Blueprint("organizer", __name__)

from contest.blueprints.organizer import admin, awards, contests, judging, objections, review, views  # noqa: E402,F401
