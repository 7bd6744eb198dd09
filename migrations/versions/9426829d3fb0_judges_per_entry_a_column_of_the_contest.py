"""Judges per entry: a column of the contest (it was the rubric's), kept through the move

Revision ID: 9426829d3fb0
Revises: c4e1d2a7b9f3
Create Date: 2026-12-07 01:20:36.708138

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9426829d3fb0'
down_revision = 'c4e1d2a7b9f3'
branch_labels = None
depends_on = None

contest = sa.table('contest', sa.column('id', sa.Integer), sa.column('min_judges', sa.Integer))
rubric = sa.table('rubric', sa.column('contest_id', sa.Integer), sa.column('min_judges', sa.Integer))


def upgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_judges', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint(op.f('ck_contest_min_judges_range'), 'min_judges BETWEEN 1 AND 50')

    # A rubric's setting (1 to 50, as its editor allowed) becomes its contest's.
    chosen = sa.select(rubric.c.min_judges).where(rubric.c.contest_id == contest.c.id).scalar_subquery()
    op.execute(contest.update().where(sa.exists().where(rubric.c.contest_id == contest.c.id))
               .values(min_judges=chosen))

    with op.batch_alter_table('rubric', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rubric_rubric_min_judges'), type_='check')
        batch_op.drop_column('min_judges')


def downgrade():
    with op.batch_alter_table('rubric', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_judges', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint(op.f('ck_rubric_rubric_min_judges'), 'min_judges >= 1')

    chosen = sa.select(contest.c.min_judges).where(contest.c.id == rubric.c.contest_id).scalar_subquery()
    op.execute(rubric.update().values(min_judges=chosen))

    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_contest_min_judges_range'), type_='check')
        batch_op.drop_column('min_judges')
