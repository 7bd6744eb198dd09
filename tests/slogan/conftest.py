import pytest

from tests.slogan_clips import SLOGAN, Text, make_clip


@pytest.fixture(scope="session")
def slogan_clip(tmp_path_factory):
    """3.5 s, portrait, the slogan from 0.5 s to 3.0 s (2.5 s: meets a 2-second rule)."""
    return make_clip(tmp_path_factory.mktemp("clip") / "slogan.mp4", seconds=3.5,
                     texts=[Text([SLOGAN], 0.5, 3.0)])


@pytest.fixture
def slogan_app(app, tmp_path):
    """The app with its uploads and evidence in a temporary folder; checks run in the request."""
    app.config.update(CONTEST_SLOGAN_UPLOAD_DIR=str(tmp_path / "uploads"),
                      CONTEST_EVIDENCE_DIR=str(tmp_path / "evidence"), CONTEST_SLOGAN_WORKER="inline")
    return app
