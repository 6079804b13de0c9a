"""Scores as data: points per answer, weights, a 0–100 score per pillar and overall.

Rules (documented in FORMAT.md and the profile pages):
- only relevant questions with a weight above zero count;
- "not applicable" leaves the denominator; "unknown" scores zero;
- unanswered items score zero or leave the denominator, as the definition says;
- a pillar score needs at least ``minimum_coverage`` of its applicable scored
  items answered, otherwise it is reported as insufficient data (``None``);
- the overall score is the mean of the pillar scores that could be computed,
  and is ``None`` unless every pillar has a score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .conditions import is_answered
from .definition import Action, Definition, Question
from .logic import relevance
from .types import NOT_APPLICABLE, UNKNOWN


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


def score_response(definition: Definition, answers: Mapping[str, Any]) -> ResponseScore:
    visible = relevance(definition, answers)
    pillars = {}
    for section in definition.pillars:
        earned = possible = 0.0
        applicable = answered = 0
        for q in section.questions:
            if not q.scored or not visible[q.id]:
                continue
            value = answers.get(q.id)
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


def gaps(definition: Definition, answers: Mapping[str, Any]) -> list[Action]:
    """The recommended actions whose gap condition holds, high priority first."""
    visible = relevance(definition, answers)

    def value_of(qid: str) -> Any:
        return answers.get(qid) if visible.get(qid) else None

    order = {"high": 0, "medium": 1, "low": 2}
    found = [a for a in definition.actions if a.when.holds(value_of)]
    return sorted(found, key=lambda a: order[a.priority])
