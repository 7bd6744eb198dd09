from flask import Blueprint

bp = Blueprint("entries", __name__)

from contest.blueprints.entries import certificates, inbox, slogan, views  # noqa: E402,F401
