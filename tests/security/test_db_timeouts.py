"""Issue 10, item 5: a database that does not answer never hangs a request.

With a database that accepted connections and never answered, /healthz, /public/profiles
and /api/v1/rounds hung until gunicorn killed the worker. PostgreSQL connections now have
a connect timeout and a statement timeout (``SURVEY_DB_CONNECT_TIMEOUT``,
``SURVEY_DB_STATEMENT_TIMEOUT_MS``), SQLite a busy timeout, and a database that fails
answers 503; long operations (backup, restore, migrations, exports) set their own,
longer limit (``SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS``).

The bound used below to tell "answers" from "hangs" is generous (several times the
configured timeout): it tells a hang from an answer, it does not measure speed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import socket
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from survey import create_app
from survey.accounts.sessions import SESSION_KEY
from survey.config import load_config
from survey.extensions import db
from tests.conftest import TEST_SECRET, _prepare

HANG = 20.0  # seconds: far beyond the 2-second timeouts configured below


class SilentDatabase:
    """A TCP server that accepts every connection and never says a word."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.server.accept()
            except OSError:
                return
            self.connections.append(conn)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://survey@127.0.0.1:{self.server.getsockname()[1]}/survey"

    def close(self) -> None:
        self.server.close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.close()


@pytest.fixture
def silent_app(tmp_path):
    silent = SilentDatabase()
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET,
                      "SQLALCHEMY_DATABASE_URI": silent.url, "SURVEY_DB_CONNECT_TIMEOUT": 2})
    app.instance_path = str(tmp_path / "instance")
    yield app
    silent.close()  # a request still waiting (before the fix) fails now instead of hanging
    with app.app_context():
        db.engine.dispose()


def answered(client, path: str, **kwargs):
    """The reply to ``path``, or a test failure if none comes before HANG seconds."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(client.get, path, **kwargs).result(timeout=HANG)
    except concurrent.futures.TimeoutError:
        pytest.fail(f"{path} did not answer within {HANG:.0f} s: the request hangs")
    finally:
        pool.shutdown(wait=False)


def test_healthz_answers_503_when_the_database_does_not_answer(silent_app):
    reply = answered(silent_app.test_client(), "/healthz")
    assert reply.status_code == 503
    assert reply.get_json() == {"status": "error", "database": "unreachable"}


def test_pages_and_the_api_answer_503_instead_of_hanging(silent_app):
    client = silent_app.test_client()
    page = answered(client, "/public/profiles")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "The database is not answering" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]
    api = answered(client, "/api/v1/rounds", headers={"Authorization": "Bearer bpsv_" + "x" * 40})
    assert api.status_code == 503 and api.get_json()["status"] == 503
    assert "database is not answering" in api.get_json()["error"]
    # Logged in (the session names a user the database would have to load): still a page.
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"
        session[SESSION_KEY] = "a-session-key-the-database-would-have-to-check"
    home = answered(client, "/")
    assert home.status_code == 503 and "The database is not answering" in home.get_data(as_text=True)


# -- configuration ---------------------------------------------------------------------

def test_timeouts_have_defaults_and_come_from_the_environment(tmp_path, monkeypatch):
    for name in ("SURVEY_DB_CONNECT_TIMEOUT", "SURVEY_DB_STATEMENT_TIMEOUT_MS",
                 "SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert config["SURVEY_DB_CONNECT_TIMEOUT"] == 5
    assert config["SURVEY_DB_STATEMENT_TIMEOUT_MS"] == 15_000
    assert config["SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS"] == 600_000
    monkeypatch.setenv("SURVEY_DB_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("SURVEY_DB_STATEMENT_TIMEOUT_MS", "2500")
    monkeypatch.setenv("SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS", "0")
    config = load_config(tmp_path)
    assert (config["SURVEY_DB_CONNECT_TIMEOUT"], config["SURVEY_DB_STATEMENT_TIMEOUT_MS"],
            config["SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS"]) == (3, 2500, 0)
    monkeypatch.setenv("SURVEY_DB_STATEMENT_TIMEOUT_MS", "soon")
    from survey.config import ConfigError

    with pytest.raises(ConfigError, match="SURVEY_DB_STATEMENT_TIMEOUT_MS"):
        load_config(tmp_path)


def test_sqlite_waits_for_a_lock_as_long_as_the_connect_timeout(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SURVEY_DB_CONNECT_TIMEOUT": 7,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/busy.sqlite3"})
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 7000
        db.engine.dispose()


# -- PostgreSQL: the limits are really applied ---------------------------------------

@pytest.fixture
def postgres_app(postgres_server, tmp_path):
    name = postgres_server.create()
    url = postgres_server.url_of(name)
    _prepare(url)
    app = create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "SURVEY_DB_STATEMENT_TIMEOUT_MS": 500,
                      "SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS": 120_000})
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    postgres_server.drop(name)


def test_a_slow_statement_is_stopped_and_the_request_answers_503(postgres_app):
    assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "500ms"
    with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
        db.session.execute(sa.text("SELECT pg_sleep(3)"))
    db.session.rollback()

    @postgres_app.get("/slow-probe")
    def slow_probe():
        db.session.execute(sa.text("SELECT pg_sleep(3)"))
        return "never"

    reply = answered(postgres_app.test_client(), "/slow-probe")
    assert reply.status_code == 503


def test_long_operations_set_their_own_limit(postgres_app, tmp_path):
    from survey.database import allow_long_statements

    allow_long_statements(db.session)
    assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "2min"
    db.session.execute(sa.text("SELECT pg_sleep(0.8)"))  # longer than the request limit
    db.session.rollback()
    assert db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "500ms"


def test_backup_restore_migrations_and_exports_raise_their_limit(postgres_app, postgres_server,
                                                                 tmp_path):
    """Each long operation sends SET LOCAL statement_timeout with the long limit."""
    from flask_migrate import upgrade

    from survey.backup import restore_backup, write_backup
    from survey.demo import seed_demo
    from survey.downloads.services import build_export

    seed_demo()
    db.session.commit()
    target = postgres_server.create()
    target_url = postgres_server.url_of(target)
    _prepare(target_url)
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "statement_timeout" in statement:
            seen.append(statement)

    event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        build_export({"kind": "regional", "round": "2026 capability survey", "status": "all"},
                     "test")
        exported, seen[:] = list(seen), []
        db.session.rollback()
        write_backup(tmp_path / "backup.zip")
        backed_up, seen[:] = list(seen), []
        restore_backup(tmp_path / "backup.zip", target_url)
        restored, seen[:] = list(seen), []
        upgrade()
        migrated = list(seen)
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", record)
        postgres_server.drop(target)
    for name, statements in (("export", exported), ("backup", backed_up),
                             ("restore", restored), ("migration", migrated)):
        assert any("SET LOCAL statement_timeout = 120000" in s for s in statements), (name, statements)
