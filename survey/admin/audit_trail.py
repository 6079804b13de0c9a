"""Reading the audit trail: filters, pages and rows for download."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import AuditEvent, Country, Round, User
from .audit_words import describe


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    country_id: int | None = None
    round_id: int | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    def apply(self, query: Select) -> Select:
        if self.user_id:
            query = query.where(AuditEvent.user_id == self.user_id)
        if self.country_id:
            query = query.where(AuditEvent.country_id == self.country_id)
        if self.round_id:
            query = query.where(AuditEvent.round_id == self.round_id)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.since:
            query = query.where(AuditEvent.at >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            query = query.where(AuditEvent.at < dt.datetime.combine(
                self.until + dt.timedelta(days=1), dt.time()))
        return query


def _rows_query(filters: AuditFilter) -> Select:
    actor = aliased(User)
    return filters.apply(
        select(AuditEvent, actor.email, Country.iso3, Round.name)
        .outerjoin(actor, AuditEvent.user_id == actor.id)
        .outerjoin(Country, AuditEvent.country_id == Country.id)
        .outerjoin(Round, AuditEvent.round_id == Round.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))


def audit_events(filters: AuditFilter) -> Select:
    """The matching events, newest first, with who, which country and which round (to page)."""
    return filters.apply(
        select(AuditEvent)
        .options(joinedload(AuditEvent.user), joinedload(AuditEvent.country),
                 joinedload(AuditEvent.round))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


CSV_HEADER = ["When (UTC)", "User", "Action", "Entity", "Entity id", "Round", "Country",
              "Response id", "Question", "Old value", "New value", "Detail", "Address",
              "What (in words)", "Target", "Change (in words)"]
DESCRIBE_BATCH = 500


def audit_csv_rows(filters: AuditFilter) -> Iterator[list[Any]]:
    """The trail as rows: the codes and values as stored (for machines), then the same
    event in words (for people)."""
    result = db.session.execute(_rows_query(filters).execution_options(yield_per=1000))
    try:
        batch: list[tuple] = []
        for row in result:
            batch.append(row)
            if len(batch) >= DESCRIBE_BATCH:
                yield from _csv_batch(batch)
                batch = []
        yield from _csv_batch(batch)
    finally:
        result.close()  # also when the download is abandoned half way (server-side cursor)


def _csv_batch(rows: list[tuple]) -> Iterator[list[Any]]:
    words = describe(event for event, *_rest in rows)
    for event, email, iso3, round_name in rows:
        said = words[event.id]
        yield [event.at.isoformat(sep=" ", timespec="seconds"), email or "", event.action,
               event.entity, event.entity_id, round_name or "", iso3 or "", event.response_id,
               event.question_id or "", _json(event.old_value), _json(event.new_value),
               event.detail or "", event.remote_addr or "", said.action, said.target,
               "; ".join(said.changes)]


def _json(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
