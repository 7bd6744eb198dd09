"""initial schema

Revision ID: 0591a64c878e
Revises: 
Create Date: 2026-11-29 08:19:24.620517

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0591a64c878e'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('co_organisers', sa.JSON(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('slogan', sa.String(length=200), nullable=False),
    sa.Column('slogan_subtitle_seconds', sa.Integer(), nullable=False),
    sa.Column('hashtag', sa.String(length=100), nullable=False),
    sa.Column('mention', sa.String(length=100), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('popularity_award_size', sa.Integer(), nullable=False),
    sa.Column('excellence_award_size', sa.Integer(), nullable=False),
    sa.Column('allow_double_win', sa.Boolean(), nullable=False),
    sa.Column('tie_rule', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('closes_at >= opens_at', name=op.f('ck_contest_window_order')),
    sa.CheckConstraint('popularity_award_size > 0 AND excellence_award_size > 0', name=op.f('ck_contest_award_sizes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest')),
    sa.UniqueConstraint('slug', name=op.f('uq_contest_slug'))
    )
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_opens_at'), ['opens_at'], unique=False)

    op.create_table('phone_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_code'))
    )
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.create_index('ix_phone_code_phone_created', ['phone', 'created_at'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=True),
    sa.Column('nickname', sa.String(length=40), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('admin', 'reviewer', 'judge', 'citizen', name='role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('phone_verified_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('phone', name=op.f('uq_user_phone'))
    )
    op.create_table('contest_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_area_contest_id_contest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_area')),
    sa.UniqueConstraint('contest_id', 'key', name=op.f('uq_contest_area_contest_id_key'))
    )
    op.create_table('contest_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_theme_contest_id_contest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_theme')),
    sa.UniqueConstraint('contest_id', 'key', name=op.f('uq_contest_theme_contest_id_key'))
    )
    op.create_table('entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.String(length=24), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'needs_fix', 'approved', 'rejected', 'withdrawn', name='entry_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('submitted_text', sa.Text(), nullable=False),
    sa.Column('caption', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('fact_sources', sa.JSON(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('show_nickname', sa.Boolean(), nullable=False),
    sa.Column('rules_accepted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['contest_area.id'], name=op.f('fk_entry_area_id_contest_area')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_entry_contest_id_contest')),
    sa.ForeignKeyConstraint(['theme_id'], ['contest_theme.id'], name=op.f('fk_entry_theme_id_contest_theme')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_entry_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry')),
    sa.UniqueConstraint('contest_id', 'video_id', name=op.f('uq_entry_contest_id_video_id'))
    )
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_contest_status', ['contest_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_entry_user_id'), ['user_id'], unique=False)

    op.create_table('entry_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.Enum('pending', 'needs_fix', 'approved', 'rejected', 'withdrawn', name='entry_event_from', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('to_status', sa.Enum('pending', 'needs_fix', 'approved', 'rejected', 'withdrawn', name='entry_event_to', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_entry_event_actor_id_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_entry_event_entry_id_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_event'))
    )
    with op.batch_alter_table('entry_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_event_entry_id'), ['entry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('entry_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_event_entry_id'))

    op.drop_table('entry_event')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_user_id'))
        batch_op.drop_index(batch_op.f('ix_entry_submitted_at'))
        batch_op.drop_index('ix_entry_contest_status')

    op.drop_table('entry')
    op.drop_table('contest_theme')
    op.drop_table('contest_area')
    op.drop_table('user')
    with op.batch_alter_table('phone_code', schema=None) as batch_op:
        batch_op.drop_index('ix_phone_code_phone_created')

    op.drop_table('phone_code')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_opens_at'))
        batch_op.drop_index(batch_op.f('ix_contest_closes_at'))

    op.drop_table('contest')
