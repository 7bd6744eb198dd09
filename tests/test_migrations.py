"""The committed revisions build exactly the schema the models describe."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from contest.extensions import db
from tests.support.migrations import empty_database_app


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
