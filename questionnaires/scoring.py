"""Scores as data: points per answer, weights, a 0–100 score per pillar and overall.

Rules (documented in FORMAT.md and the profile pages):
- only relevant questions with a weight above zero count;
- "not applicable" leaves the denominator; "unknown" scores zero;
- unanswered items score zero or leave the denominator, as the definition says;
- a pillar score needs at least ``minimum_coverage`` of its applicable scored
  items answered, otherwise it is reported as insufficient data (``None``);
- the overall score is the mean of the pillar scores that could be computed,
  and is ``None`` unless every pillar has a score.

Format 2 adds (FORMAT-v2-proposal.md §5, §7, §9, §10, §13):
- an item whose ``scored_when`` (its caseload) does not hold is not applicable for
  scoring and for actions: it leaves the denominator and actions see "not applicable";
- derived values (rates) are worked out from the answers and scored by their bands;
- "unknown" scores 0, never above a known answer, and is listed as a data gap;
- cross-question checks and soft bounds give refusals and warnings (``check_answers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import Member, is_answered
from .definition import PLACEHOLDER, Action, Check, Definition, Question
from .logic import evaluate
from .types import NOT_APPLICABLE, SPECIAL_CODES, UNKNOWN, AnswerError


@dataclass(frozen=True)
class PillarScore:
    section_id: str
    score: float | None     # 0..100, None when there is not enough data
    earned: float           # weighted points earned
    possible: float         # weighted points possible (the denominator)
    applicable: int         # scored items that apply (relevant, not "not applicable")
    answered: int           # of those, how many have an answer

    @property
    def coverage(self) -> float:
        return 1.0 if self.applicable == 0 else self.answered / self.applicable

    @property
    def sufficient(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class ResponseScore:
    pillars: dict[str, PillarScore]
    overall: float | None


def question_points(question: Question, value: Any) -> float | None:
    """Points 0..1 earned by one answer, or None when the item does not count."""
    if value == NOT_APPLICABLE:
        return None
    if value == UNKNOWN:
        return 0.0
    value = question.kind.readable(question, value)
    if not is_answered(value):
        return 0.0
    pts = question.kind.points(question, value)
    return 0.0 if pts is None else float(pts)


def scoring_values(definition: Definition, answers: Mapping[str, Any],
                   member: Member | None = None) -> tuple[dict[str, bool], dict[str, Any]]:
    """``(relevance, values)`` as scoring and actions see them: derived values added, and
    every item whose caseload condition (``scored_when``) does not hold is "not applicable".
    """
    visible, values = evaluate(definition, answers, member)
    if definition.format >= 2:
        for q in definition.questions:
            if q.scored_when is not None and visible[q.id] \
                    and not q.scored_when.holds(values.get, member):
                values[q.id] = NOT_APPLICABLE
    return visible, values


def score_response(definition: Definition, answers: Mapping[str, Any],
                   member: Member | None = None) -> ResponseScore:
    visible, values = scoring_values(definition, answers, member)
    pillars = {}
    for section in definition.pillars:
        earned = possible = 0.0
        applicable = answered = 0
        for q in section.questions:
            if not q.scored or not visible[q.id]:
                continue
            value = values.get(q.id)
            if value == NOT_APPLICABLE:
                continue
            has = is_answered(value)
            applicable += 1
            answered += has
            if not has and definition.scoring.unanswered == "exclude":
                continue
            possible += q.weight
            if has:  # an unanswered item earns nothing
                earned += q.weight * (question_points(q, value) or 0.0)
        enough = applicable > 0 and answered / applicable >= definition.scoring.minimum_coverage
        score = round(100 * earned / possible, 1) if enough and possible > 0 else None
        pillars[section.id] = PillarScore(section.id, score, earned, possible, applicable, answered)
    scores = [p.score for p in pillars.values()]
    overall = None
    if scores and all(s is not None for s in scores):
        overall = round(sum(scores) / len(scores), 1)
    return ResponseScore(pillars, overall)


def gaps(definition: Definition, answers: Mapping[str, Any],
         member: Member | None = None) -> list[Action]:
    """The recommended actions whose gap condition holds, high priority first.

    An item without a caseload (its ``scored_when`` false) reads "not applicable" here,
    so no action asks a member to build what a count of 0 cannot show it lacks.
    """
    _visible, values = scoring_values(definition, answers, member)
    order = {"high": 0, "medium": 1, "low": 2}
    found = [a for a in definition.actions if a.when.holds(values.get, member)]
    return sorted(found, key=lambda a: order[a.priority])


def data_gaps(definition: Definition, answers: Mapping[str, Any],
              member: Member | None = None) -> list[Question]:
    """Relevant questions answered "unknown" (and derived values unknown because an input
    is), in questionnaire order: the figures a member does not hold."""
    visible, values = evaluate(definition, answers, member)
    return [q for q in definition.questions if visible[q.id] and values.get(q.id) == UNKNOWN]


# -- cross-question checks and warnings ------------------------------------------------

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class CheckResult:
    """A broken check or a soft warning on a set of answers.

    ``severity`` "error": the answer is refused beside each field in ``question_ids``;
    "warning": it is saved but must be confirmed before submission. ``id`` is stable for
    the rule (the app records confirmations by ``(id, values)``), and ``values`` are the
    answers it was raised on, so a confirmation lapses when one of them changes.
    """

    id: str
    kind: str                       # "check", "plausibility" or "period"
    severity: str
    question_ids: tuple[str, ...]
    message: str
    values: tuple = ()

    def concerns(self, question_id: str) -> bool:
        return question_id in self.question_ids


def check_answers(definition: Definition, answers: Mapping[str, Any],
                  member: Member | None = None, *, reference_year: int | None = None,
                  language: str | None = None) -> list[CheckResult]:
    """Every check the answers break and every soft warning they raise, in definition order.

    A check is evaluated only when every question it reads is relevant and has a real
    answer (not unanswered, "unknown" or "not applicable"). Soft bounds (``plausible_*``)
    warn on relevant answers outside them; with ``reference_year``, a statistical year that
    does not end in it warns too.
    """
    visible, values = evaluate(definition, answers, member)
    found: list[CheckResult] = []
    for check in definition.checks:
        reads = check.reads
        if not all(_real(values.get(qid)) for qid in reads):
            continue
        if check.must.holds(values.get, member):
            continue
        found.append(CheckResult(
            check.id, "check", check.severity, _ordered(definition, reads),
            render_message(definition, check, values, language),
            tuple(values.get(qid) for qid in _ordered(definition, reads))))
    for q in definition.questions:
        value = values.get(q.id)
        if not visible[q.id] or not _real(value) or q.computed:
            continue
        if q.plausible_min is None and q.plausible_max is None and (
                reference_year is None or q.type != "statistical_year"):
            continue
        try:
            assessed = q.kind.assess(q, value, reference_year=reference_year)
        except AnswerError:
            continue  # a stored value the type no longer reads: nothing to warn about
        for w in assessed.warnings:
            kind = "period" if w.id.startswith("period") else "plausibility"
            message = w.message % dict(w.params) if w.params and "%(" in w.message else w.message
            found.append(CheckResult(w.id, kind, WARNING, w.question_ids, message, w.values))
    return found


def render_message(definition: Definition, check: Check, values: Mapping[str, Any],
                   language: str | None = None) -> str:
    """The check's message with ``{number:id}`` and ``{value:id}`` filled in."""
    def fill(match) -> str:
        kind, qid = match.group(1), match.group(2)
        if not definition.has_question(qid):
            return match.group(0)
        q = definition.question(qid)
        if kind == "number":
            return str(q.number)
        return q.display(values.get(qid), language) or "—"
    return PLACEHOLDER.sub(fill, check.message.get(language))


def _real(value: Any) -> bool:
    return is_answered(value) and not (isinstance(value, str) and value in SPECIAL_CODES)


def _ordered(definition: Definition, ids) -> tuple[str, ...]:
    return tuple(sorted(ids, key=lambda qid: definition.question(qid).number))
