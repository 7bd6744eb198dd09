"""An app on an empty database, for the migration tests. (Shared by several test modules.)"""

from datetime import datetime

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


WHEN = datetime(2020, 6, 25, 4, 0, 0)
ENUMS = {"role": "citizen", "status": "pending"}


def required_row(table: sa.Table, **values) -> dict:
    """``values`` plus a plain value for every other NOT NULL column without a default."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        if column.name in ENUMS:
            row[column.name] = ENUMS[column.name]
        elif isinstance(kind, sa.JSON):
            row[column.name] = {} if column.name != "checks" else []
        elif isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.DateTime):
            row[column.name] = WHEN
        elif isinstance(kind, sa.Integer):
            row[column.name] = 1
        else:
            row[column.name] = f"{column.name}-{values.get('id', 1)}"
    return row
