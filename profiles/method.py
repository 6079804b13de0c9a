""""How scores are computed", built from a definition as plain data.

The app renders it as a page linked from every profile; the workbook's codebook
summarises it. Nothing here is written by hand: pillars, items, points, weights, bands
and caseload conditions all come from the definition, so the page cannot drift from the
engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires import Definition, describe


@dataclass(frozen=True)
class MethodItem:
    question_id: str
    number: int
    label: str
    weight: float
    terms: list[str]                 # how answers earn points, in words
    scored_when: str | None          # the caseload condition, in words
    not_applicable: bool             # "Not applicable" is offered (leaves the denominator)
    unknown: bool                    # "Unknown / no data" is offered (scores 0)
    derived_from: str | None         # for a derived value: how it is worked out
    standard: str | None


@dataclass(frozen=True)
class MethodPillar:
    section_id: str
    title: str
    items: list[MethodItem]

    @property
    def total_weight(self) -> float:
        return sum(i.weight for i in self.items)


@dataclass(frozen=True)
class ScoringMethod:
    questionnaire: str               # code:version
    title: str
    pillars: list[MethodPillar]
    rules: list[tuple[str, str]]     # (topic, rule in words)
    minimum_coverage: float
    unanswered: str                  # "zero" or "exclude"


def scoring_method(definition: Definition, language: str | None = None) -> ScoringMethod:
    pillars = []
    for section in definition.pillars:
        items = []
        for q in section.questions:
            if not q.scored:
                continue
            derived_from = None
            if q.derive is not None:
                num, den = (definition.question(q.derive.numerator),
                            definition.question(q.derive.denominator))
                derived_from = (f"question {num.number} ÷ question {den.number} × "
                                f"{q.derive.scale:g}")
                if q.derive.fallback:
                    derived_from += (f"; when a count is unknown, question "
                                     f"{definition.question(q.derive.fallback).number}")
            items.append(MethodItem(
                q.id, q.number, q.label.get(language), q.weight, q.kind.scoring_terms(q),
                describe(definition, q.scored_when, language) if q.scored_when else None,
                q.allow_not_applicable, q.allow_unknown, derived_from, q.standard))
        pillars.append(MethodPillar(section.id, section.title.get(language), items))
    coverage = definition.scoring.minimum_coverage
    rules = [
        ("points", "Each scored item earns from 0 to 1 point, multiplied by its weight. A "
                   "pillar's score is the points earned as a share of the points possible, "
                   "from 0 to 100."),
        ("not applicable", "An item that is not relevant given earlier answers, or answered "
                           "“Not applicable”, leaves the denominator: it neither adds nor "
                           "takes away."),
        ("caseload", "Results are scored only where there was a caseload: an item whose "
                     "caseload condition does not hold (for example no trafficking "
                     "investigation in the reference year) leaves the denominator, and no "
                     "action is recommended because of it."),
        ("unknown", "“Unknown / no data” earns 0 points and stays in the denominator, so it "
                    "never scores better than a known answer; unknown figures are listed as "
                    "data gaps in the profile."),
        ("unanswered", "An unanswered item earns 0 points and stays in the denominator."
         if definition.scoring.unanswered == "zero"
         else "An unanswered item leaves the denominator."),
        ("rates", "Rates worked out from two answers are scored in bands, so a member with "
                  "few cases is judged by the same standard as a member with many."),
        ("coverage", f"A pillar score is shown only when at least {coverage:.0%} of its "
                     "applicable scored items are answered; otherwise it reads "
                     "“insufficient data”."),
        ("overall", "The overall score is the mean of the pillar scores, shown only when "
                    "every pillar has a score."),
        ("region", "Regional and sub-regional medians and quartiles use approved responses "
                   "only and are not given over fewer than 3 members."),
    ]
    if not any(i.derived_from for p in pillars for i in p.items):
        rules = [r for r in rules if r[0] != "rates"]
    if not any(i.scored_when for p in pillars for i in p.items):
        rules = [r for r in rules if r[0] != "caseload"]
    return ScoringMethod(definition.key, definition.title.get(language), pillars, rules,
                         coverage, definition.scoring.unanswered)
