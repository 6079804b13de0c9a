"""What may be shown in public outputs: pure rules over figures that are already computed.

The rules (issue 12 §5):

- a median or quartile over fewer than 3 members is not given: the reason is
  "fewer than 3 members" (a one-member "median" is that member's own figure);
- no figure can be worked back from two others that are shown: a sub-region beside its
  region when the rest of the region is one or two members is withheld;
- counts below 5 appear as "1–4" in public outputs;
- a public rate over fewer cases than its ``min_public_denominator`` is replaced by
  "based on fewer than N cases";
- only questions whose visibility is public are shown; evidence notes never are.

Each function takes plain values and returns plain values; the app, the exports and the
API call the same ones so every output withholds the same figures.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from questionnaires import SPECIAL_CODES, Definition, Question, is_answered, with_derived

from .method import N_, _same
from .stats import Spread

MIN_MEMBERS = 3
SMALL_COUNT = 5
SMALL_COUNT_TEXT = "1–4"
FEWER_MEMBERS = f"fewer than {MIN_MEMBERS} members"
WORKED_BACK = "could be worked back from the figures beside it"


def spread_reason(n: int) -> str | None:
    """Why a median or quartile over ``n`` members is not given (``None``: it may be)."""
    return FEWER_MEMBERS if n < MIN_MEMBERS else None


def public_spread(s: Spread) -> tuple[Spread, str | None]:
    """The spread as a public output may show it, and the reason when it is withheld.

    Below 3 members nothing but the count is given. The lowest and highest values are
    never public: each is one member's own figure.
    """
    reason = spread_reason(s.n)
    if reason:
        return Spread(s.n), reason
    return replace(s, low=None, high=None), None


def group_reasons(groups: Mapping[str, Collection[str]],
                  min_members: int = MIN_MEMBERS) -> dict[str, str | None]:
    """For groups of members (region, sub-regions, ...), which figures must be withheld.

    A group of fewer than ``min_members`` is withheld; and where one shown group contains
    another and the difference is 1 or 2 members, the smaller group is withheld too, since
    its figure beside the larger one would tell the rest apart.
    """
    sets = {name: frozenset(members) for name, members in groups.items()}
    reasons: dict[str, str | None] = {
        name: (FEWER_MEMBERS if len(members) < min_members else None)
        for name, members in sets.items()}
    changed = True
    while changed:
        changed = False
        shown = [name for name, why in reasons.items() if why is None]
        for big in shown:
            for small in shown:
                if big == small or reasons[small] is not None:
                    continue
                if sets[small] < sets[big] and 0 < len(sets[big] - sets[small]) < min_members:
                    reasons[small] = WORKED_BACK
                    changed = True
    return reasons


def region_reasons(region_n: int, subregion_n: int) -> tuple[str | None, str | None]:
    """``group_reasons`` for a region and one of its sub-regions, from their sizes."""
    region = [f"r{i}" for i in range(region_n)]
    found = group_reasons({"region": region, "subregion": region[:subregion_n]})
    return found["region"], found["subregion"]


def public_count(value: Any) -> Any:
    """A count for a public output: 1 to 4 become "1–4"; anything else is unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < SMALL_COUNT:
        return SMALL_COUNT_TEXT
    return value


def public_count_spread(s: Spread) -> tuple[Spread, str | None]:
    """A public spread of counts: a median below 5 is banded like any public count ("1–4")
    and quartiles are left out (a quartile of counts may be one member's small count)."""
    banded = public_count(s.median)
    if isinstance(banded, str):
        return Spread(s.n), banded
    return replace(s, q1=None, q3=None), None


def public_rate(question: Question, value: Any, denominator: Any, words=_same) -> Any:
    """A derived rate for a public output, or "based on fewer than N cases" (in ``words``'
    language)."""
    needed = question.min_public_denominator or SMALL_COUNT
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    if not isinstance(denominator, (int, float)) or denominator < needed:
        return words(N_("based on fewer than %(n)s cases")) % {"n": needed}
    return value


def reason_words(reason: str, words=_same) -> str:
    """Why a figure is withheld (``FEWER_MEMBERS``, ``WORKED_BACK``) in ``words``' language."""
    if reason == FEWER_MEMBERS:
        return words(N_("fewer than %(n)s members")) % {"n": MIN_MEMBERS}
    if reason == WORKED_BACK:
        return words(N_("could be worked back from the figures beside it"))
    return reason


def public_questions(definition: Definition) -> list[Question]:
    return [q for q in definition.questions if q.public]


def public_answers(definition: Definition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions whose visibility is public.

    Public derived rates over fewer cases than their ``min_public_denominator`` are
    replaced by the reason; counts that an analyst marked public are banded.
    """
    out = {}
    for q in public_questions(definition):
        if q.id not in answers:
            continue
        value = answers[q.id]
        if q.computed and q.derive is not None:
            value = public_rate(q, value, answers.get(q.derive.denominator))
        elif q.kind.numeric and q.kind.quantity and is_answered(value) and value not in SPECIAL_CODES:
            value = public_count(value)
        out[q.id] = value
    return out


def internal_spread(s: Spread) -> Spread:
    """A spread as an internal output may show it: exact figures, but no median, quartile
    or range over fewer than 3 members (over one member it would be that member's own
    figure). Only the count is kept."""
    return s if spread_reason(s.n) is None else Spread(s.n)


def internal_profile(profile, words=_same):
    """A copy of a :class:`~profiles.Profile` for working-group pages: every answer and
    note kept, but regional and sub-regional medians over fewer than 3 members withheld
    (a note, in ``words``' language, says so)."""
    scores = [replace(line, region=internal_spread(line.region),
                      subregion=internal_spread(line.subregion)) for line in profile.scores]
    key_counts = [replace(kc, region=internal_spread(kc.region)) for kc in profile.key_counts]
    notes = list(profile.notes)
    withheld = any(spread_reason(s.n) and s.n for line in profile.scores
                   for s in (line.region, line.subregion))
    if withheld:
        notes.append(words(N_("Medians and quartiles over %(fewer)s are not given.")) % {
            "fewer": reason_words(FEWER_MEMBERS, words)})
    return replace(profile, scores=scores, key_counts=key_counts, notes=notes)


def _public_shown(q: Question, value: Any, shown: str, answers: Mapping[str, Any],
                  words=_same) -> str:
    """What a public output shows for one public answer line: counts banded, rates over
    too few cases replaced."""
    if q.computed and q.derive is not None:
        public = public_rate(q, value, answers.get(q.derive.denominator), words)
        return public if isinstance(public, str) else shown
    if q.kind.numeric and q.kind.quantity and is_answered(value) and value not in SPECIAL_CODES:
        banded = public_count(value)
        return banded if isinstance(banded, str) else shown
    return shown


def _action_is_public(definition: Definition, action_id: str, answers: Mapping[str, Any],
                      values: Mapping[str, Any]) -> bool:
    """Whether a recommended action may appear publicly: its condition reads public
    questions only, and no public rate it reads is withheld for too few cases (that it
    fired would tell what the rate is)."""
    action = next((a for a in definition.actions if a.id == action_id), None)
    if action is None:
        return False
    for qid in action.when.questions():
        if not definition.has_question(qid):
            return False
        q = definition.question(qid)
        if not q.public:
            return False
        if q.computed and q.derive is not None and isinstance(
                public_rate(q, values.get(qid), answers.get(q.derive.denominator)), str):
            return False
    return True


def public_profile(profile, definition: Definition, answers: Mapping[str, Any] | None = None,
                   words=_same):
    """A copy of a :class:`~profiles.Profile` with only what a public output may show.

    Internal answers and every evidence note are removed; regional and sub-regional
    spreads follow the member rules above (``notes`` say what was withheld and why);
    key figures keep public questions only, with counts banded and rates over too few
    cases replaced. ``answers`` (the country's answers) give the rates' denominators;
    ``words`` translates the notes.
    """
    answers = answers or {}
    public = {q.id for q in public_questions(definition)}
    notes = list(profile.notes)
    region_why, sub_why = region_reasons(profile.approved_countries, profile.subregion_countries)
    scores = []
    for line in profile.scores:
        region = public_spread(line.region)[0] if region_why is None else Spread(line.region.n)
        sub = public_spread(line.subregion)[0] if sub_why is None else Spread(line.subregion.n)
        scores.append(replace(line, region=region, subregion=sub))
    if region_why:
        notes.append(words(N_("Regional figures are not shown: %(why)s.")) % {
            "why": reason_words(region_why, words)})
    if sub_why:
        notes.append(words(N_("Sub-regional figures are not shown: %(why)s.")) % {
            "why": reason_words(sub_why, words)})
    key_counts = []
    for kc in profile.key_counts:
        if kc.question_id not in public:
            continue
        q = definition.question(kc.question_id)
        region, _why = public_spread(kc.region)
        region_shown = None
        if not q.computed and q.kind.quantity and getattr(q.kind, "integer", False):
            region, region_shown = public_count_spread(region)
        shown = kc.shown
        if q.computed and q.derive is not None and kc.value is not None:
            value = public_rate(q, kc.value, answers.get(q.derive.denominator), words)
            shown = value if isinstance(value, str) else kc.shown
        elif kc.value is not None:
            banded = public_count(kc.value)
            shown = banded if isinstance(banded, str) else kc.shown
        key_counts.append(replace(kc, shown=shown, region=region, region_shown=region_shown,
                                  value=None if isinstance(shown, str) and shown != kc.shown
                                  else kc.value))
    values = with_derived(definition, answers)
    pillars = [replace(p, answers=[
        replace(a, evidence=None, shown=_public_shown(definition.question(a.question_id),
                                                     values.get(a.question_id), a.shown, answers,
                                                     words))
        for a in p.answers if a.question_id in public]) for p in profile.pillars]
    change = profile.change
    if change is not None:
        change = replace(change,
                         improved=[c for c in change.improved if c.question_id in public],
                         declined=[c for c in change.declined if c.question_id in public])
    gaps = [g for g in profile.gaps if _action_is_public(definition, g.action_id, answers, values)]
    if len(gaps) < len(profile.gaps):
        notes.append(words(N_("Recommended actions that rest on figures not published are not "
                              "shown.")))
    data_gaps = [g for g in profile.data_gaps if g.question_id in public]
    return replace(profile, scores=scores, key_counts=key_counts, pillars=pillars, notes=notes,
                   change=change, gaps=gaps, data_gaps=data_gaps)
