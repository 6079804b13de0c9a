"""Regional and per-country workbooks, written with XlsxWriter (one function per sheet).

Every table is an Excel table (filters, banded rows) with a frozen header. Text is
always written with ``write_string``, never ``write``, so an answer such as
``=HYPERLINK(...)`` or ``@SUM(...)`` stays text that no spreadsheet evaluates; the
workbook is opened with every string conversion switched off as a second guard.
Rows are streamed in ``constant_memory`` mode, so memory stays flat however many
members and rounds there are.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .model import ExportInput, Progress, is_unreviewed
from .tables import (
    ID_COLUMNS,
    Table,
    changes_tables,
    codebook_table,
    counts_tables,
    data_table,
    overview_tables,
    pillar_tables,
    pillar_title,
    scores_tables,
)

MAX_CELL_TEXT = 32_767  # Excel's limit for one cell
ROWS_PER_SLICE = 10_000
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,   # belt and braces: we never call write() on text anyway
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "default_date_format": "yyyy-mm-dd hh:mm",
    "remove_timezone": True,
}
# The exports' own number formats, in one place; tables name them by key. A question
# type gives the Excel format code of its answers itself (``QuestionType.cell_format``).
NUMBER_FORMATS = {
    "score": "0.0",
    "change": "+0.0;-0.0;0.0",
    "integer": "#,##0",
    "decimal": "#,##0.##",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}
TABLE_STYLE = "Table Style Medium 2"
COLOUR_SCALE = {"type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": 50, "mid_color": "#FFEB84",
                "max_type": "num", "max_value": 100, "max_color": "#63BE7B"}
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


class Formats:
    """Every cell format of a workbook, made once."""

    def __init__(self, workbook: Workbook):
        add = workbook.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.subtitle = add({"bold": True, "font_size": 11})
        self.warning = add({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.header = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.question_id = add({"italic": True, "font_color": "#52606D", "font_size": 9})
        self.text = add({"valign": "top"})
        self.wrap = add({"valign": "top", "text_wrap": True})
        self._add = add
        self.numbers: dict[str, Any] = {}

    def number(self, key: str | None):
        """The cell format of a NUMBER_FORMATS key or of an Excel number format code
        (a question type names its own), made once per workbook."""
        if not key:
            return None
        code = NUMBER_FORMATS.get(key, key)
        if code not in self.numbers:
            self.numbers[code] = self._add({"num_format": code, "valign": "top"})
        return self.numbers[code]


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique worksheet name (31 characters, no []:*?/\\)."""
    base = _SHEET_NAME_BAD.sub(" ", name).strip("' ")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


# -- cell writing ----------------------------------------------------------------

def write_text(ws: Worksheet, row: int, col: int, value: Any, fmt=None) -> None:
    """Text as text, always: formulas in answers are never evaluated."""
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    ws.write_string(row, col, text[:MAX_CELL_TEXT], fmt)


def add_streamed_table(ws: Worksheet, header_row: int, last_row: int, headers: list[str],
                       header_format, options: dict[str, Any]) -> None:
    """An Excel table on a ``constant_memory`` worksheet, at any size.

    XlsxWriter refuses ``add_table`` in constant-memory mode only because the table
    writes its header cells, which must not land on rows already streamed out; we
    add every table before writing its rows, so that cannot happen. It also records
    every cell of the range to detect overlaps (170 MB for 1.6 million cells); our
    tables are stacked with gaps and never overlap. So the table is declared over its
    header and first row, with the mode lifted for the call, and then given its full
    range; the header cells are written again as the in-line strings a streamed sheet
    expects.
    """
    last_col = max(len(headers) - 1, 0)
    streaming = ws.constant_memory
    ws.constant_memory = 0
    try:
        result = ws.add_table(header_row, 0, header_row + 1, last_col, options)
    finally:
        ws.constant_memory = streaming
    if result not in (None, 0):
        raise ValueError(f"table {options.get('name')} could not be added ({result})")
    table = ws.tables[-1]
    full = xl_range(header_row, 0, last_row, last_col)
    table["range"] = table["a_range"] = full
    if table.get("autofilter"):
        table["autofilter"] = full
    for col, header in enumerate(headers):
        ws.write_string(header_row, col, header, header_format)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return value is pd.NA


def _write_any(ws: Worksheet, row: int, col: int, value: Any, text_fmt, number_fmt) -> None:
    if _missing(value):
        return
    if isinstance(value, str):
        ws.write_string(row, col, value[:MAX_CELL_TEXT], text_fmt)
    elif isinstance(value, bool | np.bool_):
        ws.write_string(row, col, "yes" if value else "no", text_fmt)
    elif isinstance(value, int | float | np.integer | np.floating):
        ws.write_number(row, col, float(value), number_fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, number_fmt)
    else:
        ws.write_string(row, col, str(value)[:MAX_CELL_TEXT], text_fmt)


def _fast(ws: Worksheet, name: str) -> Callable:
    """XlsxWriter's writer behind the public one, skipping its A1-notation argument parsing
    (a tenth of the time on big sheets); the public method if a release renames it."""
    return getattr(ws, f"_{name}", None) or getattr(ws, name)


def _column_writer(ws: Worksheet, series: pd.Series, text_fmt, number_fmt
                   ) -> tuple[list, Callable[[int, int, Any], None]]:
    """The values of one column and the quickest correct way to write them."""
    write_string, write_number_, write_datetime = (
        _fast(ws, "write_string"), _fast(ws, "write_number"), _fast(ws, "write_datetime"))
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        def write_number(row, col, value, _w=write_number_, _f=number_fmt):
            if value == value:  # NaN is blank
                _w(row, col, value, _f)
        return series.astype("float64").tolist(), write_number
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = [None if v is pd.NaT else v for v in series.dt.to_pydatetime()]

        def write_date(row, col, value, _w=write_datetime, _f=number_fmt):
            if value is not None:
                _w(row, col, value, _f)
        return values, write_date

    if pd.api.types.is_string_dtype(series.dtype):
        # Text columns (the bulk of the Data sheet): strings, or a missing marker.
        def write_text_cell(row, col, value, _w=write_string, _f=text_fmt):
            if type(value) is str:
                _w(row, col, value if len(value) <= MAX_CELL_TEXT else value[:MAX_CELL_TEXT], _f)
            elif not _missing(value):
                _write_any(ws, row, col, value, text_fmt, number_fmt)
        return series.tolist(), write_text_cell

    def write_cell(row, col, value):
        _write_any(ws, row, col, value, text_fmt, number_fmt)
    return series.tolist(), write_cell


def write_table(ws: Worksheet, fmts: Formats, table: Table, first_row: int = 0,
                *, freeze_columns: int = 0) -> int:
    """Write ``table`` from ``first_row``; return the first free row after it (plus a gap)."""
    frame = table.frame
    row = first_row
    if table.title:
        write_text(ws, row, 0, table.title, fmts.subtitle)
        row += 1
    if table.question_ids is not None:
        for col, qid in enumerate(table.question_ids):
            if qid:
                write_text(ws, row, col, qid, fmts.question_id)
        row += 1
    header_row = row
    columns = list(frame.columns)
    n = len(frame)
    long_headers = any(len(str(c)) > 18 for c in columns)
    if long_headers:
        ws.set_row(header_row, 75)
    headers = [str(c) for c in columns]
    add_streamed_table(ws, header_row, header_row + max(n, 1), headers, fmts.header, {
        "name": table.name,
        "style": TABLE_STYLE,
        "columns": [{"header": h, "header_format": fmts.header} for h in headers],
    })
    wide_text = {c for c, w in table.widths.items() if w >= 36} if table.wrap else set()
    r = header_row + 1
    # Rows go out in slices, so only one slice of Python values exists at a time.
    for start in range(0, n, ROWS_PER_SLICE):
        part = frame.iloc[start:start + ROWS_PER_SLICE]
        writers, values = [], []
        for col in columns:
            key = table.formats.get(col)
            number_fmt = fmts.number(key)
            # Plain text needs no cell format (a style per cell costs time at scale);
            # long texts wrap, aligned to the top of the row.
            text_fmt = fmts.wrap if col in wide_text else None
            if key is None and pd.api.types.is_datetime64_any_dtype(part[col].dtype):
                number_fmt = fmts.number("datetime")
            col_values, writer = _column_writer(ws, part[col], text_fmt, number_fmt)
            values.append(col_values)
            writers.append(writer)
        indexed = list(enumerate(writers))
        for record in zip(*values):
            for c, writer in indexed:
                writer(r, c, record[c])
            r += 1
    if first_row == 0 or freeze_columns:
        ws.freeze_panes(header_row + 1, freeze_columns)
    for c, col in enumerate(columns):
        ws.set_column(c, c, table.widths.get(col, _default_width(col, table)))
        if col in table.colour_scale and n:
            ws.conditional_format(header_row + 1, c, header_row + n, c, COLOUR_SCALE)
    return header_row + max(n, 1) + 3


def _default_width(column: str, table: Table) -> float:
    if column in ID_COLUMNS:
        return {"ISO3": 7, "Round": 24, "Status": 13}.get(column, 20)
    if table.question_ids is not None:
        return 22
    return min(max(len(str(column)) + 2, 10), 40)


# -- sheets ----------------------------------------------------------------------

def write_overview(workbook: Workbook, fmts: Formats, data: ExportInput, title: str,
                   used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Overview", used))
    write_text(ws, 0, 0, title, fmts.title)
    row = 1
    if is_unreviewed(data.meta.status_filter):
        ws.set_tab_color("#9C0006")
        write_text(ws, 1, 0, "UNREVIEWED DATA: includes responses not yet approved by the working "
                             "group.", fmts.warning)
        row = 2
    row += 1
    for table in overview_tables(data, title):
        row = write_table(ws, fmts, table, row)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 40)


def write_scores(workbook: Workbook, fmts: Formats, data: ExportInput, used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Scores", used))
    scores, medians = scores_tables(data)
    row = write_table(ws, fmts, scores, 0, freeze_columns=3)
    write_table(ws, fmts, medians, row)


def write_pillar(workbook: Workbook, fmts: Formats, section, table: Table, data: ExportInput,
                 used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name(pillar_title(section, data.meta.language), used))
    write_table(ws, fmts, table, 0, freeze_columns=3)
    ws.freeze_panes(2, 3)


def write_counts(workbook: Workbook, fmts: Formats, data: ExportInput, used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Counts", used))
    counts, totals = counts_tables(data)
    row = write_table(ws, fmts, counts, 0, freeze_columns=3)
    ws.freeze_panes(2, 3)
    write_table(ws, fmts, totals, row)


def write_changes(workbook: Workbook, fmts: Formats, data: ExportInput, used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Changes", used))
    tables = changes_tables(data)
    if not tables:
        reason = ("Changes compare one round with its previous round; this export covers "
                  "several rounds." if len(data.meta.rounds) > 1
                  else "There is no previous round to compare with.")
        write_text(ws, 0, 0, reason, fmts.subtitle)
        ws.set_column(0, 0, 80)
        return
    row = 0
    for table in tables:
        row = write_table(ws, fmts, table, row)
    ws.freeze_panes(2, 0)


def write_data(workbook: Workbook, fmts: Formats, data: ExportInput, used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Data", used))
    write_table(ws, fmts, data_table(data), 0)


def write_codebook(workbook: Workbook, fmts: Formats, data: ExportInput, used: set[str]) -> None:
    ws = workbook.add_worksheet(sheet_name("Codebook", used))
    write_table(ws, fmts, codebook_table(data.definition, data.meta.language), 0, freeze_columns=1)


# -- workbooks ---------------------------------------------------------------------

def _properties(data: ExportInput, title: str) -> dict[str, Any]:
    meta = data.meta
    subject = f"Round(s): {meta.round_label}; status filter: {meta.status_filter}"
    if meta.subregion:
        subject += f"; sub-region: {meta.subregion}"
    if is_unreviewed(meta.status_filter):
        subject = "UNREVIEWED — " + subject
    return {
        "title": title, "subject": subject, "author": meta.generated_by,
        "company": "Bali Process Working Group on Trafficking in Persons",
        "category": "Following the Money capability survey",
        "keywords": "Bali Process, trafficking in persons, follow the money, capability survey",
        "comments": f"Generated {meta.generated_at:%Y-%m-%d %H:%M} UTC from questionnaire "
                    f"{meta.questionnaire}.",
        "created": meta.generated_at,
    }


def _build(write: Callable[[Workbook, Formats], None], properties: dict[str, Any]) -> bytes:
    """Stream the workbook to a temporary file (constant memory), then return its bytes."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="survey-export-")
    os.close(fd)
    try:
        workbook = xlsxwriter.Workbook(path, WORKBOOK_OPTIONS)
        workbook.set_properties(properties)
        write(workbook, Formats(workbook))
        workbook.close()
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        os.unlink(path)


def regional_title(data: ExportInput) -> str:
    where = data.meta.subregion or "all sub-regions"
    return f"Regional summary — {data.meta.round_label} — {where}"


def build_regional_workbook(data: ExportInput, progress: Progress | None = None) -> bytes:
    """Overview, Scores, one sheet per pillar, Counts, Changes, Data and Codebook."""
    title = regional_title(data)
    report = progress or (lambda percent: None)

    def write(workbook: Workbook, fmts: Formats) -> None:
        used: set[str] = set()
        write_overview(workbook, fmts, data, title, used)
        report(10)
        write_scores(workbook, fmts, data, used)
        report(25)
        for section, table in pillar_tables(data):
            write_pillar(workbook, fmts, section, table, data, used)
        report(45)
        write_counts(workbook, fmts, data, used)
        write_changes(workbook, fmts, data, used)
        report(55)
        write_data(workbook, fmts, data, used)
        report(85)
        write_codebook(workbook, fmts, data, used)

    result = _build(write, _properties(data, title))
    report(100)
    return result


def country_answers_table(data: ExportInput) -> Table:
    """A country's answers, question by question, with evidence and who changed them."""
    language = data.meta.language
    definition = data.definition
    answers = data.answers
    by_question = {qid: i for i, qid in enumerate(answers["question_id"])}
    rows = []
    for section in definition.sections:
        for q in section.questions:
            i = by_question.get(q.id)
            value = answers["value"].iat[i] if i is not None else None
            rows.append({
                "Pillar": pillar_title(section, language), "Question id": q.id,
                "Question": q.label.get(language),
                "Answer": q.kind.cell(q, value, language) if i is not None else None,
                "Value code": answers["value_code"].iat[i] if i is not None else None,
                "Evidence": answers["evidence"].iat[i] if i is not None else None,
                "Last changed": answers["updated_at"].iat[i] if i is not None else None,
                "Changed by": answers["updated_by"].iat[i] if i is not None else None,
            })
    frame = pd.DataFrame(rows)
    frame["Last changed"] = pd.to_datetime(frame["Last changed"])
    return Table("Answers", frame, formats={"Last changed": "datetime", "Answer": "decimal"},
                 widths={"Pillar": 14, "Question id": 24, "Question": 60, "Answer": 40,
                         "Value code": 18, "Evidence": 50, "Last changed": 18, "Changed by": 22})


def build_country_workbook(data: ExportInput, progress: Progress | None = None) -> bytes:
    """One country's answers with evidence, its scores and the codebook."""
    title = f"Country answers — {data.meta.country} — {data.meta.round_label}"
    report = progress or (lambda percent: None)

    def write(workbook: Workbook, fmts: Formats) -> None:
        used: set[str] = set()
        write_overview(workbook, fmts, data, title, used)
        ws = workbook.add_worksheet(sheet_name("Answers", used))
        write_table(ws, fmts, country_answers_table(data), 0, freeze_columns=2)
        scores_ws = workbook.add_worksheet(sheet_name("Scores", used))
        write_table(scores_ws, fmts, scores_tables(data)[0], 0, freeze_columns=3)
        write_codebook(workbook, fmts, data, used)

    result = _build(write, _properties(data, title))
    report(100)
    return result
