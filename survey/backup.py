"""Backups: every table to a zip of JSON, and back into an empty database.

The archive holds ``manifest.json`` (format version, schema revision, row counts,
when and from which kind of database) and ``tables/<name>.json`` per table
(``{"columns": [...], "rows": [[...], ...]}``). Values are plain JSON: dates and
times in ISO 8601, binary data in base64, enumerations by their stored value, so a
backup taken on SQLite restores on PostgreSQL and the other way round.

The dump reads every table inside one transaction (REPEATABLE READ on PostgreSQL,
one read transaction on SQLite), so it is consistent while the app keeps running.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import JSON, Date, DateTime, LargeBinary, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from .database import allow_long_statements, connect_args
from .extensions import db
from .rules import SurveyError

FORMAT = "bali-ftm-survey-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(SurveyError):
    """A backup that cannot be written or restored, with the reason."""


def _tables() -> list[sa.Table]:
    return list(db.metadata.sorted_tables)  # parents before children


def _backup_engine(url: sa.URL | str) -> Engine:
    """A private engine whose transactions really are transactions on SQLite too."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite":
        # (No busy timeout needed: the dump only reads, and a reader is never locked out.)
        engine = sa.create_engine(url, poolclass=NullPool)

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, record) -> None:
            dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    return sa.create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ",
                            connect_args=_connect_args(url))


def _connect_args(url: sa.URL | str) -> dict[str, Any]:
    return connect_args(url, current_app.config if has_app_context() else {})


def schema_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _dump_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def write_backup(out: str | Path | IO[bytes], url: sa.URL | str | None = None) -> dict[str, Any]:
    """Write the whole database to a zip archive; returns the manifest."""
    engine = _backup_engine(url or db.engine.url)
    try:
        with engine.connect() as conn, conn.begin():
            allow_long_statements(conn)  # a whole table per statement
            revision = schema_revision(conn)
            if revision is None:
                raise BackupError("the database has no schema yet (run: survey init-db)")
            counts: dict[str, int] = {}
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for table in _tables():
                    columns = [c.name for c in table.columns]
                    order = [c for c in table.primary_key.columns] or list(table.columns)
                    rows = [[_dump_value(v) for v in row]
                            for row in conn.execute(sa.select(table).order_by(*order))]
                    counts[table.name] = len(rows)
                    archive.writestr(f"tables/{table.name}.json", json.dumps(
                        {"columns": columns, "rows": rows}, ensure_ascii=False,
                        separators=(",", ":")))
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "schema_revision": revision, "database": conn.dialect.name,
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "tables": counts,
                }
                archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    finally:
        engine.dispose()
    return manifest


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("this file is not a survey backup (no manifest.json)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("this file is not a survey backup (unknown format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"backup format version {manifest.get('format_version')} is not "
                          f"supported; this version of the app reads version {FORMAT_VERSION}")
    return manifest


def _load_converter(column: sa.Column):
    kind = column.type
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


def _insert_statement(table: sa.Table, columns: list[str]) -> sa.Insert:
    """An INSERT whose JSON columns store Python None as SQL NULL (as the app's rows do)."""
    values = {}
    for name in columns:
        column = table.c[name]
        if isinstance(column.type, JSON):
            kind = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
            values[name] = sa.bindparam(name, type_=kind)
        else:
            values[name] = sa.bindparam(name, type_=column.type)
    return sa.insert(table).values(values)


def _batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def restore_backup(source: str | Path | IO[bytes], url: sa.URL | str | None = None
                   ) -> dict[str, Any]:
    """Load a backup into an empty, migrated database (refuses anything else)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"cannot read the backup: {exc}") from None
    with archive:
        manifest = read_manifest(archive)
        target = url or db.engine.url
        engine = sa.create_engine(target, poolclass=NullPool, connect_args=_connect_args(target))
        try:
            with engine.begin() as conn:
                allow_long_statements(conn)
                _check_target(conn, manifest)
                for table in _tables():
                    _restore_table(conn, archive, table, manifest)
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn)
        finally:
            engine.dispose()
    return manifest


def _check_target(conn: Connection, manifest: dict[str, Any]) -> None:
    revision = schema_revision(conn)
    if revision is None:
        raise BackupError("the target database has no schema; run 'survey init-db' first, "
                          "then restore")
    if revision != manifest["schema_revision"]:
        raise BackupError(f"the backup has schema revision {manifest['schema_revision']} but the "
                          f"database is at {revision}; restore with the app version that made "
                          "the backup, then upgrade")
    filled = [(t.name, n) for t in _tables()
              if (n := conn.scalar(sa.select(sa.func.count()).select_from(t)))]
    if filled:
        listing = ", ".join(f"{name} ({n} rows)" for name, n in filled[:5])
        raise BackupError(f"the target database is not empty: {listing}. Restore only into a new, "
                          "empty database made with 'survey init-db'")


def _restore_table(conn: Connection, archive: zipfile.ZipFile, table: sa.Table,
                   manifest: dict[str, Any]) -> None:
    try:
        data = json.loads(archive.read(f"tables/{table.name}.json"))
    except KeyError:
        raise BackupError(f"the backup lacks the table {table.name}") from None
    columns = data["columns"]
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        raise BackupError(f"the backup's table {table.name} has unknown columns: "
                          f"{', '.join(sorted(unknown))}")
    if len(data["rows"]) != manifest["tables"].get(table.name):
        raise BackupError(f"the backup's table {table.name} does not match its manifest")
    if not data["rows"]:
        return
    convert = [_load_converter(table.c[name]) for name in columns]
    statement = _insert_statement(table, columns)
    for batch in _batches(data["rows"], BATCH):
        rows = [{name: fn(value) for name, fn, value in zip(columns, convert, row)}
                for row in batch]
        if table.name == "answers":
            _answer_values_through_their_type(conn, rows)
        conn.execute(statement, rows)


def _answer_values_through_their_type(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Restored answers pass the door every ORM write passes (``models.Answer``'s hook)."""
    from questionnaires import AnswerError

    from .questionnaire_versions import definitions_of_responses

    definitions = definitions_of_responses(conn, {row["response_id"] for row in rows})
    for row in rows:
        definition = definitions.get(row["response_id"])
        if definition is None or not definition.has_question(row["question_id"]):
            raise BackupError(f"the backup's answer {row.get('id')} answers no question of its "
                              "round's questionnaire")
        try:
            row["value"] = definition.question(row["question_id"]).normalise(row["value"])
        except AnswerError as exc:
            raise BackupError(f"the backup's answer {row.get('id')} ({row['question_id']}) holds "
                              f"a value its question refuses: {exc}") from None


def _reset_sequences(conn: Connection) -> None:
    """After inserting explicit ids, the next generated id must follow the largest one."""
    for table in _tables():
        if "id" not in table.c:
            continue
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - table names from our own metadata
            f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1), "
            f"(SELECT MAX(id) IS NOT NULL FROM \"{table.name}\"))"))
