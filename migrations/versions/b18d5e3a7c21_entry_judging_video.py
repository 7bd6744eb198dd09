"""Blind judging: the original an entrant uploaded and agreed to keep for the judges

Revision ID: b18d5e3a7c21
Revises: 5e18c3a1f2d4
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b18d5e3a7c21'
down_revision = '5e18c3a1f2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('judging_video', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('judging_video_consent_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('judging_video_consent_at')
        batch_op.drop_column('judging_video')
