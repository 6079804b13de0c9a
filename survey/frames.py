"""The seam between the database and the pure rooms: one tidy row per answer.

``profiles`` and ``exports`` start from this frame and never touch the database.
Answers hidden by skip logic are left out: they do not count anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from questionnaires import SPECIAL_CODES, relevance

from .extensions import db
from .models import Answer, Country, Response, ResponseStatus, Round, User
from .services.questionnaires import definition_of

COLUMNS = [
    "round", "round_id", "country", "iso3", "subregion", "response_id", "status", "pillar",
    "question_id", "question", "type", "value_code", "value_label", "value_number",
    "value", "evidence", "carried_over", "updated_at", "updated_by",
]


def answers_frame(round_ids: Iterable[int] | None = None,
                  statuses: Iterable[ResponseStatus] | None = None,
                  country_ids: Iterable[int] | None = None,
                  language: str | None = None) -> pd.DataFrame:
    """Tidy answers for the given rounds, statuses and countries (one query)."""
    editor = aliased(User)
    # Round columns, not the Round entity: the entity would load (and decode) the whole
    # questionnaire definition once per answer row. Rounds are fetched once below.
    query = (select(Answer, Response.id, Response.status, Round.id, Country, editor.display_name)
             .join(Response, Answer.response_id == Response.id)
             .join(Round, Response.round_id == Round.id)
             .join(Country, Response.country_id == Country.id)
             .outerjoin(editor, Answer.updated_by_id == editor.id)
             .order_by(Round.id, Country.iso3, Answer.id))
    if round_ids is not None:
        query = query.where(Response.round_id.in_(list(round_ids)))
    if statuses is not None:
        query = query.where(Response.status.in_(list(statuses)))
    if country_ids is not None:
        query = query.where(Response.country_id.in_(list(country_ids)))
    rows = db.session.execute(query).all()

    by_response: dict[int, list] = {}
    for row in rows:
        by_response.setdefault(row[1], []).append(row)
    rounds = {r.id: r for r in db.session.scalars(
        select(Round).where(Round.id.in_({row[3] for row in rows})))} if rows else {}
    records = []
    for response_rows in by_response.values():
        round_ = rounds[response_rows[0][3]]
        definition = definition_of(round_.questionnaire)
        values = {r[0].question_id: r[0].value for r in response_rows}
        visible = relevance(definition, values)
        for answer, response_id, status, _round_id, country, editor_name in response_rows:
            rnd = round_
            if not definition.has_question(answer.question_id) or not visible[answer.question_id]:
                continue
            q = definition.question(answer.question_id)
            value = answer.value
            special = isinstance(value, str) and value in SPECIAL_CODES
            records.append({
                "round": rnd.name, "round_id": rnd.id, "country": country.name,
                "iso3": country.iso3, "subregion": country.subregion,
                "response_id": response_id, "status": status.value, "pillar": q.section_id,
                "question_id": q.id, "question": q.label.get(language), "type": q.type,
                "value_code": value if special else q.kind.codes(q, value),
                "value_label": q.display(value, language),
                "value_number": None if special else q.kind.number(q, value),
                "value": value, "evidence": answer.evidence,
                "carried_over": answer.carried_over, "updated_at": answer.updated_at,
                "updated_by": editor_name,
            })
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["value_number"] = pd.to_numeric(frame["value_number"], errors="coerce")
    return frame
