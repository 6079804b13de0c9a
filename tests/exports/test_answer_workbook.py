"""The answer workbook, pure: what a person sees in the file, and what is read back."""

from __future__ import annotations

import io

import openpyxl
import pytest

from exports.answer_workbook import build_answer_workbook
from questionnaires import bundled_definition_paths, load_definition
from questionnaires.answer_workbook import (
    COL_ANSWER,
    COL_CONDITION,
    COL_ID,
    COL_VERSION,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    AnswerWorkbook,
    StoredAnswer,
    WorkbookMeta,
)
from questionnaires.safe_workbook import WorkbookError
from tests.workbook_helpers import answer_cell, cell_rows, edit

DEFINITIONS = {load_definition(p).version: load_definition(p)
               for p in bundled_definition_paths((1, 2))}
V2 = DEFINITIONS[2]


def first(definition, kind, plain=True):
    return next(q for q in definition.questions
                if q.type == kind and (not plain or q.relevant is None))


def meta(definition, sections=()):
    return WorkbookMeta(country="THA", country_name="Thailand", round_name="2026 round",
                        questionnaire=f"{definition.code}:{definition.version}", language="en",
                        sections=sections)


def build(definition=V2, answers=None, sections=()):
    return build_answer_workbook(definition, meta(definition, sections), answers or {})


def read(content, definition=V2, locale="en"):
    return AnswerWorkbook.open(content).read(definition, locale)


def test_every_section_has_a_sheet_after_the_instructions_and_the_facts_are_hidden():
    book = openpyxl.load_workbook(io.BytesIO(build()))
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    assert visible[0] == INSTRUCTIONS_SHEET
    assert len(visible) == 1 + len(V2.sections)
    assert book[META_SHEET].sheet_state == "hidden"
    facts = {r[0].value: r[1].value for r in book[META_SHEET].iter_rows()}
    assert facts["country"] == "THA" and facts["questionnaire"] == "ftm-capability:2"
    sheet = book[visible[1]]
    assert sheet.protection.sheet  # structure protected
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(COL_ID + 1)].hidden


def test_answer_cells_are_open_and_validated_by_the_question_type():
    book = openpyxl.load_workbook(io.BytesIO(build()))
    rows = cell_rows(book)
    number = first(V2, "integer")
    sheet, row = rows[(number.id, "")]
    ws = book[sheet]
    cell = ws.cell(row=row, column=COL_ANSWER + 1)
    assert cell.protection.locked is False
    assert ws.cell(row=row, column=COL_ID + 1).protection.locked is not False
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    rule = rules[cell.coordinate]
    assert rule.type == "whole"
    choice = first(V2, "yes_no_partial")
    sheet, row = rows[(choice.id, "")]
    ws = book[sheet]
    coord = ws.cell(row=row, column=COL_ANSWER + 1).coordinate
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules[coord].type == "list" and "Lists" in rules[coord].formula1
    multiple = first(V2, "multiple_choice")
    codes = multiple.kind.option_codes(multiple)
    assert all((multiple.id, code) in rows for code in codes)  # one tick cell per option


def test_skip_logic_is_said_in_words():
    conditional = next(q for q in V2.questions if q.relevant is not None and not q.computed)
    book = openpyxl.load_workbook(io.BytesIO(build()))
    sheet, row = cell_rows(book)[(conditional.id, conditional.kind.workbook_cells(conditional)[0].key)]
    said = book[sheet].cell(row=row, column=COL_CONDITION + 1).value
    assert said and "question" in said.lower()


def test_current_answers_are_prefilled_and_read_back_unchanged_for_every_definition():
    for definition in DEFINITIONS.values():
        answers = {}
        for q in definition.questions:
            if q.computed:
                continue
            codes = q.kind.option_codes(q)
            sample = {"integer": 12, "decimal": 3.5, "percentage": 40, "year": 2019,
                      "short_text": "Office", "long_text": "two\nlines",
                      "legal_reference": {"instrument": "Act", "article": "s 3", "year": 2005},
                      "statistical_year": {"basis": "financial", "start": "2024-07",
                                           "end": "2025-06"},
                      "evaluation_rating": {"rating": codes[0], "methodology": "2013"}
                      if codes else None}.get(q.type)
            if sample is None and codes:
                sample = codes[:2] if q.type == "multiple_choice" else codes[0]
            answers[q.id] = StoredAnswer(q.normalise(sample), f"evidence {q.id}", 4, "seen")
        reading = read(build(definition, answers), definition)
        assert reading.errors == []
        for qid, stored in answers.items():
            got = reading.answers[qid]
            assert (got.value, got.evidence, got.version, got.seen) == (
                stored.value, stored.evidence, 4, "seen"), qid


def test_a_formula_typed_as_an_answer_stays_text():
    q = first(V2, "short_text")
    content = build(answers={q.id: StoredAnswer("=HYPERLINK(\"http://x\")", "=1+1", 1)})
    assert answer_cell(content, q.id) == "=HYPERLINK(\"http://x\")"
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet, row = cell_rows(book)[(q.id, "")]
    assert book[sheet].cell(row=row, column=COL_ANSWER + 1).data_type == "s"


def test_edits_are_read_as_the_person_typed_them():
    number, decimal = first(V2, "integer"), first(V2, "decimal")
    choice, multiple = first(V2, "yes_no_partial"), first(V2, "multiple_choice")
    codes = multiple.kind.option_codes(multiple)
    content = edit(build(), {(number.id, ""): "1 500", (decimal.id, ""): "2,5",
                             (choice.id, ""): "En partie", (multiple.id, codes[1]): "x"},
                   evidence={choice.id: "Act of 2008, s 4"})
    reading = read(content, locale="fr")
    assert reading.errors == []
    assert reading.answers[number.id].value == 1500
    assert reading.answers[decimal.id].value == 2.5
    assert reading.answers[choice.id].value == "partial"
    assert reading.answers[choice.id].evidence == "Act of 2008, s 4"
    assert reading.answers[multiple.id].value == [codes[1]]
    assert reading.answers[number.id].version == 0  # unanswered at download


def test_problems_are_reported_by_sheet_row_and_question():
    number, choice = first(V2, "integer"), first(V2, "yes_no_partial")
    content = edit(build(), {(number.id, ""): "many", (choice.id, ""): "Perhaps"})
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = cell_rows(book)
    reading = read(content)
    found = {e.question_id: e for e in reading.errors}
    assert set(found) == {number.id, choice.id}
    assert (found[number.id].sheet, found[number.id].row) == rows[(number.id, "")]
    assert "digits" in found[number.id].message
    assert "Perhaps" in found[choice.id].message and number.id not in reading.answers


def test_a_tampered_question_id_or_version_is_reported_not_trusted():
    q = first(V2, "integer")
    book = openpyxl.load_workbook(io.BytesIO(build()))
    sheet, row = cell_rows(book)[(q.id, "")]
    book[sheet].cell(row=row, column=COL_ID + 1, value="no_such_question")
    out = io.BytesIO()
    book.save(out)
    reading = read(out.getvalue())
    assert [e.question_id for e in reading.errors] == ["no_such_question"]
    book[sheet].cell(row=row, column=COL_ID + 1, value=q.id)
    book[sheet].cell(row=row, column=COL_VERSION + 1, value="seven")
    out = io.BytesIO()
    book.save(out)
    assert read(out.getvalue()).answers[q.id].version is None


def test_a_one_section_workbook_holds_that_section_only():
    section = V2.sections[1]
    reading = read(build(sections=(section.id,)))
    assert reading.meta.sections == (section.id,)
    asked = {q.id for q in section.questions if not q.computed}
    assert set(reading.answers) == asked


@pytest.mark.parametrize("data, says", [
    (b"not a workbook at all", "not a zip"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, ".xls"),
])
def test_files_that_are_not_answer_workbooks_are_refused(data, says):
    with pytest.raises(WorkbookError, match=says):
        AnswerWorkbook.open(data)


def test_a_workbook_without_the_facts_sheet_is_refused():
    book = openpyxl.Workbook()
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookError, match="not an answer workbook"):
        AnswerWorkbook.open(out.getvalue())
