"""warning confirmations: "I confirm this figure is correct", per response and warning

Revision ID: 0007_warning_confirmations
Revises: 0006_notifications
Create Date: 2026-12-01

A soft warning (an unusually high figure, convictions above prosecutions started in the
year, a statistical year that does not end in the round's reference year) must be
confirmed before a response is submitted. One row per response and warning holds the
confirmation and a fingerprint of the answers it was given for, so it lapses when one of
them changes. The audit trail records who confirmed what.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007_warning_confirmations'
down_revision = '0006_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('warning_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.String(length=120), nullable=False),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('values_digest', sa.String(length=64), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_warning_confirmations_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_warning_confirmations_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_confirmations')),
    sa.UniqueConstraint('response_id', 'warning_id', name=op.f('uq_warning_confirmations_response_id_warning_id'))
    )
    with op.batch_alter_table('warning_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_confirmations_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('warning_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_confirmations_response_id'))
    op.drop_table('warning_confirmations')
