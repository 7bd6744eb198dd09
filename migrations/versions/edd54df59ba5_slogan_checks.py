"""Slogan checks: an uploaded original's check, its state, result and evidence frames

Revision ID: edd54df59ba5
Revises: c4e1a7d2b9f0
Create Date: 2026-12-05 22:43:59.213450

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'edd54df59ba5'
down_revision = 'c4e1a7d2b9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('slogan_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='slogan_check_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('upload_bytes', sa.Integer(), nullable=False),
    sa.Column('upload_name', sa.String(length=64), nullable=True),
    sa.Column('video_seconds', sa.Double(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('frames', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_slogan_check_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_slogan_check_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slogan_check'))
    )
    with op.batch_alter_table('slogan_check', schema=None) as batch_op:
        batch_op.create_index('ix_slogan_check_entry', ['entry_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('slogan_check', schema=None) as batch_op:
        batch_op.drop_index('ix_slogan_check_entry')

    op.drop_table('slogan_check')
