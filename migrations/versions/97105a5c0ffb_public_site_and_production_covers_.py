"""Public site and production: covers, deleted accounts, sign-in throttle, cache version

Revision ID: 97105a5c0ffb
Revises: 9e3adbf9451e
Create Date: 2026-11-29 12:37:23.797573

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '97105a5c0ffb'
down_revision = '9e3adbf9451e'
branch_labels = None
depends_on = None


def upgrade():
    cache_version = op.create_table('cache_version',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_cache_version'))
    )
    # The row the public cache's version lives in (contest.caching).
    op.bulk_insert(cache_version, [{'scope': 'public', 'version': 0}])
    op.create_table('sign_in_throttle',
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_sign_in_throttle_failures_not_negative')),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_sign_in_throttle'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_url', sa.Text(), nullable=True))

    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_url', sa.Text(), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.drop_column('cover_url')

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('cover_url')

    op.drop_table('sign_in_throttle')
    op.drop_table('cache_version')
