"""Answers and the life of a response: save, submit, return, approve, reopen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from questionnaires import AnswerError, Definition

from ..audit import record
from ..extensions import db
from ..models import STATUS_LABELS, Answer, Response, ResponseStatus, RoundState, StatusChange, User, utcnow
from ..notifications.events import response_submitted
from ..questionnaire_versions import definition_of
from ..rules import Conflict, SurveyError
from .checks import assess

EDITABLE = {ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.RETURNED}

# Allowed transitions; anything else is refused with a message.
TRANSITIONS: dict[ResponseStatus, set[ResponseStatus]] = {
    ResponseStatus.NOT_STARTED: {ResponseStatus.IN_PROGRESS, ResponseStatus.SUBMITTED},
    ResponseStatus.IN_PROGRESS: {ResponseStatus.SUBMITTED},
    ResponseStatus.RETURNED: {ResponseStatus.SUBMITTED},
    ResponseStatus.SUBMITTED: {ResponseStatus.RETURNED, ResponseStatus.APPROVED},
    ResponseStatus.APPROVED: {ResponseStatus.RETURNED},
}



def definition_for(response: Response, language: str | None = None) -> Definition:
    """The questionnaire the response answers, its texts in ``language`` (by default the
    page's) from the translation layer."""
    return definition_of(response.round.questionnaire, language=language)


def answers_of(response: Response) -> dict[str, Answer]:
    """Every stored answer of a response, by question id, with who last changed it (one
    query, whatever the size)."""
    rows = db.session.scalars(select(Answer).where(Answer.response_id == response.id)
                              .options(joinedload(Answer.updated_by)))
    return {a.question_id: a for a in rows}


def answer_values(response_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{response id: {question id: value}} for many responses at once (one query)."""
    values: dict[int, dict[str, Any]] = {rid: {} for rid in response_ids}
    if values:
        for rid, qid, value in db.session.execute(
                select(Answer.response_id, Answer.question_id, Answer.value)
                .where(Answer.response_id.in_(list(values)))):
            values[rid][qid] = value
    return values


def is_editable(response: Response) -> bool:
    """Whether anyone may change the response's answers now (its status and its round's state)."""
    return response.status in EDITABLE and response.round.state is RoundState.OPEN


def values_of(answers: Mapping[str, Answer]) -> dict[str, Any]:
    return {qid: a.value for qid, a in answers.items()}


def check_editable(response: Response) -> None:
    if response.round.state is not RoundState.OPEN:
        raise SurveyError(f"the round '{response.round.name}' is {response.round.state.value}; "
                          "answers can no longer change")
    if response.status not in EDITABLE:
        raise SurveyError(f"this response is {STATUS_LABELS[response.status].lower()} and locked "
                          "against edits")


@dataclass
class SaveOutcome:
    answer: Answer | None
    changed: bool


def save_answer(response: Response, question_id: str, value: Any, user: User, *,
                evidence: str | None | type[...] = ..., expected_version: int | None = None,
                existing: Answer | None = None, confirm_carried: bool = True,
                detail: str | None = None) -> SaveOutcome:
    """Store one answer (and optionally its evidence), with audit and optimistic locking.

    ``expected_version`` is the answer version the person saw; if somebody saved in
    between, ``Conflict`` is raised and nothing is written. ``evidence=...`` leaves the
    evidence as it is.
    """
    check_editable(response)
    definition = definition_for(response)
    if not definition.has_question(question_id):
        raise SurveyError(f"unknown question '{question_id}'")
    question = definition.question(question_id)
    try:
        value = question.normalise(value)
    except AnswerError as exc:
        raise SurveyError(f"{question_id}: {exc}") from exc
    answer = existing if existing is not None else db.session.scalar(
        select(Answer).where(Answer.response_id == response.id, Answer.question_id == question_id))
    current_version = answer.version if answer is not None else 0
    if expected_version is not None and expected_version != current_version:
        raise Conflict(f"{question_id}: someone else saved this answer since you opened it")
    old_value = answer.value if answer is not None else None
    old_evidence = answer.evidence if answer is not None else None
    new_evidence = old_evidence if evidence is ... else evidence
    carried = answer.carried_over if answer is not None else False
    unchanged = answer is not None and old_value == value and old_evidence == new_evidence
    if unchanged and not (carried and confirm_carried):
        return SaveOutcome(answer, False)
    if answer is None:
        if value is None and not new_evidence:
            return SaveOutcome(None, False)
        answer = Answer(response_id=response.id, question_id=question_id)
        db.session.add(answer)
    # One save is one UPDATE (one version): nothing may flush the answer half-changed, as
    # reading an expired attribute (the user after a commit) would through autoflush.
    with db.session.no_autoflush:
        answer.value = value
        answer.evidence = new_evidence
        answer.carried_over = False if confirm_carried else carried
        answer.updated_by_id = user.id
        answer.updated_at = utcnow()
        record("answer.confirm" if unchanged else "answer.save", "answer", user=user,
               response=response, question_id=question_id,
               old={"value": old_value, "evidence": old_evidence},
               new={"value": value, "evidence": new_evidence}, detail=detail)
        touch(response, user)
    db.session.flush()
    return SaveOutcome(answer, True)


def touch(response: Response, user: User) -> None:
    response.last_activity_at = utcnow()
    response.last_activity_by_id = user.id
    response.updated_at = response.last_activity_at
    if response.status is ResponseStatus.NOT_STARTED:
        _set_status(response, ResponseStatus.IN_PROGRESS, user, None)


def transition(response: Response, to: ResponseStatus, user: User, reason: str | None = None
               ) -> StatusChange | None:
    """Move a response to another status; a repeat of the current status is harmless."""
    if response.status is to:
        return None  # double submit, double approve: nothing more happens
    if to not in TRANSITIONS.get(response.status, set()):
        raise SurveyError(f"a response that is {STATUS_LABELS[response.status].lower()} cannot "
                          f"become {STATUS_LABELS[to].lower()}")
    if to is ResponseStatus.SUBMITTED:
        if response.round.state is not RoundState.OPEN:
            raise SurveyError(f"the round '{response.round.name}' is not open for submissions")
        # Missing answers, answers carried over and not confirmed, broken checks and
        # unconfirmed warnings all keep a response from being submitted.
        blockers = assess(response, definition_for(response), answers_of(response))
        if blockers.blocked:
            raise SurveyError(blockers.reason())
    if to is ResponseStatus.RETURNED and not (reason or "").strip():
        raise SurveyError("give a reason when returning or reopening a response")
    return _set_status(response, to, user, reason)


def submit_response(response: Response, user: User) -> StatusChange | None:
    """Submit for review; the member's reviewers are told (once: a repeat changes nothing)."""
    change = transition(response, ResponseStatus.SUBMITTED, user)
    if change is not None:
        response_submitted(response, user)
    return change


def _set_status(response: Response, to: ResponseStatus, user: User, reason: str | None
                ) -> StatusChange:
    now = utcnow()
    change = StatusChange(response_id=response.id, from_status=response.status, to_status=to,
                          by_id=user.id, at=now, reason=(reason or "").strip() or None)
    db.session.add(change)
    record("response.status", "response", user=user, response=response, entity_id=response.id,
           old=response.status.value, new=to.value, detail=change.reason)
    response.status = to
    response.updated_at = now
    if to is ResponseStatus.SUBMITTED:
        response.submitted_at, response.submitted_by_id = now, user.id
    elif to is ResponseStatus.APPROVED:
        response.approved_at, response.approved_by_id = now, user.id
    elif to is ResponseStatus.RETURNED:
        response.approved_at = response.approved_by_id = None
    db.session.flush()
    return change
