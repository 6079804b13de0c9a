"""The Flask app: people, permissions, pages, database and command line."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from .config import load_config
from .database import engine_options, sqlite_busy_timeout_ms
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory. ``config`` overrides what the environment gives."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect",
                         partial(_sqlite_pragmas, busy_timeout_ms=sqlite_busy_timeout_ms(app.config)))
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .catalogues import ensure_compiled
    from .i18n import select_locale

    ensure_compiled()  # a fresh clone's catalogues work however the app is started
    babel.init_app(app, locale_selector=select_locale)
    from .request_guard import init_request_guard

    init_request_guard(app)  # before the blueprints: their <int:...> ids use its converter

    from . import health
    from .accounts.routes import bp as accounts_bp
    from .admin.routes import bp as admin_bp
    from .answering.routes import bp as answering_bp
    from .api.routes import bp as api_bp
    from .downloads.routes import bp as downloads_bp
    from .home.routes import bp as home_bp
    from .notifications.routes import bp as notifications_bp
    from .profile_pages.routes import bp as profile_pages_bp
    from .review.routes import bp as review_bp
    from .security import init_security

    for blueprint in (health.bp, accounts_bp, home_bp, answering_bp, admin_bp, review_bp,
                      profile_pages_bp, downloads_bp, api_bp, notifications_bp):
        app.register_blueprint(blueprint)
    init_security(app)

    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


def _sqlite_pragmas(dbapi_connection, connection_record, busy_timeout_ms: int = 5000) -> None:
    """SQLite enforces foreign keys only when asked, per connection; wait on locks briefly."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()
