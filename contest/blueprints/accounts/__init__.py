from flask import Blueprint

bp = Blueprint("accounts", __name__)

from contest.blueprints.accounts import privacy, views  # noqa: E402,F401
