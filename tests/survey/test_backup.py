"""Backup and restore: a seeded database survives the round trip, row for row, across engines."""

import json
import os
import zipfile

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.backup import BackupError, restore_backup, write_backup
from survey.cli import cli
from survey.extensions import db
from survey.models import AuditEvent, User
from tests.conftest import TEST_SECRET, _prepare

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def _all_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, as Python values."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [tuple(row) for row in conn.execute(
                        sa.select(t).order_by(*t.primary_key.columns))]
                    for t in db.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def empty_sqlite(sqlite_template, tmp_path):
    import shutil

    path = tmp_path / "restored.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_postgres(postgres_server):
    """A fresh migrated PostgreSQL database for restoring into, dropped afterwards."""
    name = postgres_server.create()
    url = postgres_server.url_of(name)
    _prepare(url)
    yield url
    postgres_server.drop(name)


def _round_trip(source_url: str, target_url: str, path) -> dict:
    manifest = write_backup(path, source_url)
    restore_backup(path, target_url)
    return manifest


def test_backup_holds_a_manifest_and_one_file_per_table(app, demo, tmp_path):
    path = tmp_path / "backup.zip"
    manifest = write_backup(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        stored = json.loads(archive.read("manifest.json"))
    assert stored == manifest
    assert manifest["format_version"] == 1 and manifest["schema_revision"]
    assert names == {"manifest.json"} | {f"tables/{t.name}.json" for t in db.metadata.sorted_tables}
    assert manifest["tables"]["countries"] == 45 and manifest["tables"]["users"] == 7
    assert manifest["tables"]["answers"] > 500


def test_round_trip_restores_every_row_of_every_table(app, demo, tmp_path, empty_sqlite):
    source = str(db.engine.url.render_as_string(hide_password=False))
    _round_trip(source, empty_sqlite, tmp_path / "backup.zip")
    before, after = _all_rows(source), _all_rows(empty_sqlite)
    assert {t: len(rows) for t, rows in after.items()} == {t: len(rows) for t, rows in before.items()}
    assert after == before


def test_backup_restores_on_the_other_engine(app, demo, tmp_path, empty_sqlite, empty_postgres):
    """The SQLite run restores onto PostgreSQL; the PostgreSQL run restores onto SQLite."""
    source = str(db.engine.url.render_as_string(hide_password=False))
    target = empty_postgres if source.startswith("sqlite") else empty_sqlite
    _round_trip(source, target, tmp_path / "backup.zip")
    assert _all_rows(target) == _all_rows(source)
    if target == empty_postgres:
        # Sequences follow the restored ids: the restored database takes new rows.
        engine = sa.create_engine(empty_postgres)
        with engine.begin() as conn:
            new_id = conn.execute(sa.insert(AuditEvent.__table__).values(
                action="test", entity="test", at=sa.func.now())
                .returning(AuditEvent.__table__.c.id)).scalar_one()
            assert new_id == conn.scalar(sa.select(sa.func.max(AuditEvent.__table__.c.id)))
            assert new_id > len(_all_rows(source)["audit_events"]) - 1
        engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, demo, tmp_path):
    path = tmp_path / "backup.zip"
    write_backup(path)
    with pytest.raises(BackupError, match="the target database is not empty: countries"):
        restore_backup(path)


def test_restore_refuses_a_database_without_schema(app, demo, tmp_path):
    path = tmp_path / "backup.zip"
    write_backup(path)
    with pytest.raises(BackupError, match="run 'survey init-db' first"):
        restore_backup(path, f"sqlite:///{tmp_path / 'blank.sqlite3'}")


def test_restore_refuses_files_that_are_not_backups(app, tmp_path):
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    with pytest.raises(BackupError, match="cannot read the backup"):
        restore_backup(not_zip)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(BackupError, match="not a survey backup"):
        restore_backup(other_zip)


def test_cli_backup_and_restore(app, demo, runner, tmp_path, empty_sqlite):
    path = tmp_path / "cli-backup.zip"
    result = runner.invoke(cli, ["backup", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written to" in result.output and "tables" in result.output
    result = runner.invoke(cli, ["restore", str(path)])
    assert result.exit_code == 1
    assert "the target database is not empty" in result.output

    target = create_app({"SQLALCHEMY_DATABASE_URI": empty_sqlite, "SECRET_KEY": TEST_SECRET,
                         "TESTING": True})
    with target.app_context():  # the command runs in the current app: the target's
        result = target.test_cli_runner().invoke(cli, ["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output
        emails = db.session.scalars(sa.select(User.email).order_by(User.email)).all()
        db.engine.dispose()
    assert "admin@example.org" in emails and len(emails) == 7
    assert os.path.getsize(path) > 10_000
