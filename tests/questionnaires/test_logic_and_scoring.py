"""Skip logic, required rules, progress, scores and gaps, computed from data."""

import pytest

from questionnaires import gaps, missing_required, parse_definition, progress, relevance, score_response
from questionnaires.conditions import ConditionError, parse_condition


def definition(unanswered="zero", coverage=0.0):
    return parse_definition({
        "code": "logic", "version": 1, "title": "Logic",
        "scoring": {"unanswered": unanswered, "minimum_coverage": coverage},
        "sections": [
            {"id": "context", "pillar": False, "title": "Context", "questions": [
                {"id": "agency", "type": "short_text", "label": "Agency", "required": False}]},
            {"id": "legal", "title": "Legal", "questions": [
                {"id": "offence", "type": "yes_no_partial", "label": "Offence?",
                 "allow_not_applicable": True},
                {"id": "cite", "type": "legal_reference", "label": "Cite",
                 "relevant": {"question": "offence", "in": ["yes", "partial"]}},
                {"id": "since", "type": "year", "label": "Since when",
                 "relevant": {"question": "cite", "answered": True}},
                {"id": "ncb", "type": "yes_no_partial", "label": "NCB?", "weight": 3},
            ]},
            {"id": "ops", "title": "Operations", "questions": [
                {"id": "cases", "type": "integer", "label": "Cases", "allow_unknown": True,
                 "bands": [{"max": 0, "points": 0}, {"max": 4, "points": 0.5}, {"points": 1}]},
                {"id": "with_fi", "type": "integer", "label": "With FI",
                 "relevant": {"question": "cases", "gt": 0},
                 "required": {"question": "cases", "gte": 5}},
                {"id": "unit", "type": "yes_no", "label": "Unit?"},
            ]},
        ],
        "actions": [
            {"id": "legislate", "section": "legal", "priority": "medium",
             "when": {"question": "offence", "in": ["no", "partial"]},
             "gap": "Offence incomplete", "action": "Amend the law"},
            {"id": "unit", "section": "ops", "priority": "high",
             "when": {"all": [{"question": "unit", "equals": "no"},
                              {"not": {"question": "cases", "answered": False}}]},
             "gap": "No unit", "action": "Create a unit"},
        ],
    })


def test_relevance_cascades_through_hidden_questions():
    d = definition()
    answers = {"offence": "no", "cite": {"instrument": "Old Act"}, "since": 2001}
    visible = relevance(d, answers)
    assert visible["cite"] is False
    assert visible["since"] is False  # depends on a hidden answer, so hidden too
    assert relevance(d, {"offence": "yes", "cite": {"instrument": "A"}})["since"] is True


@pytest.mark.parametrize("cases, shown", [(None, False), ("unknown", False), (0, False), (3, True)])
def test_numeric_conditions_ignore_special_answers(cases, shown):
    assert relevance(definition(), {"cases": cases})["with_fi"] is shown


def test_required_rules_and_progress():
    d = definition()
    missing = [q.id for q in missing_required(d, {"offence": "yes", "cases": 9})]
    assert missing == ["cite", "ncb", "with_fi", "unit"]  # agency is optional; since hidden
    assert "with_fi" not in [q.id for q in missing_required(d, {"cases": 2})]  # relevant, not required
    p = progress(d, {"offence": "yes", "ncb": "no", "cases": 2})
    assert (p["legal"].required_answered, p["legal"].required) == (2, 3)
    assert p["ops"].required == 2 and p["ops"].relevant == 3
    assert p["context"].required == 0 and p["context"].percent == 100


def test_scores_with_partial_weights_and_bands():
    s = score_response(definition(), {"offence": "partial", "ncb": "yes", "cases": 3, "unit": "yes"})
    # legal: (0.5*1 + 1*3) / 4 = 87.5 ; ops: (0.5 + 1) / 2 = 75
    assert s.pillars["legal"].score == 87.5
    assert s.pillars["ops"].score == 75.0
    assert s.overall == 81.2  # mean of the pillar scores, one decimal


def test_not_applicable_leaves_the_denominator_and_unknown_scores_zero():
    s = score_response(definition(), {"offence": "not_applicable", "ncb": "yes",
                                      "cases": "unknown", "unit": "yes"})
    assert s.pillars["legal"].score == 100.0 and s.pillars["legal"].possible == 3
    assert s.pillars["ops"].score == 50.0


def test_unanswered_counts_as_zero_or_is_excluded_as_the_definition_says():
    answers = {"offence": "yes", "unit": "yes"}
    zero = score_response(definition("zero"), answers)
    assert zero.pillars["legal"].score == 25.0  # 1 of 4 weighted points
    excluded = score_response(definition("exclude"), answers)
    assert excluded.pillars["legal"].score == 100.0
    assert excluded.pillars["ops"].answered == 1 and excluded.pillars["ops"].applicable == 2


def test_too_few_answers_give_insufficient_data_not_a_misleading_score():
    s = score_response(definition("zero", coverage=0.6), {"offence": "yes"})
    assert s.pillars["legal"].score is None  # 1 of 2 applicable items answered: below 60%
    s = score_response(definition("zero", coverage=0.6), {"offence": "yes", "ncb": "no"})
    assert s.pillars["legal"].score == 25.0
    assert s.pillars["ops"].score is None and s.overall is None


def test_empty_response_scores_nothing():
    s = score_response(definition(), {})
    assert s.pillars["legal"].score == 0.0  # coverage 0 allowed in this definition
    assert score_response(definition(coverage=0.1), {}).overall is None


def test_gaps_follow_conditions_and_priority():
    d = definition()
    assert [a.id for a in gaps(d, {"offence": "partial", "unit": "no", "cases": 0})] == [
        "unit", "legislate"]
    assert gaps(d, {"offence": "yes", "unit": "no"}) == []  # cases unanswered: not a known gap
    assert gaps(d, {}) == []


def test_conditions_are_data_and_never_code():
    condition = parse_condition({"question": "q", "equals": "__import__('os').system('x')"})
    assert condition.holds(lambda qid: "yes") is False
    with pytest.raises(ConditionError):
        parse_condition("q == 'yes'")
    with pytest.raises(ConditionError):
        parse_condition({"any": []})
    c = parse_condition({"any": [{"question": "a", "includes": "x"}, {"question": "b", "lte": 2}]})
    assert c.holds({"a": ["x"], "b": 5}.get) and c.holds({"a": [], "b": 2}.get)
    assert not c.holds({"a": "x", "b": "unknown"}.get)
    assert parse_condition(c.to_data()) == c
