"""questionnaire translations: a layer of texts per version and language, and uploads

Revision ID: 0010_questionnaire_translations
Revises: 0009_demo_rounds
Create Date: 2026-12-01

- questionnaire_translations: per questionnaire version, language and text key (subject
  and field) the translated text, the hash of the English it was made from, its status
  (draft / checked), who changed it and when (issue 13). The stored version never changes.
- translation_uploads: an uploaded translation workbook or PO file between its preview
  and its application, bound to its user, expiring.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0010_questionnaire_translations'
down_revision = '0009_demo_rounds'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('questionnaire_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=160), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'checked')", name=op.f('ck_questionnaire_translations_status_known')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_questionnaire_translations_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_questionnaire_translations_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_translations')),
    sa.UniqueConstraint('questionnaire_version_id', 'language', 'subject', 'field', name='uq_questionnaire_translations_text'),
    )
    with op.batch_alter_table('questionnaire_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_translations_questionnaire_version_id'), ['questionnaire_version_id'], unique=False)
    op.create_table('translation_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_translation_uploads_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_translation_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_translation_uploads'))
    )
    with op.batch_alter_table('translation_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translation_uploads_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_translation_uploads_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('translation_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translation_uploads_expires_at'))
        batch_op.drop_index(batch_op.f('ix_translation_uploads_user_id'))
    op.drop_table('translation_uploads')
    with op.batch_alter_table('questionnaire_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_translations_questionnaire_version_id'))
    op.drop_table('questionnaire_translations')
