"""Rate limits shared by more than one blueprint. Each reads its limit string from a named
config value (``CONTEST_*_LIMIT``) at request time and counts per client address."""

from __future__ import annotations

from typing import Callable

from flask import current_app

from contest.extensions import limiter


def configured(name: str) -> Callable[[], str]:
    """The limit in ``current_app.config[name]``, read when a request is counted."""
    return lambda: current_app.config[name]


# Entering a video, on the page or through the JSON API: one budget per address for both.
entry_limit = limiter.shared_limit(configured("CONTEST_ENTRY_LIMIT"), scope="entry-submission", methods=["POST"])
