from flask import Blueprint

bp = Blueprint("staff_api", __name__)

from contest.blueprints.staff_api import views  # noqa: E402,F401
