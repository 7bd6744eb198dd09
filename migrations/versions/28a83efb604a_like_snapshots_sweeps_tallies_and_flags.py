"""like snapshots, sweeps, tallies and flags

Revision ID: 28a83efb604a
Revises: 66913bb8b731
Create Date: 2026-11-29 08:46:10.861323

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '28a83efb604a'
down_revision = '66913bb8b731'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sweep',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('entries_total', sa.Integer(), nullable=False),
    sa.Column('snapshots', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep'))
    )
    op.create_table('entry_tally',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=True),
    sa.Column('observed_at', sa.DateTime(), nullable=True),
    sa.Column('source', sa.Enum('platform', 'manual', name='tally_source', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('reached_at', sa.DateTime(), nullable=True),
    sa.Column('latest_likes', sa.Integer(), nullable=True),
    sa.Column('latest_observed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_tally_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entry_tally'))
    )
    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_tally_likes'), ['likes'], unique=False)

    op.create_table('like_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('window_end', sa.DateTime(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('open', 'cleared', 'confirmed', name='flag_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_like_flag_decided_by_id_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_like_flag_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_like_flag')),
    sa.UniqueConstraint('entry_id', 'kind', 'window_start', name=op.f('uq_like_flag_entry_id_kind_window_start'))
    )
    with op.batch_alter_table('like_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_like_flag_entry_id'), ['entry_id'], unique=False)

    op.create_table('snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('observed_at', sa.DateTime(), nullable=False),
    sa.Column('likes', sa.Integer(), nullable=False),
    sa.Column('comments', sa.Integer(), nullable=True),
    sa.Column('shares', sa.Integer(), nullable=True),
    sa.Column('plays', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('platform', 'manual', name='snapshot_source', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence_path', sa.String(length=255), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source = 'platform' OR recorded_by_id IS NOT NULL", name=op.f('ck_snapshot_manual_has_recorder')),
    sa.CheckConstraint('likes >= 0', name=op.f('ck_snapshot_likes_not_negative')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_snapshot_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_snapshot_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweep.id'], name=op.f('fk_snapshot_sweep_id_sweep')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot')),
    sa.UniqueConstraint('entry_id', 'sweep_id', name=op.f('uq_snapshot_entry_id_sweep_id'))
    )
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_snapshot_entry_observed', ['entry_id', 'observed_at'], unique=False)

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_contest_status_theme', ['contest_id', 'status', 'theme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_contest_status_theme')

    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshot_entry_observed')

    op.drop_table('snapshot')
    with op.batch_alter_table('like_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_like_flag_entry_id'))

    op.drop_table('like_flag')
    with op.batch_alter_table('entry_tally', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_tally_likes'))

    op.drop_table('entry_tally')
    op.drop_table('sweep')
