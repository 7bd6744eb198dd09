"""Which requests Flask itself handled (a response the middleware in front answers never reaches it)."""

import pytest
from flask import request_started


@pytest.fixture
def flask_paths(app):
    """The paths (no query) of the requests Flask handled, in order."""
    seen = []

    def note(sender, **extra):
        from flask import request
        seen.append(request.path)
    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)
