"""Logged-in sessions kept on the server, so that logging out really ends them.

The browser's signed session cookie carries a random key; the database keeps only the
key's SHA-256 hash, one row per logged-in browser (``UserSession``). Each request finds
its user and its session row in one query (``session_user``); logging out deletes the
row, so a copied cookie stops working at once. A password change or a deactivation
deletes the account's rows. ``last_seen_at`` is refreshed at most every few minutes,
in a statement of its own, and rows idle for longer than the session lifetime are
refused and purged.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User, UserSession, utcnow
from ..security import token_hash

# The key of the browser's (signed) session that holds the raw session key.
SESSION_KEY = "survey.sid"
# How stale ``last_seen_at`` may get before a request refreshes it (one UPDATE at most this often).
TOUCH_EVERY = dt.timedelta(minutes=5)



def start_session(user: User) -> str:
    """A new session for ``user``; returns the raw key for the browser's session cookie."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, key_hash=token_hash(raw), created_at=now,
                               last_seen_at=now))
    db.session.flush()
    return raw


def session_user(user_id: int, raw: str, idle: dt.timedelta) -> User | None:
    """The user of a live session (one query), or None; refreshes ``last_seen_at`` now and then."""
    row = db.session.execute(
        select(User, UserSession.id, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.country))  # every page's header names the country
        .where(User.id == user_id, UserSession.key_hash == token_hash(raw))).first()
    if row is None:
        return None
    user, session_id, last_seen = row
    now = utcnow()
    if last_seen < now - idle - TOUCH_EVERY:
        return None
    if last_seen < now - TOUCH_EVERY:
        # Its own short transaction: a GET request commits nothing, and this must stick.
        with db.engine.begin() as conn:
            conn.execute(update(UserSession.__table__)
                         .where(UserSession.__table__.c.id == session_id)
                         .values(last_seen_at=now))
    return user


def end_session(raw: str | None) -> None:
    if raw:
        db.session.execute(delete(UserSession).where(UserSession.key_hash == token_hash(raw)))


def end_all_sessions(user: User) -> None:
    """Every session of the account ends (password change, deactivation)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def purge_idle_sessions(idle: dt.timedelta) -> int:
    """Forget sessions nobody has used for longer than ``idle`` (they are refused anyway)."""
    result = db.session.execute(delete(UserSession).where(
        UserSession.last_seen_at < utcnow() - idle - TOUCH_EVERY))
    return result.rowcount or 0
