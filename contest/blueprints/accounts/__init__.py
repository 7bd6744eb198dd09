from flask import Blueprint

bp = Blueprint("accounts", __name__)

from contest.blueprints.accounts import phone, privacy, views  # noqa: E402,F401
