"""An app with the rate limits on, and what a refused page looks like. (Registered in tests/conftest.py.)"""

import re
import pytest
from contest import create_app
from tests.conftest import FreshContextClient, make_environ


TOO_MANY = re.compile(r"操作太频繁，请 (\d+) 秒后再试。")


@pytest.fixture
def limited(app, database_url, sandbox):
    """``limited(CONTEST_X_LIMIT="2/minute", …)``: a client of an app with the rate limiter on
    (fresh in-memory counters), built after ``app``, which turned it off."""
    def _limited(**env: str) -> FreshContextClient:
        limited_app = create_app(environ=make_environ(
            database_url, sandbox.url, CONTEST_RATELIMIT_ENABLED="true", CONTEST_RATELIMIT_STORAGE_URI="memory://",
            **env))
        limited_app.test_client_class = FreshContextClient
        return limited_app.test_client()
    return _limited


def assert_names_the_wait(response, message: str) -> None:
    """The response is a 429 whose message names the wait that ``Retry-After`` gives."""
    assert response.status_code == 429, response.get_data(as_text=True)[:300]
    retry_after = int(response.headers["Retry-After"])
    assert 0 <= retry_after <= 60
    seconds = int(TOO_MANY.fullmatch(message).group(1))
    # Flask-Limiter writes the header a moment after the message was rendered.
    assert seconds in {max(1, retry_after), retry_after + 1}


def assert_page_429(response) -> None:
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    message = re.search(r"<p>(操作太频繁[^<]*)</p>", page).group(1)
    assert_names_the_wait(response, message)
