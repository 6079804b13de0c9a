"""language choice: a person's language is unset until they choose one (issue 13)

Revision ID: 0011_language_choice
Revises: 0010_questionnaire_translations
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

revision = '0011_language_choice'
down_revision = '0010_questionnaire_translations'
branch_labels = None
depends_on = None


def _set_nullable(nullable: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('users', 'language', existing_type=sa.String(length=8), nullable=nullable)
        return
    # SQLite cannot change a column's NULL constraint in place, and a batch copy of the table
    # would drop `users`, which every other table references (refused with foreign keys on).
    # Native ADD / DROP / RENAME COLUMN (SQLite 3.35+) leave the table and its references alone.
    op.execute("ALTER TABLE users ADD COLUMN language_new VARCHAR(8)"
               + ("" if nullable else " NOT NULL DEFAULT 'en'"))
    op.execute("UPDATE users SET language_new = " + ("language" if nullable else "COALESCE(language, 'en')"))
    op.execute("ALTER TABLE users DROP COLUMN language")
    op.execute("ALTER TABLE users RENAME COLUMN language_new TO language")


def upgrade():
    _set_nullable(True)
    op.execute(
        "UPDATE users SET language = NULL WHERE language = 'en' AND NOT EXISTS ("
        " SELECT 1 FROM audit_events a WHERE a.action = 'user.language'"
        " AND a.entity = 'user' AND a.entity_id = users.id)")


def downgrade():
    op.execute("UPDATE users SET language = 'en' WHERE language IS NULL")
    _set_nullable(False)
