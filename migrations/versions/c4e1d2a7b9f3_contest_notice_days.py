"""Contests edited on the web: how many days an award list stays in its public notice

Revision ID: c4e1d2a7b9f3
Revises: 1bfd9ebb5624
Create Date: 2026-12-05 23:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1d2a7b9f3'
down_revision = '1bfd9ebb5624'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.create_check_constraint(op.f('ck_contest_notice_days_range'), 'notice_days BETWEEN 1 AND 30')


def downgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contest_notice_days_range'), type_='check')
        batch_op.drop_column('notice_days')
