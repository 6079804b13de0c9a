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
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": TEST_SECRET, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database():
    """A database of our own on the PostgreSQL server, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("SURVEY_TEST_POSTGRES_URL is not set: PostgreSQL tests run in CI")
    admin_url = sa.make_url(POSTGRES_URL)
    name = f"survey_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "survey.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in db.metadata.sorted_tables]
        # TRUNCATE empties the append-only audit table too: its triggers guard row changes only.
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)
                             + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


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
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SERVER_NAME": None,
    })
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
    from survey.services.members import seed_members
    from survey.services.questionnaires import seed_bundled

    seed_members()
    seed_bundled()
    db.session.commit()
    return app


@pytest.fixture
def demo(seeded):
    """The demo round, answers and accounts; returns {email: password}."""
    from survey.services.demo import seed_demo

    logins = seed_demo()
    db.session.commit()
    return {account.email: password for account, password in logins}


@pytest.fixture
def make_user(seeded):
    from survey.services.users import create_user

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


def login_as(client: FlaskClient, user) -> None:
    """Log a user in directly (for tests that are not about the login form)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session.permanent = True
