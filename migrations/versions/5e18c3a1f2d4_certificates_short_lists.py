"""Certificates anyone can verify (numbers, kept copies), short award lists' reasons, the
certificate's signatory and seal, the winner's name for their own copy

Revision ID: 5e18c3a1f2d4
Revises: a432497812fa
Create Date: 2026-12-07 05:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e18c3a1f2d4'
down_revision = 'a432497812fa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['place_id'], ['award_place.id'], name=op.f('fk_certificate_place_id_award_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('place_id', name=op.f('uq_certificate_place_id'))
    )
    op.create_table('certificate_copy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('fmt', sa.String(length=8), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_copy_certificate_id_certificate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_copy')),
    sa.UniqueConstraint('certificate_id', 'fmt', 'content_hash', name=op.f('uq_certificate_copy_certificate_id_fmt_content_hash'))
    )
    with op.batch_alter_table('certificate_copy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_copy_certificate_id'), ['certificate_id'], unique=False)
    with op.batch_alter_table('award_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatory', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('seal_png', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_name', sa.String(length=40), nullable=True))

    # Every place already published gets its number.
    bind = op.get_bind()
    places = bind.execute(sa.text(
        "SELECT award_place.id FROM award_place JOIN award_list ON award_list.id = award_place.award_list_id "
        "WHERE award_list.status IN ('published', 'superseded') ORDER BY award_place.id")).scalars().all()
    used = set()
    for place_id in places:
        code = _code()
        while code in used:
            code = _code()
        used.add(code)
        bind.execute(sa.text("INSERT INTO certificate (code, place_id, created_at) VALUES (:code, :place, "
                             "CURRENT_TIMESTAMP)"), {"code": code, "place": place_id})


def _code() -> str:
    return str(10_000_000 + secrets.randbelow(90_000_000))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('certificate_name')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('seal_png')
        batch_op.drop_column('signatory')
    with op.batch_alter_table('award_list', schema=None) as batch_op:
        batch_op.drop_column('short_reason')
    with op.batch_alter_table('certificate_copy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_copy_certificate_id'))
    op.drop_table('certificate_copy')
    op.drop_table('certificate')
