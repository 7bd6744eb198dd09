"""douyin accounts with encrypted tokens

Revision ID: 66913bb8b731
Revises: 0591a64c878e
Create Date: 2026-11-29 08:37:47.049725

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '66913bb8b731'
down_revision = '0591a64c878e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('douyin_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('open_id', sa.String(length=128), nullable=False),
    sa.Column('union_id', sa.String(length=128), nullable=True),
    sa.Column('nickname', sa.String(length=100), nullable=False),
    sa.Column('avatar', sa.String(length=500), nullable=True),
    sa.Column('scopes', sa.String(length=255), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('access_expires_at', sa.DateTime(), nullable=True),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('refresh_expires_at', sa.DateTime(), nullable=True),
    sa.Column('renewals', sa.Integer(), nullable=False),
    sa.Column('needs_reauth', sa.Boolean(), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_douyin_account_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_douyin_account')),
    sa.UniqueConstraint('open_id', name=op.f('uq_douyin_account_open_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_douyin_account_user_id'))
    )


def downgrade():
    op.drop_table('douyin_account')
