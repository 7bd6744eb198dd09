from flask import Blueprint

bp = Blueprint("organiser", __name__)

from contest.blueprints.organiser import (  # noqa: E402,F401
    admin, awards, contests, health, judging, objections, review, switcher, views,
)
