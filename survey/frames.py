"""The seam between the database and the pure rooms: one tidy row per answer.

``profiles`` and ``exports`` start from this frame and never touch the database.
Answers hidden by skip logic are left out: they do not count anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from questionnaires import SPECIAL_CODES, Definition, relevance

from .extensions import db
from .models import Answer, Country, Response, ResponseStatus, Round, User
from .services.questionnaires import definition_of

log = logging.getLogger(__name__)

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
    # Plain columns, not ORM entities: selecting Round would drag its questionnaire's whole
    # definition JSON along on every answer row (parsed once per row), and Answer objects
    # cost far more memory than tuples at the size of ten rounds of two hundred members.
    editor = aliased(User)
    query = (select(Answer.question_id, Answer.value, Answer.evidence, Answer.carried_over,
                    Answer.updated_at, Response.id, Response.status, Round.id, Round.name,
                    Country.name, Country.iso3, Country.subregion, editor.display_name)
             .join(Response, Answer.response_id == Response.id)
             .join(Round, Response.round_id == Round.id)
             .join(Country, Response.country_id == Country.id)
             .outerjoin(editor, Answer.updated_by_id == editor.id)
             .order_by(Round.id, Country.iso3, Answer.id))
    if round_ids is not None:
        round_ids = list(round_ids)
        query = query.where(Response.round_id.in_(round_ids))
    if statuses is not None:
        query = query.where(Response.status.in_(list(statuses)))
    if country_ids is not None:
        query = query.where(Response.country_id.in_(list(country_ids)))
    round_query = select(Round)
    if round_ids is not None:
        round_query = round_query.where(Round.id.in_(round_ids))
    definitions = {rnd.id: definition_of(rnd.questionnaire)
                   for rnd in db.session.scalars(round_query)}
    # Streamed in batches; a response's answers arrive together (ordered by round, country).
    rows = db.session.execute(query.execution_options(yield_per=5000))
    by_response = (list(group) for _rid, group in groupby(rows, key=itemgetter(5)))
    # Column by column: a dict per answer would cost several times the memory at scale.
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    append = {name: columns[name].append for name in COLUMNS}
    # Per question, once: the question, its type object and its text in ``language``.
    about: dict[tuple[int, str], tuple] = {}
    for response_rows in by_response:
        round_id = response_rows[0][7]
        definition = definitions[round_id]
        values = {r[0]: _readable(definition, r[0], r[1], r[5]) for r in response_rows}
        visible = relevance(definition, values)
        for (question_id, _stored, evidence, carried_over, updated_at, response_id, status,
             round_id, round_name, country, iso3, subregion, editor_name) in response_rows:
            if not visible.get(question_id):
                continue  # hidden by skip logic, or not a question of this version
            value = values[question_id]
            known = about.get((round_id, question_id))
            if known is None:
                q = definition.question(question_id)
                known = about[(round_id, question_id)] = (q, q.kind, q.label.get(language))
            q, kind, label = known
            special = isinstance(value, str) and value in SPECIAL_CODES
            append["round"](round_name)
            append["round_id"](round_id)
            append["country"](country)
            append["iso3"](iso3)
            append["subregion"](subregion)
            append["response_id"](response_id)
            append["status"](status.value)
            append["pillar"](q.section_id)
            append["question_id"](question_id)
            append["question"](label)
            append["type"](q.type)
            append["value_code"](value if special else kind.codes(q, value))
            append["value_label"](kind.display(q, value, language))
            append["value_number"](None if special else kind.number(q, value))
            append["value"](value)
            append["evidence"](evidence)
            append["carried_over"](carried_over)
            append["updated_at"](updated_at)
            append["updated_by"](editor_name)
    frame = pd.DataFrame(columns, columns=COLUMNS)
    frame["value_number"] = pd.to_numeric(frame["value_number"], errors="coerce")
    return frame


def _readable(definition: Definition, question_id: str, value: Any, response_id: int) -> Any:
    """A stored value in its question's canonical shape, whatever the database holds.

    Values are normalised when written (the Answer hook) and old ones were repaired by
    migration 0004, so this is a second line: a shape the type cannot read counts as no
    answer (and is logged) instead of breaking every round-wide view.
    """
    if value is None or not definition.has_question(question_id):
        return value
    question = definition.question(question_id)
    readable = question.kind.readable(question, value)
    if readable is None:
        log.warning("response %s, question %s: the stored value %r is not readable; "
                    "treated as no answer", response_id, question_id, value)
    return readable
