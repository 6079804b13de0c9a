"""Focal points answering: saving a page of answers, conflicts, prefill and history.

These rules sit on top of ``responses.save_answer`` (one answer, optimistic locking,
audit). A page save reads every posted question on its own, so a wrong value on one
question never stops the others from being saved, and a conflict on one answer is
reported with both values instead of being overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from questionnaires import (
    AnswerAmbiguous,
    AnswerError,
    Definition,
    Section,
    progress,
    read_answers,
    relevance,
)
from questionnaires.logic import SectionProgress

from ..audit import record
from ..extensions import db
from ..i18n import explain
from ..members import member_attributes
from ..models import Answer, AuditEvent, Response, ResponseStatus, Round, User, utcnow
from ..rules import Conflict, SurveyError
from .checks import WARN_SHOWN_SUFFIX, check_refusals, member_of, record_warning_choices
from .responses import answer_values, answers_of, check_editable, definition_for, save_answer, touch

VERSION_SUFFIX = "__version"
SEEN_SUFFIX = "__seen"
CONFIRM_SUFFIX = "__confirm"


def digest(value: Any, evidence: str | None) -> str:
    """A short fingerprint of what a person was shown, sent back with the form.

    With it a page save can tell an answer the person left alone (somebody else's newer
    value is kept, no conflict) from one they changed (a real conflict).
    """
    canonical = json.dumps([value, evidence or None], sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass
class ConflictInfo:
    """Someone saved an answer after this person opened it: both values, and who/when."""

    question_id: str
    saved: Answer | None
    seen_version: int
    mine: Any = None


@dataclass
class PageOutcome:
    saved: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, ConflictInfo] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)  # every answer, after the save
    confirmations: int = 0  # warnings confirmed or withdrawn by this save
    # Typed numbers the person's language does not settle: asked about, nothing saved.
    asks: dict[str, AnswerAmbiguous] = field(default_factory=dict)


def _posted_version(data: Mapping[str, Any], question_id: str) -> int | None:
    raw = data.get(question_id + VERSION_SUFFIX)
    if raw is None or not str(raw).strip().isdigit():
        return None
    return int(str(raw).strip())


def save_page(response: Response, section: Section, data: Mapping[str, Any], user: User, *,
              only: set[str] | None = None, take_saved: set[str] | None = None,
              keep_mine: Mapping[str, int] | None = None, language: str | None = None,
              locale: str = "en") -> PageOutcome:
    """Save the posted answers of one section (or only the ``only`` questions).

    ``take_saved`` names questions whose conflict the person settled by taking the saved
    value (nothing is written); ``keep_mine`` maps question ids to the saved version the
    person saw and chose to replace. Typed numbers are read by ``locale``'s rules; one
    they do not settle is asked about (``outcome.asks``) and left unsaved. An option not
    offered to the member, or an answer that breaks a cross-question check with the other
    answers, is refused beside its field; the other answers are saved. Ticks beside
    warnings are recorded after the save.
    """
    check_editable(response)
    definition = definition_for(response)
    member = member_of(response)
    values, evidence, problems = read_answers(section, data, only, locale=locale)
    errors = {qid: explain(problem) for qid, problem in problems.items()}
    asks = {qid: p for qid, p in problems.items() if isinstance(p, AnswerAmbiguous)}
    existing = answers_of(response)
    take_saved = take_saved or set()
    keep_mine = keep_mine or {}
    for qid, value in list(values.items()):
        q = definition.question(qid)
        try:
            q.kind.assess(q, value, member)  # options offered to this member only
        except AnswerError as exc:
            errors[qid] = str(exc)
            values.pop(qid)
    stored = {qid: a.value for qid, a in existing.items()}
    changing = {qid: v for qid, v in values.items()
                if qid not in take_saved and stored.get(qid) != v}
    refused = check_refusals(definition, stored, changing, member, language)
    for qid, message in refused.items():
        errors[qid] = message
        values.pop(qid, None)
        evidence.pop(qid, None)
    outcome = PageOutcome(errors=dict(errors), answers=existing, asks=asks)
    value_changed: set[str] = set()
    for q in section.questions:
        qid = q.id
        if qid in errors or qid in take_saved or (qid not in values and qid not in evidence):
            continue
        answer = existing.get(qid)
        expected = keep_mine.get(qid, _posted_version(data, qid))
        value = values.get(qid, answer.value if answer else None)
        note = evidence.get(qid, ...)
        changed = answer is None or answer.value != value or (
            note is not ... and (answer.evidence or None) != note)
        confirm = changed or (data.get(qid + CONFIRM_SUFFIX) in ("1", "on", "y"))
        if answer is not None and expected is not None and expected != answer.version:
            posted_note = answer.evidence if note is ... else note
            if (not changed or data.get(qid + SEEN_SUFFIX) == digest(value, posted_note)) \
                    and qid not in keep_mine:
                continue  # left alone by this person, or the same value: keep the newer one
        answer_value_before = answer.value if answer is not None else None
        try:
            result = save_answer(response, qid, value, user, evidence=note,
                                 expected_version=expected, existing=answer,
                                 confirm_carried=confirm)
        except Conflict:
            outcome.conflicts[qid] = ConflictInfo(qid, answer, expected or 0, value)
            continue
        except SurveyError as exc:  # a value the type refuses: keep it beside the field
            outcome.errors[qid] = str(exc).split(": ", 1)[-1]
            continue
        if result.answer is not None:
            existing[qid] = result.answer
        if result.changed:
            outcome.saved.append(qid)
            if answer is None or answer_value_before != result.answer.value:
                value_changed.add(qid)
    posted = {q.id for q in section.questions if (only is None or q.id in only) and any(
        name in data for name in (q.id + "__evidence", q.id + WARN_SHOWN_SUFFIX))}
    outcome.confirmations = record_warning_choices(response, definition, existing, data, posted,
                                                   value_changed, user, member)
    return outcome


@dataclass
class CarryReport:
    """What a prefill carried over, and what it left out and why (question ids)."""

    carried: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)       # meaning changed since the old version
    not_carried: list[str] = field(default_factory=list)   # counts for a reference year, notes of a round
    refused: list[str] = field(default_factory=list)       # the new question no longer accepts it

    def as_audit(self) -> dict[str, Any]:
        return {"answers": len(self.carried), "changed_meaning": self.changed,
                "never_carried": self.not_carried, "no_longer_accepted": self.refused}


def carry_plan(definition: Definition, previous: Definition) -> dict[str, str | None]:
    """For every question of ``definition``: the question of ``previous`` whose answer it
    takes, or ``None`` when it takes none (its reason is in ``carry_report``).

    The same questionnaire version: each question takes its own answer. A new version
    takes answers only through its mapping to that previous version (``previous`` in the
    definition), and only where the question asks the same thing (``same: true``).
    Questions marked ``carry_over: false`` (counts for a reference year, notes about one
    round) never take an answer.
    """
    same_version = (definition.code, definition.version) == (previous.code, previous.version)
    if not same_version and (definition.previous is None or (
            definition.previous.code, definition.previous.version)
            != (previous.code, previous.version)):
        raise SurveyError(f"the previous round used questionnaire {previous.key}, which "
                          f"{definition.key} does not say how to carry answers from")
    plan: dict[str, str | None] = {}
    for q in definition.questions:
        if q.computed or not q.carry_over:
            plan[q.id] = None
        elif same_version:
            plan[q.id] = q.id
        elif q.previous is not None and q.previous.same and previous.has_question(q.previous.question):
            plan[q.id] = q.previous.question
        else:
            plan[q.id] = None
    return plan


def prefill_from_previous(response: Response, user: User) -> CarryReport:
    """Start a response from the country's answers to the previous round.

    Only for a response nobody has started. Carried answers are marked ``carried_over``
    until a focal point confirms or changes them (submission waits for that). Which
    answers are carried is ``carry_plan``'s rule; an answer the current question no
    longer accepts (an option withdrawn, one not offered to this member) is left out.
    """
    check_editable(response)
    previous = previous_response(response)
    if previous is None:
        raise SurveyError("there is no answer from the previous round to start from")
    if response.status is not ResponseStatus.NOT_STARTED or answers_of(response):
        raise SurveyError("this response has already been started; prefill is only offered "
                          "before the first answer")
    definition = definition_for(response)
    before = definition_for(previous)
    plan = carry_plan(definition, before)
    member = member_of(response)
    old_answers = answers_of(previous)
    report = CarryReport()
    now = utcnow()
    for q in definition.questions:
        source = plan[q.id]
        if source is None:
            mapped = q.id if before.key == definition.key else (
                q.previous.question if q.previous is not None else None)
            if mapped in old_answers and old_answers[mapped].value is not None:
                (report.not_carried if not q.carry_over or q.computed else report.changed
                 ).append(q.id)
            continue
        old = old_answers.get(source)
        if old is None:
            continue
        try:
            value = q.kind.assess(q, old.value, member).value
        except AnswerError:
            report.refused.append(q.id)
            continue
        db.session.add(Answer(response_id=response.id, question_id=q.id, value=value,
                              evidence=old.evidence, carried_over=True, updated_by_id=user.id,
                              created_at=now, updated_at=now))
        report.carried.append(q.id)
    response.prefilled_from_id = previous.id
    record("response.prefill", "response", user=user, response=response, entity_id=response.id,
           new={"from_response": previous.id, "from_questionnaire": before.key,
                **report.as_audit()})
    touch(response, user)
    db.session.flush()
    return report


def confirm_carried_in_section(response: Response, section: Section, user: User,
                               skip: set[str] | None = None) -> int:
    """"All unchanged answers in this section are still correct": confirm every relevant
    answer of the section still marked as carried over (each confirmation is audited).
    Returns how many were confirmed."""
    check_editable(response)
    definition = definition_for(response)
    answers = answers_of(response)
    visible = relevance(definition, {qid: a.value for qid, a in answers.items()},
                        member_of(response))
    confirmed = 0
    for q in section.questions:
        answer = answers.get(q.id)
        if answer is None or not answer.carried_over or not visible.get(q.id) \
                or q.id in (skip or set()):
            continue
        save_answer(response, q.id, answer.value, user, existing=answer, confirm_carried=True,
                    detail="all unchanged answers in the section confirmed")
        confirmed += 1
    return confirmed


def previous_response(response: Response) -> Response | None:
    previous_round = response.round.previous_round_id
    if previous_round is None:
        return None
    return db.session.scalar(select(Response).where(Response.round_id == previous_round,
                                                    Response.country_id == response.country_id))


@dataclass(frozen=True)
class Consent:
    """Whether a response's profile may be published, and what the previous round said.

    Consent is given per response: a new round never inherits it, and a questionnaire
    version change is named, since the profile then shows other questions."""

    given: bool
    previous: Response | None          # the previous round's response, if its profile was public
    version_changed: bool              # ... under another questionnaire version


def publication_consent(response: Response) -> Consent:
    before = previous_response(response)
    if before is None or not before.publishable:
        return Consent(bool(response.publishable), None, False)
    return Consent(bool(response.publishable), before,
                   before.round.questionnaire_version_id != response.round.questionnaire_version_id)


def can_prefill(response: Response, answers: Mapping[str, Answer]) -> bool:
    return (response.status is ResponseStatus.NOT_STARTED and not answers
            and previous_response(response) is not None)


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    who: str
    action: str
    old_value: Any
    new_value: Any
    old_evidence: str | None
    new_evidence: str | None


def question_history(response: Response, question_id: str) -> list[HistoryEntry]:
    """Every recorded change of one answer, newest first, from the audit trail."""
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.response_id == response.id,
                                 AuditEvent.question_id == question_id,
                                 AuditEvent.action.in_(("answer.save", "answer.confirm")))
        .options(selectinload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    out = []
    for ev in rows:
        old, new = ev.old_value or {}, ev.new_value or {}
        out.append(HistoryEntry(ev.at, ev.user.display_name if ev.user else "system", ev.action,
                                old.get("value"), new.get("value"), old.get("evidence"),
                                new.get("evidence")))
    return out


def country_responses(user: User) -> list[tuple[Response, Definition, dict[str, SectionProgress]]]:
    """A focal point's country: each round's response with its questionnaire and progress."""
    responses = list(db.session.scalars(
        select(Response).where(Response.country_id == user.country_id)
        .options(joinedload(Response.round).joinedload(Round.questionnaire),
                 joinedload(Response.last_activity_by), joinedload(Response.country))
        .join(Round, Response.round_id == Round.id).order_by(Round.id.desc())))
    values = answer_values(r.id for r in responses)
    rows = []
    for response in responses:
        definition = definition_for(response)
        rows.append((response, definition, progress(definition, values[response.id],
                                                     member_attributes(response.country))))
    return rows
