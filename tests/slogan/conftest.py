import pytest

from contest.extensions import db
from contest.models import EntryStatus
from tests.conftest import build_entry
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


@pytest.fixture
def slogan_entry(slogan_app, make_contest, make_user, freeze):
    """A contest in its window and a pending entry of 小李's."""
    freeze("2020-06-25T10:00:00+08:00")
    contest = make_contest()
    author = make_user(nickname="小李")
    entry = build_entry(contest, author, video_id="1001", status=EntryStatus.PENDING)
    db.session.commit()
    return {"contest": contest, "author": author, "entry": entry}
