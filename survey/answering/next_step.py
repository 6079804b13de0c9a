"""What a focal point should do next on one of their country's responses, and where.

The home page says it in words with a link; "Continue answering" goes straight to the
same place: a returned response's first question with an open comment thread, else the
first section with something left to do (a required answer missing, or an answer carried
over from the previous round and not yet confirmed), else the summary to submit from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select

from questionnaires import Definition, Question, Section, progress
from questionnaires.logic import SectionProgress

from ..extensions import db
from ..models import Answer, Response, ResponseStatus, RoundState, User
from ..review.guidance import first_open_question, last_return, open_threads
from .services import country_responses

# What a step asks for; the home page words each one.
START, CONTINUE, FIX_RETURNED, SUBMIT, WAIT, APPROVED, CLOSED = (
    "start", "continue", "returned", "submit", "wait", "approved", "closed")


@dataclass
class NextStep:
    kind: str
    url: str
    section: Section | None = None
    question: Question | None = None
    reason: str | None = None
    returned_at: dt.datetime | None = None
    open_threads: int = 0


def unconfirmed_carried(response: Response) -> set[str]:
    """Questions whose answer was carried over from the previous round and not confirmed."""
    return set(db.session.scalars(select(Answer.question_id).where(
        Answer.response_id == response.id, Answer.carried_over.is_(True))))


def first_section_to_do(definition: Definition, per_section: Mapping[str, SectionProgress],
                        carried: set[str]) -> Section | None:
    """The first section with a required answer missing or a carried-over answer to confirm."""
    for section in definition.sections:
        if not per_section[section.id].complete:
            return section
        if carried and any(q.id in carried for q in section.questions):
            return section
    return None


def _section_url(response: Response, section: Section, question: Question | None = None) -> str:
    url = url_for("answering.section", response_id=response.id, section_id=section.id)
    return url + (f"#q-{question.id}" if question is not None else "")


def next_step(response: Response, definition: Definition,
              per_section: Mapping[str, SectionProgress]) -> NextStep:
    summary = url_for("answering.review", response_id=response.id)
    if response.status is ResponseStatus.APPROVED:
        return NextStep(APPROVED, url_for("profile_pages.profile", round_id=response.round_id,
                                          iso3=response.country.iso3))
    if response.round.state is not RoundState.OPEN:
        return NextStep(CLOSED, summary)
    if response.status is ResponseStatus.SUBMITTED:
        return NextStep(WAIT, summary)
    carried = unconfirmed_carried(response)
    todo = first_section_to_do(definition, per_section, carried)
    if response.status is ResponseStatus.RETURNED:
        returned = last_return(response)
        threads = open_threads(response)
        question = first_open_question(response, definition, threads)
        if question is not None:
            url = _section_url(response, definition.section(question.section_id), question)
        elif todo is not None:
            url = _section_url(response, todo)
        else:
            url = summary
        return NextStep(FIX_RETURNED, url, section=todo, question=question,
                        reason=returned.reason if returned else None,
                        returned_at=returned.at if returned else None,
                        open_threads=len(threads))
    if todo is not None:
        kind = START if response.status is ResponseStatus.NOT_STARTED else CONTINUE
        return NextStep(kind, _section_url(response, todo), section=todo)
    return NextStep(SUBMIT, summary)


def continue_url(response: Response, definition: Definition,
                 values: Mapping[str, Any]) -> str:
    """Where "Continue answering" goes: the place the next step names, when it is a page
    of the questionnaire or its summary; else the first section."""
    step = next_step(response, definition, progress(definition, values))
    if step.kind in (START, CONTINUE, FIX_RETURNED, SUBMIT):
        return step.url
    return _section_url(response, definition.sections[0])


@dataclass
class HomeRow:
    """One round's response on a focal point's home page."""

    response: Response
    definition: Definition
    per_section: Mapping[str, SectionProgress]
    step: NextStep
    twins: list[str]  # names of other open rounds of the same questionnaire


def focal_point_home(user: User) -> list[HomeRow]:
    """Each round's response of the person's country, newest round first, with its next step
    and, when two rounds of one questionnaire are open at once, the other's name."""
    rows = country_responses(user)
    open_by_code: dict[str, list[str]] = {}
    for response, _definition, _progress in rows:
        if response.round.state is RoundState.OPEN:
            open_by_code.setdefault(response.round.questionnaire.code, []).append(
                response.round.name)
    out = []
    for response, definition, per_section in rows:
        twins = []
        if response.round.state is RoundState.OPEN:
            twins = [name for name in open_by_code[response.round.questionnaire.code]
                     if name != response.round.name]
        out.append(HomeRow(response, definition, per_section,
                           next_step(response, definition, per_section), twins))
    return out
