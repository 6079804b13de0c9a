"""The append-only audit trail: every change, who, when, old and new value."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from .extensions import db
from .models import AuditEvent, Response, User


def record(action: str, entity: str, *, user: User | None = None, entity_id: int | None = None,
           response: Response | None = None, round_id: int | None = None,
           country_id: int | None = None, question_id: str | None = None,
           old: Any = None, new: Any = None, detail: str | None = None) -> AuditEvent:
    if response is not None:
        round_id = round_id or response.round_id
        country_id = country_id or response.country_id
    event = AuditEvent(
        action=action, entity=entity, entity_id=entity_id,
        user_id=user.id if user is not None else None,
        response_id=response.id if response is not None else None,
        round_id=round_id, country_id=country_id, question_id=question_id,
        old_value=old, new_value=new, detail=detail,
        remote_addr=request.remote_addr if has_request_context() else None)
    db.session.add(event)
    return event
