"""The regional workbook against hand-checked answers (see world.py for the numbers)."""

from __future__ import annotations

import datetime as dt

import pytest

from exports import build_regional_workbook, sheets_zip, tidy_csv
from survey.downloads.services import build_export, export_input

from .helpers import has_formulas, load, table, table_cells
from .world import (
    ARABIC_AGENCY,
    FORMULA_EVIDENCE,
    FORMULA_LAW,
    KHMER_AGENCY,
    NAMES,
    THAI_AGENCY,
    build_world,
)

NOW = dt.datetime(2026, 6, 1, 12, 0)


@pytest.fixture
def world(seeded):
    return build_world(empty_round=True)


def regional(world, **kw):
    data = export_input([world[kw.pop("which", "current")]], generated_by="Test Analyst", now=NOW,
                        **kw)
    return data, load(build_regional_workbook(data))


def by_iso(rows):
    return {r["ISO3"]: r for r in rows}


def test_sheets_and_properties(world):
    _data, wb = regional(world)
    assert wb.sheetnames == ["Overview", "Scores", "Legal", "Operational", "Counts", "Changes",
                             "Data", "Codebook"]
    assert wb.properties.creator == "Test Analyst"
    assert "R2 current" in wb.properties.title
    assert "Bali Process" in (wb.properties.keywords or "")
    for ws in wb.worksheets:
        if ws.title != "Changes" or ws.tables:
            assert ws.tables, f"{ws.title} has no Excel table"
    assert wb["Scores"].freeze_panes == "D2"
    assert wb["Data"].freeze_panes == "A2"


def test_scores_and_medians_approved_only(world):
    _data, wb = regional(world)
    scores = by_iso(table(wb["Scores"], "Scores"))
    assert set(scores) == {"THA", "KHM", "ARE"}  # FJI submitted, PHL in progress: left out
    assert scores["THA"]["Country"] == NAMES["THA"]
    assert (scores["THA"]["Legal"], scores["THA"]["Operational"], scores["THA"]["Overall"]) == (100, 100, 100)
    assert (scores["KHM"]["Legal"], scores["KHM"]["Operational"], scores["KHM"]["Overall"]) == (25, 50, 37.5)
    assert (scores["ARE"]["Legal"], scores["ARE"]["Operational"], scores["ARE"]["Overall"]) == (50, 0, 25)
    assert scores["ARE"]["Sub-region"] == "Middle East"
    medians = {r["Group"]: r for r in table(wb["Scores"], "Medians")}
    region = medians["All members (regional)"]
    assert (region["Members"], region["Legal"], region["Operational"], region["Overall"]) == (3, 50, 50, 37.5)
    sea = medians["South-East Asia"]
    # Two members, and one alone in its sub-region: no median (over one member it would
    # be that member's own score), and the row says why.
    assert (sea["Members"], sea["Legal"], sea["Operational"], sea["Overall"]) == (2, None, None, None)
    assert sea["Note"] == "medians over fewer than 3 members are not given"
    assert medians["Middle East"]["Overall"] is None and scores["ARE"]["Overall"] == 25
    assert region["Note"] is None
    # Numbers are numbers, shown with one decimal, with a colour scale.
    header, rows = table_cells(wb["Scores"], "Scores")
    legal = [c.value for c in header].index("Legal")
    assert rows[0][legal].data_type == "n" and rows[0][legal].number_format == "0.0"
    assert wb["Scores"].conditional_formatting


def test_pillar_sheet_labels_numbers_and_question_ids(world):
    _data, wb = regional(world)
    ws = wb["Legal"]
    assert [c.value for c in ws[1]][5:8] == ["leg_offence", "leg_confiscation", "leg_law"]
    rows = by_iso(table(ws, "Pillar1_legal"))
    assert rows["KHM"]["Is trafficking an offence?"] == "Partly"
    assert rows["THA"]["Can proceeds be confiscated?"] == "Yes"
    assert rows["ARE"]["Which law?"] is None  # hidden by skip logic: not shown
    ops = by_iso(table(wb["Operational"], "Pillar2_ops"))
    assert ops["THA"]["How many investigations?"] == 10
    assert ops["THA"]["FIU status"] == "Egmont member"
    assert ops["ARE"]["How many investigations?"] == "Unknown / no data"
    assert ops["THA"]["Share of cases with assets frozen"] == 40


def test_counts_with_subregional_totals_and_medians(world):
    _data, wb = regional(world)
    counts = by_iso(table(wb["Counts"], "Counts"))
    assert counts["THA"]["How many investigations?"] == 10
    assert counts["ARE"]["How many investigations?"] is None  # unknown is not a zero
    totals = {(r["Group"], r["Statistic"]): r for r in table(wb["Counts"], "CountTotals")}
    assert totals[("South-East Asia", "Total")]["How many investigations?"] == 14
    # Analysts keep exact totals, but a median over two members is not given.
    assert totals[("South-East Asia", "Median")]["How many investigations?"] is None
    assert totals[("All members (regional)", "Members reporting")]["How many investigations?"] == 2
    assert totals[("All members (regional)", "Median")]["How many investigations?"] is None
    assert totals[("All members (regional)", "Total")]["Share of cases with assets frozen"] is None
    assert totals[("All members (regional)", "Median")]["Share of cases with assets frozen"] is None


def test_changes_against_previous_round(world):
    _data, wb = regional(world)
    changes = {(r["ISO3"], r["Pillar"]): r for r in table(wb["Changes"], "ScoreChanges")}
    assert changes[("THA", "Legal")]["Previous score"] == 75
    assert changes[("THA", "Legal")]["Current score"] == 100
    assert changes[("THA", "Legal")]["Change"] == 25
    assert changes[("KHM", "Overall")]["Change"] == 0
    assert ("ARE", "Legal") not in changes  # not in the previous round
    answers = {(r["ISO3"], r["Question id"]): r for r in table(wb["Changes"], "AnswerChanges")}
    assert answers[("THA", "leg_offence")]["Previous answer"] == "Partly"
    assert answers[("THA", "leg_offence")]["Current answer"] == "Yes"
    assert not any(iso == "KHM" for iso, _q in answers)  # unchanged


def test_no_previous_round_says_so(world):
    _data, wb = regional(world, which="previous")
    assert "no previous round" in wb["Changes"]["A1"].value


def test_data_sheet_is_the_tidy_table(world):
    _data, wb = regional(world)
    rows = table(wb["Data"], "Data")
    assert list(rows[0]) == ["Round", "Country", "ISO3", "Sub-region", "Pillar", "Question id",
                             "Question", "Value code", "Value label", "Numeric value", "Evidence",
                             "Status", "Status code", "Last changed", "Demo data"]
    assert {r["Demo data"] for r in rows} == {"no"}  # a real round: no row is demo data
    assert {r["ISO3"] for r in rows} == {"THA", "KHM", "ARE"}
    # ARE's leg_law is hidden by skip logic and so is not data.
    assert not [r for r in rows if r["ISO3"] == "ARE" and r["Question id"] == "leg_law"]
    fiu = next(r for r in rows if r["ISO3"] == "KHM" and r["Question id"] == "op_fiu")
    assert (fiu["Value code"], fiu["Value label"], fiu["Status"]) == ("applying", "Applying", "Approved")
    cases = next(r for r in rows if r["ISO3"] == "THA" and r["Question id"] == "op_cases")
    assert cases["Numeric value"] == 10 and cases["Last changed"] == dt.datetime(2026, 5, 1, 9, 30)
    unknown = next(r for r in rows if r["ISO3"] == "ARE" and r["Question id"] == "op_cases")
    assert (unknown["Value code"], unknown["Numeric value"]) == ("unknown", None)
    assert len(rows) == 8 + 7 + 6  # THA 8 answers, KHM 7, ARE 7 less the hidden one


def test_codebook(world):
    _data, wb = regional(world)
    rows = {r["Question id"]: r for r in table(wb["Codebook"], "Codebook")}
    assert len(rows) == 8
    assert rows["op_fiu"]["Options (code → label)"].splitlines() == [
        "egmont → Egmont member", "applying → Applying", "none → No FIU"]
    assert "weight 1" in rows["op_fin"]["Scoring"] and "up to 4 → 0.5" in rows["op_fin"]["Scoring"]
    assert rows["op_cases"]["Scoring"] == "Not scored"
    assert "leg_offence" in rows["leg_law"]["Relevant when"]
    assert rows["leg_offence"]["Relevant when"] == "always"
    assert rows["op_cases"]["Options (code → label)"] == "unknown → Unknown / no data"


def test_overview_lists_filters_members_and_counts(world):
    _data, wb = regional(world)
    about = {r["Item"]: r["Value"] for r in table(wb["Overview"], "About")}
    assert about["Round(s)"] == "R2 current"
    assert about["Generated by"] == "Test Analyst"
    assert about["Generated at (UTC)"] == "2026-06-01 12:00"
    assert about["Status filter"].startswith("Approved responses only")
    assert "WARNING" not in about
    assert "test-export:1" in about["Questionnaire"]
    counts = {r["Status"]: r["Members"] for r in table(wb["Overview"], "StatusCounts")}
    assert counts["Approved"] == 3 and counts["Submitted"] == 1 and counts["In progress"] == 1
    members = by_iso(table(wb["Overview"], "Members"))
    assert len(members) == 45  # every member response of the round
    assert members["THA"]["Included"] == "yes" and members["FJI"]["Included"] == "no"
    assert members["THA"]["Approved"] == dt.datetime(2026, 5, 4, 9, 30)
    assert members["FJI"]["Submitted"] == dt.datetime(2026, 5, 1, 9, 30)


@pytest.mark.parametrize("status, included, warned", [
    ("approved", {"THA", "KHM", "ARE"}, False),
    ("submitted", {"THA", "KHM", "ARE", "FJI"}, True),
    ("all", {"THA", "KHM", "ARE", "FJI", "PHL"}, True),
])
def test_status_filter(world, status, included, warned):
    _data, wb = regional(world, status_filter=status)
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == included
    assert {r["ISO3"] for r in table(wb["Data"], "Data")} == included
    about = {r["Item"]: r["Value"] for r in table(wb["Overview"], "About")}
    assert ("WARNING" in about) is warned
    if warned:
        assert "UNREVIEWED" in wb["Overview"]["A2"].value
        assert wb.properties.subject.startswith("UNREVIEWED")
    if status == "all":
        phl = by_iso(table(wb["Scores"], "Scores"))["PHL"]
        assert phl["Legal"] is None and phl["Status"] == "In progress"  # too few answers to score


def test_subregion_filter(world):
    data, wb = regional(world, subregion="south-east asia")
    assert data.meta.subregion == "South-East Asia"
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == {"THA", "KHM"}
    assert {r["Group"] for r in table(wb["Scores"], "Medians")} == {
        "All members (regional)", "South-East Asia"}
    assert {r["Sub-region"] for r in table(wb["Overview"], "Members")} == {"South-East Asia"}


def test_one_country(world):
    _data, wb = regional(world, subregion="Middle East")
    scores = table(wb["Scores"], "Scores")
    assert [r["ISO3"] for r in scores] == ["ARE"]
    medians = {r["Group"]: r for r in table(wb["Scores"], "Medians")}
    # One member: its "regional median" would be its own score, so none is given.
    assert scores[0]["Overall"] == 25
    assert medians["Middle East"]["Overall"] is None is medians["All members (regional)"]["Overall"]
    assert medians["All members (regional)"]["Note"] == "medians over fewer than 3 members are not given"


def test_empty_round(world):
    _data, wb = regional(world, which="empty")
    assert table(wb["Scores"], "Scores") == []
    assert table(wb["Data"], "Data") == []
    counts = {r["Status"]: r["Members"] for r in table(wb["Overview"], "StatusCounts")}
    assert counts["Not started"] == 45


def test_formula_injection_cells_stay_text(world):
    data, wb = regional(world, status_filter="all")
    content = build_regional_workbook(data)
    assert not has_formulas(content)
    rows = table(wb["Data"], "Data")
    planted = {FORMULA_LAW, "-1+2", FORMULA_EVIDENCE, "\tTab-led note", "=1+1", "+Fiji Police"}
    found = set()
    for ws_name in ("Data", "Legal"):
        for row in wb[ws_name].iter_rows():
            for cell in row:
                if cell.value in planted:
                    assert cell.data_type == "s", (ws_name, cell.coordinate, cell.value)
                    found.add(cell.value)
    assert found == planted
    law = next(r for r in rows if r["ISO3"] == "THA" and r["Question id"] == "leg_law")
    assert law["Value label"] == FORMULA_LAW  # kept exactly, as text


def test_tidy_csv_unicode_bom_and_injection(world):
    data = export_input([world["current"]], generated_by="t", now=NOW)
    plain = tidy_csv(data).decode("utf-8")
    with_bom = tidy_csv(data, bom=True)
    assert with_bom.startswith("\ufeff".encode()) and not plain.startswith("\ufeff")
    assert plain.splitlines()[0] == ("Round,Country,ISO3,Sub-region,Pillar,Question id,Question,"
                                     "Value code,Value label,Numeric value,Evidence,Status,Status code,"
                                     "Last changed,Demo data")
    for text in (THAI_AGENCY, KHMER_AGENCY, ARABIC_AGENCY, NAMES["KHM"]):
        assert text in plain
    assert "'=HYPERLINK(" in plain and "'@SUM(A1:A9)" in plain and "'-1+2" in plain


def test_unicode_in_workbook(world):
    _data, wb = regional(world)
    rows = table(wb["Data"], "Data")
    labels = {r["Value label"] for r in rows}
    assert {THAI_AGENCY, KHMER_AGENCY, ARABIC_AGENCY} <= labels
    assert {r["Country"] for r in table(wb["Scores"], "Scores")} == set(NAMES.values())


def test_zip_has_one_csv_per_sheet(world):
    import io
    import zipfile

    data = export_input([world["current"]], generated_by="t", now=NOW)
    with zipfile.ZipFile(io.BytesIO(sheets_zip(data))) as archive:
        names = archive.namelist()
        scores = archive.read("02-scores.csv").decode("utf-8-sig")
    assert "06-data.csv" in names and "07-codebook.csv" in names
    assert any(n.startswith("03-pillar1-legal") for n in names)
    assert any(n.startswith("05-changes") for n in names)
    assert "ประเทศไทย" in scores and "37.5" in scores


def test_country_workbook_has_answers_with_evidence(world):
    result = build_export({"kind": "country", "round": "R2 current", "country": "THA"}, "Focal")
    wb = load(result.content)
    assert wb.sheetnames == ["Overview", "Answers", "Scores", "Codebook"]
    answers = {r["Question id"]: r for r in table(wb["Answers"], "Answers")}
    assert answers["leg_offence"]["Answer"] == "Yes"
    assert answers["leg_offence"]["Evidence"] == FORMULA_EVIDENCE
    assert wb["Answers"].cell(row=[i for i, r in enumerate(table(wb["Answers"], "Answers"), 2)
                                   if r["Question id"] == "leg_offence"][0],
                              column=6).data_type == "s"
    assert answers["op_cases"]["Answer"] == 10
    scores = table(wb["Scores"], "Scores")
    assert [(r["ISO3"], r["Overall"]) for r in scores] == [("THA", 100)]
    assert not has_formulas(result.content)


def test_a_streamed_workbook_holds_the_same_cells_with_filters_instead_of_tables(world,
                                                                                monkeypatch):
    import exports.workbook

    data, in_memory = regional(world, status_filter="all")
    monkeypatch.setattr(exports.workbook, "STREAM_FROM_CELLS", 0)  # as a very large export is
    data.extra.clear()
    streamed = load(build_regional_workbook(data))
    assert streamed.sheetnames == in_memory.sheetnames
    for ws in streamed.worksheets:
        mine = in_memory[ws.title]
        values = [[c.value for c in row] for row in ws.iter_rows()]
        assert values == [[c.value for c in row] for row in mine.iter_rows()], ws.title
        assert not ws.tables and ws.freeze_panes == mine.freeze_panes
    # The first table of each sheet gets the filter buttons its Excel table had.
    assert streamed["Data"].auto_filter.ref == in_memory["Data"].tables["Data"].ref
    assert streamed["Scores"].auto_filter.ref == in_memory["Scores"].tables["Scores"].ref
    header = next(streamed["Data"].iter_rows(max_row=1))
    assert header[0].value == "Round" and header[0].font.b
