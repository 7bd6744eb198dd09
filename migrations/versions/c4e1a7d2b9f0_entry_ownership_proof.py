"""Entry ownership: how the author was proven, and one live entry per video per contest

Revision ID: c4e1a7d2b9f0
Revises: 24edeecfc737
Create Date: 2026-12-05 22:50:00

The unique constraint (contest_id, video_id) becomes a partial unique index over live
entries (not withdrawn or rejected): a closed entry of another account never blocks the
author. Entries the platform already confirmed (fact_sources.owner == "platform") are
marked proven at their submission time; every other entry starts unproven.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7d2b9f0'
down_revision = '24edeecfc737'
branch_labels = None
depends_on = None

LIVE = sa.text("status NOT IN ('withdrawn', 'rejected')")


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('owner_proof', sa.Enum('platform', 'staff', name='entry_owner_proof',
                                                             native_enum=False, create_constraint=True, length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('owner_evidence_path', sa.String(length=64), nullable=True))
        batch_op.drop_constraint('uq_entry_contest_id_video_id', type_='unique')
        batch_op.create_index('ix_entry_contest_video', ['contest_id', 'video_id'], unique=False)
        batch_op.create_index('uq_entry_live_video', ['contest_id', 'video_id'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)

    entry = sa.table('entry', sa.column('id', sa.Integer), sa.column('fact_sources', sa.JSON),
                     sa.column('submitted_at', sa.DateTime), sa.column('owner_verified_at', sa.DateTime),
                     sa.column('owner_proof', sa.String))
    conn = op.get_bind()
    for entry_id, facts, submitted_at in conn.execute(sa.select(entry.c.id, entry.c.fact_sources, entry.c.submitted_at)):
        if (facts or {}).get('owner') == 'platform':
            conn.execute(entry.update().where(entry.c.id == entry_id)
                         .values(owner_verified_at=submitted_at, owner_proof='platform'))


def downgrade():
    # Refuses (the unique constraint fails) while a video has more than one entry in a contest.
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('uq_entry_live_video', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index('ix_entry_contest_video')
        batch_op.create_unique_constraint('uq_entry_contest_id_video_id', ['contest_id', 'video_id'])
        batch_op.drop_column('owner_evidence_path')
        batch_op.drop_constraint(op.f('ck_entry_entry_owner_proof'), type_='check')
        batch_op.drop_column('owner_proof')
        batch_op.drop_column('owner_verified_at')
