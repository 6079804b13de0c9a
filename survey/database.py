"""Database timeouts: nothing waits for ever on a database that does not answer.

- PostgreSQL: every connection is opened with a connect timeout and runs with a
  statement timeout (``SURVEY_DB_CONNECT_TIMEOUT`` seconds, ``SURVEY_DB_STATEMENT_TIMEOUT_MS``),
  and TCP keepalives notice a peer that has gone; waiting for a pooled connection is
  bounded by the connect timeout too.
- SQLite: waiting for another writer's lock is bounded by the connect timeout (busy timeout).
- Long operations (backup, restore, migrations, exports) raise the limit for their own
  transaction with ``allow_long_statements`` (``SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS``).

A request whose database fails answers 503 (see ``security``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

DEFAULT_CONNECT_TIMEOUT = 5            # seconds
DEFAULT_STATEMENT_TIMEOUT_MS = 15_000
DEFAULT_LONG_STATEMENT_TIMEOUT_MS = 600_000


def _is_postgresql(url: str | sa.URL) -> bool:
    return sa.make_url(url).get_backend_name() == "postgresql"


def connect_args(url: str | sa.URL, config: Mapping[str, Any]) -> dict[str, Any]:
    """Driver arguments for a connection to ``url`` that cannot hang (PostgreSQL only)."""
    if not _is_postgresql(url):
        return {}
    return {
        "connect_timeout": int(config.get("SURVEY_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
        "options": "-c statement_timeout="
                   f"{int(config.get('SURVEY_DB_STATEMENT_TIMEOUT_MS', DEFAULT_STATEMENT_TIMEOUT_MS))}",
        # A server or network that vanished is noticed in about 25 s, even mid-statement.
        "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3,
    }


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` for the app's engine, timeouts included."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = config["SQLALCHEMY_DATABASE_URI"]
    if _is_postgresql(url):
        options["connect_args"] = {**options.get("connect_args", {}), **connect_args(url, config)}
        options.setdefault("pool_timeout",
                           int(config.get("SURVEY_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)))
    return options


def sqlite_busy_timeout_ms(config: Mapping[str, Any]) -> int:
    return int(config.get("SURVEY_DB_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)) * 1000


def long_statement_timeout_ms() -> int:
    if has_app_context():
        return int(current_app.config.get("SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS",
                                          DEFAULT_LONG_STATEMENT_TIMEOUT_MS))
    return DEFAULT_LONG_STATEMENT_TIMEOUT_MS


def allow_long_statements(target: Session | scoped_session | Connection,
                          timeout_ms: int | None = None) -> None:
    """Give the current transaction of ``target`` the long-operation statement limit.

    ``SET LOCAL`` ends with the transaction, so the next request on the same pooled
    connection has the normal limit again. 0 means no limit. SQLite has none to raise.
    """
    bind = target if isinstance(target, Connection) else target.get_bind()
    if bind.dialect.name != "postgresql":
        return
    limit = long_statement_timeout_ms() if timeout_ms is None else int(timeout_ms)
    # An integer we formatted ourselves: SET does not take bound parameters.
    target.execute(sa.text(f"SET LOCAL statement_timeout = {limit:d}"))
