"""Shared fixtures: an app on a fresh database per test, on SQLite and PostgreSQL.

Every test that uses ``app`` runs once per database backend: SQLite always, and
PostgreSQL too when ``SURVEY_TEST_POSTGRES_URL`` names a server (CI sets it). The
schema comes from the migrations, made once per session; each test starts empty.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from survey import create_app
from survey.extensions import db

POSTGRES_URL = os.environ.get("SURVEY_TEST_POSTGRES_URL")
TEST_SECRET = "test-secret-key-not-for-production"
# Production hashes with scrypt (a test checks it); tests use a cheap method to stay fast.
TEST_PASSWORD_METHOD = "pbkdf2:sha256:1000"
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _test_config(url: str) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": TEST_SECRET,
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD}


def _prepare(url: str, demo: bool = False, current_version: int = 2) -> None:
    """Migrate an empty database; with ``demo``, load the demo data as well (its current
    round on questionnaire ``current_version``)."""
    from flask_migrate import upgrade

    app = create_app(_test_config(url))
    with app.app_context():
        upgrade()
        if demo:
            from survey.demo import seed_demo

            seed_demo(current_version=current_version)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory, sqlite_template) -> Path:
    """The demo data is loaded once per session and copied for each test that wants it."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    _prepare(f"sqlite:///{path}", demo=True)
    return path


@pytest.fixture(scope="session")
def sqlite_demo_v1_template(tmp_path_factory, sqlite_template) -> Path:
    """The demo with its current round on questionnaire v1 (tests marked ``demo_v1``)."""
    path = tmp_path_factory.mktemp("demo_v1") / "demo_v1.sqlite3"
    _prepare(f"sqlite:///{path}", demo=True, current_version=1)
    return path


class PostgresServer:
    """Databases of our own on the PostgreSQL server, all dropped at the end of the session."""

    def __init__(self, url: str):
        self.url = sa.make_url(url)
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"survey_test_{uuid.uuid4().hex[:12]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        self.created.append(name)
        return name

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server():
    if not POSTGRES_URL:
        pytest.skip("SURVEY_TEST_POSTGRES_URL is not set: PostgreSQL tests run in CI")
    server = PostgresServer(POSTGRES_URL)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_database(postgres_server) -> str:
    """One migrated database, emptied before each test that uses it."""
    url = postgres_server.url_of(postgres_server.create())
    _prepare(url)
    return url


@pytest.fixture(scope="session")
def postgres_demo_template(postgres_server) -> str:
    name = postgres_server.create()
    _prepare(postgres_server.url_of(name), demo=True)
    return name


@pytest.fixture(scope="session")
def postgres_demo_v1_template(postgres_server) -> str:
    name = postgres_server.create()
    _prepare(postgres_server.url_of(name), demo=True, current_version=1)
    return name


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh database for one test: empty, or holding the demo data if the test asks for it
    (with its current round on questionnaire v1 when the test is marked ``demo_v1``)."""
    wants_demo = "demo" in request.fixturenames
    v1 = "_v1" if request.node.get_closest_marker("demo_v1") is not None else ""
    if request.param == "sqlite":
        path = tmp_path / "survey.sqlite3"
        template = f"sqlite_demo{v1}_template" if wants_demo else "sqlite_template"
        shutil.copyfile(request.getfixturevalue(template), path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    if wants_demo:
        name = server.create(template=request.getfixturevalue(f"postgres_demo{v1}_template"))
        yield server.url_of(name)
        server.drop(name)
        return
    url = request.getfixturevalue("postgres_database")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in db.metadata.sorted_tables]
        # TRUNCATE empties the append-only audit table too: its triggers guard row changes only.
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                             + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


class SurveyClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form post, unless told not to."""

    def csrf_token(self) -> str:
        raw = uuid.uuid4().hex
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", raw)
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, csrf: bool = True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        data = kwargs.get("data")
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE") and not kwargs.get("json"):
            if data is None:
                data = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        # Each request gets its own application context, as in production: otherwise the
        # test's long-lived context (and its `g`: logged-in user, locale) leaks between requests.
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_test_config(database_url))
    app.test_client_class = SurveyClient
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> SurveyClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """Members and the bundled questionnaire."""
    from survey.members import seed_members
    from survey.questionnaire_versions import seed_bundled

    seed_members()
    seed_bundled()
    db.session.commit()
    return app


@pytest.fixture
def demo(app):
    """The demo round, answers and accounts (loaded once per session, copied per test).

    Returns {email: password} of the demo accounts.
    """
    from survey.demo import ACCOUNTS, demo_password

    return {account.email: demo_password(account.email) for account in ACCOUNTS}


@pytest.fixture
def make_user(seeded):
    from survey.accounts.users import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "focal_point", country: str | None = "THA",
             password: str = "correct horse battery", email: str | None = None):
        if role != "focal_point":
            country = None
        user = create_user(email or f"user{next(counter)}@example.org", role, country=country,
                           password=password)
        db.session.commit()
        return user

    return make


def catalogue_says(language: str, message: str, /, **values) -> str:
    """What the shipped catalogue says for ``message`` in ``language`` (may be the English)."""
    from flask import current_app
    from flask_babel import force_locale, gettext

    with current_app.test_request_context(), force_locale(language):
        return gettext(message, **values)


def translated_in(language: str, message: str, /, **values) -> str:
    """What the shipped catalogue says for ``message`` in ``language`` (the words a page in
    that language must show), checked to be a real translation, not the English again."""
    said = catalogue_says(language, message, **values)
    english = catalogue_says("en", message, **values)
    assert said != english or language == "en", f"{message!r} is not translated into {language}"
    return said


def login_as(client: FlaskClient, user) -> None:
    """Log a user in directly (for tests that are not about the login form)."""
    from flask import g, has_app_context

    if has_app_context():
        # Requests reuse the test's app context, so Flask-Login's cached user in ``g``
        # would outlive a switch of user within one test: forget it.
        g.pop("_login_user", None)
    from survey.accounts.sessions import SESSION_KEY, start_session

    key = start_session(user)  # a server-side session, as the login form makes
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session[SESSION_KEY] = key
        session["_fresh"] = True
        session.permanent = True
    # The test's app context is shared by the client's requests, so Flask-Login's cached
    # user in ``g`` would outlive a switch of user within one test.
    from flask import g

    g.pop("_login_user", None)
