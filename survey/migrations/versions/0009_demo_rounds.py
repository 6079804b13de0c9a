"""demo rounds: a flag on rounds that hold demonstration data

Revision ID: 0009_demo_rounds
Revises: 0008_workbook_uploads
Create Date: 2026-12-01

- rounds.is_demo: the round holds demonstration data (survey.demo); pages, profiles,
  workbooks, CSV and the API say so (issue 12 §6). Existing rounds are not demo rounds,
  except the demo's own two rounds, recognised by their names.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_demo_rounds'
down_revision = '0008_workbook_uploads'
branch_labels = None
depends_on = None

DEMO_ROUND_NAMES = ("2025 capability survey (pilot)", "2026 capability survey")


def upgrade():
    # Plain ALTER TABLE on both databases (no batch copy of "rounds" on SQLite: other
    # tables' foreign keys point at it).
    op.add_column('rounds', sa.Column('is_demo', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    rounds = sa.table('rounds', sa.column('name', sa.String), sa.column('is_demo', sa.Boolean))
    op.execute(rounds.update().where(rounds.c.name.in_(DEMO_ROUND_NAMES)).values(is_demo=True))


def downgrade():
    op.drop_column('rounds', 'is_demo')
