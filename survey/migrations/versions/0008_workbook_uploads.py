"""answer workbooks: uploads kept between their preview and their application

Revision ID: 0008_workbook_uploads
Revises: 0007_warning_confirmations
Create Date: 2026-12-10

- workbook_uploads: an uploaded answer workbook's proposed answers, problems and conflict
  choices, bound to its user and response, size-limited and expiring (issue 14).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0008_workbook_uploads'
down_revision = '0007_warning_confirmations'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('workbook_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sections', JSON, nullable=False),
    sa.Column('proposed', JSON, nullable=False),
    sa.Column('problems', JSON, nullable=False),
    sa.Column('resolutions', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('size >= 0', name=op.f('ck_workbook_uploads_size_not_negative')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_workbook_uploads_response_id_responses')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workbook_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workbook_uploads'))
    )
    with op.batch_alter_table('workbook_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workbook_uploads_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workbook_uploads_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workbook_uploads_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('workbook_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workbook_uploads_expires_at'))
        batch_op.drop_index(batch_op.f('ix_workbook_uploads_response_id'))
        batch_op.drop_index(batch_op.f('ix_workbook_uploads_user_id'))
    op.drop_table('workbook_uploads')
