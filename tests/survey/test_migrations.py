"""The migrations create exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from survey import MIGRATIONS_DIR
from survey.extensions import db


def head_revision() -> str:
    """The newest revision of the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_schema_is_at_the_newest_revision_with_audit_triggers(app):
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        if conn.dialect.name == "sqlite":
            triggers = conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
        else:
            triggers = conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars().all()
    assert any(name.startswith("audit_events_no") for name in triggers)
    tables = set(inspect(db.engine).get_table_names())
    assert {"countries", "users", "questionnaire_versions", "rounds", "responses", "answers",
            "audit_events", "review_comments", "status_changes"} <= tables
