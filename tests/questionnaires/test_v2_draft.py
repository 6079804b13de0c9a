"""Questionnaire ftm-capability version 2, checked as plain data beside the engine.

These checks were written before the engine read format 2 and are kept as an independent
second reading of the file: its ids and references hold together, the v1 -> v2 crosswalk is
complete, every condition uses the condition language, and the content rules of issue 12
(caseload conditions, exclusive "None of these", internal counts, no carried-over
reference-year counts, the confidentiality sentence) are kept. The engine's own reading is
tested in test_format2.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

import questionnaires
from questionnaires import DefinitionError, bundled_definition_paths, load_definition
from questionnaires.conditions import parse_condition
from questionnaires.definition import ID_PATTERN, OPTION_PATTERN

DEFINITIONS = Path(questionnaires.__file__).parent / "definitions"
DRAFT = DEFINITIONS / "ftm-capability-v2.yaml"
V1 = DEFINITIONS / "ftm-capability-v1.yaml"

NUMERIC_TYPES = {"integer", "decimal", "percentage", "derived"}
COUNT_TYPES = {"integer", "decimal"}
FREE_TEXT_TYPES = {"short_text", "long_text"}
CHOICE_TYPES = {"yes_no", "yes_no_partial", "single_choice", "multiple_choice"}
FIXED_ANSWERS = {"yes_no": {"yes", "no"}, "yes_no_partial": {"yes", "partial", "no"}}
TC_SCALE, EFFECTIVENESS_SCALE = "technical_compliance", "effectiveness"
MEMBER_ATTRIBUTES = {"iso3", "subregion", "groups", "territory", "apg"}
SUBREGIONS = {"south_east_asia", "east_asia", "south_asia", "pacific", "middle_east", "americas"}
COMPARISONS = {"equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "includes", "answered"}
NUMBER_COMPARISONS = {"gt", "gte", "lt", "lte"}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def draft() -> dict:
    return load(DRAFT)


@pytest.fixture(scope="module")
def v1() -> dict:
    return load(V1)


def questions_of(data: dict) -> list[dict]:
    return [q for s in data["sections"] for q in s["questions"]]


def index_of(data: dict) -> dict[str, dict]:
    return {q["id"]: q for q in questions_of(data)}


def leaves(condition: dict):
    """Every comparison in a condition tree (question and member comparisons)."""
    if "all" in condition or "any" in condition:
        for part in condition.get("all") or condition.get("any"):
            yield from leaves(part)
    elif "not" in condition:
        yield from leaves(condition["not"])
    else:
        yield condition


def operator_of(leaf: dict) -> str:
    ops = [k for k in leaf if k not in ("question", "member")]
    assert len(ops) == 1, f"a comparison needs exactly one operator: {leaf}"
    return ops[0]


def referenced(condition: dict) -> set[str]:
    return {leaf["question"] for leaf in leaves(condition) if "question" in leaf}


def has_member_part(condition: dict) -> bool:
    return any("member" in leaf for leaf in leaves(condition))


def answers_of(question: dict) -> set[str]:
    codes = set(FIXED_ANSWERS.get(question["type"], set()))
    codes |= {o["code"] for o in question.get("options", [])}
    if question.get("allow_unknown"):
        codes.add("unknown")
    if question.get("allow_not_applicable"):
        codes.add("not_applicable")
    return codes


def texts(data: dict):
    """(where, text) for every text a person reads, so none can lack English."""
    for key in ("title", "description", "reference_period"):
        yield key, data[key]
    for key, text in data["notices"].items():
        yield f"notices.{key}", text
    for s in data["sections"]:
        for key in ("title", "short_title", "intro"):
            yield f"section {s['id']}.{key}", s[key]
        for q in s["questions"]:
            yield f"{q['id']}.label", q.get("label")
            yield f"{q['id']}.help", q.get("help")
            if "unit" in q:
                yield f"{q['id']}.unit", q["unit"]
            for o in q.get("options", []):
                yield f"{q['id']} option {o['code']}", o.get("label")
            if q.get("previous", {}).get("same") is False:
                yield f"{q['id']}.previous.change", q["previous"].get("change")
    for a in data["actions"]:
        yield f"action {a['id']}.gap", a.get("gap")
        yield f"action {a['id']}.action", a.get("action")
    for c in data["checks"]:
        yield f"check {c['id']}.message", c.get("message")


def english(text) -> str:
    return " ".join(text["en"].split())


def is_scored(question: dict, in_pillar: bool) -> bool:
    """Mirror of Question.scored for the draft: does this item carry points?"""
    kind = question["type"]
    if not in_pillar or question.get("weight", 1) == 0:
        return False
    if kind in ("yes_no", "yes_no_partial"):
        return True
    if kind in ("single_choice", "multiple_choice"):
        return any(o.get("points") is not None for o in question["options"])
    if kind in NUMERIC_TYPES:
        return bool(question.get("bands"))
    return False


def scored_questions(data: dict) -> list[dict]:
    return [q for s in data["sections"] for q in s["questions"] if is_scored(q, s["pillar"])]


# -- the file itself ------------------------------------------------------------------------


def test_v2_parses_as_plain_yaml_and_is_bundled_and_seeded(draft):
    assert (draft["code"], draft["version"], draft["format"]) == ("ftm-capability", 2, 2)
    assert [s["id"] for s in draft["sections"] if s["pillar"]] == ["legal", "operational", "cooperation"]
    # Pages, exports and the demo handle format 2: `survey seed` stores v1 and v2.
    assert [p.name for p in bundled_definition_paths()] == [
        "ftm-capability-v1.yaml", "ftm-capability-v2.yaml"]
    assert DRAFT in bundled_definition_paths(formats=(1, 2))
    assert DRAFT not in bundled_definition_paths(formats=(1,))


def test_the_engine_reads_v2_and_the_format_1_reader_would_refuse_it(draft):
    definition = load_definition(DRAFT)
    assert (definition.key, definition.format, len(definition.questions)) == ("ftm-capability:2", 2, 106)
    assert (len(definition.actions), len(definition.checks)) == (63, 6)
    as_format_1 = {k: v for k, v in draft.items() if k != "format"}
    with pytest.raises(DefinitionError) as caught:
        questionnaires.parse_definition(as_format_1, "v2-without-format.yaml")
    problems = "\n".join(caught.value.problems)
    for refusal in (
        "checks: is not a known top-level key",
        "question op_fin_inv_share: type 'derived' needs 'format: 2'",
        "question stat_period: type 'statistical_year' needs 'format: 2'",
        "question op_fiu_disseminations: 'scored_when' is not a setting",
        "question op_trained_staff: option 'none': 'exclusive' is not an option setting",
    ):
        assert refusal in problems


def test_ids_are_unique_and_well_formed(draft):
    qids = [q["id"] for q in questions_of(draft)]
    for ids in (
        qids,
        [s["id"] for s in draft["sections"]],
        [a["id"] for a in draft["actions"]],
        [c["id"] for c in draft["checks"]],
    ):
        duplicated = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicated
        assert all(ID_PATTERN.match(i) for i in ids), [i for i in ids if not ID_PATTERN.match(i)]
    assert not set(qids) & {a["id"] for a in draft["actions"]} & {c["id"] for c in draft["checks"]}
    for q in questions_of(draft):
        codes = [o["code"] for o in q.get("options", [])]
        assert len(codes) == len(set(codes)), q["id"]
        for code in codes:
            assert OPTION_PATTERN.match(code) and code not in ("unknown", "not_applicable"), (q["id"], code)


def test_every_text_has_english(draft):
    missing = [
        where
        for where, text in texts(draft)
        if not isinstance(text, dict) or not isinstance(text.get("en"), str) or not text["en"].strip()
    ]
    assert not missing


def test_every_free_text_help_carries_the_confidentiality_sentence(draft):
    sentence = english(draft["notices"]["confidentiality"])
    assert "names of victims or suspects" in sentence and "still ongoing" in sentence
    free_text = [q for q in questions_of(draft) if q["type"] in FREE_TEXT_TYPES]
    assert len(free_text) >= 4
    for q in free_text:
        assert sentence in english(q["help"]), q["id"]
    # No help may still invite case examples (v1's obstacles question did).
    for q in questions_of(draft):
        assert "examples from real cases" not in english(q["help"]).lower(), q["id"]


# -- the v1 -> v2 crosswalk --------------------------------------------------------------------


def test_previous_mapping_is_a_complete_crosswalk_to_v1(draft, v1):
    assert draft["previous"]["code"] == v1["code"] and draft["previous"]["version"] == v1["version"]
    old = index_of(v1)
    retired = draft["previous"].get("retired") or {}
    assert set(retired) <= set(old)
    mapped = Counter()
    for q in questions_of(draft):
        prev = q.get("previous")
        if prev is None:
            assert q["id"] not in old, f"{q['id']} reuses a v1 id without saying whether it means the same"
            continue
        assert set(prev) <= {"question", "same", "change"}, q["id"]
        assert prev["question"] in old, f"{q['id']}: previous question {prev['question']!r} is not in v1"
        assert isinstance(prev["same"], bool), q["id"]
        mapped[prev["question"]] += 1
        before = old[prev["question"]]
        if prev["same"]:
            assert q["type"] == before["type"], q["id"]
            lost = answers_of(before) - answers_of(q) - {"not_applicable"}
            assert not lost, f"{q['id']}: v1 answers {sorted(lost)} would not carry"
        else:
            # Same id means same meaning: a changed question gets a new id.
            assert q["id"] != prev["question"], q["id"]
            assert english(prev["change"]), q["id"]
    assert not [qid for qid, n in mapped.items() if n > 1], "a v1 question maps to two v2 questions"
    assert set(old) == set(mapped) | set(retired), sorted(set(old) - set(mapped) - set(retired))


# -- conditions -----------------------------------------------------------------------------------


def all_conditions(draft):
    """(where, condition, questions it may read) for every condition in the draft."""
    order = [q["id"] for q in questions_of(draft)]
    for position, q in enumerate(questions_of(draft)):
        earlier = set(order[:position])
        for key in ("relevant", "scored_when"):
            if key in q:
                yield f"{q['id']}.{key}", q[key], earlier
        if isinstance(q.get("required"), dict):
            yield f"{q['id']}.required", q["required"], set(order)
        for o in q.get("options", []):
            if "offered_when" in o:
                yield f"{q['id']} option {o['code']}.offered_when", o["offered_when"], set()
    for a in draft["actions"]:
        yield f"action {a['id']}", a["when"], set(order)
    for c in draft["checks"]:
        yield f"check {c['id']}", c["must"], set(order)


def test_conditions_refer_only_to_existing_and_earlier_questions(draft):
    questions = index_of(draft)
    for where, condition, readable in all_conditions(draft):
        for qid in referenced(condition):
            assert qid in questions, f"{where}: unknown question {qid!r}"
            assert qid in readable, f"{where}: {qid!r} does not come before it"
        for leaf in leaves(condition):
            if "member" in leaf:
                assert leaf["member"] in MEMBER_ATTRIBUTES, where
                if leaf["member"] == "subregion":
                    values = leaf.get("in") or [leaf.get("equals")]
                    assert set(values) <= SUBREGIONS, where
        if ".offered_when" in where:
            assert not referenced(condition), f"{where}: options may depend on the member only"
    for q in questions_of(draft):
        if q["type"] == "derived":
            order = [x["id"] for x in questions_of(draft)]
            for key in ("numerator", "denominator", "fallback"):
                ref = q["derive"].get(key)
                if ref is not None:
                    assert order.index(ref) < order.index(q["id"]), (q["id"], key)
                    assert questions[ref]["type"] in ("integer", "decimal", "percentage"), (q["id"], ref)


def test_conditions_use_the_existing_condition_language(draft):
    """Question conditions parse with today's parser; answers named in them exist."""
    questions = index_of(draft)
    for where, condition, _ in all_conditions(draft):
        for leaf in leaves(condition):
            op = operator_of(leaf)
            if op == "scores_below":  # actions only: "in a band scoring below", read by the bands
                assert where.startswith("action ") and questions[leaf["question"]].get("bands")
                continue
            assert op in COMPARISONS, f"{where}: {op!r}"
            if "member" in leaf:
                continue
            operand = leaf[op]
            if isinstance(operand, dict):  # {answer: <id>}: the one extension, for checks
                assert where.startswith("check ") and set(operand) == {"answer"}, where
                assert op in NUMBER_COMPARISONS and questions[operand["answer"]]["type"] in NUMERIC_TYPES
                continue
            parse_condition(leaf)  # raises on anything the engine cannot read
            ref = questions[leaf["question"]]
            if op in NUMBER_COMPARISONS:
                assert ref["type"] in NUMERIC_TYPES, f"{where}: {op} on a {ref['type']} question"
            elif op == "includes":
                assert ref["type"] == "multiple_choice" and operand in answers_of(ref), where
            elif op != "answered" and ref["type"] in CHOICE_TYPES:
                values = operand if isinstance(operand, list) else [operand]
                assert set(values) <= answers_of(ref), f"{where}: {values} not answers of {ref['id']}"
            elif op != "answered":
                values = operand if isinstance(operand, list) else [operand]
                assert all(isinstance(v, (int, float)) or v in answers_of(ref) for v in values), where
        bands_read = any(operator_of(leaf) == "scores_below" for leaf in leaves(condition))
        if not has_member_part(condition) and not where.startswith("check ") and not bands_read:
            parse_condition(condition)


# -- scoring rules ---------------------------------------------------------------------------------


def test_every_scored_result_has_a_caseload_condition_or_not_applicable(draft):
    """What `survey questionnaire validate` will report: a scored count without either."""
    results = [q for q in scored_questions(draft) if q["type"] in NUMERIC_TYPES]
    assert {"op_fin_inv_share", "op_confiscation_share", "op_ml_per_100_tip"} <= {q["id"] for q in results}
    for q in results:
        assert "scored_when" in q or q.get("allow_not_applicable"), q["id"]
    # Raw counts are never scored for their size; only rates and caseload-conditioned items are.
    for q in scored_questions(draft):
        if q["type"] in COUNT_TYPES:
            assert "scored_when" in q and [b["points"] for b in q["bands"]] == [0, 1], q["id"]


def test_unknown_caseload_never_switches_scoring_off(draft):
    """'Unknown' must not score better than a known answer: an unknown caseload keeps the item scored."""
    questions = index_of(draft)
    conditions = [(q["id"], q["scored_when"]) for q in questions_of(draft) if "scored_when" in q]
    assert len(conditions) >= 5
    for qid, raw in conditions:
        condition = parse_condition(raw)
        refs = referenced(raw)
        assert all(questions[r].get("allow_unknown") for r in refs), qid
        assert condition.holds(lambda _r: "unknown"), f"{qid}: an unknown caseload would escape scoring"
        assert condition.holds(lambda _r: 3), qid
        assert not condition.holds(lambda _r: 0), f"{qid}: a zero caseload must leave the denominator"


def test_every_scored_item_can_raise_a_gap_with_its_own_action(draft):
    read_by_actions = set().union(*(referenced(a["when"]) for a in draft["actions"]))
    unread = [q["id"] for q in scored_questions(draft) if q["id"] not in read_by_actions]
    assert not unread
    pillars = {s["id"] for s in draft["sections"] if s["pillar"]}
    for a in draft["actions"]:
        assert a["section"] in pillars and a["priority"] in ("high", "medium", "low"), a["id"]


def test_no_action_fires_on_a_count_alone(draft):
    """A count in an action's condition needs a caseload beside it; 'unknown' marks a data gap."""
    questions = index_of(draft)
    for a in draft["actions"]:
        for leaf in leaves(a["when"]):
            qid = leaf.get("question")
            if qid is None or questions[qid]["type"] not in COUNT_TYPES or leaf.get("equals") == "unknown":
                continue
            others = referenced(a["when"]) - {qid}
            assert "all" in a["when"] and others, f"action {a['id']} fires on the count {qid} alone"


def test_arin_ap_is_recommended_only_to_members_in_asia_and_the_pacific(draft):
    for a in draft["actions"]:
        if "ARIN-AP" in english(a["action"]) and "coop_asset_recovery_network" in referenced(a["when"]):
            subregion = [leaf for leaf in leaves(a["when"]) if leaf.get("member") == "subregion"]
            assert subregion, a["id"]
    actip = index_of(draft)["leg_actip"]
    assert actip["relevant"] == {"member": "groups", "includes": "asean"}


def test_standards_cite_r36_for_the_conventions_only(draft):
    """FATF R.36 lists the Vienna, Palermo and Merida conventions, not UNTOC's Protocols."""
    questions = index_of(draft)
    for qid in ("leg_untoc", "leg_uncac", "leg_vienna"):
        assert "FATF R.36" in questions[qid]["standard"], qid
    for qid in ("leg_tip_protocol", "leg_som_protocol"):
        assert "R.36" not in questions[qid]["standard"], qid
    for qid in ("leg_untoc", "leg_tip_protocol", "leg_som_protocol", "leg_uncac", "leg_vienna"):
        codes = [o["code"] for o in questions[qid]["options"]]
        assert "not_extended" in codes and "not_applicable" not in codes, qid
        points = {o["code"]: o["points"] for o in questions[qid]["options"]}
        assert points["not_extended"] < points["party"] == points["extended"], qid


# -- answers: exclusive options, visibility, periods, bounds, checks ---------------------------


def test_none_of_these_is_exclusive_and_scores_nothing(draft):
    for q in questions_of(draft):
        for o in q.get("options", []):
            if o.get("exclusive"):
                assert q["type"] == "multiple_choice", q["id"]
                assert not o.get("points"), q["id"]
            if q["type"] == "multiple_choice" and o["code"] == "none":
                assert o.get("exclusive") is True, f"{q['id']}: 'None' can be ticked beside other options"


def test_counts_and_free_text_stay_internal(draft):
    for q in questions_of(draft):
        assert q.get("visibility", "default") in ("public", "internal", "default"), q["id"]
        if q["type"] in COUNT_TYPES | FREE_TEXT_TYPES:
            assert q.get("visibility") != "public", f"{q['id']} would publish a count or free text"
        if q["type"] == "derived" and q.get("visibility") == "public":
            assert q.get("min_public_denominator", 0) >= 5, q["id"]


def test_reference_year_counts_never_carry_over_and_periods_are_anchored(draft):
    order = [q["id"] for q in questions_of(draft)]
    periods = [q for q in questions_of(draft) if q["type"] == "statistical_year"]
    assert [q["id"] for q in periods] == ["stat_period"] and periods[0]["carry_over"] is False
    first_with_period = min(order.index(q["id"]) for q in questions_of(draft) if "period" in q)
    assert order.index("stat_period") < first_with_period
    for q in questions_of(draft):
        words = english(q["label"]) + " " + english(q["help"])
        if q.get("period") == "reference_year":
            assert q.get("carry_over", False) is False, q["id"]
        if q["type"] in COUNT_TYPES and "in the reference year" in english(q["label"]):
            assert q.get("period") == "reference_year", q["id"]
        if "two years before it" in words and q["type"] != "statistical_year":
            assert q.get("period") == "three_years", q["id"]
        assert "last three years" not in words, f"{q['id']}: anchor the window to the reference year"


def test_numbers_have_hard_and_soft_bounds_in_order(draft):
    for q in questions_of(draft):
        if q["type"] not in COUNT_TYPES:
            continue
        assert q.get("min") == 0 and q.get("max") is not None, f"{q['id']} needs hard bounds"
        if "plausible_max" in q:
            assert q["min"] < q["plausible_max"] < q["max"], q["id"]
    assert index_of(draft)["coop_mla_requests_sent"]["max"] < 1_000_000_000_000


def test_checks_name_both_questions_and_only_those(draft):
    for c in draft["checks"]:
        assert c["severity"] in ("error", "warning"), c["id"]
        refs = referenced(c["must"]) | {
            leaf[op]["answer"]
            for leaf in leaves(c["must"])
            for op in [operator_of(leaf)]
            if isinstance(leaf[op], dict)
        }
        message = english(c["message"])
        named = set(re.findall(r"\{number:([a-z0-9_]+)\}", message))
        valued = set(re.findall(r"\{value:([a-z0-9_]+)\}", message))
        assert refs == named, c["id"]
        assert valued <= refs, c["id"]
    subset_checks = {c["id"] for c in draft["checks"] if c["severity"] == "error"}
    assert {"fin_inv_within_tip_investigations", "confiscation_within_convictions"} <= subset_checks
    cross_year = {c["id"] for c in draft["checks"] if c["severity"] == "warning"}
    assert "tip_convictions_vs_prosecutions" in cross_year
