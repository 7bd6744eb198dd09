"""organizer console: notifications, judging, awards, announcements, staff tokens

Revision ID: 9e3adbf9451e
Revises: 355197e1647d
Create Date: 2026-11-29 10:00:34.876827

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e3adbf9451e'
down_revision = '355197e1647d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.Enum('opening', 'reminder', 'provisional', 'final', 'other', name='announcement_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_announcement_author_id_user')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_announcement_contest_id_contest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_contest_published', ['contest_id', 'published_at'], unique=False)

    op.create_table('award_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('popularity', 'excellence', name='award_kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('provisional', 'notice', 'published', 'superseded', name='award_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('notice_starts_at', sa.DateTime(), nullable=True),
    sa.Column('notice_ends_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status NOT IN ('published', 'superseded') OR published_at IS NOT NULL", name=op.f('ck_award_list_award_published_at')),
    sa.CheckConstraint('notice_ends_at IS NULL OR notice_ends_at >= notice_starts_at', name=op.f('ck_award_list_award_notice_order')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_award_list_award_list_version')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_award_list_contest_id_contest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_award_list_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_list')),
    sa.UniqueConstraint('contest_id', 'kind', 'version', name=op.f('uq_award_list_contest_id_kind_version'))
    )
    with op.batch_alter_table('award_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_list_contest_id'), ['contest_id'], unique=False)

    op.create_table('rubric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('min_judges', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('min_judges >= 1', name=op.f('ck_rubric_rubric_min_judges')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_rubric_contest_id_contest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric')),
    sa.UniqueConstraint('contest_id', name=op.f('uq_rubric_contest_id'))
    )
    op.create_table('staff_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_staff_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_token_token_hash'))
    )
    with op.batch_alter_table('staff_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_token_prefix'), ['prefix'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_token_user_id'), ['user_id'], unique=False)

    op.create_table('award_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_list_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_award_place_award_place_rank')),
    sa.ForeignKeyConstraint(['award_list_id'], ['award_list.id'], name=op.f('fk_award_place_award_list_id_award_list'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_award_place_entry_id_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_place')),
    sa.UniqueConstraint('award_list_id', 'scope', 'entry_id', name=op.f('uq_award_place_award_list_id_scope_entry_id')),
    sa.UniqueConstraint('award_list_id', 'scope', 'rank', name=op.f('uq_award_place_award_list_id_scope_rank'))
    )
    with op.batch_alter_table('award_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_place_award_list_id'), ['award_list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_place_entry_id'), ['entry_id'], unique=False)

    op.create_table('disqualification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_disqualification_by_id_user')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_disqualification_contest_id_contest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_disqualification_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disqualification')),
    sa.UniqueConstraint('contest_id', 'entry_id', name=op.f('uq_disqualification_contest_id_entry_id'))
    )
    with op.batch_alter_table('disqualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disqualification_contest_id'), ['contest_id'], unique=False)

    op.create_table('judge_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_judge_conflict_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_judge_conflict_judge_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_conflict')),
    sa.UniqueConstraint('entry_id', 'judge_id', name=op.f('uq_judge_conflict_entry_id_judge_id'))
    )
    with op.batch_alter_table('judge_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_conflict_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judge_conflict_judge_id'), ['judge_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_notification_entry_id_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('total >= 0 AND total <= 100', name=op.f('ck_score_score_total_range')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_score_entry_id_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['user.id'], name=op.f('fk_score_judge_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('entry_id', 'judge_id', name=op.f('uq_score_entry_id_judge_id'))
    )
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_judge_id'), ['judge_id'], unique=False)



def downgrade():
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_judge_id'))
        batch_op.drop_index(batch_op.f('ix_score_entry_id'))

    op.drop_table('score')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')
        batch_op.drop_index(batch_op.f('ix_notification_entry_id'))

    op.drop_table('notification')
    with op.batch_alter_table('judge_conflict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judge_conflict_judge_id'))
        batch_op.drop_index(batch_op.f('ix_judge_conflict_entry_id'))

    op.drop_table('judge_conflict')
    with op.batch_alter_table('disqualification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disqualification_contest_id'))

    op.drop_table('disqualification')
    with op.batch_alter_table('award_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_place_entry_id'))
        batch_op.drop_index(batch_op.f('ix_award_place_award_list_id'))

    op.drop_table('award_place')
    with op.batch_alter_table('staff_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_token_prefix'))

    op.drop_table('staff_token')
    op.drop_table('rubric')
    with op.batch_alter_table('award_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_list_contest_id'))

    op.drop_table('award_list')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_contest_published')

    op.drop_table('announcement')
