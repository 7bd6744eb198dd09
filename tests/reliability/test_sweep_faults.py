"""Every documented Open Platform error code injected during a sweep: the sweep completes, the
failed author is counted by outcome, every other author's readings are written.

``tests/jobs/test_polling.py`` covers the fault kinds ``timeout``, ``http_500`` and ``bad_json``
and the codes 28001003, 28001005, 28001008 and 28003018; this runs its very test for the rest of
the codes in docs/douyin.md (a used-up quota stops the sweep's calls: tests/jobs/test_platform_health.py)."""

from __future__ import annotations

import pytest

from contest.douyin.client import ERRORS, RETRY_CODES, AccessTokenRejected
from tests.support.polling import faults_lose_nothing

# The codes of docs/douyin.md that video_data can answer, and the outcome of the author they defeat.
DOCUMENTED = {
    28001003: "auth", 28001008: "auth", 28001012: "auth", 28001015: "auth", 2190002: "auth", 2190008: "auth",
    10008: "auth",
    28001005: "unavailable", 28001006: "unavailable", 28001052: "unavailable",
    28001045: "unavailable", 28001046: "unavailable", 28001047: "unavailable",
    28001056: "capability_retired", 28001019: "capability_retired", 28001018: "capability_retired",
    10004: "capability_retired",
    28003017: "quota", 2190001: "quota", 28003018: "rate_limited",
}
COVERED_IN_JOBS = {28001003, 28001005, 28001008, 28003018}
QUOTA = {28003017, 2190001}  # these stop the whole sweep's calls: tests/jobs/test_platform_health.py


def attempts_to_defeat(code: int) -> int:
    """Faults that exhaust the client's one retry (the test's setting) and, for 28003018, the sweep's
    two slower tries of the batch; a refused token is refreshed and the batch asked once more."""
    if code == 28003018:
        return 6
    if ERRORS[code][0] is AccessTokenRejected:
        return 2
    return 2 if code in RETRY_CODES else 1


def test_every_documented_code_is_known_to_the_client():
    assert set(DOCUMENTED) <= set(ERRORS)


@pytest.mark.parametrize("code", sorted(set(DOCUMENTED) - COVERED_IN_JOBS - QUOTA))
def test_an_error_code_during_a_sweep_loses_no_snapshot_and_stops_no_sweep(month, at, sweep, sandbox, app,
                                                                           code):
    faults_lose_nothing(month, at, sweep, sandbox, app, "error_code", code, attempts_to_defeat(code), DOCUMENTED[code])
