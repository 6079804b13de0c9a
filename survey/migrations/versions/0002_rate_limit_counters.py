"""rate-limit counters: limits counted atomically in the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.CheckConstraint('count >= 0', name=op.f('ck_rate_limit_counters_count_not_negative')),
        sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_rate_limit_counters')),
    )


def downgrade():
    op.drop_table('rate_limit_counters')
