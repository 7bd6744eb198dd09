"""Races closed by the database: one open objection per objector, entry and list; sign-in
throttling per phone and source

Revision ID: b7e3c1f0a2d4
Revises: b18d5e3a7c21
Create Date: 2026-12-07 05:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3c1f0a2d4'
down_revision = 'b18d5e3a7c21'
branch_labels = None
depends_on = None

OPEN_BY_USER = "status = 'open' AND user_id IS NOT NULL"
OPEN_BY_PHONE = "status = 'open' AND phone IS NOT NULL"


def _throttle(*key: str) -> None:
    """The sign-in throttle keyed on ``key``: its rows are short-lived counts, dropped, not carried over."""
    op.drop_table('sign_in_throttle')
    columns = [sa.Column('phone', sa.String(length=11), nullable=False)]
    if 'source' in key:
        columns.append(sa.Column('source', sa.String(length=64), nullable=False))
    op.create_table('sign_in_throttle', *columns,
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('last_failed_at', sa.DateTime(), nullable=True),
                    sa.Column('locked_until', sa.DateTime(), nullable=True),
                    sa.CheckConstraint('failures >= 0', name=op.f('ck_sign_in_throttle_failures_not_negative')),
                    sa.PrimaryKeyConstraint(*key, name=op.f('pk_sign_in_throttle')))


def upgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index('uq_objection_open_user', ['award_list_id', 'entry_id', 'user_id'], unique=True,
                              sqlite_where=sa.text(OPEN_BY_USER), postgresql_where=sa.text(OPEN_BY_USER))
        batch_op.create_index('uq_objection_open_phone', ['award_list_id', 'entry_id', 'phone'], unique=True,
                              sqlite_where=sa.text(OPEN_BY_PHONE), postgresql_where=sa.text(OPEN_BY_PHONE))
    _throttle('phone', 'source')


def downgrade():
    _throttle('phone')
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index('uq_objection_open_phone')
        batch_op.drop_index('uq_objection_open_user')
