"""The seam between the database and the pure rooms: plain frames from rows.

``answers_frame`` gives one tidy row per answer, ``members_frame`` one row per member
response; ``profiles`` and ``exports`` start from these frames and never touch the
database. Answers hidden by skip logic are left out: they do not count anywhere.
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

from exports import MEMBER_COLUMNS
from questionnaires import SPECIAL_CODES, Question, relevance

from .extensions import db
from .members import members_by_iso3
from .models import Answer, Country, Response, ResponseStatus, Round, User
from .questionnaire_versions import definition_of

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
    definitions = {rnd.id: definition_of(rnd.questionnaire, language=language or "en")
                   for rnd in db.session.scalars(round_query)}
    # Streamed in batches; a response's answers arrive together (ordered by round, country).
    rows = db.session.execute(query.execution_options(yield_per=5000))
    by_response = (list(group) for _rid, group in groupby(rows, key=itemgetter(5)))
    # Column by column: a dict per answer would cost several times the memory at scale.
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    append = {name: columns[name].append for name in COLUMNS}
    # Per question, once: the question, its type object and its text in ``language``.
    about: dict[tuple[int, str], tuple] = {}
    readings = _Readings(language)
    members = members_by_iso3()  # member-only questions (ACTIP for ASEAN members) stay in
    for response_rows in by_response:
        round_id = response_rows[0][7]
        definition = definitions[round_id]
        read = {}
        for row in response_rows:
            question_id = row[0]
            if not definition.has_question(question_id):
                continue  # not a question of this version: never shown
            known = about.get((round_id, question_id))
            if known is None:
                q = definition.question(question_id)
                known = about[(round_id, question_id)] = (q, q.kind, q.label.get(language))
            read[question_id] = readings.of(round_id, known[0], row[1], row[5])
        visible = relevance(definition, {qid: reading[0] for qid, reading in read.items()},
                            members.get(response_rows[0][10]))
        for (question_id, _stored, evidence, carried_over, updated_at, response_id, status,
             round_id, round_name, country, iso3, subregion, editor_name) in response_rows:
            if not visible.get(question_id):
                continue  # hidden by skip logic, or not a question of this version
            value, code, value_label, number = read[question_id]
            q, kind, label = about[(round_id, question_id)]
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
            append["value_code"](code)
            append["value_label"](value_label)
            append["value_number"](number)
            append["value"](value)
            append["evidence"](evidence)
            append["carried_over"](carried_over)
            append["updated_at"](updated_at)
            append["updated_by"](editor_name)
    frame = pd.DataFrame(columns, columns=COLUMNS)
    frame["value_number"] = pd.to_numeric(frame["value_number"], errors="coerce")
    return frame


def members_frame(round_ids: list[int], subregion: str | None = None,
                  country_ids: list[int] | None = None) -> pd.DataFrame:
    """Every member response of the rounds (any status), as plain data."""
    query = (select(Round.name, Country.name, Country.iso3, Country.subregion, Response.status,
                    Response.submitted_at, Response.approved_at, Response.id)
             .join(Response, Response.round_id == Round.id)
             .join(Country, Response.country_id == Country.id)
             .where(Round.id.in_(round_ids))
             .order_by(Round.id, Country.subregion, Country.name))
    if subregion:
        query = query.where(Country.subregion == subregion)
    if country_ids is not None:
        query = query.where(Country.id.in_(country_ids))
    rows = [(r, c, iso, sub, status.value, sa, aa, rid)
            for r, c, iso, sub, status, sa, aa, rid in db.session.execute(query)]
    frame = pd.DataFrame(rows, columns=MEMBER_COLUMNS)
    for col in ("submitted_at", "approved_at"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


class _Readings:
    """Each distinct stored value of a question, read once: (value, code, label, number).

    The value is put in its question's canonical shape whatever the database holds.
    Values are normalised when written (the Answer hook) and old ones were repaired by
    migration 0004, so this is a second line: a shape the type cannot read counts as no
    answer (and is logged) instead of breaking every round-wide view. Answers repeat a
    few values (yes, no, option codes, small counts), so each is worked out once.
    """

    def __init__(self, language: str | None):
        self.language = language
        self.known: dict[tuple, tuple] = {}

    def of(self, round_id: int, question: Question, stored: Any, response_id: int) -> tuple:
        key = _memo_key(stored)
        if key is not None:
            found = self.known.get((round_id, question.id, key))
            if found is not None:
                return found
        kind = question.kind
        value = kind.readable(question, stored)
        if value is None and stored is not None:
            log.warning("response %s, question %s: the stored value %r is not readable; "
                        "treated as no answer", response_id, question.id, stored)
        special = isinstance(value, str) and value in SPECIAL_CODES
        reading = (value, value if special else kind.codes(question, value),
                   kind.display(question, value, self.language),
                   None if special else kind.number(question, value))
        if key is not None:
            self.known[(round_id, question.id, key)] = reading
        return reading


def _memo_key(value: Any) -> tuple | None:
    """A hashable key telling stored values apart (1, 1.0 and True too), or None for free text."""
    if isinstance(value, str):
        return (str, value) if len(value) <= 40 else None
    if value is None or isinstance(value, (bool, int, float)):
        return (type(value), value)
    if isinstance(value, list):
        items = tuple(_memo_key(item) for item in value)
        return None if None in items else (list, items)
    return None
