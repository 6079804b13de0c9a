"""Format 2 and questionnaire v2 as an assessor would check them: fair scores, checks,
warnings, exclusive options, derived rates, member-aware questions and actions."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import questionnaires
from questionnaires import (
    UNKNOWN,
    AnswerError,
    check_answers,
    data_gaps,
    definition_report,
    gaps,
    load_definition,
    missing_required,
    parse_definition,
    previous_problems,
    relevance,
    resolve_period,
    score_response,
    trigger_text,
    with_derived,
)

from .v2_answers import AUS, HKG, THA, USA, strong

DEFINITIONS = Path(questionnaires.__file__).parent / "definitions"
@pytest.fixture(scope="module")
def v2():
    return load_definition(DEFINITIONS / "ftm-capability-v2.yaml")


@pytest.fixture(scope="module")
def v1():
    return load_definition(DEFINITIONS / "ftm-capability-v1.yaml")


def action_ids(definition, answers, member):
    return {a.id for a in gaps(definition, answers, member)}


# -- the file ----------------------------------------------------------------------------


def test_v2_validates_strictly_and_its_crosswalk_to_v1_is_complete(v1, v2):
    assert v2.format == 2 and v2.key == "ftm-capability:2"
    assert definition_report(v2) == []          # what --strict refuses
    assert previous_problems(v2, v1) == []
    # v1 is read as before and would be reported, not refused, by the same report.
    assert v1.format == 1 and v1.checks == ()
    assert any("op_tip_fin_inv: a scored count" in line for line in definition_report(v1))


def test_v1_scores_and_gaps_exactly_as_before_format_2(v1):
    """Random v1 answer sets give the scores and gaps the engine gave before format 2."""
    expected = json.loads((Path(__file__).parent / "v1_scores_before_format2.json").read_text())
    for seed, (scores, overall, actions) in enumerate(expected):
        rng = random.Random(seed)
        answers = {}
        for q in v1.questions:
            if q.type in ("yes_no", "yes_no_partial"):
                answers[q.id] = rng.choice([o for o, _, _ in q.kind.options(q)] + list(q.special_codes))
            elif q.type == "single_choice":
                answers[q.id] = rng.choice([o.code for o in q.options] + list(q.special_codes))
            elif q.type == "multiple_choice":
                answers[q.id] = [o.code for o in q.options if rng.random() < 0.5] or None
            elif q.type in ("integer", "decimal"):
                answers[q.id] = rng.choice([0, 1, 3, 12, 40, "unknown"] if q.allow_unknown
                                           else [0, 1, 3, 12, 40])
        result = score_response(v1, answers)
        assert {k: p.score for k, p in result.pillars.items()} == scores
        assert result.overall == overall
        assert [a.id for a in gaps(v1, answers)] == actions
        assert score_response(v1, answers, THA) == result  # a member changes nothing in v1


# -- fairness scenarios of issue 12 -------------------------------------------------------------


def test_a_large_member_with_few_financial_investigations_scores_below_a_small_thorough_one(v2):
    big = dict(strong(v2, THA), op_tip_investigations=400, op_tip_fin_inv=6)
    small = dict(strong(v2, THA), op_tip_investigations=2, op_tip_fin_inv=2)
    assert with_derived(v2, big, THA)["op_fin_inv_share"] == 1.5
    assert with_derived(v2, small, THA)["op_fin_inv_share"] == 100.0
    big_ops = score_response(v2, big, THA).pillars["operational"].score
    small_ops = score_response(v2, small, THA).pillars["operational"].score
    assert small_ops == 100.0 and big_ops < small_ops
    assert "raise_financial_investigation_share" in action_ids(v2, big, THA)
    assert "raise_financial_investigation_share" not in action_ids(v2, small, THA)


def test_strong_laws_and_no_cases_lose_nothing_and_are_told_to_build_nothing(v2):
    no_cases = strong(v2, THA, count=0)
    result = score_response(v2, no_cases, THA)
    assert result.overall == 100.0
    assert action_ids(v2, no_cases, THA) == set()
    # The results items left the denominator instead of scoring 0.
    with_cases = score_response(v2, strong(v2, THA), THA)
    assert result.pillars["operational"].applicable < with_cases.pillars["operational"].applicable


def test_unknown_never_scores_better_than_a_known_answer_and_is_a_data_gap(v2):
    base = strong(v2, THA)
    counts = [q.id for q in v2.questions if q.type in ("integer", "decimal") and q.allow_unknown]
    unknown = dict(base, **{qid: UNKNOWN for qid in counts}, op_fin_inv_share_direct=UNKNOWN)
    zero = dict(base, **{qid: 0 for qid in counts})
    poor = dict(base, op_tip_investigations=100, op_tip_fin_inv=0, op_ml_investigations=0,
                op_tip_persons_convicted=10, op_tip_convicted_confiscation=0)
    s_unknown = score_response(v2, unknown, THA).pillars["operational"].score
    assert s_unknown <= score_response(v2, zero, THA).pillars["operational"].score
    assert s_unknown <= score_response(v2, poor, THA).pillars["operational"].score
    # The unknown caseload kept the rates in the denominator: they did not escape scoring.
    assert with_derived(v2, unknown, THA)["op_fin_inv_share"] == UNKNOWN
    assert score_response(v2, unknown, THA).pillars["operational"].applicable == \
        score_response(v2, base, THA).pillars["operational"].applicable
    listed = [q.id for q in data_gaps(v2, unknown, THA)]
    assert listed[:3] == ["op_tip_investigations", "op_fin_inv_share_direct", "op_fin_inv_share"]
    assert "core_figures_missing" in action_ids(v2, unknown, THA)
    assert data_gaps(v2, base, THA) == []


def test_a_member_with_a_central_authority_is_never_told_to_designate_one_because_a_count_is_0(v2):
    answers = dict(strong(v2, THA), coop_mla_authority="yes", coop_mla_requests_sent=0,
                   coop_mla_requests_received=0)
    assert "mla_central_authority" not in action_ids(v2, answers, THA)
    assert "mla_central_authority" in action_ids(v2, dict(answers, coop_mla_authority="no"), THA)


def test_extraterritorial_jurisdiction_has_its_own_action(v2):
    answers = dict(strong(v2, THA), leg_tip_extraterritorial="no")
    assert action_ids(v2, answers, THA) == {"extend_jurisdiction_abroad"}
    text = trigger_text(v2, v2.actions[[a.id for a in v2.actions].index("extend_jurisdiction_abroad")])
    assert text == ("“Can your courts try trafficking offences committed outside the country?” "
                    f"(question {v2.question('leg_tip_extraterritorial').number}) is “No” or “Partly”.")


def test_dissemination_is_scored_and_acted_on_only_where_reports_came_in(v2):
    none_in = dict(strong(v2, THA), op_fiu_tip_strs=0, op_fiu_disseminations=0)
    some_in = dict(strong(v2, THA), op_fiu_tip_strs=30, op_fiu_disseminations=0)
    assert "disseminate_trafficking_intelligence" not in action_ids(v2, none_in, THA)
    assert "disseminate_trafficking_intelligence" in action_ids(v2, some_in, THA)
    assert score_response(v2, none_in, THA).pillars["operational"].score == 100.0
    assert score_response(v2, some_in, THA).pillars["operational"].score < 100.0


# -- derived values ------------------------------------------------------------------------------


@pytest.mark.parametrize(("investigations", "financial", "direct", "value", "points"), [
    (400, 6, None, 1.5, 0.25),
    (10, 0, None, 0.0, 0.0),
    (8, 2, None, 25.0, 0.5),
    (10, 4, None, 40.0, 0.75),
    (2, 2, None, 100.0, 1.0),
    (UNKNOWN, None, 30, 30.0, 0.75),         # the estimate answers when a count is unknown
    (12, UNKNOWN, UNKNOWN, UNKNOWN, 0.0),    # unknown: scores 0, never better
    (0, None, None, "not_applicable", None),  # no caseload: not scored
    (None, None, None, None, 0.0),          # unanswered
])
def test_the_financial_investigation_rate_is_worked_out_and_scored_by_bands(
        v2, investigations, financial, direct, value, points):
    answers = {"op_tip_investigations": investigations, "op_tip_fin_inv": financial,
               "op_fin_inv_share_direct": direct}
    answers = {k: v for k, v in answers.items() if v is not None}
    got = with_derived(v2, answers, THA)["op_fin_inv_share"]
    assert got == value
    q = v2.question("op_fin_inv_share")
    assert questionnaires.question_points(q, got) == points
    assert q.display(25.0) == "25%" and not q.kind.field_names(q)


# -- checks and warnings --------------------------------------------------------------------------


def results(v2, member=THA, **answers):
    return check_answers(v2, dict(strong(v2, member), **answers), member)


@pytest.mark.parametrize(("check_id", "severity", "answers"), [
    ("fin_inv_within_tip_investigations", "error", {"op_tip_investigations": 32, "op_tip_fin_inv": 69}),
    ("confiscation_within_convictions", "error",
     {"op_tip_persons_convicted": 3, "op_tip_convicted_confiscation": 4}),
    ("arin_ap_member_or_observer", "error",
     {"coop_asset_recovery_network": ["arin_ap_member", "arin_ap_observer"]}),
    ("tip_convictions_vs_prosecutions", "warning",
     {"op_tip_persons_prosecuted": 5, "op_tip_persons_convicted": 9}),
    ("ml_convictions_vs_prosecutions", "warning",
     {"op_ml_persons_prosecuted": 1, "op_ml_persons_convicted": 2}),
    ("joint_team_without_legal_basis", "warning",
     {"coop_jit_used": "joint_team", "coop_jit_legal_basis": "no"}),
])
def test_every_check_fires_naming_the_questions_it_reads(v2, check_id, severity, answers):
    found = {r.id: r for r in results(v2, **answers)}
    assert check_id in found
    result = found[check_id]
    assert result.severity == severity and result.kind == "check"
    check = next(c for c in v2.checks if c.id == check_id)
    assert set(result.question_ids) == set(check.reads)
    for qid in check.reads:
        assert f"question {v2.question(qid).number}" in result.message
        assert result.concerns(qid)
    assert "{" not in result.message


def test_a_subset_above_its_total_names_both_questions_and_values(v2):
    [result] = [r for r in results(v2, op_tip_investigations=32, op_tip_fin_inv=69)
                if r.id == "fin_inv_within_tip_investigations"]
    n_fin, n_all = v2.question("op_tip_fin_inv").number, v2.question("op_tip_investigations").number
    assert result.question_ids == ("op_tip_investigations", "op_tip_fin_inv")
    assert f"(69 investigations, question {n_fin})" in result.message
    assert f"(32 investigations, question {n_all})" in result.message
    assert result.values == (32, 69)


def test_checks_are_silent_until_every_question_they_read_has_a_real_answer(v2):
    assert not results(v2, op_tip_persons_prosecuted=UNKNOWN, op_tip_persons_convicted=12)
    base = strong(v2, THA)
    del base["op_tip_persons_prosecuted"]
    assert not check_answers(v2, dict(base, op_tip_persons_convicted=12), THA)
    # Convictions equal to prosecutions are fine; a clean response raises nothing.
    assert not results(v2, op_tip_persons_prosecuted=12, op_tip_persons_convicted=12)


def test_soft_bounds_warn_and_hard_bounds_refuse(v2):
    q = v2.question("op_tip_investigations")
    assessed = q.kind.assess(q, "6000")
    assert assessed.value == 6000
    [warning] = assessed.warnings
    assert warning.id == "plausible_high:op_tip_investigations" and "unusually high" in warning.message
    assert q.kind.assess(q, "4999").warnings == ()
    with pytest.raises(AnswerError, match="no larger than 100000"):
        q.kind.assess(q, "1000000000000")
    found = results(v2, op_tip_investigations=6000)
    assert [(r.id, r.severity, r.kind) for r in found] == [
        ("plausible_high:op_tip_investigations", "warning", "plausibility")]


def test_a_period_not_ending_in_the_reference_year_is_a_warning(v2):
    answers = strong(v2, THA)
    assert check_answers(v2, answers, THA, reference_year=2025) == []
    [warning] = check_answers(v2, answers, THA, reference_year=2026)
    assert (warning.id, warning.kind) == ("period_year:stat_period", "period")
    assert "ending in 2026" in warning.message


# -- answer types -----------------------------------------------------------------------------------


def test_none_of_these_cannot_be_ticked_beside_another_option(v2):
    q = v2.question("op_trained_staff")
    with pytest.raises(AnswerError) as caught:
        q.normalise(["investigators", "none"])
    assert str(caught.value) == "“None of these” cannot be ticked together with other answers."
    assert q.normalise(["none"]) == ["none"]
    assert q.normalise(["prosecutors", "investigators"]) == ["investigators", "prosecutors"]


def test_the_statistical_year_is_twelve_consecutive_months(v2):
    q = v2.question("stat_period")
    value = q.normalise({"basis": "financial", "start": "2024-07", "end": "2025-06"})
    assert value == {"basis": "financial", "start": "2024-07", "end": "2025-06"}
    assert q.display(value) == "July 2024 – June 2025 (financial year)"
    with pytest.raises(AnswerError, match="12 consecutive months"):
        q.normalise({"basis": "calendar", "start": "2024-01", "end": "2025-12"})
    with pytest.raises(AnswerError, match="for example 2024-07"):
        q.normalise({"basis": "calendar", "start": "July 2024", "end": "2025-06"})
    assert resolve_period(value, "reference_year") == ("July 2024", "June 2025")
    assert resolve_period(value, "three_years") == ("July 2022", "June 2025")
    assert q.kind.read_form(q, {"stat_period__basis": "calendar", "stat_period__start": "2025-01",
                                "stat_period__end": "2025-12"})["end"] == "2025-12"


def test_ratings_carry_their_methodology(v2):
    r3, io7 = v2.question("me_rating_r3"), v2.question("me_rating_io7")
    value = r3.normalise({"rating": "largely_compliant", "methodology": "2013"})
    assert r3.display(value) == "LC (2013 methodology)"
    assert io7.display(io7.normalise({"rating": "moderate", "methodology": "2022"})) == \
        "Moderate (2022 methodology)"
    with pytest.raises(AnswerError, match="only under the 2013 and 2022"):
        io7.normalise({"rating": "moderate", "methodology": "2004"})
    with pytest.raises(AnswerError, match="methodology"):
        r3.normalise({"rating": "compliant"})
    assert r3.normalise({"rating": "not_rated"}) == {"rating": "not_rated", "methodology": None}
    assert not r3.scored and r3.public


# -- member attributes ----------------------------------------------------------------------------------


def test_actip_is_asked_of_asean_members_only(v2):
    assert relevance(v2, {}, THA)["leg_actip"] is True
    assert relevance(v2, {}, AUS)["leg_actip"] is False
    assert "leg_actip" not in {q.id for q in missing_required(v2, strong(v2, AUS), AUS)}


def test_territories_see_extension_options_and_are_told_to_seek_extension(v2):
    q = v2.question("leg_untoc")
    assert q.kind.offered(q, HKG) == ["extended", "not_extended"]
    assert q.kind.offered(q, THA) == ["party", "signed", "not_party"]
    with pytest.raises(AnswerError, match="not offered"):
        q.kind.assess(q, "party", HKG)
    answers = dict(strong(v2, HKG), leg_untoc="not_extended")
    assert action_ids(v2, answers, HKG) == {"seek_treaty_extension"}
    points = {code: pts for code, _, pts in q.kind.options(q)}
    assert points["signed"] <= points["not_extended"] < points["extended"] == points["party"]
    form = questionnaires.build_section_form(v2.section("legal"), member=HKG)()
    assert [c[0] for c in form.leg_untoc.iter_choices()] == ["extended", "not_extended"]


def test_arin_ap_is_recommended_only_in_asia_and_the_pacific(v2):
    for member, expected in ((THA, "join_arin_ap"), (AUS, "join_arin_ap"), (USA, "join_regional_arin")):
        answers = dict(strong(v2, member), coop_asset_recovery_network=["none"])
        assert action_ids(v2, answers, member) == {expected}


# -- validation of format 2 ---------------------------------------------------------------------------

BASE = {
    "code": "tiny", "version": 2, "format": 2, "title": "Tiny",
    "notices": {"confidentiality": "No names."},
    "sections": [
        {"id": "about", "pillar": False, "title": "About", "questions": [
            {"id": "period", "type": "statistical_year", "label": "Period"},
            {"id": "notes", "type": "long_text", "label": "Notes", "help": "Tell us. No names."}]},
        {"id": "ops", "title": "Ops", "questions": [
            {"id": "cases", "type": "integer", "label": "Cases", "min": 0, "max": 1000,
             "allow_unknown": True, "weight": 0, "period": "reference_year"},
            {"id": "fin", "type": "integer", "label": "Of those", "min": 0, "max": 1000,
             "allow_unknown": True, "weight": 0},
            {"id": "share", "type": "derived", "label": "Share",
             "derive": {"numerator": "fin", "denominator": "cases", "scale": 100},
             "scored_when": {"not": {"question": "cases", "equals": 0}},
             "bands": [{"max": 10, "points": 0}, {"points": 1}]},
            {"id": "staff", "type": "multiple_choice", "label": "Staff", "options": [
                {"code": "police", "label": "Police", "points": 1},
                {"code": "none", "label": "None of these", "exclusive": True}]}]}],
    "checks": [{"id": "fin_le_cases", "severity": "error",
                "must": {"question": "fin", "lte": {"answer": "cases"}},
                "message": "Question {number:fin} above question {number:cases}."}],
    "actions": [{"id": "more_fin", "section": "ops", "when": {"question": "share", "scores_below": 1},
                 "gap": "Few", "action": "More"},
                {"id": "train", "section": "ops", "when": {"question": "staff", "includes": "none"},
                 "gap": "None", "action": "Train"}],
}


def mutate(path_and_values):
    data = json.loads(json.dumps(BASE))
    for path, value in path_and_values:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is ...:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return data


def problems_of(data):
    with pytest.raises(questionnaires.DefinitionError) as caught:
        parse_definition(data, "tiny.yaml")
    return "\n".join(caught.value.problems)


OPS = ("sections", 1, "questions")


def test_the_small_format_2_definition_is_valid():
    definition = parse_definition(BASE, "tiny.yaml")
    assert definition_report(definition) == []
    assert [c.id for c in definition.checks] == ["fin_le_cases"]


@pytest.mark.parametrize(("changes", "expected"), [
    ([(("format",), ...)], "checks: is not a known top-level key"),
    ([(("format",), 3)], "format: must be 1 or 2"),
    ([((*OPS, 2, "scored_when"), {"question": "cases", "gt": 0})],
     "must hold when its caseload is unknown"),
    ([((*OPS, 2, "scored_when"), {"not": {"question": "cases", "equals": 1}})],
     "must be false when its caseload is 0"),
    ([((*OPS, 0, "allow_unknown"), False)], "'scored_when' reads 'cases', which does not allow"),
    ([((*OPS, 0, "max"), ...)], "question cases: a number question needs a 'max'"),
    ([((*OPS, 0, "plausible_max"), 2000)], "'plausible_max' (2000) is above the hard maximum"),
    ([((*OPS, 3, "options", 1, "exclusive"), False)], "option 'none' must be exclusive"),
    ([((*OPS, 3, "options", 1, "points"), 0.5)], "is exclusive, so it cannot carry points"),
    ([((*OPS, 2, "visibility"), "public")], "needs 'min_public_denominator' of at least 5"),
    ([(("sections", 0, "questions", 1, "visibility"), "public")], "free text cannot be public"),
    ([(("sections", 0, "questions", 1, "help"), "Tell us.")], "must contain the confidentiality notice"),
    ([((*OPS, 0, "carry_over"), True)], "cannot go with 'period: reference_year'"),
    ([(("sections", 0, "questions"), [BASE["sections"][0]["questions"][1]])],
     "'period' needs a statistical_year question"),
    ([((*OPS, 2, "derive"), {"numerator": "fin", "denominator": "staff"})],
     "'derive.denominator' must be an integer or decimal question"),
    ([((*OPS, 2, "allow_unknown"), True)], "'allow_unknown' cannot be set on a derived value"),
    ([(("checks", 0, "message"), "Question {number:fin} is too big.")], "does not name cases"),
    ([(("checks", 0, "must"), {"question": "fin", "lte": {"answer": "staff"}})],
     "compares numbers, but 'staff' is a multiple_choice question"),
    ([(("checks", 0, "severity"), "fatal")], "'severity' must be 'error' or 'warning'"),
    ([(("actions", 0, "when"), {"question": "fin", "equals": 0})], "fires on the count 'fin' alone"),
    ([(("actions", 0, "when"), {"member": "subregion", "in": ["mars"]})], "'mars' is not a sub-region code"),
    ([((*OPS, 3, "options", 0, "offered_when"), {"question": "cases", "gt": 0})],
     "'offered_when' may compare member attributes only"),
    ([((*OPS, 1, "previous"), {"question": "fin", "same": False})], "needs a 'change' text"),
])
def test_each_format_2_rule_is_refused_with_a_clear_problem(changes, expected):
    assert expected in problems_of(mutate(changes))


def test_format_1_files_still_refuse_format_2_keys():
    data = mutate([(("format",), 1)])
    problems = problems_of(data)
    assert "checks: is not a known top-level key" in problems
    assert "question period: type 'statistical_year' needs 'format: 2'" in problems
    assert "question cases: 'period' is not a setting of a integer question" in problems


def test_the_report_lists_scored_counts_without_a_caseload_and_items_no_action_reads():
    data = mutate([((*OPS, 2, "scored_when"), ...), (("actions",), [])])
    lines = definition_report(parse_definition(data, "tiny.yaml"))
    assert lines == [
        "question share: a scored count with neither 'scored_when' nor 'allow_not_applicable': "
        "a member with no caseload is scored on it",
        "question share: scored, but no recommended action reads it",
        "question staff: scored, but no recommended action reads it",
    ]
