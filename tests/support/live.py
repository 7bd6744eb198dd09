"""``live_site``: the app under test served over real HTTP on a free loopback port, for the browser and
reliability tests. (Registered in tests/conftest.py.)"""

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_site(app):
    """The app under test served over real HTTP; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
