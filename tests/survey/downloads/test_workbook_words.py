"""Every word a workbook says goes through ``words`` (pseudo-localised here); data does not.

``words`` wraps each text it is given in ⟦…⟧: a sheet name, heading, title, notice, status,
note or printed header/footer that is not wrapped was missed; a country name, code,
number or questionnaire text that is wrapped (or wrapped twice) was translated by mistake.
The tidy data's column names stay as in English, whatever the language.
"""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import select

from exports import DATA_COLUMNS, HEADINGS, build_regional_workbook
from exports.answer_workbook import HEADINGS as ANSWER_HEADINGS
from exports.tables import pillar_title
from questionnaires.answer_workbook import (
    COLUMNS,
    FIRST_HIDDEN,
    HEADER_ROW,
    LISTS_SHEET,
    META_SHEET,
)
from survey.answering.responses import definition_for
from survey.answering.workbooks import answer_workbook
from survey.demo import CURRENT_ROUND
from survey.downloads.services import build_export, export_input
from survey.extensions import db
from survey.models import Country, Response, Round

OPEN, CLOSE = "⟦", "⟧"


def pseudo(text: str) -> str:
    """The pseudo-language; a text already translated is never translated again."""
    assert OPEN not in text and CLOSE not in text, f"translated twice: {text!r}"
    return OPEN + text + CLOSE


def wrapped(text) -> bool:
    """Translated (a translated phrase may hold another: "⟦Summary — ⟦all⟧⟧")."""
    return isinstance(text, str) and text.startswith(OPEN) and text.endswith(CLOSE)


def _round() -> Round:
    return db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))


def _tables(ws):
    """(header row, first row, last row, first column, last column) of each Excel table."""
    out = []
    for table in ws.tables.values():
        (c1, r1), (c2, r2) = (openpyxl.utils.cell.coordinate_from_string(x)
                              for x in table.ref.split(":"))
        out.append((r1, r2, openpyxl.utils.cell.column_index_from_string(c1),
                    openpyxl.utils.cell.column_index_from_string(c2)))
    return out


def _texts_of_definition(definition) -> set[str]:
    texts = {definition.title.get(None)}
    for section in definition.sections:
        texts |= {section.title.get(None), section.short_title.get(None), pillar_title(section, None)}
        for q in section.questions:
            texts.add(q.label.get(None))
    return {t for t in texts if t}


def test_the_regional_workbook_says_everything_through_words(demo):
    round_ = _round()
    data = export_input([round_], status_filter="all", generated_by="test")
    assert data.meta.demo and data.previous_answers is not None
    book = openpyxl.load_workbook(io.BytesIO(build_regional_workbook(data, words=pseudo)))
    definition = data.definition
    pillars = {pillar_title(s, None) for s in definition.pillars}
    questionnaire = _texts_of_definition(definition)
    countries = set(data.members["country"]) | set(data.members["iso3"])
    subregions = set(data.members["subregion"])

    # Sheet names: every one the workbook's own, except the pillars' (questionnaire text).
    for name in book.sheetnames:
        assert wrapped(name) or name in pillars, name
    assert [n for n in book.sheetnames if wrapped(n)][:2] == ["⟦Overview⟧", "⟦Scores⟧"]
    assert "⟦Data⟧" in book.sheetnames and "⟦Codebook⟧" in book.sheetnames

    for ws in book.worksheets:
        # Printed header and footer: the title, the notice, the footer, "Page x of y".
        assert wrapped(ws.oddHeader.left.text.replace('&"-,Bold"', "")), ws.title
        assert wrapped(ws.oddHeader.center.text.replace('&"-,Bold"', "").strip()), ws.title
        assert wrapped(ws.oddFooter.left.text) and ws.oddFooter.right.text == "⟦Page &P of &N⟧"
        tables = _tables(ws)
        for r1, _r2, c1, c2 in tables:
            for c in range(c1, c2 + 1):
                heading = ws.cell(r1, c).value
                if ws.title == "⟦Data⟧":
                    continue
                assert wrapped(heading) or heading in questionnaire, (ws.title, heading)
                if wrapped(heading):
                    assert heading[1:-1] in HEADINGS or heading.startswith(
                        ("⟦Question [", "⟦Options [")), heading
        # Every text outside the tables is the workbook's own (titles, notices), but for the
        # row of question ids above a pillar's headings.
        for row in ws.iter_rows():
            for cell in row:
                inside = any(r1 <= cell.row <= r2 and c1 <= cell.column <= c2
                             for r1, r2, c1, c2 in tables)
                if inside or not isinstance(cell.value, str):
                    continue
                if definition.has_question(cell.value):
                    continue
                assert wrapped(cell.value), (ws.title, cell.coordinate, cell.value)
        # No text is translated twice, and no data is translated at all.
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not (wrapped(value) and value[1:-1] in countries), value

    # Statuses, groups and statistics are the workbook's words; names and codes are data.
    def column(ws, name):
        for r1, r2, c1, c2 in _tables(ws):
            headings = [ws.cell(r1, c).value for c in range(c1, c2 + 1)]
            if name in headings:
                c = c1 + headings.index(name)
                return [ws.cell(r, c).value for r in range(r1 + 1, r2 + 1)]
        raise AssertionError(f"{ws.title} has no column {name}")

    scores = book["⟦Scores⟧"]
    assert all(wrapped(v) for v in column(scores, "⟦Status⟧"))
    assert not any(wrapped(v) for v in column(scores, "⟦Country⟧") + column(scores, "⟦ISO3⟧"))
    groups = column(scores, "⟦Group⟧")
    assert "⟦All members (regional)⟧" in groups
    # Sub-regions are named in the workbook's language too (the tidy data keeps them as data).
    assert {g[1:-1] for g in groups if g != "⟦All members (regional)⟧"} <= subregions
    assert all(wrapped(g) for g in groups)
    assert {v[1:-1] for v in column(scores, "⟦Sub-region⟧")} <= subregions
    data_sheet = book["⟦Data⟧"]
    assert not any(wrapped(v) for v in column(data_sheet, "Sub-region"))
    counts = book["⟦Counts⟧"]
    assert set(column(counts, "⟦Statistic⟧")) == {"⟦Total⟧", "⟦Median⟧", "⟦Members reporting⟧"}
    overview = book["⟦Overview⟧"]
    assert all(wrapped(v) for v in column(overview, "⟦Item⟧"))
    assert all(wrapped(v) for v in column(overview, "⟦Included⟧"))
    changes = book["⟦Changes⟧"]
    assert "⟦Overall⟧" in column(changes, "⟦Pillar⟧")
    codebook = book["⟦Codebook⟧"]
    assert all(wrapped(v) for v in column(codebook, "⟦Rule⟧") + column(codebook, "⟦How⟧"))
    assert all(v is None or wrapped(v) for v in column(codebook, "⟦Worked out as⟧"))
    assert all(wrapped(v) for v in column(codebook, "⟦Visibility⟧"))

    # The tidy data: its column names as in English; statuses translated with codes beside.
    data_sheet = book["⟦Data⟧"]
    rows = list(data_sheet.iter_rows(values_only=True))
    assert list(rows[0]) == DATA_COLUMNS
    col = {name: i for i, name in enumerate(rows[0])}
    assert {r[col["Status"]] for r in rows[1:]} <= {"⟦Approved⟧", "⟦Submitted⟧", "⟦In progress⟧",
                                                    "⟦Returned⟧"}
    assert {r[col["Status code"]] for r in rows[1:]} <= {"approved", "submitted", "in_progress",
                                                         "returned"}
    assert not any(wrapped(r[col["Country"]]) or wrapped(r[col["Question"]]) for r in rows[1:])
    assert {r[col["Demo data"]] for r in rows[1:]} == {"⟦yes⟧"}
    # The Overview says so, in the workbook's words.
    about = dict(zip(column(overview, "⟦Item⟧"), column(overview, "⟦Value⟧"), strict=True))
    assert "same column names in every language" in about["⟦Data and CSV files⟧"]
    assert wrapped(about["⟦Status filter⟧"])
    book.close()


def test_the_regional_workbook_in_english_by_default(demo):
    data = export_input([_round()], status_filter="all", generated_by="test")
    book = openpyxl.load_workbook(io.BytesIO(build_regional_workbook(data)), read_only=True)
    assert book.sheetnames[:2] == ["Overview", "Scores"] and "Data" in book.sheetnames
    assert book.sheetnames[-1] in ("Codebook", "Crosswalk")
    book.close()


def test_sheet_names_stay_valid_for_excel_whatever_the_translation(demo):
    def long_and_odd(text: str) -> str:
        return "Feuille: [résumé] / données * ? \\ très longue " + text

    data = export_input([_round()], status_filter="all", generated_by="test")
    book = openpyxl.load_workbook(io.BytesIO(build_regional_workbook(data, words=long_and_odd)),
                                  read_only=True)
    names = book.sheetnames
    assert len(set(n.lower() for n in names)) == len(names)
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
    book.close()


def test_the_answer_workbook_says_everything_through_words(demo):
    assert COLUMNS[:FIRST_HIDDEN] == ANSWER_HEADINGS
    round_ = _round()
    response = db.session.scalar(select(Response).join(Country).where(
        Response.round_id == round_.id, Country.iso3 == "THA"))
    content, _name = answer_workbook(response, words=pseudo)
    book = openpyxl.load_workbook(io.BytesIO(content))
    sections = {s.short_title.get("en") or s.id for s in definition_for(response).sections}
    for name in book.sheetnames:
        # The hidden sheets keep their names: the upload and the lists find them by name.
        assert wrapped(name) or name in sections or name in (LISTS_SHEET, META_SHEET), name
    instructions = book["⟦Instructions⟧"]
    labels = [instructions.cell(r, 1).value for r in range(3, 8)] + [instructions.cell(9, 1).value]
    assert all(wrapped(v) for v in labels), labels
    assert all(wrapped(instructions.cell(r, 2).value) for r in range(10, 17))
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert wrapped(ws.oddHeader.center.text.replace('&"-,Bold"', "").strip())  # demo data
        assert wrapped(ws.oddFooter.left.text) and wrapped(ws.oddFooter.right.text)
        if ws.title in sections:
            headings = [ws.cell(HEADER_ROW + 1, c + 1).value for c in range(FIRST_HIDDEN)]
            assert all(wrapped(h) for h in headings), headings
            assert wrapped(ws.cell(2, 1).value)
            for dv in ws.data_validations.dataValidation:
                for said in (dv.error, dv.prompt, dv.errorTitle, dv.promptTitle):
                    # (a text answer's hint, from the questionnaire, may come first)
                    assert said is None or said.endswith(CLOSE), said
    book.close()


def test_a_french_export_speaks_french_where_the_catalogue_does(demo):
    """Through build_export with language fr: the strings already in the French catalogue
    (response statuses, the demonstration notice) are French; the tidy data's column names
    and codes are the same as in English."""
    round_ = _round()
    params = {"kind": "regional", "round": round_.id, "status": "all", "format": "xlsx"}
    french = openpyxl.load_workbook(io.BytesIO(build_export({**params, "language": "fr"},
                                                            "test").content))
    english = openpyxl.load_workbook(io.BytesIO(build_export({**params, "language": "en"},
                                                             "test").content))
    assert len(french.sheetnames) == len(english.sheetnames)
    data_fr = list(french.worksheets[english.sheetnames.index("Data")].iter_rows(values_only=True))
    data_en = list(english["Data"].iter_rows(values_only=True))
    assert data_fr[0] == data_en[0] == tuple(DATA_COLUMNS)
    col = {name: i for i, name in enumerate(DATA_COLUMNS)}
    assert {r[col["Status code"]] for r in data_fr[1:]} == {r[col["Status code"]]
                                                            for r in data_en[1:]}
    statuses_fr = {r[col["Status"]] for r in data_fr[1:]}
    assert "Approuvé" in statuses_fr and "Approved" not in statuses_fr
    assert "Approved" in {r[col["Status"]] for r in data_en[1:]}
    overview = french.worksheets[0]
    notice = overview.cell(2, 1).value
    assert notice.startswith("DONNÉES DE DÉMONSTRATION"), notice
    assert "DONNÉES DE DÉMONSTRATION" in overview.oddHeader.center.text.upper()
    french.close()
    english.close()
    # The country workbook too.
    country = openpyxl.load_workbook(io.BytesIO(build_export(
        {"kind": "country", "round": round_.id, "country": "THA", "language": "fr"},
        "test").content), read_only=True)
    assert len(country.sheetnames) == 4
    rows = list(country.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0].startswith("DONNÉES DE DÉMONSTRATION"), rows[1]
    country.close()


def test_the_page_language_does_not_decide_the_export_language(demo, client):
    """Asked from a page in Thai, a French export is French (force_locale)."""
    round_ = _round()
    with client.application.test_request_context("/", headers={"Accept-Language": "th"}):
        found = build_export({"kind": "regional", "round": round_.id, "status": "all",
                              "format": "csv", "language": "fr"}, "test")
    text = found.content.decode("utf-8-sig")
    assert text.startswith(",".join(DATA_COLUMNS))
    assert "Approuvé" in text and "อนุมัติแล้ว" not in text


def test_a_translation_that_looks_like_a_formula_stays_text(demo):
    """A hostile or mistaken catalogue entry is text like any answer: never a formula."""
    def hostile(text: str) -> str:
        return "=" + text  # keeps its placeholders, as the catalogue's check requires

    data = export_input([_round()], status_filter="all", generated_by="test")
    book = openpyxl.load_workbook(io.BytesIO(build_regional_workbook(data, words=hostile)))
    seen = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                    seen += 1
    assert seen > 50
    book.close()


def test_the_zip_of_csv_files_keeps_its_column_names_and_translates_its_readme(demo):
    import csv
    import zipfile

    from exports import sheets_zip

    data = export_input([_round()], status_filter="all", generated_by="test")
    with zipfile.ZipFile(io.BytesIO(sheets_zip(data, words=pseudo))) as archive:
        texts = {n: archive.read(n).decode("utf-8-sig") for n in archive.namelist()}
    readme = texts.pop("00-README-DEMONSTRATION-DATA.txt")
    assert all(line.startswith(OPEN) and CLOSE in line for line in readme.splitlines()), readme
    assert "same in every language" in readme
    for name, text in texts.items():
        header = next(csv.reader(io.StringIO(text)))
        assert not any(h.startswith(OPEN) for h in header), (name, header)
    assert next(csv.reader(io.StringIO(texts["06-data.csv"]))) == DATA_COLUMNS
    scores = list(csv.DictReader(io.StringIO(texts["02-scores.csv"])))
    assert scores and all(wrapped(r["Status"]) for r in scores)
