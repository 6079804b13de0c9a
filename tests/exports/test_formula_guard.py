"""Every formula trigger, planted through every CSV and spreadsheet writer, comes back as text.

Pure tests over hand-built frames: the regional and country workbooks (held in memory
and streamed), the zip of CSVs, the tidy CSV, its streamed chunks, the app's CSV
downloads (``csv_chunks``) and the one-sheet workbook the round tracker uses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

import exports.workbook
from exports import (
    FORMULA_TRIGGERS,
    MEMBER_COLUMNS,
    ExportInput,
    ExportMeta,
    Table,
    build_country_workbook,
    build_regional_workbook,
    build_table_workbook,
    csv_chunks,
    neutralise,
    sheets_zip,
    tidy_csv,
    tidy_csv_chunks,
)
from questionnaires import parse_definition

from .helpers import has_formulas, load

# One planted text per trigger; "-5" is text that looks like a number.
PLANTED = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-5", "-1+2", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]
assert {text[0] for text in PLANTED} == set(FORMULA_TRIGGERS)
WHEN = dt.datetime(2026, 5, 1, 9, 30)

DEFINITION = parse_definition({
    "code": "guard", "version": 1, "title": "Guard",
    "sections": [{"id": "main", "title": "Main", "questions": [
        {"id": "agency", "type": "short_text", "label": "Lead agency"},
        {"id": "balance", "type": "decimal", "label": "Balance", "min": -100},
        {"id": "law", "type": "yes_no", "label": "Law?"},
    ]}],
})


def guard_input(streamed_members: int = 0) -> ExportInput:
    """A member per planted text: its agency and its evidence are the text; its balance is
    the real number -5; one member's name is planted too."""
    members, answers = [], []
    for n, text in enumerate(PLANTED, start=1):
        country = text if n == 1 else f"Member {n}"
        iso3 = f"A{n:02d}"
        members.append(["R1", country, iso3, "Pacific", "approved", WHEN, WHEN, n])
        for qid, value, label, number in (("agency", text, text, None),
                                          ("balance", -5.0, "-5", -5.0),
                                          ("law", "yes", "Yes", None)):
            answers.append({
                "round": "R1", "round_id": 1, "country": country, "iso3": iso3,
                "subregion": "Pacific", "response_id": n, "status": "approved", "pillar": "main",
                "question_id": qid, "question": DEFINITION.question(qid).label.get(),
                "type": DEFINITION.question(qid).type, "value_code": "yes" if qid == "law" else None,
                "value_label": label, "value_number": number, "value": value,
                "evidence": text if qid == "agency" else None, "carried_over": False,
                "updated_at": WHEN, "updated_by": "Someone"})
    frame = pd.DataFrame(answers)
    frame["value_number"] = pd.to_numeric(frame["value_number"])
    meta = ExportMeta(rounds=("R1",), questionnaire="guard:1", generated_at=WHEN,
                      generated_by="test")
    return ExportInput(answers=frame, members=pd.DataFrame(members, columns=MEMBER_COLUMNS),
                       definitions={"R1": DEFINITION}, meta=meta)


def xlsx_cells(content: bytes) -> list[tuple]:
    """(cell, value) of every filled cell; a carriage return is stored as the OOXML escape
    _x000D_, which spreadsheets read back as the character (openpyxl does not)."""
    wb = load(content)
    return [(cell, cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str)
             else cell.value)
            for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.value is not None]


def assert_workbook_guarded(content: bytes, where: set[str]) -> None:
    assert not has_formulas(content)
    cells = xlsx_cells(content)
    found = set()
    for cell, value in cells:
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            assert cell.data_type == "s", (cell.parent.title, cell.coordinate, value)
            assert cell.quotePrefix, (cell.parent.title, cell.coordinate, value)
            if value in PLANTED:
                found.add(cell.parent.title)
    assert found >= where
    kept = {value for _cell, value in cells}
    assert set(PLANTED) <= kept  # exactly as typed: nothing added to the text itself
    # The real number -5 stays a number that sums.
    assert any(value == -5 and cell.data_type == "n" for cell, value in cells)


@pytest.fixture(params=["in memory", "streamed"])
def mode(request, monkeypatch):
    if request.param == "streamed":
        monkeypatch.setattr(exports.workbook, "STREAM_FROM_CELLS", 0)
    return request.param


def test_regional_workbook(mode):
    content = build_regional_workbook(guard_input())
    assert_workbook_guarded(content, {"Overview", "Scores", "Main", "Data"})
    wb = load(content)
    assert bool(wb["Data"].tables) is (mode == "in memory")


def test_country_workbook(mode):
    data = guard_input()
    one = data.answers[data.answers["response_id"] == 1]
    country = ExportInput(answers=one.reset_index(drop=True), members=data.members.iloc[:1],
                          definitions=data.definitions, meta=data.meta)
    content = build_country_workbook(country)
    wb = load(content)
    answers = [c for row in wb["Answers"].iter_rows() for c in row if c.value == PLANTED[0]]
    assert len(answers) == 2 and all(c.data_type == "s" and c.quotePrefix for c in answers)
    assert not has_formulas(content)


def test_table_workbook(mode):
    frame = pd.DataFrame({"Text": PLANTED, "Number": [-5.0] * len(PLANTED)})
    content = build_table_workbook("Sheet", [Table("Planted", frame)], title=PLANTED[0])
    assert_workbook_guarded(content, {"Sheet"})


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def test_tidy_csv_and_its_streamed_chunks():
    data = guard_input()
    whole = tidy_csv(data).decode("utf-8")
    from exports import tidy_table

    chunks = b"".join(tidy_csv_chunks(tidy_table(data), chunk_rows=4)).decode("utf-8")
    assert whole == chunks
    rows = _csv_rows(whole)
    header = rows[0]
    label, evidence, number = (header.index(h) for h in ("Value label", "Evidence", "Numeric value"))
    agency = [r for r in rows[1:] if r[header.index("Question id")] == "agency"]
    assert sorted(r[label] for r in agency) == sorted("'" + text for text in PLANTED)
    assert sorted(r[evidence] for r in agency) == sorted("'" + text for text in PLANTED)
    balance = [r for r in rows[1:] if r[header.index("Question id")] == "balance"]
    assert {r[number] for r in balance} == {"-5.0"}   # a real number: no apostrophe
    assert {r[label] for r in balance} == {"'-5"}     # its label is text
    assert "'" + PLANTED[0] in {r[header.index("Country")] for r in rows[1:]}


def test_zip_of_csvs():
    with zipfile.ZipFile(io.BytesIO(sheets_zip(guard_input()))) as archive:
        texts = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    for name, text in texts.items():
        for row in _csv_rows(text):
            for cell in row:
                if cell.startswith(FORMULA_TRIGGERS):  # only a real number may start so
                    assert float(cell) in (-5, -35), (name, cell)  # -35: their total
    pillar = next(t for n, t in texts.items() if n.startswith("03-pillar1"))
    cells = {cell for row in _csv_rows(pillar) for cell in row}
    for text in PLANTED:  # a pillar sheet shows the answer as its type reads it: maybe trimmed
        assert "'" + text in cells or "'" + text.strip() in cells, text


def test_csv_chunks_of_the_app_downloads():
    rows = [[text, -5, None] for text in PLANTED]
    out = _csv_rows("".join(csv_chunks(["Detail", "Number", "Blank"], rows, chunk_rows=2)))
    assert out[0] == ["Detail", "Number", "Blank"]
    assert [r[0] for r in out[1:]] == ["'" + text for text in PLANTED]
    assert {(r[1], r[2]) for r in out[1:]} == {("-5", "")}


def test_the_rule():
    for text in PLANTED:
        assert neutralise(text) == "'" + text
    assert neutralise(-5) == -5 and neutralise(-5.5) == -5.5 and neutralise(None) is None
    assert neutralise("Yes") == "Yes" and neutralise("5") == "5"
