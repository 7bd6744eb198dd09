"""Rate limits shared by more than one blueprint. Each reads its limit string from a named
config value (``CONTEST_*_LIMIT``) at request time and counts per client address."""

from __future__ import annotations

from typing import Callable, Optional

from flask import current_app

from contest.domain.phones import normalise_phone
from contest.domain.errors import DomainError
from contest.extensions import limiter


def configured(name: str) -> Callable[[], str]:
    """The limit in ``current_app.config[name]``, read when a request is counted."""
    return lambda: current_app.config[name]


# Entering a video, on the page or through the JSON API: one budget per address for both.
entry_limit = limiter.shared_limit(configured("CONTEST_ENTRY_LIMIT"), scope="entry-submission", methods=["POST"])


def code_limits(raw_phone: Callable[[], Optional[str]]):
    """The budgets for one-time-code requests (``CONTEST_OTP_LIMIT``), per address and per the
    phone number ``raw_phone()`` reads from the request (not counted per phone when it is None or
    malformed, as no code goes to a malformed number). Every form that sends a code shares them
    (same scopes), so neither many addresses nor many numbers make a flood of SMS."""

    def phone() -> str | None:
        raw = raw_phone()
        if raw is None:
            return None
        try:
            return normalise_phone(raw)
        except DomainError:
            return None

    per_address = limiter.shared_limit(configured("CONTEST_OTP_LIMIT"), scope="code-address", methods=["POST"])
    per_phone = limiter.shared_limit(configured("CONTEST_OTP_LIMIT"), scope="code-phone", methods=["POST"],
                                     key_func=lambda: f"phone:{phone()}", exempt_when=lambda: phone() is None)
    return per_address, per_phone
