"""review comments: index the replies of a thread

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Pages show a thread's newest replies and count them (``parent_id IN (...)``); without an
index PostgreSQL reads every comment of every response to find them.
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_comments') as batch_op:
        batch_op.create_index(batch_op.f('ix_review_comments_parent_id'), ['parent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('review_comments') as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_comments_parent_id'))
