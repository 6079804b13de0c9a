"""Forms kept for their author after the session expired, in the database.

Only ``accounts.resume`` puts a form here, and only for a post that proved where it came
from (a valid resume token of the page, same origin). Each person may keep a limited
number of forms per lifetime (counted atomically by ``survey.limits``), each form and
all of a person's forms together have a size limit, and a form expires. A newer post
of the same page replaces the older one. Several app servers sharing the database
share the kept forms, so a person may log in again on any of them.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from .. import limits
from ..extensions import db
from ..models import FormStash, utcnow
from ..rules import SurveyError
from ..security import token_hash

MAX_BYTES = 256 * 1024            # one kept form
MAX_BYTES_PER_USER = 1024 * 1024  # all of one person's kept forms together
MAX_PER_USER = 10                 # forms kept per person per lifetime


TOO_LARGE, TOO_MUCH, TOO_MANY = "too_large", "too_much", "too_many"


class StashRefused(SurveyError):
    """The form cannot be kept: ``reason`` is TOO_LARGE, TOO_MUCH or TOO_MANY."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class StashLimits:
    lifetime: dt.timedelta
    max_bytes: int = MAX_BYTES
    max_bytes_per_user: int = MAX_BYTES_PER_USER
    max_per_user: int = MAX_PER_USER



def purge_expired(now: dt.datetime | None = None) -> int:
    result = db.session.execute(delete(FormStash).where(FormStash.expires_at <= (now or utcnow())))
    return result.rowcount or 0


def keep_form(user_id: int, response_id: int, endpoint: str, view_args: dict[str, Any],
              form: dict[str, list[str]], rules: StashLimits) -> str:
    """Keep a form for ``user_id``; returns the raw key to remember in the browser's session.

    Raises ``StashRefused`` and keeps nothing then (the caller rolls back). The count is
    taken (in its own transaction) before this session writes anything, so that on
    SQLite the counter never waits for this request's own write lock.
    """
    now = utcnow()
    size = len(json.dumps(form, ensure_ascii=False).encode())
    if size > rules.max_bytes:
        raise StashRefused(TOO_LARGE, "the form is too large to keep")
    live = list(db.session.scalars(select(FormStash).where(
        FormStash.user_id == user_id, FormStash.expires_at > now)))
    # A newer post of the same page replaces the older one.
    replaced = [row for row in live if row.endpoint == endpoint and row.view_args == view_args]
    kept = sum(row.size for row in live if row not in replaced)
    if kept + size > rules.max_bytes_per_user:
        raise StashRefused(TOO_MUCH, "too much is already kept for this account")
    counted = limits.hit(f"form-stash:user:{user_id}", rules.max_per_user, rules.lifetime, now=now)
    if counted.exceeded:
        raise StashRefused(TOO_MANY, "too many forms were kept for this account")
    purge_expired(now)
    for row in replaced:
        db.session.delete(row)
    raw = secrets.token_urlsafe(24)
    db.session.add(FormStash(key_hash=token_hash(raw), user_id=user_id, response_id=response_id,
                             endpoint=endpoint, view_args=view_args, form=form, size=size,
                             created_at=now, expires_at=now + rules.lifetime))
    db.session.flush()
    return raw


def take_form(raw: str, user_id: int) -> FormStash | None:
    """The kept form for this key if it belongs to ``user_id`` and has not expired; it is
    deleted either way, so a form is replayed at most once and never for someone else."""
    purge_expired()
    row = db.session.scalar(select(FormStash).where(FormStash.key_hash == token_hash(raw)))
    if row is None:
        return None
    db.session.delete(row)
    db.session.flush()
    if row.user_id != user_id or row.expires_at <= utcnow():
        return None
    return row
