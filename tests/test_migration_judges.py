"""The judges-per-entry revision moves each rubric's ``min_judges`` onto its contest (3 where a
contest had no rubric), and back on a downgrade (SQLite and PostgreSQL)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from contest.extensions import db
from tests.support.migrations import empty_database_app, required_row

BEFORE = "c4e1d2a7b9f3"
REVISION = "9426829d3fb0"


def test_the_rubrics_judges_per_entry_become_the_contests(database_url, sandbox, tmp_path):
    app, url = empty_database_app(database_url, sandbox, tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
        meta = sa.MetaData()
        meta.reflect(db.engine, only=["contest", "rubric"])
        t = meta.tables
        with db.engine.begin() as conn:
            conn.execute(t["contest"].insert(), [required_row(t["contest"], id=1, slug="a"),
                                                 required_row(t["contest"], id=2, slug="b")])
            conn.execute(t["rubric"].insert(), [required_row(t["rubric"], id=1, contest_id=1, min_judges=5)])
        upgrade(revision=REVISION)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT id, min_judges FROM contest ORDER BY id")).all() == [(1, 5), (2, 3)]
            assert "min_judges" not in {c["name"] for c in sa.inspect(conn).get_columns("rubric")}
            conn.execute(sa.text("UPDATE contest SET min_judges = 4 WHERE id = 1"))
        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT contest_id, min_judges FROM rubric")).all() == [(1, 4)]
            assert "min_judges" not in {c["name"] for c in sa.inspect(conn).get_columns("contest")}
            conn.execute(sa.text("DELETE FROM rubric"))
            conn.execute(sa.text("DELETE FROM contest"))
        downgrade(revision="base")
        if not url.startswith("sqlite"):
            db.create_all()
        db.engine.dispose()
