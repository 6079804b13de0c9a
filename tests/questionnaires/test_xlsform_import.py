"""Reading XLSForm workbooks: the export read back whole, forms written the way Kobo
users write them, every unsupported part refused by sheet, row and column, and hostile
workbooks refused cleanly."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from exports.xlsform import build_xlsform
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.xlsform import XLSFormError, read_xlsform

EVERY_FEATURE = Path(__file__).parent / "data" / "xlsform-every-feature.yaml"


def _workbook(survey: list[list], choices: list[list] | None = None,
              settings: list[list] | None = None, extra: dict[str, list[list]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheets = {"survey": survey, **({"choices": choices} if choices is not None else {}),
              **({"settings": settings} if settings is not None else {}), **(extra or {})}
    for n, (name, rows) in enumerate(sheets.items()):
        sheet = book.active if n == 0 else book.create_sheet()
        sheet.title = name
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _problems(data: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(data, "kobo-form")
    return caught.value.problems


# -- the export read back -------------------------------------------------------------

@pytest.mark.parametrize("path", [*bundled_definition_paths(formats=(1, 2)), EVERY_FEATURE],
                         ids=lambda p: p.name)
def test_export_then_import_gives_the_same_definition(path):
    original = load_definition(path)
    result = read_xlsform(build_xlsform(original), original.code)
    back = result.definition
    assert result.notes == []
    # Sections, questions (type, options, points, bands, weights, conditions, texts in every
    # language, limits, special answers), actions and scoring, compared field by field.
    assert back.sections == original.sections
    assert back.actions == original.actions
    assert back.scoring == original.scoring
    assert (back.title, back.description, back.reference_period) == (
        original.title, original.description, original.reference_period)
    assert back.key == original.key
    assert back == original


def test_the_imported_definition_is_yaml_the_loader_reads():
    original = load_definition(EVERY_FEATURE)
    result = read_xlsform(build_xlsform(original), "renamed-code", version=7)
    assert result.definition.key == "renamed-code:7"
    assert result.yaml_text.startswith("code: renamed-code\nversion: 7\ntitle:\n  en: Every feature")
    assert "&" not in result.yaml_text.split("sections:")[0]  # no YAML anchors
    assert "fr: Quels pouvoirs ?" in result.yaml_text


def test_a_workbook_saved_again_with_a_formula_like_label_keeps_it_as_text():
    original = load_definition(EVERY_FEATURE)
    book = openpyxl.load_workbook(io.BytesIO(build_xlsform(original)))
    out = io.BytesIO()
    book.save(out)  # as another program saves it: the quote prefix stays a style
    back = read_xlsform(out.getvalue(), original.code).definition
    assert back.question("about_agency").help.get("en").startswith('=HYPERLINK("http://')
    assert back.question("about_agency").help.get("fr") == "-5 reste du texte."


# -- forms written by hand, the Kobo way --------------------------------------------

KOBO_SURVEY = [
    ["type", "name", "Label::English (en)", "label::Français (fr)", "hint::English (en)",
     "required", "relevant", "constraint", "appearance", "constraint_message::English (en)",
     "$kuid"],
    ["start", "start", None, None, None, None, None, None, None, None, "a1"],
    ["end", "end", None, None, None, None, None, None, None, None, "a2"],
    ["note", "welcome", "Answer for the whole country.", "Répondez pour tout le pays.", None,
     None, None, None, None, None, "a3"],
    ["begin group", "legal", "Laws", "Lois", None, None, None, None, "field-list", None, "a4"],
    ["note", "legal_intro", "About your laws.", None, None, None, None, None, None, None, "a5"],
    ["select_one yn", "offence", "Is trafficking an offence?", "La traite est-elle une infraction ?",
     "Any law counts.", "yes", None, None, "minimal", None, "a6"],
    [None] * 11,  # a blank row
    ["note", "law_note", "Name the law as it is published.", None, None, None, None, None, None,
     None, "a7"],
    ["text", "law_name", "Which law?", None, None, "true()", "${offence} = 'yes'",
     "string-length(.) <= 200", None, None, "a8"],
    ["date", "law_year", "Year of the law", None, None, None,
     "${offence} != '' and ${offence} != 'no'", ". >= 1900", "year", None, "a9"],
    ["end group", None, None, None, None, None, None, None, None, None, "a10"],
    ["begin_group", "ops", "Operations", None, None, None, "${offence} = 'yes'", None, None,
     None, "a11"],
    ["integer", "cases", "How many cases?", None, None, "yes", None, ". >= 0 and . <= 5000", None,
     "Between 0 and 5000", "a12"],
    ["decimal", "value", "Value frozen (USD)", None, None, None, "${cases} > 0", ". >= 0", None,
     None, "a13"],
    ["select_multiple powers", "powers", "Which powers?", None, None, "yes",
     "not(${cases} = 0)", "not(selected(., 'none') and count-selected(.) > 1)", None, None, "a14"],
    ["text", "notes", "Anything else?", None, None, "no",
     "selected(${powers}, 'freeze') or count-selected(${powers}) = 0", None, "multiline", None,
     "a15"],
    ["end_group", None, None, None, None, None, None, None, None, None, "a16"],
]
KOBO_CHOICES = [
    ["List Name", "name", "label::English (en)", "label::Français (fr)"],
    ["yn", "yes", "Yes", "Oui"],
    ["yn", "no", "No", "Non"],
    ["yn", "unknown", "Don't know", "Ne sait pas"],
    ["powers", "freeze", "Freeze", None],
    ["powers", "seize", "Seize", None],
    ["powers", "none", "None of these", None],
]


def test_a_form_written_the_kobo_way_is_read(monkeypatch):
    # "None of these" ticked alone is a format-2 setting; until the format-2 loader is in,
    # this test reads the form without that constraint (the next test shows the refusal).
    survey = [list(row) for row in KOBO_SURVEY]
    survey[15][7] = None
    data = _workbook(survey, KOBO_CHOICES, [["form_title", "form_id", "default_language"],
                                            ["Kobo capability form", "kobo_cap", "English (en)"]])
    result = read_xlsform(data, "kobo-form")
    d = result.definition
    assert d.key == "kobo-form:1" and d.title.get() == "Kobo capability form"
    assert d.description.translations == {"en": "Answer for the whole country.",
                                          "fr": "Répondez pour tout le pays."}
    legal, ops = d.sections
    assert (legal.id, legal.title.translations, legal.intro.get(), legal.pillar) == (
        "legal", {"en": "Laws", "fr": "Lois"}, "About your laws.", True)
    offence = d.question("offence")
    assert offence.type == "single_choice" and offence.allow_unknown
    assert [(o.code, o.label.translations) for o in offence.options] == [
        ("yes", {"en": "Yes", "fr": "Oui"}), ("no", {"en": "No", "fr": "Non"})]
    assert offence.label.get("fr") == "La traite est-elle une infraction ?"
    assert offence.help.get() == "Any law counts."
    law = d.question("law_name")
    assert law.type == "short_text" and law.max_length == 200 and law.required is True
    assert law.help.get() == "Name the law as it is published."  # the note before it
    assert law.relevant.to_data() == {"question": "offence", "equals": "yes"}
    year = d.question("law_year")
    assert year.type == "year" and year.min == 1900 and year.required is False
    assert year.relevant.to_data() == {"question": "offence", "not_equals": "no"}
    cases = d.question("cases")
    assert (cases.type, cases.min, cases.max) == ("integer", 0, 5000)
    # A group's relevance applies to each of its questions.
    assert cases.relevant.to_data() == {"question": "offence", "equals": "yes"}
    value = d.question("value")
    assert value.type == "decimal" and value.required is False
    assert value.relevant.to_data() == {"all": [{"question": "offence", "equals": "yes"},
                                                {"question": "cases", "gt": 0}]}
    powers = d.question("powers")
    assert powers.type == "multiple_choice"
    assert powers.relevant.to_data()["all"][1] == {"not": {"question": "cases", "equals": 0}}
    notes = d.question("notes")
    assert notes.type == "long_text" and notes.required is False
    assert notes.relevant.to_data()["all"][1] == {"any": [
        {"question": "powers", "includes": "freeze"}, {"question": "powers", "answered": False}]}
    assert result.notes == [
        "sheet 'survey': 'start' rows record metadata and are ignored (row 2)",
        "sheet 'survey': 'end' rows record metadata and are ignored (row 3)",
        "sheet 'survey', column 'appearance': 'minimal' only changes how a form looks and is "
        "ignored (row 7)",
        "sheet 'survey', column 'constraint_message::English (en)': ignored (the engine writes "
        "its own messages and guidance) (row 14)",
    ]


def test_an_option_ticked_alone_brings_the_rules_of_format_2():
    # An exclusive option exists only in format 2, which also asks for hard bounds on every
    # number and a confidentiality notice beside free text: the import says what is missing.
    data = _workbook(KOBO_SURVEY, KOBO_CHOICES)
    problems = _problems(data)
    assert problems == [
        "definition: question value: a number question needs a 'max' in format 2 (a hard bound)",
        "definition: notices: free-text questions need a 'confidentiality' notice"]


def test_questions_outside_groups_form_one_section_titled_by_the_form():
    data = _workbook([["type", "name", "label"],
                      ["integer", "staff", "How many staff?"],
                      ["note", "thanks", "Thank you."]],
                     settings=[["form_title"], ["Staff count"]])
    d = read_xlsform(data, "staff").definition
    assert [(s.id, s.title.get()) for s in d.sections] == [("questions", "Staff count")]
    assert d.question("staff").help.get() == "Thank you."  # a note at the end joins the last help
    assert d.question("staff").required is False  # XLSForm's default


def test_merged_cells_and_odd_headers_are_read_without_a_traceback():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Survey"
    sheet.append(["  TYPE ", "Name", "LABEL", None, "label::Klingon"])
    sheet.append(["integer", "count_a", "First count", "stray", "tlhIngan"])
    sheet.append(["integer", "count_b", "Second", None, None])
    sheet.merge_cells("C3:D3")
    out = io.BytesIO()
    book.save(out)
    assert _problems(out.getvalue()) == [
        "sheet 'Survey', row 2, column D: a value under a column with no header",
        "sheet 'Survey', row 2, column E (label::Klingon): the language is not known; write it "
        "as 'label::Name (code)', for example 'label::Français (fr)'",
    ]


# -- what the engine cannot hold --------------------------------------------------------

def test_every_unsupported_part_is_one_line_naming_sheet_row_and_column():
    survey = [
        ["type", "name", "label", "relevant", "calculation", "media::image", "choice_filter",
         "constraint"],
        ["begin_repeat", "people", "People"],
        ["text", "person", "Name"],
        ["end_repeat"],
        ["geopoint", "where", "Where?"],
        ["calculate", "total", None, None, "1 + 1"],
        ["integer", "photo_q", "Count", None, None, "flag.png"],
        ["select_one_from_file places.csv", "place", "Place"],
        ["select_one yn", "filtered", "Filtered", None, None, None, "${person} = 'x'"],
        ["select_one yn or_other", "other_q", "Other?"],
        ["date", "when_q", "When?"],
        ["integer", "later", "Later", "today() > ${when_q}"],
        ["text", "Bad-Name", "Bad name"],
        ["decimal", "strict", "Strict", None, None, None, None, ". != 3"],
        ["begin_group", "outer", "Outer"],
        ["begin_group", "inner", "Inner"],
        ["integer", "deep", "Deep"],
        ["end_group"],
        ["end_group"],
        ["text", "odd_col", "Odd"],
    ]
    survey[-1] += [None] * 5 + ["x"]
    survey[0].append("guidance_hin")
    problems = _problems(_workbook(survey, [["list_name", "name", "label"], ["yn", "yes", "Yes"]]))
    assert problems == [
        "sheet 'survey', row 2, column A (type): repeats (begin_repeat) are not supported",
        "sheet 'survey', row 5, column A (type): locations (geopoint) are not supported",
        "sheet 'survey', row 6, column E (calculation): calculations are not supported",
        "sheet 'survey', row 6, column A (type): calculations are not supported",
        "sheet 'survey', row 7, column F (media::image): media (images, audio, video) are not "
        "supported",
        "sheet 'survey', row 8, column A (type): external choices (select_one_from_file) are not "
        "supported",
        "sheet 'survey', row 9, column G (choice_filter): filtered choices (choice_filter) are not "
        "supported",
        "sheet 'survey', row 10, column A (type): 'or_other' after the choice list is not "
        "supported (for example or_other)",
        "sheet 'survey', row 11, column A (type): a full date is not supported (a date with "
        "appearance 'year' is read as a year)",
        "sheet 'survey', row 13, column B (name): the name 'Bad-Name' must be 2 to 49 lower-case "
        "letters, digits or '_', starting with a letter",
        "sheet 'survey', row 14, column H (constraint): the constraint '. != 3' is not supported "
        "(supported: bounds such as '. >= 0' and '. <= 100', 'string-length(.) <= 300', and a "
        "choice ticked alone: 'not(selected(., 'none')) or count-selected(.) = 1')",
        "sheet 'survey', row 16, column A (type): groups inside groups are not supported (put "
        "each group at the top level: each becomes a section)",
        "sheet 'survey', row 20, column I (guidance_hin): the column 'guidance_hin' is not "
        "supported",
        "sheet 'survey', row 12, column D (relevant): the function today() is not supported "
        "(supported: not(), selected(), count-selected(), string-length(), true(), false())",
    ]


def test_a_workbook_without_a_survey_sheet_or_questions_is_refused():
    assert _problems(_workbook([["type", "name", "label"]], extra={})) == [
        "sheet 'survey': no question the engine can hold was found"]
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    out = io.BytesIO()
    book.save(out)
    assert _problems(out.getvalue()) == [
        "the workbook has no 'survey' sheet (an XLSForm needs survey and choices sheets)"]


def test_a_choice_list_that_is_missing_and_conditions_on_unknown_questions_are_named():
    data = _workbook([["type", "name", "label", "relevant"],
                      ["select_one colours", "colour", "Colour?"],
                      ["integer", "count_x", "Count", "${nowhere} > 1"]],
                     [["list_name", "name", "label"], ["sizes", "big", "Big"]])
    assert _problems(data) == [
        "sheet 'survey', row 2, column A (type): the choice list 'colours' is not on the "
        "choices sheet",
        "sheet 'survey', row 3, column D (relevant): ${nowhere} is not a question of this form"]


def test_the_definition_limits_apply_to_what_a_workbook_carries():
    rows = [["type", "name", "label", "bali_more"],
            ["integer", "count_x", "Count", '{"standard": ' + "[" * 30 + "]" * 30 + "}"]]
    [problem] = _problems(_workbook(rows))
    assert re.fullmatch(r"definition: line \d+: lists and mappings are nested more than 24 "
                        r"levels deep", problem)


# -- hostile workbooks ---------------------------------------------------------------------

def test_hostile_workbooks_are_refused_cleanly():
    assert _problems(b"type,name,label\ninteger,x,X\n") == [
        "the file is not a valid .xlsx workbook (not a zip archive)"]
    old_xls = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1000
    assert _problems(old_xls) == [
        "the file is an old Excel 97-2003 (.xls) workbook; open it and save it as an Excel "
        "workbook (.xlsx), then try again"]
    assert _problems(b"PK" + b"\0" * (2 * 1024 * 1024)) == [
        "the file is larger than the limit of 2,048 KB"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    assert _problems(bomb.getvalue()) == [
        "the workbook unpacks to 30 MB; the limit is 20 MB"]
    assert _problems(b"") == ["the file is not a valid .xlsx workbook (not a zip archive)"]


def test_xml_entities_are_refused():
    data = _workbook([["type", "name", "label"], ["integer", "count_x", "Count"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # read as the rows are read
                content = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                           b'<!ENTITY b "&a;&a;&a;">]>' + content.split(b"?>", 1)[-1])
            target.writestr(item, content)
    assert _problems(out.getvalue()) == [
        "the workbook contains XML entity or DTD declarations; they are refused for safety"]


def test_too_many_rows_and_a_deep_expression_are_refused_not_crashed():
    rows = [["type", "name", "label"]] + [["integer", f"q_{n}", "Q"] for n in range(5_001)]
    assert _problems(_workbook(rows)) == ["sheet 'survey' has more than 5,000 rows"]
    deep = "(" * 40 + "${count_x} > 1" + ")" * 40
    data = _workbook([["type", "name", "label", "relevant"], ["integer", "count_x", "Count"],
                      ["integer", "count_y", "Count", deep]])
    assert _problems(data) == [
        "sheet 'survey', row 3, column D (relevant): the expression nests more than 32 levels deep"]
