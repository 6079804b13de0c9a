"""A country profile for one round, built from the tidy answers frame.

Plain data in, plain data out: the frame (``survey.frames.COLUMNS``) and the
questionnaire definition give a :class:`Profile`. Regional and sub-regional
figures are computed over the APPROVED responses of the round only, and the
profile says how many countries that is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from questionnaires import (
    NOT_APPLICABLE,
    SPECIAL_CODES,
    UNKNOWN,
    Definition,
    answers_by_response,
    data_gaps,
    gaps,
    is_answered,
    overall_progress,
    progress,
    question_points,
    relevance,
    score_response,
    trigger_text,
    with_derived,
)

from .stats import Spread, spread

APPROVED = "approved"
OVERALL = "overall"


class ProfileError(ValueError):
    """A profile cannot be built (for example: no such country in the data)."""


@dataclass(frozen=True)
class ScoreLine:
    """One pillar (or the overall score) of the country beside the region."""

    key: str                # pillar id, or "overall"
    title: str
    score: float | None     # None = insufficient data
    region: Spread
    subregion: Spread
    answered: int = 0
    applicable: int = 0
    short_title: str = ""

    @property
    def insufficient(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class KeyCount:
    question_id: str
    label: str
    unit: str
    value: float | None     # the number, or None when unknown / not applicable / unanswered
    shown: str              # what a reader sees: the number, "Unknown", "Not applicable", "No answer"
    region: Spread
    region_shown: str | None = None  # a public output's words for the median ("1–4")


@dataclass(frozen=True)
class AnswerLine:
    question_id: str
    number: int
    label: str
    shown: str
    evidence: str | None
    standard: str | None
    citation: bool          # a legal reference: the law behind the answers around it
    points: float | None    # 0..1 for scored items, None otherwise
    answered: bool


@dataclass(frozen=True)
class PillarAnswers:
    section_id: str
    title: str
    pillar: bool
    answers: list[AnswerLine]

    @property
    def citations(self) -> list[AnswerLine]:
        return [a for a in self.answers if a.citation and a.answered]


@dataclass(frozen=True)
class Gap:
    action_id: str
    section_id: str
    section_title: str
    priority: str
    gap: str
    action: str
    trigger: str = ""       # why it is shown: the action's condition in words


@dataclass(frozen=True)
class DataGap:
    """A relevant question answered "Unknown / no data" (or a rate unknown because of one)."""

    question_id: str
    number: int
    section_id: str
    label: str


@dataclass(frozen=True)
class AnswerChange:
    question_id: str
    label: str
    before: str
    after: str
    points_before: float
    points_after: float

    @property
    def delta(self) -> float:
        return round(self.points_after - self.points_before, 3)


@dataclass(frozen=True)
class Change:
    """Change since the previous round's response of the same country."""

    previous_round: str
    score_deltas: dict[str, float | None]    # key -> delta (None when either side is missing)
    previous_scores: dict[str, float | None]
    improved: list[AnswerChange]
    declined: list[AnswerChange]
    # The previous round used another questionnaire version: only questions its mapping
    # marks as the same are compared, and the scores were computed another way.
    method_changed: bool = False


@dataclass(frozen=True)
class Profile:
    iso3: str
    country: str
    subregion: str
    round: str
    status: str | None
    approved_at: dt.datetime | None
    completeness: int                       # % of required, relevant questions answered
    answered: int                           # relevant questions with an answer
    scores: list[ScoreLine]
    approved_countries: int                 # approved responses of the round (the region)
    subregion_countries: int                # of those, in the same sub-region
    key_counts: list[KeyCount]
    pillars: list[PillarAnswers]
    gaps: list[Gap]
    change: Change | None
    language: str | None = None
    notes: list[str] = field(default_factory=list)
    data_gaps: list[DataGap] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.status == APPROVED

    def score(self, key: str) -> ScoreLine:
        for line in self.scores:
            if line.key == key:
                return line
        raise KeyError(key)

    @property
    def overall(self) -> ScoreLine:
        return self.score(OVERALL)


def round_scores(frame: pd.DataFrame, definition: Definition,
                 members: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """One row per response of the frame: iso3, country, subregion, status and each score.

    Score columns are the pillar ids and ``overall``; a missing score (insufficient
    data) is NaN. ``members`` maps ISO3 codes to member attributes (format 2 conditions
    read them: sub-region code, groups, territory); without it they compare false.
    """
    keys = [p.id for p in definition.pillars] + [OVERALL]
    if frame.empty:
        return pd.DataFrame(columns=["response_id", "iso3", "country", "subregion", "status", *keys])
    answers = answers_by_response(frame)
    meta = frame.drop_duplicates("response_id").set_index("response_id")
    rows = []
    for response_id, values in answers.items():
        iso3 = meta.at[response_id, "iso3"]
        result = score_response(definition, values, (members or {}).get(iso3))
        row = {"response_id": response_id, "iso3": iso3,
               "country": meta.at[response_id, "country"],
               "subregion": meta.at[response_id, "subregion"],
               "status": meta.at[response_id, "status"]}
        for pillar_id, pillar in result.pillars.items():
            row[pillar_id] = pillar.score
        row[OVERALL] = result.overall
        rows.append(row)
    table = pd.DataFrame.from_records(rows)
    for key in keys:
        table[key] = pd.to_numeric(table[key], errors="coerce")
    return table.sort_values(["country", "iso3"]).reset_index(drop=True)


def build_profile(frame: pd.DataFrame, definition: Definition, iso3: str, round_name: str, *,
                  previous_frame: pd.DataFrame | None = None,
                  previous_definition: Definition | None = None,
                  status: str | None = None, approved_at: dt.datetime | None = None,
                  country: str | None = None, subregion: str | None = None,
                  language: str | None = None,
                  members: Mapping[str, Mapping[str, Any]] | None = None) -> Profile:
    """The profile of ``iso3`` in the round named ``round_name``.

    ``frame`` holds the round's answers (every status: the country's own response may
    not be approved yet; regional figures use approved responses only).
    ``previous_frame`` holds the previous round's answers of the country, if any.
    ``status``, ``country`` and ``subregion`` are used when the country has no answer.
    ``members`` maps ISO3 codes to member attributes for format 2 conditions.
    """
    iso3 = iso3.upper()
    this_round = frame[frame["round"] == round_name]
    mine = this_round[this_round["iso3"] == iso3]
    if not mine.empty:
        first = mine.iloc[0]
        country = str(first["country"])
        subregion = str(first["subregion"])
        status = str(first["status"])
    if country is None:
        raise ProfileError(f"no answers for {iso3} in '{round_name}'")
    values = dict(zip(mine["question_id"].tolist(), mine["value"].tolist(), strict=True))
    member = (members or {}).get(iso3)

    scores_table = round_scores(this_round, definition, members)
    approved = scores_table[scores_table["status"] == APPROVED]
    same_subregion = approved[approved["subregion"] == subregion]
    result = score_response(definition, values, member)

    lines = []
    for pillar in definition.pillars:
        ps = result.pillars[pillar.id]
        lines.append(ScoreLine(pillar.id, pillar.title.get(language), ps.score,
                               spread(approved[pillar.id]), spread(same_subregion[pillar.id]),
                               ps.answered, ps.applicable,
                               (pillar.short_title or pillar.title).get(language)))
    lines.append(ScoreLine(OVERALL, "Overall", result.overall, spread(approved[OVERALL]),
                           spread(same_subregion[OVERALL]),
                           sum(p.answered for p in result.pillars.values()),
                           sum(p.applicable for p in result.pillars.values()), "Overall"))

    per_section = progress(definition, values, member)
    approved_rows = this_round[this_round["status"] == APPROVED]
    shown_values = with_derived(definition, values, member)
    return Profile(
        iso3=iso3, country=country, subregion=subregion or "", round=round_name, status=status,
        approved_at=approved_at if status == APPROVED else None,
        completeness=overall_progress(per_section),
        answered=sum(p.answered for p in per_section.values()),
        scores=lines,
        approved_countries=int(approved["iso3"].nunique()),
        subregion_countries=int(same_subregion["iso3"].nunique()),
        key_counts=_key_counts(definition, shown_values, approved_rows, language, member, members),
        pillars=_answers(definition, shown_values, dict(zip(mine["question_id"].tolist(),
                                                            mine["evidence"].tolist(),
                                                            strict=True)), language, member),
        gaps=_gaps(definition, values, language, member),
        change=_change(definition, values, result, previous_frame, previous_definition or definition,
                       iso3, language, member),
        language=language,
        data_gaps=[DataGap(q.id, q.number, q.section_id, q.label.get(language))
                   for q in data_gaps(definition, values, member)],
    )


def _shown(definition: Definition, qid: str, value: Any, language: str | None) -> str:
    if value == NOT_APPLICABLE:
        return "Not applicable"
    if value == UNKNOWN:
        return "Unknown"
    if not is_answered(value):
        return "No answer"
    return definition.question(qid).display(value, language)


def _key_counts(definition: Definition, values: Mapping[str, Any], approved_rows: pd.DataFrame,
                language: str | None, member=None, members=None) -> list[KeyCount]:
    visible = relevance(definition, values, member)
    derived_region = _derived_by_response(definition, approved_rows, members)
    # The approved members' numbers per question, in one pass (not a scan of every row per
    # question).
    region_numbers: dict[str, list] = {}
    for qid, number in zip(approved_rows["question_id"].tolist(),
                           approved_rows["value_number"].tolist(), strict=True):
        region_numbers.setdefault(qid, []).append(number)
    out = []
    for q in definition.questions:
        if not q.key_count or not visible[q.id]:
            continue
        value = values.get(q.id)
        number = None
        if is_answered(value) and value not in SPECIAL_CODES:
            number = q.kind.number(q, value)
        if q.computed:
            region = [v.get(q.id) for v in derived_region.values()]
            region = [v for v in region if isinstance(v, (int, float)) and not isinstance(v, bool)]
        else:
            region = region_numbers.get(q.id, [])
        out.append(KeyCount(q.id, q.label.get(language), q.unit.get(language) if q.unit else "",
                            None if number is None else float(number),
                            _shown(definition, q.id, value, language), spread(region)))
    return out


def _derived_by_response(definition: Definition, rows: pd.DataFrame,
                         members=None) -> dict[int, dict[str, Any]]:
    """Derived values of each response in ``rows`` (none for a format-1 definition)."""
    if rows.empty or not any(q.computed for q in definition.questions):
        return {}
    meta = rows.drop_duplicates("response_id").set_index("response_id")["iso3"]
    return {rid: with_derived(definition, answers, (members or {}).get(meta.get(rid)))
            for rid, answers in answers_by_response(rows).items()}


def _answers(definition: Definition, values: Mapping[str, Any], evidence: Mapping[str, Any],
             language: str | None, member=None) -> list[PillarAnswers]:
    visible = relevance(definition, values, member)
    out = []
    for section in definition.sections:
        lines = []
        for q in section.questions:
            if not visible[q.id]:
                continue
            value = values.get(q.id)
            lines.append(AnswerLine(
                q.id, q.number, q.label.get(language), _shown(definition, q.id, value, language),
                _text_or_none(evidence.get(q.id)), q.standard, q.kind.citation,
                question_points(q, value) if q.scored else None, is_answered(value)))
        out.append(PillarAnswers(section.id, section.title.get(language), section.pillar, lines))
    return out


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _gaps(definition: Definition, values: Mapping[str, Any], language: str | None,
          member=None) -> list[Gap]:
    titles = {s.id: s.title.get(language) for s in definition.sections}
    return [Gap(a.id, a.section_id, titles.get(a.section_id, a.section_id), a.priority,
                a.gap.get(language), a.action.get(language), trigger_text(definition, a, language))
            for a in gaps(definition, values, member)]


def _change(definition: Definition, values: Mapping[str, Any], result, previous_frame,
            previous_definition: Definition, iso3: str, language: str | None,
            member=None) -> Change | None:
    if previous_frame is None or previous_frame.empty:
        return None
    theirs = previous_frame[previous_frame["iso3"] == iso3]
    if theirs.empty:
        return None
    before = dict(zip(theirs["question_id"].tolist(), theirs["value"].tolist(), strict=True))
    old = score_response(previous_definition, before, member)
    method_changed = previous_definition.key != definition.key
    # Across versions, a question is compared only with the one its mapping calls the same.
    counterpart = {q.id: q.id for q in definition.questions}
    maps = definition.previous is not None and (
        definition.previous.code, definition.previous.version) == (
        previous_definition.code, previous_definition.version)
    if method_changed and maps:
        counterpart = {q.id: q.previous.question for q in definition.questions
                       if q.previous is not None and q.previous.same}

    def delta(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(a - b, 1)

    deltas = {pid: delta(p.score, old.pillars[pid].score if pid in old.pillars else None)
              for pid, p in result.pillars.items()}
    deltas[OVERALL] = delta(result.overall, old.overall)
    previous_scores = {pid: p.score for pid, p in old.pillars.items()}
    previous_scores[OVERALL] = old.overall

    visible_now = relevance(definition, values, member)
    visible_then = relevance(previous_definition, before, member)
    improved, declined = [], []
    for q in definition.questions:
        old_id = counterpart.get(q.id)
        if not q.scored or not visible_now[q.id] or old_id is None \
                or not previous_definition.has_question(old_id):
            continue
        if not visible_then[old_id]:
            continue
        now, then = values.get(q.id), before.get(old_id)
        if NOT_APPLICABLE in (now, then):
            continue  # an item that does not apply has no points to compare
        pq = previous_definition.question(old_id)
        p_now = question_points(q, now) or 0.0
        p_then = question_points(pq, then) or 0.0
        if p_now == p_then:
            continue
        line = AnswerChange(q.id, q.label.get(language),
                            _shown(previous_definition, old_id, then, language),
                            _shown(definition, q.id, now, language), p_then, p_now)
        (improved if p_now > p_then else declined).append(line)
    round_name = str(theirs.iloc[0]["round"])
    return Change(round_name, deltas, previous_scores, improved, declined, method_changed)
