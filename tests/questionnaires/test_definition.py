"""Definitions are validated before use; a broken one is refused with a precise message."""

from pathlib import Path

import pytest
import yaml

from questionnaires import DefinitionError, bundled_definition_paths, load_definition, parse_definition

BUNDLED = bundled_definition_paths()


def minimal(**changes) -> dict:
    data = {
        "code": "mini", "version": 1, "title": {"en": "Mini"},
        "sections": [{"id": "legal", "pillar": True, "title": {"en": "Legal"}, "questions": [
            {"id": "q_offence", "type": "yes_no_partial", "label": {"en": "Offence?"},
             "help": {"en": "Explained."}},
            {"id": "q_cite", "type": "legal_reference", "label": {"en": "Cite it"},
             "relevant": {"question": "q_offence", "in": ["yes", "partial"]}},
        ]}],
        "actions": [{"id": "fix_offence", "section": "legal", "priority": "high",
                     "when": {"question": "q_offence", "equals": "no"},
                     "gap": {"en": "No offence."}, "action": {"en": "Legislate."}}],
    }
    data.update(changes)
    return data


def problems_of(data, source="bad.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(data, source=source)
    assert str(caught.value).startswith(f"{source}:")
    return caught.value.problems


def test_bundled_capability_questionnaire_is_valid_and_complete():
    assert [p.name for p in BUNDLED] == ["ftm-capability-v1.yaml", "ftm-capability-v2.yaml"]
    definition = load_definition(BUNDLED[0])
    assert definition.key == "ftm-capability:1"
    assert 45 <= len(definition.questions) <= 70
    assert [s.id for s in definition.pillars] == ["legal", "operational", "cooperation"]
    assert not definition.sections[0].pillar  # the responding institutions: context only
    for q in definition.questions:
        assert q.help.get(), f"{q.id} has no help text"
    types = {q.type for q in definition.questions}
    assert {"yes_no_partial", "legal_reference", "integer", "multiple_choice"} <= types
    assert any(q.relevant for q in definition.questions), "the questionnaire uses skip logic"
    key_counts = [q.id for q in definition.questions if q.key_count]
    assert len(key_counts) >= 6
    action_text = " ".join(a.action.get() for a in definition.actions)
    for mechanism in ("ARIN-AP", "ARLEMP", "Egmont", "Regional Asset Forfeiture Conference"):
        assert mechanism in action_text


def test_checksum_ignores_key_order_but_not_content():
    data = minimal()
    reordered = dict(reversed(list(data.items())))
    assert parse_definition(data).checksum() == parse_definition(reordered).checksum()
    changed = minimal(title={"en": "Other"})
    assert parse_definition(changed).checksum() != parse_definition(data).checksum()


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: x\nsections: [\n  - id: a\n")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert message.startswith("broken.yaml:")
    assert "not valid YAML at line" in message


def test_unknown_type_names_the_question():
    data = minimal()
    data["sections"][0]["questions"][0]["type"] = "slider"
    problems = problems_of(data)
    assert any(p.startswith("question q_offence: unknown type 'slider'") for p in problems)


def test_relevance_on_a_later_or_unknown_question_is_refused():
    data = minimal()
    data["sections"][0]["questions"][0]["relevant"] = {"question": "q_cite", "answered": True}
    data["sections"][0]["questions"][1]["relevant"] = {"question": "q_ghost", "equals": "yes"}
    problems = problems_of(data)
    assert "question q_offence: 'relevant' refers to 'q_cite', which does not come before it" in problems
    assert "question q_cite: 'relevant' refers to unknown question 'q_ghost'" in problems


def test_condition_naming_an_answer_the_question_cannot_take():
    data = minimal()
    data["sections"][0]["questions"][1]["relevant"] = {"question": "q_offence", "equals": "maybe"}
    problems = problems_of(data)
    assert any("'maybe' is not an answer of question 'q_offence'" in p for p in problems)


def test_yaml_booleans_in_conditions_are_caught():
    # Unquoted yes/no in YAML become true/false: the engine must say so, not silently never match.
    text = yaml.safe_dump(minimal()).replace("equals: 'no'", "equals: no")
    assert "equals: no" in text
    problems = problems_of(text)
    assert any("'False' is not an answer of question 'q_offence'" in p for p in problems)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["sections"][0]["questions"].append(dict(d["sections"][0]["questions"][0])),
     "question q_offence: the id is used twice"),
    (lambda d: d["sections"][0]["questions"][0].update(label={"fr": "Infraction ?"}),
     "question q_offence: label: has no English ('en') text"),
    (lambda d: d["sections"][0]["questions"][0].update(colour="red"),
     "question q_offence: 'colour' is not a setting of a yes_no_partial question"),
    (lambda d: d["sections"][0]["questions"].append(
        {"id": "q_pick", "type": "single_choice", "label": "Pick",
         "options": [{"code": "unknown", "label": "?"}]}),
     "question q_pick: option code 'unknown' is reserved; use allow_not_applicable or allow_unknown"),
    (lambda d: d["sections"][0]["questions"].append(
        {"id": "q_count", "type": "integer", "label": "How many", "min": 10, "max": 1}),
     "question q_count: 'min' (10.0) is above 'max' (1.0)"),
    (lambda d: d["sections"][0]["questions"].append(
        {"id": "q_count", "type": "integer", "label": "How many",
         "bands": [{"max": 5, "points": 0.5}, {"max": 3, "points": 1}]}),
     "question q_count: band maxima must increase (band 2)"),
    (lambda d: d["sections"][0]["questions"].append(
        {"id": "q_count", "type": "integer", "label": "How many",
         "bands": [{"max": 5, "points": 0.5}]}),
     "question q_count: the last band must leave out 'max' so every number has a band"),
    (lambda d: d["sections"][0]["questions"].append(
        {"id": "q_text", "type": "short_text", "label": "Name", "key_count": True}),
     "question q_text: 'key_count' is only for number questions"),
    (lambda d: d["actions"][0].update(when={"question": "q_none", "equals": "no"}),
     "action fix_offence: 'when' refers to unknown question 'q_none'"),
    (lambda d: d["actions"][0].update(priority="urgent"),
     "action fix_offence: 'priority' must be one of high, medium, low"),
    (lambda d: d["actions"][0].update(when={"question": "q_offence", "eval": "1"}),
     "action fix_offence: when: a condition on 'q_offence' needs exactly one of equals, not_equals, "
     "in, not_in, gt, gte, lt, lte, includes, answered; got eval"),
    (lambda d: d.update(version=0), "version: must be a positive whole number"),
    (lambda d: d.update(code="Bad Code"), "code: must be lower-case letters, digits and hyphens"),
])
def test_each_mistake_is_reported_precisely(mutate, expected):
    data = minimal()
    mutate(data)
    assert expected in problems_of(data)


def test_every_problem_is_reported_at_once():
    data = minimal(version="one")
    data["sections"][0]["questions"][0]["type"] = "slider"
    data["actions"][0]["priority"] = "urgent"
    problems = problems_of(data)
    assert "version: must be a positive whole number" in problems
    assert any(p.startswith("question q_offence: unknown type") for p in problems)
    assert "action fix_offence: 'priority' must be one of high, medium, low" in problems


def test_yaml_cannot_build_python_objects():
    text = "code: !!python/object/apply:os.system ['echo hacked']\nversion: 1\n"
    problems = problems_of(text)
    assert problems[0].startswith("not valid YAML")


def test_oversized_definition_is_refused():
    problems = problems_of("x" * (2 * 1024 * 1024 + 1))
    assert "the limit is" in problems[0]
