"""Relevance (skip logic), required rules and progress over a set of answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import Member, is_answered
from .definition import Definition, Question


def relevance(definition: Definition, answers: Mapping[str, Any],
              member: Member | None = None) -> dict[str, bool]:
    """Which questions are relevant, given the answers (and the responding member).

    Evaluated top-down: a condition that refers to a question which is itself
    not relevant sees no answer there, so hiding cascades.
    """
    return evaluate(definition, answers, member)[0]


def evaluate(definition: Definition, answers: Mapping[str, Any], member: Member | None = None
             ) -> tuple[dict[str, bool], dict[str, Any]]:
    """``(relevance, values)``: ``values`` are the relevant answers plus derived values.

    A derived value is worked out from the relevant answers above it; a question that is
    not relevant has no value here (so hiding cascades into conditions and derivations).
    """
    visible: dict[str, bool] = {}
    values: dict[str, Any] = {}
    value_of = values.get
    for q in definition.questions:
        shown = q.relevant is None or q.relevant.holds(value_of, member)
        visible[q.id] = shown
        if not shown:
            continue
        if q.computed:
            values[q.id] = q.kind.compute(q, value_of)
        elif q.id in answers:
            values[q.id] = answers[q.id]
    return visible, values


def with_derived(definition: Definition, answers: Mapping[str, Any],
                 member: Member | None = None) -> dict[str, Any]:
    """The answers with every derived value added (for pages, profiles and workbooks)."""
    out = dict(answers)
    if any(q.computed for q in definition.questions):
        visible, values = evaluate(definition, answers, member)
        for q in definition.questions:
            if q.computed:
                out[q.id] = values.get(q.id)
    return out


def answers_by_response(answers: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """``{response id: {question id: stored value}}`` from the tidy answers frame.

    ``answers`` is anything with ``response_id``, ``question_id`` and ``value``
    columns (the pandas frame of ``survey.frames``, or a dict of lists): profiles
    and exports both score responses from it.
    """
    out: dict[int, dict[str, Any]] = {}
    columns = (_plain(answers[name]) for name in ("response_id", "question_id", "value"))
    for rid, qid, value in zip(*columns, strict=True):
        out.setdefault(int(rid), {})[qid] = value
    return out


def _plain(column: Any) -> Any:
    """A column as a list: walking a pandas column element by element is many times slower."""
    return column.tolist() if hasattr(column, "tolist") else column


def is_required(question: Question, answers: Mapping[str, Any], visible: Mapping[str, bool],
                member: Member | None = None) -> bool:
    if not visible.get(question.id, False) or question.computed:
        return False
    if isinstance(question.required, bool):
        return question.required
    return question.required.holds(lambda qid: answers.get(qid) if visible.get(qid) else None,
                                   member)


def missing_required(definition: Definition, answers: Mapping[str, Any],
                     member: Member | None = None) -> list[Question]:
    """Required, relevant questions without an answer, in questionnaire order."""
    visible = relevance(definition, answers, member)
    return [q for q in definition.questions
            if is_required(q, answers, visible, member) and not is_answered(answers.get(q.id))]


@dataclass(frozen=True)
class SectionProgress:
    section_id: str
    answered: int        # relevant questions with an answer
    required: int        # relevant required questions
    required_answered: int
    relevant: int

    @property
    def complete(self) -> bool:
        return self.required_answered >= self.required

    @property
    def percent(self) -> int:
        if self.required == 0:
            return 100
        return round(100 * self.required_answered / self.required)


def progress(definition: Definition, answers: Mapping[str, Any],
             member: Member | None = None) -> dict[str, SectionProgress]:
    """Per section: answered of required, counting relevant questions only (derived
    values are not asked, so they do not count)."""
    visible = relevance(definition, answers, member)
    out = {}
    for section in definition.sections:
        answered = required = required_answered = relevant = 0
        for q in section.questions:
            if not visible[q.id] or q.computed:
                continue
            relevant += 1
            has = is_answered(answers.get(q.id))
            answered += has
            if is_required(q, answers, visible, member):
                required += 1
                required_answered += has
        out[section.id] = SectionProgress(section.id, answered, required, required_answered, relevant)
    return out


def overall_progress(per_section: Mapping[str, SectionProgress]) -> int:
    required = sum(p.required for p in per_section.values())
    done = sum(p.required_answered for p in per_section.values())
    return 100 if required == 0 else round(100 * done / required)
