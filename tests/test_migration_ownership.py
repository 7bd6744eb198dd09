"""The ownership revision marks entries the platform had already confirmed as proven, and lets
a closed entry sit beside a live one of the same video (SQLite and PostgreSQL)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db
from tests.support.migrations import WHEN, empty_database_app, required_row

BEFORE = "97105a5c0ffb"


def test_upgrade_marks_platform_confirmed_entries_proven(database_url, sandbox, tmp_path):
    app, url = empty_database_app(database_url, sandbox, tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
        meta = sa.MetaData()
        meta.reflect(db.engine, only=["contest", "contest_theme", "contest_area", "user", "entry"])
        t = meta.tables
        with db.engine.begin() as conn:
            conn.execute(t["contest"].insert(), [required_row(t["contest"], id=1, slug="c")])
            conn.execute(t["contest_theme"].insert(), [required_row(t["contest_theme"], id=1, contest_id=1, key="life")])
            conn.execute(t["contest_area"].insert(), [required_row(t["contest_area"], id=1, contest_id=1, key="hetang")])
            conn.execute(t["user"].insert(), [required_row(t["user"], id=1, phone="13900000001")])
            for entry_id, owner in ((1, {"owner": "platform", "caption": "platform"}), (2, {"caption": "embed"})):
                conn.execute(t["entry"].insert(), [required_row(
                    t["entry"], id=entry_id, contest_id=1, user_id=1, theme_id=1, area_id=1,
                    video_id=f"68400000000000000{entry_id:02d}", fact_sources=owner, submitted_at=WHEN)])
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(sa.text("SELECT id, owner_verified_at, owner_proof FROM entry ORDER BY id")).all()
            assert [(r[0], r[2]) for r in rows] == [(1, "platform"), (2, None)]
            assert rows[0][1] is not None and rows[1][1] is None
            # A withdrawn entry of video 1 may now sit beside the live one.
            conn.execute(t["entry"].insert(), [required_row(
                t["entry"], id=3, contest_id=1, user_id=1, theme_id=1, area_id=1, video_id="6840000000000000001",
                status="withdrawn", submitted_at=WHEN)])
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM entry"))
        downgrade(revision="base")
        if not url.startswith("sqlite"):
            db.create_all()
        db.engine.dispose()
