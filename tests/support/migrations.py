"""An app on an empty database, for the migration tests. (Shared by several test modules.)"""

import sqlalchemy as sa
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
