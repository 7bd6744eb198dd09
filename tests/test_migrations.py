"""The committed revisions build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from contest import create_app
from contest.extensions import db
from tests.conftest import make_environ


def _fresh_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return "sqlite:///" + str(tmp_path / "migrations.sqlite3")
    return database_url


def empty_database_app(database_url, sandbox, tmp_path):
    """An app on an empty database (no tables, no ``alembic_version``): a new SQLite file, or the
    test PostgreSQL database emptied (the caller recreates the tables afterwards)."""
    url = _fresh_database_url(database_url, tmp_path)
    app = create_app(environ=make_environ(url, sandbox.url))
    if not url.startswith("sqlite"):
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    return app, url


def test_upgrade_an_empty_database_matches_the_models(database_url, sandbox, tmp_path):
    app, url = empty_database_app(database_url, sandbox, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        # Leave the shared test database as the other tests expect it.
        if not url.startswith("sqlite"):
            db.create_all()
        db.engine.dispose()
