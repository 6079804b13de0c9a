"""What a response's answers must satisfy before it is submitted, as the pages see it.

The rules are data in the questionnaire (format 2) and are worked out by the pure engine
(``questionnaires.check_answers``): cross-question checks that refuse an answer
(``error``: a subset above its total), soft warnings that must be confirmed (unusually
high figures, convictions above prosecutions started in the year, a statistical year
that does not end in the round's reference year), and answers carried over from the
previous round that nobody has confirmed yet. This module applies them to stored
answers: which answers a page save must refuse, which warnings are confirmed (and
recording a person's confirmation), which carried answers are still unconfirmed, and
whether the response may be submitted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from questionnaires import CheckResult, Definition, Question, check_answers, missing_required, relevance
from questionnaires.conditions import AllOf, AnyOf, MemberCompare, Not

from ..audit import record
from ..extensions import db
from ..members import member_attributes
from ..models import Answer, Response, User, WarningConfirmation, utcnow

ERROR, WARNING = "error", "warning"
WARN_SUFFIX = "__warn"            # a ticked "I confirm this figure is correct" (value: warning id)
WARN_SHOWN_SUFFIX = "__warn_shown"  # the warnings shown beside a question (to notice an untick)


def member_of(response: Response) -> dict[str, Any]:
    """The responding member as questionnaire conditions see it."""
    return member_attributes(response.country)


def values_digest(values: Iterable[Any]) -> str:
    """A fingerprint of the answers a warning was raised on (a confirmation is for them)."""
    canonical = json.dumps(list(values), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def confirmations_of(response: Response) -> dict[str, WarningConfirmation]:
    rows = db.session.scalars(select(WarningConfirmation)
                              .where(WarningConfirmation.response_id == response.id)
                              .options(selectinload(WarningConfirmation.confirmed_by)))
    return {row.warning_id: row for row in rows}


def _is_confirmed(result: CheckResult, rows: Mapping[str, WarningConfirmation]) -> bool:
    row = rows.get(result.id)
    return row is not None and row.values_digest == values_digest(result.values)


@dataclass
class Assessment:
    """Everything that stands between a response and its submission, found on its stored answers."""

    definition: Definition
    results: list[CheckResult]
    confirmed: set[str]
    carried: list[Question]
    missing: list[Question]
    visible: dict[str, bool] = field(default_factory=dict)
    confirmations: dict[str, WarningConfirmation] = field(default_factory=dict)

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if r.severity == ERROR]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.severity == WARNING]

    @property
    def unconfirmed(self) -> list[CheckResult]:
        return [r for r in self.warnings if r.id not in self.confirmed]

    def about(self, question_id: str) -> list[CheckResult]:
        """The errors and warnings to show beside one question."""
        return [r for r in self.results if r.concerns(question_id)]

    def confirmation(self, result: CheckResult) -> WarningConfirmation | None:
        """Who confirmed a warning and when, if it is confirmed for the current answers."""
        return self.confirmations.get(result.id) if result.id in self.confirmed else None

    def first_question(self, result: CheckResult) -> Question:
        return self.definition.question(result.question_ids[0])

    def carried_by_section(self) -> dict[str, list[Question]]:
        out: dict[str, list[Question]] = {}
        for q in self.carried:
            out.setdefault(q.section_id, []).append(q)
        return out

    @property
    def blocked(self) -> bool:
        return bool(self.missing or self.carried or self.errors or self.unconfirmed)

    def reason(self) -> str:
        """Why the response cannot be submitted yet, in one line ('' when it can)."""
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} required question(s) still need an answer, "
                         f"starting with {self.missing[0].id}")
        if self.carried:
            parts.append(f"{len(self.carried)} answer(s) carried over from the previous round "
                         "are not confirmed yet")
        if self.errors:
            numbers = ", ".join(str(self.first_question(r).number) for r in self.errors)
            parts.append(f"{len(self.errors)} answer(s) break a check (question {numbers})")
        if self.unconfirmed:
            numbers = ", ".join(str(self.first_question(r).number) for r in self.unconfirmed)
            parts.append(f"{len(self.unconfirmed)} warning(s) are not confirmed yet "
                         f"(question {numbers})")
        if not parts:
            return ""
        return ("this response cannot be submitted yet: " + "; ".join(parts)
                + ". The summary page lists each of them")


def assess(response: Response, definition: Definition, answers: Mapping[str, Answer],
           language: str | None = None, member: Mapping[str, Any] | None = None) -> Assessment:
    """Checks, warnings (with their confirmations), unconfirmed carried answers and missing
    required answers of a response's stored answers."""
    member = member_of(response) if member is None else member
    values = {qid: a.value for qid, a in answers.items()}
    results = check_answers(definition, values, member,
                            reference_year=response.round.reference_year, language=language)
    rows = confirmations_of(response) if any(r.severity == WARNING for r in results) else {}
    visible = relevance(definition, values, member)
    carried = [q for q in definition.questions
               if visible.get(q.id) and q.id in answers and answers[q.id].carried_over
               and answers[q.id].value is not None]
    return Assessment(definition, results, {r.id for r in results if _is_confirmed(r, rows)},
                      carried, missing_required(definition, values, member), visible, rows)


def check_refusals(definition: Definition, stored: Mapping[str, Any], new: Mapping[str, Any],
                   member: Mapping[str, Any] | None, language: str | None = None
                   ) -> dict[str, str]:
    """Which of the ``new`` answers a save must refuse because a cross-question check
    (severity ``error``) breaks with them, each with the check's message.

    Only answers that change are refused, never the stored ones they are compared with,
    and of a broken check's changing answers the one asked last (the "of those" part
    comes after its total, so a page that gives both keeps the total). What is refused
    goes back to its stored value and the checks run again, until the answers kept are
    consistent with each other and with what is stored.
    """
    if not definition.checks:
        return {}
    accepted = dict(new)
    refused: dict[str, str] = {}
    while True:
        candidate = {**stored, **accepted}
        newly: dict[str, str] = {}
        for result in check_answers(definition, candidate, member, language=language):
            changing = [qid for qid in result.question_ids if qid in accepted]
            if result.severity == ERROR and changing:
                newly.setdefault(changing[-1], result.message)  # ids come in question order
        if not newly:
            return refused
        for qid, message in newly.items():
            accepted.pop(qid)
            refused[qid] = message


def _getlist(data: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(name)]
    value = data.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def record_warning_choices(response: Response, definition: Definition,
                           answers: Mapping[str, Answer], data: Mapping[str, Any],
                           posted: Iterable[str], changed: set[str], user: User,
                           member: Mapping[str, Any] | None = None) -> int:
    """Store what a person ticked beside the warnings of the questions they posted.

    A tick confirms the warning for the answers as they are now, unless one of its
    answers changed in the same post (the person confirmed a figure they then replaced:
    the new figure needs its own confirmation). A warning that was shown, is confirmed
    and is no longer ticked is withdrawn. Both are recorded in the audit trail.
    """
    posted = set(posted)
    member = member_of(response) if member is None else member
    values = {qid: a.value for qid, a in answers.items()}
    warnings = [r for r in check_answers(definition, values, member,
                                         reference_year=response.round.reference_year)
                if r.severity == WARNING and any(q in posted for q in r.question_ids)]
    if not warnings:
        return 0
    rows = confirmations_of(response)
    done = 0
    for result in warnings:
        here = [q for q in result.question_ids if q in posted]
        ticked = any(result.id in _getlist(data, q + WARN_SUFFIX) for q in here)
        shown = any(result.id in _getlist(data, q + WARN_SHOWN_SUFFIX) for q in here)
        confirmed = _is_confirmed(result, rows)
        if ticked and not confirmed and not changed.intersection(result.question_ids):
            confirm_warning(response, result, user, rows.get(result.id))
            done += 1
        elif shown and not ticked and confirmed:
            withdraw_warning(response, result, user, rows[result.id])
            done += 1
    return done


def _audit_values(result: CheckResult) -> dict[str, Any]:
    return {"warning": result.id, "questions": list(result.question_ids),
            "values": list(result.values), "message": result.message}


def confirm_warning(response: Response, result: CheckResult, user: User,
                    row: WarningConfirmation | None = None) -> WarningConfirmation:
    """Record "I confirm this figure is correct" for a warning on its current answers."""
    digest = values_digest(result.values)
    if row is None:
        row = WarningConfirmation(response_id=response.id, warning_id=result.id)
        db.session.add(row)
    row.values = list(result.values)
    row.values_digest = digest
    row.confirmed_by_id = user.id
    row.confirmed_at = utcnow()
    record("answer.warning_confirm", "response", user=user, response=response,
           entity_id=response.id, question_id=result.question_ids[0],
           new=_audit_values(result), detail=result.message)
    db.session.flush()
    return row


def withdraw_warning(response: Response, result: CheckResult, user: User,
                     row: WarningConfirmation) -> None:
    db.session.delete(row)
    record("answer.warning_unconfirm", "response", user=user, response=response,
           entity_id=response.id, question_id=result.question_ids[0],
           old=_audit_values(result), detail=result.message)
    db.session.flush()


def browser_condition(condition: Any, member: Mapping[str, Any] | None) -> dict:
    """A condition as the page's script reads it, with member comparisons already decided.

    The script knows answers only: a ``{member: ...}`` leaf becomes ``{"all": []}`` (always
    true) or ``{"any": []}`` (always false) for this member.
    """
    if isinstance(condition, MemberCompare):
        return {"all": []} if condition.holds(lambda _qid: None, member) else {"any": []}
    if isinstance(condition, AllOf):
        return {"all": [browser_condition(p, member) for p in condition.parts]}
    if isinstance(condition, AnyOf):
        return {"any": [browser_condition(p, member) for p in condition.parts]}
    if isinstance(condition, Not):
        return {"not": browser_condition(condition.part, member)}
    return condition.to_data()
