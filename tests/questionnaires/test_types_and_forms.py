"""Each question type reads, checks, shows, scores and exports its values."""

import pytest
from werkzeug.datastructures import MultiDict

from questionnaires import AnswerError, build_section_form, parse_definition, question_points, read_section

DEFINITION = parse_definition({
    "code": "types", "version": 1, "title": "Types",
    "sections": [{"id": "main", "title": "Pillar", "questions": [
        {"id": "ynp", "type": "yes_no_partial", "label": "Law?", "allow_not_applicable": True},
        {"id": "yn", "type": "yes_no", "label": "Unit?"},
        {"id": "one", "type": "single_choice", "label": "Model",
         "options": [{"code": "admin", "label": "Administrative", "points": 1},
                     {"code": "none", "label": "None", "points": 0}]},
        {"id": "many", "type": "multiple_choice", "label": "Registries", "max_points": 2,
         "options": [{"code": "bank", "label": "Bank accounts", "points": 1},
                     {"code": "company", "label": "Companies", "points": 1},
                     {"code": "land", "label": "Land", "points": 1}]},
        {"id": "count", "type": "integer", "label": "Investigations", "min": 0, "max": 100000,
         "unit": "cases", "allow_unknown": True,
         "bands": [{"max": 0, "points": 0}, {"max": 4, "points": 0.5}, {"points": 1}]},
        {"id": "value", "type": "decimal", "label": "Value", "min": 0, "unit": "USD"},
        {"id": "share", "type": "percentage", "label": "Share"},
        {"id": "since", "type": "year", "label": "Since"},
        {"id": "who", "type": "short_text", "label": "Agency", "max_length": 10},
        {"id": "notes", "type": "long_text", "label": "Notes"},
        {"id": "cite", "type": "legal_reference", "label": "Citation"},
    ]}],
})
Q = {q.id: q for q in DEFINITION.questions}


@pytest.mark.parametrize("qid, raw, expected", [
    ("ynp", "partial", "partial"), ("ynp", "not_applicable", "not_applicable"),
    ("one", "admin", "admin"), ("many", ["land", "bank"], ["bank", "land"]),
    ("many", "company", ["company"]), ("count", "1234", 1234), ("count", 7, 7),
    ("count", "unknown", "unknown"), ("value", "2500.50", 2500.5), ("share", "12.5", 12.5),
    ("since", "2012", 2012), ("who", "  AMLO ", "AMLO"),
    ("cite", {"instrument": "Anti-Trafficking Act", "article": "s. 6", "year": "2008", "url": ""},
     {"instrument": "Anti-Trafficking Act", "article": "s. 6", "year": 2008, "url": None}),
])
def test_values_are_normalised(qid, raw, expected):
    assert Q[qid].normalise(raw) == expected


@pytest.mark.parametrize("qid, raw, message", [
    ("ynp", "maybe", "Choose one of the offered answers"),
    ("yn", "not_applicable", "is not offered for this question"),
    ("many", ["bank", "boat"], "“boat” is not one of the offered answers."),
    # Values given by programs and files are read in the one fixed machine form, never
    # by a language: "1,234" could be 1234 or 1.234, so it is refused, not guessed.
    ("count", "twelve", "Expected a number written with digits"),
    ("count", "1,234", "Expected a number written with digits"),
    ("count", "2.5", "This question asks for a whole number"),
    ("count", -1, "Enter a number of at least 0."),
    ("count", "1e400", "Expected a number written with digits"),
    ("count", float("inf"), "Expected a number written with digits"),
    ("share", 101, "Enter a number no larger than 100."),
    ("since", 1500, "Enter a year between 1900 and"),
    ("who", "Far too long a name", "Shorten this answer to 10 characters (it has 19)."),
    ("cite", {"article": "s. 6"}, "Give the name of the law or instrument."),
    ("cite", {"instrument": "Act", "url": "javascript:alert(1)"}, "must start with http"),
    ("cite", {"instrument": "Act", "year": "20x8"}, "Enter the year of the law as four digits."),
])
def test_wrong_values_get_plain_messages(qid, raw, message):
    with pytest.raises(AnswerError) as caught:
        Q[qid].normalise(raw)
    assert message in str(caught.value)


def test_display_and_spreadsheet_values():
    assert Q["ynp"].display("partial") == "Partly"
    assert Q["ynp"].display("not_applicable") == "Not applicable"
    assert Q["many"].display(["bank", "land"]) == "Bank accounts; Land"
    assert Q["count"].display(1234) == "1,234 cases"
    cite = {"instrument": "Act", "article": "s. 6", "year": 2008, "url": None}
    assert Q["cite"].display(cite) == "Act (2008), s. 6"
    kind = Q["count"].kind
    assert kind.cell(Q["count"], 12) == 12 and kind.cell(Q["count"], "unknown") == "Unknown / no data"
    assert Q["one"].kind.cell(Q["one"], "admin") == "Administrative"
    assert Q["since"].kind.cell(Q["since"], 2012) == 2012
    assert Q["many"].kind.codes(Q["many"], ["bank", "land"]) == "bank;land"


def test_points_per_type():
    assert question_points(Q["ynp"], "yes") == 1.0
    assert question_points(Q["ynp"], "partial") == 0.5
    assert question_points(Q["ynp"], "not_applicable") is None
    assert question_points(Q["count"], "unknown") == 0.0
    assert [question_points(Q["count"], n) for n in (0, 3, 5)] == [0.0, 0.5, 1.0]
    assert question_points(Q["many"], ["bank"]) == 0.5
    assert question_points(Q["many"], ["bank", "company", "land"]) == 1.0  # capped
    assert question_points(Q["one"], "none") == 0.0
    assert not Q["value"].scored and not Q["who"].scored and Q["count"].scored


def test_form_is_plain_wtforms_and_keeps_invalid_input():
    form_class = build_section_form(DEFINITION.sections[0])
    posted = MultiDict([
        ("ynp", "yes"), ("count", "abc"), ("count__special", ""), ("many", "bank"),
        ("many", "land"), ("cite__instrument", "Act"), ("cite__year", "2001"),
        ("who__evidence", "From the annual report"), ("who", "AMLO"),
    ])
    form = form_class(posted)
    assert form.count.data == "abc"  # what was typed stays in the field
    assert 'type="radio"' in str(form.ynp) and 'value="not_applicable"' in str(form.ynp)
    assert 'type="checkbox"' in str(form.many)
    values, evidence, errors = read_section(DEFINITION.sections[0], posted)
    assert errors == {"count": "Type the number in digits only, without words or letters, for "
                               "example 1,500,000 or 1500000."}
    assert values["ynp"] == "yes" and values["many"] == ["bank", "land"]
    assert values["cite"] == {"instrument": "Act", "article": None, "year": 2001, "url": None}
    assert evidence["who"] == "From the annual report"
    assert "share" not in values  # not posted at all: left alone


def test_special_answer_chosen_beside_a_number():
    posted = MultiDict([("count", ""), ("count__special", "unknown")])
    values, _, errors = read_section(DEFINITION.sections[0], posted, only={"count"})
    assert values == {"count": "unknown"} and errors == {}


def test_form_data_round_trips_values():
    kind = Q["cite"].kind
    cite = {"instrument": "Act", "article": "s. 6", "year": 2008, "url": None}
    data = kind.form_data(Q["cite"], cite)
    assert kind.read_form(Q["cite"], data) == cite
    data = Q["count"].kind.form_data(Q["count"], "unknown")
    assert data == {"count": "", "count__special": "unknown"}


def test_labels_follow_the_language_with_english_fallback():
    definition = parse_definition({
        "code": "lang", "version": 1, "title": {"en": "T", "fr": "T fr"},
        "sections": [{"id": "main", "title": "P", "questions": [
            {"id": "law", "type": "yes_no", "label": {"en": "Law?", "fr": "Loi ?"}, "help": "Only English"},
        ]}]})
    q = definition.questions[0]
    assert q.label.get("fr") == "Loi ?" and q.label.get("th") == "Law?"
    assert q.help.get("fr") == "Only English"
    form = build_section_form(definition.sections[0], "fr")()
    assert "Loi ?" in str(form.law.label) and "Oui" in str(form.law)
