"""Rate limits counted atomically in the database.

Every limit of the app (failed logins, password resets, comments, kept forms) goes
through :func:`hit`, which adds one to a counter for a key in a fixed time window and
returns the new count in a single ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``
statement. Several workers or servers sharing the database therefore cannot race past
a limit: the database hands out the counts one by one.

The counter runs on its own short transaction (a connection of its own), so it is kept
even when the request that counted rolls back, and no request holds the counter's row
lock for longer than one statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import RateLimitCounter, utcnow

# Counters older than this are deleted (see ``purge``); no window of the app is longer.
KEEP_FOR = dt.timedelta(days=2)


@dataclass(frozen=True)
class Limit:
    """Where a key stands in its current window."""

    count: int
    limit: int
    resets_at: dt.datetime

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def _window_start(window: dt.timedelta, now: dt.datetime) -> dt.datetime:
    seconds = int(window.total_seconds())
    if seconds <= 0:
        raise ValueError("a rate-limit window must be at least one second")
    epoch = int((now - dt.datetime(1970, 1, 1)).total_seconds())
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=epoch - epoch % seconds)


def _upsert(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def hit(key: str, limit: int, window: dt.timedelta, *, now: dt.datetime | None = None) -> Limit:
    """Count one event for ``key`` and say whether it went over ``limit`` in this window."""
    now = now or utcnow()
    start = _window_start(window, now)
    table = RateLimitCounter.__table__
    with db.engine.begin() as conn:
        insert = _upsert(conn.dialect.name)(table).values(key=key[:200], window_start=start, count=1)
        statement = insert.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"count": table.c.count + 1},
        ).returning(table.c.count)
        count = conn.execute(statement).scalar_one()
    return Limit(count=count, limit=limit, resets_at=start + window)


def peek(key: str, limit: int, window: dt.timedelta, *, now: dt.datetime | None = None) -> Limit:
    """Where ``key`` stands, without counting anything."""
    now = now or utcnow()
    start = _window_start(window, now)
    table = RateLimitCounter.__table__
    with db.engine.connect() as conn:
        count = conn.scalar(select(table.c.count).where(
            table.c.key == key[:200], table.c.window_start == start)) or 0
    return Limit(count=count, limit=limit, resets_at=start + window)


def reset(key: str) -> None:
    """Forget every count of ``key`` (for example after a successful login)."""
    table = RateLimitCounter.__table__
    with db.engine.begin() as conn:
        conn.execute(delete(table).where(table.c.key == key[:200]))


def release(key: str, counted: Limit, window: dt.timedelta) -> None:
    """Take back one count that ``hit`` gave (for example: the login it counted succeeded).

    It applies to the window that ``counted`` was in, and never goes below zero, so it
    can only undo a count that was made.
    """
    table = RateLimitCounter.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table)
                     .where(table.c.key == key[:200], table.c.window_start == counted.resets_at - window,
                            table.c.count > 0)
                     .values(count=table.c.count - 1))


def purge(now: dt.datetime | None = None) -> int:
    """Delete counters whose window ended long ago (run at every successful login)."""
    table = RateLimitCounter.__table__
    with db.engine.begin() as conn:
        return conn.execute(delete(table).where(table.c.window_start < (now or utcnow()) - KEEP_FOR)
                            ).rowcount
