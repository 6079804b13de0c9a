""""How scores are computed", built from a definition as plain data.

The app renders it as a page linked from every profile; the workbook's codebook
summarises it. Nothing here is written by hand: pillars, items, points, weights, bands
and caseload conditions all come from the definition, so the page cannot drift from the
engine.

Its own words (the rules, how a derived value is worked out) go through ``words``, the
caller's translation (the app passes its catalogue's, in the language asked for; English
by default), and are marked ``N_`` for the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
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


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a text for the catalogue; ``words`` translates it where it is used."""
    return text


def _same(text: str) -> str:
    return text


def scoring_method(definition: Definition, language: str | None = None,
                   words: Callable[[str], str] = _same) -> ScoringMethod:
    """The method of ``definition``: its texts in ``language``, the method's own words
    through ``words``."""
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
                derived_from = words(N_("question %(numerator)s ÷ question %(denominator)s × "
                                        "%(scale)s")) % {"numerator": num.number,
                                                         "denominator": den.number,
                                                         "scale": f"{q.derive.scale:g}"}
                if q.derive.fallback:
                    derived_from += words(N_("; when a count is unknown, question %(number)s")) \
                        % {"number": definition.question(q.derive.fallback).number}
            items.append(MethodItem(
                q.id, q.number, q.label.get(language), q.weight, q.kind.scoring_terms(q),
                describe(definition, q.scored_when, language) if q.scored_when else None,
                q.allow_not_applicable, q.allow_unknown, derived_from, q.standard))
        pillars.append(MethodPillar(section.id, section.title.get(language), items))
    coverage = definition.scoring.minimum_coverage
    unanswered = (N_("An unanswered item earns 0 points and stays in the denominator.")
                  if definition.scoring.unanswered == "zero"
                  else N_("An unanswered item leaves the denominator."))
    # (topic, rule): the topic is a key here (the lines left out below), and a word shown.
    rules = [
        (N_("points"), N_("Each scored item earns from 0 to 1 point, multiplied by its weight. "
                          "A pillar's score is the points earned as a share of the points "
                          "possible, from 0 to 100.")),
        (N_("not applicable"), N_("An item that is not relevant given earlier answers, or "
                                  "answered “Not applicable”, leaves the denominator: it "
                                  "neither adds nor takes away.")),
        (N_("caseload"), N_("Results are scored only where there was a caseload: an item whose "
                            "caseload condition does not hold (for example no trafficking "
                            "investigation in the reference year) leaves the denominator, and "
                            "no action is recommended because of it.")),
        (N_("unknown"), N_("“Unknown / no data” earns 0 points and stays in the denominator, so "
                           "it never scores better than a known answer; unknown figures are "
                           "listed as data gaps in the profile.")),
        (N_("unanswered"), unanswered),
        (N_("rates"), N_("Rates worked out from two answers are scored in bands, so a member "
                         "with few cases is judged by the same standard as a member with many.")),
        (N_("coverage"), N_("A pillar score is shown only when at least %(coverage)s of its "
                            "applicable scored items are answered; otherwise it reads "
                            "“insufficient data”.")),
        (N_("overall"), N_("The overall score is the mean of the pillar scores, shown only when "
                           "every pillar has a score.")),
        (N_("region"), N_("Regional and sub-regional medians and quartiles use approved "
                          "responses only and are not given over fewer than 3 members.")),
    ]
    if not any(i.derived_from for p in pillars for i in p.items):
        rules = [r for r in rules if r[0] != "rates"]
    if not any(i.scored_when for p in pillars for i in p.items):
        rules = [r for r in rules if r[0] != "caseload"]
    figures = {"coverage": f"{coverage:.0%}"}
    rules = [(words(topic), words(rule) % figures if "%(" in rule else words(rule))
             for topic, rule in rules]
    return ScoringMethod(definition.key, definition.title.get(language), pillars, rules,
                         coverage, definition.scoring.unanswered)
