"""Tally corrections: an admin's public correction of a closed contest's tally

Revision ID: 1c31c2037b96
Revises: 97105a5c0ffb
Create Date: 2026-12-05 22:42:24.938067

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c31c2037b96'
down_revision = '97105a5c0ffb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tally_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=255), nullable=True),
    sa.Column('previous_likes', sa.Integer(), nullable=True),
    sa.Column('previous_observed_at', sa.DateTime(), nullable=True),
    sa.Column('previous_reached_at', sa.DateTime(), nullable=True),
    sa.Column('corrected_by_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('likes >= 0', name=op.f('ck_tally_correction_corrected_likes_not_negative')),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['user.id'], name=op.f('fk_tally_correction_corrected_by_id_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_tally_correction_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally_correction'))
    )
    with op.batch_alter_table('tally_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_correction_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_entry_tally_correction_id_tally_correction'), 'tally_correction', ['correction_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_entry_tally_correction_id_tally_correction'), type_='foreignkey')
        batch_op.drop_column('correction_id')

    with op.batch_alter_table('tally_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_correction_entry_id'))

    op.drop_table('tally_correction')
