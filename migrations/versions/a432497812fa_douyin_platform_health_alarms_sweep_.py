"""Douyin platform health: alarms, sweep outcomes, paused tallies, re-authorisation marks

Revision ID: a432497812fa
Revises: 9426829d3fb0
Create Date: 2026-12-07 01:27:46

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a432497812fa'
down_revision = '9426829d3fb0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('platform_alarm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_platform_alarm_closed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_alarm'))
    )
    with op.batch_alter_table('platform_alarm', schema=None) as batch_op:
        batch_op.create_index('uq_platform_alarm_open', ['kind', 'key'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    with op.batch_alter_table('douyin_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reauth_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reauth_reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('renew_refused_code', sa.Integer(), nullable=True))

    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('paused_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('sweep', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcomes', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('quota_exhausted_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('sweep', schema=None) as batch_op:
        batch_op.drop_column('quota_exhausted_at')
        batch_op.drop_column('outcomes')

    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('douyin_account', schema=None) as batch_op:
        batch_op.drop_column('renew_refused_code')
        batch_op.drop_column('reauth_reminded_at')
        batch_op.drop_column('reauth_since')

    with op.batch_alter_table('platform_alarm', schema=None) as batch_op:
        batch_op.drop_index('uq_platform_alarm_open', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))

    op.drop_table('platform_alarm')
