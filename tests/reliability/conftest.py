"""Reliability tests: the site over real HTTP, real subprocesses and injected platform faults.
They use the shared fixtures of the site's own tests."""

from tests.browser.conftest import live_site  # noqa: F401 (the app served on a free loopback port)
from tests.jobs.conftest import at, author, entry_of, sweep  # noqa: F401 (Douyin-linked authors, sweeps)
