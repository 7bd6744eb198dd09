"""Objections during the public notice; per-theme award places as a contest option

Revision ID: 24edeecfc737
Revises: 1c31c2037b96
Create Date: 2026-12-05 22:38:38.614277

Contest.theme_award_places (off: ten places per award, overall, as announced) and the
objection table (异议 during the public notice).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '24edeecfc737'
down_revision = '1c31c2037b96'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('award_list_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=11), nullable=True),
    sa.Column('reference_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_path', sa.String(length=64), nullable=True),
    sa.Column('status', sa.Enum('open', 'upheld', 'dismissed', name='objection_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(status = 'open') = (handled_at IS NULL)", name=op.f('ck_objection_handled')),
    sa.CheckConstraint('user_id IS NOT NULL OR phone IS NOT NULL', name=op.f('ck_objection_objector')),
    sa.ForeignKeyConstraint(['award_list_id'], ['award_list.id'], name=op.f('fk_objection_award_list_id_award_list'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_objection_contest_id_contest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_objection_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_objection_handled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_objection_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection')),
    sa.UniqueConstraint('reference_hash', name=op.f('uq_objection_reference_hash'))
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_award_list_id'), ['award_list_id'], unique=False)
        batch_op.create_index('ix_objection_contest_status', ['contest_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme_award_places', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('theme_award_places')

    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_user_id'))
        batch_op.drop_index(batch_op.f('ix_objection_entry_id'))
        batch_op.drop_index('ix_objection_contest_status')
        batch_op.drop_index(batch_op.f('ix_objection_award_list_id'))

    op.drop_table('objection')
