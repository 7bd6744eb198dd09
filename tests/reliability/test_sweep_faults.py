"""Every documented Open Platform error code injected during a sweep: the sweep completes, the
failed author is counted, every other author's readings are written.

``tests/jobs/test_polling.py`` covers the fault kinds ``timeout``, ``http_500`` and ``bad_json``
and the codes 28001003, 28001005, 28001008, 28003017 and 28003018; this runs its very test for
the rest of DOUYIN.md's codes."""

from __future__ import annotations

import pytest

from contest.douyin.client import ERRORS, RETRY_CODES
from tests.support.polling import month  # noqa: F401 (the fixture: 4 authors, 12 entries, a month of likes)
from tests.support.polling import faults_lose_nothing

# DOUYIN.md's codes (the ones video_data can answer) and how the sweep counts the author they defeat.
DOCUMENTED = {
    28001003: "auth", 28001008: "auth", 28001012: "auth", 28001015: "auth", 2190002: "auth", 2190008: "auth",
    28001005: "platform", 28001052: "platform", 28001056: "platform",
    28001045: "platform", 28001046: "platform", 28001047: "platform",
    28003017: "rate_limited", 28003018: "rate_limited",
}
COVERED_IN_JOBS = {28001003, 28001005, 28001008, 28003017, 28003018}


def attempts_to_defeat(code: int) -> int:
    """Faults that exhaust the client's one retry (the test's setting) and, for 28003018, the sweep's
    two slower tries of the batch."""
    if code == 28003018:
        return 6
    return 2 if code in RETRY_CODES else 1


def test_every_documented_code_is_known_to_the_client():
    assert set(DOCUMENTED) <= set(ERRORS)


@pytest.mark.parametrize("code", sorted(set(DOCUMENTED) - COVERED_IN_JOBS))
def test_an_error_code_during_a_sweep_loses_no_snapshot_and_stops_no_sweep(month, at, sweep, sandbox, app,  # noqa: F811
                                                                           code):
    faults_lose_nothing(month, at, sweep, sandbox, app, "error_code", code, attempts_to_defeat(code), DOCUMENTED[code])
