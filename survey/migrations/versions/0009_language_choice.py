"""language choice: a person's language is unset until they choose one (issue 13)

Revision ID: 0009_language_choice
Revises: 0008_workbook_uploads
Create Date: 2026-12-01

- users.language becomes nullable. Until now every account was created with 'en', whether or
  not its owner ever chose, so the pages ignored the browser's language for everybody. The
  audit trail records every choice made on the account page ('user.language' events), so:
  a value other than 'en' was chosen (nothing else writes one) and stays; 'en' stays where
  the trail shows the person chose a language; every other 'en' becomes NULL, and those
  people get the language their browser asks for until they choose.
- Downgrade: NULL becomes 'en' again (the old default), the column NOT NULL.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_language_choice'
down_revision = '0008_workbook_uploads'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.alter_column('language', existing_type=sa.String(length=8), nullable=True)
    op.execute(
        "UPDATE users SET language = NULL WHERE language = 'en' AND NOT EXISTS ("
        " SELECT 1 FROM audit_events a WHERE a.action = 'user.language'"
        " AND a.entity = 'user' AND a.entity_id = users.id)")


def downgrade():
    op.execute("UPDATE users SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table('users') as batch:
        batch.alter_column('language', existing_type=sa.String(length=8), nullable=False)
