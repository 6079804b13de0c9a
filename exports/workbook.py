"""Regional and per-country workbooks, written with XlsxWriter (one function per sheet).

Only XlsxWriter's public API is used. A workbook is written in one of two modes,
decided before it is opened (XlsxWriter's ``constant_memory`` is a workbook option):

- **in memory** (the usual case, up to :data:`STREAM_FROM_CELLS` cells on the largest
  sheet): every table is an Excel table (filter buttons, banded rows) with a frozen
  header, and text goes to the shared-string table, which is also the cheaper way to
  write at this size.
- **streamed** (``constant_memory``) when the largest sheet, always the Data sheet, is
  bigger: rows are flushed as they are written, so memory stays flat however many
  members and rounds there are. XlsxWriter cannot add Excel tables in this mode, so
  every sheet gets a frozen header and an autofilter on its first table instead (a
  sheet has one autofilter; a second table on a sheet, such as the medians under the
  scores, is a bold header over plain rows).

Text is always written with ``write_string``, never ``write``, and text that begins
like a formula is also quote-prefixed (:mod:`exports.guard`); numbers stay numbers.

Every text the workbook itself says (sheet names, headings, titles, notices, printed
headers and footers) goes through the caller's ``words`` (:mod:`exports.words`), so a
workbook is wholly in its language; the Data sheet's column names stay as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from questionnaires.text import RIGHT_TO_LEFT, base_language

from .guard import FORMULA_TRIGGERS, QUOTE_PREFIX, starts_like_formula
from .model import DEMO_NOTICE, ExportInput, Progress, is_unreviewed
from .tables import (
    ID_COLUMNS,
    Table,
    changes_tables,
    codebook_table,
    counts_tables,
    crosswalk_table,
    data_table,
    method_tables,
    overview_tables,
    pillar_tables,
    pillar_title,
    scores_tables,
    yes_no,
)
from .words import N_, Words, same, subregion_name

# Above this many cells on its largest sheet a workbook is streamed (see the module
# docstring). Measured on the regional workbook at 200 members (its Data sheet is always the
# largest): held in memory, the writer adds about 330 bytes per
# Data-sheet cell to the peak (+110 MB at 332,000 cells, two rounds; +218 MB at 666,000,
# four rounds, which peaked at 399 MB; +567 MB for all ten rounds), and it is also a
# quarter cheaper in CPU. So up to two rounds of 200 members stay in memory with their
# Excel tables, and beyond 350,000 cells the workbook is streamed, its peak flat.
STREAM_FROM_CELLS = 350_000
ROWS_PER_SLICE = 10_000
# A table of up to this many rows under a sheet's main table prints under its headings.
SHORT_TABLE_ROWS = 25
WORKBOOK_OPTIONS = {
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

# The font a workbook's cells name, by the language of its labels: one that Excel's and
# LibreOffice's usual installations have and that covers the script (Calibri, the default,
# covers Latin scripts with Vietnamese accents; it has no Thai, Khmer, Arabic or Chinese).
FONT_BY_SCRIPT = {"th": "Leelawadee UI", "km": "Khmer UI", "ar": "Arial", "zh": "Microsoft YaHei",
                  "ja": "Yu Gothic", "ko": "Malgun Gothic"}
DEFAULT_FONT = "Calibri"


def font_for(language: str | None) -> str:
    """The cell font for labels in ``language`` (a code such as "th", "zh_Hans" or "zh-Hans")."""
    if not language:
        return DEFAULT_FONT
    return FONT_BY_SCRIPT.get(base_language(language), DEFAULT_FONT)


def writes_right_to_left(language: str | None) -> bool:
    """Is ``language`` written right to left (its workbooks' sheets then read from the right)?"""
    return bool(language) and base_language(language) in RIGHT_TO_LEFT


class Formats:
    """Every cell format of a workbook, made once, each with its quote-prefixed twin."""

    def __init__(self, workbook: Workbook, font: str = DEFAULT_FONT):
        self._workbook = workbook
        self.font = font
        self._props: dict[int, dict[str, Any]] = {}
        self._guarded: dict[int | None, Any] = {}
        self.title = self._add({"bold": True, "font_size": 14})
        self.subtitle = self._add({"bold": True, "font_size": 11})
        self.warning = self._add({"bold": True, "font_color": "#9C0006", "bg_color": "#FFC7CE"})
        self.header = self._add({"bold": True, "text_wrap": True, "valign": "top"})
        self.question_id = self._add({"italic": True, "font_color": "#52606D", "font_size": 9})
        self.wrap = self._add({"valign": "top", "text_wrap": True})
        self.numbers: dict[str, Any] = {}

    def _add(self, props: dict[str, Any]):
        if self.font != DEFAULT_FONT:
            props = {"font_name": self.font, **props}
        made = self._workbook.add_format(props)
        self._props[id(made)] = props
        return made

    def add(self, props: dict[str, Any]):
        """A further format of this workbook (with its quote-prefixed twin on demand)."""
        return self._add(props)

    def number(self, key: str | None):
        """The cell format of a NUMBER_FORMATS key or of an Excel number format code
        (a question type names its own), made once per workbook."""
        if not key:
            return None
        code = NUMBER_FORMATS.get(key, key)
        if code not in self.numbers:
            self.numbers[code] = self._add({"num_format": code, "valign": "top"})
        return self.numbers[code]

    def guarded(self, fmt):
        """``fmt`` with Excel's quote prefix: for text that begins like a formula."""
        key = None if fmt is None else id(fmt)
        if key not in self._guarded:
            props = {} if fmt is None else self._props[key]
            self._guarded[key] = self._workbook.add_format({**props, **QUOTE_PREFIX})
        return self._guarded[key]


@dataclass
class Book:
    """A workbook being written: its formats, its sheet names and how it is written."""

    workbook: Workbook
    fmts: Formats
    streamed: bool
    used: set[str] = field(default_factory=set)
    _filtered: set[str] = field(default_factory=set)
    notice: str | None = None  # printed in every sheet's page header (demonstration data)
    title: str = ""
    _repeating: set[str] = field(default_factory=set)
    words: Words = same  # the workbook's own words in its language (exports.words)
    right_to_left: bool = False  # sheets read from the right, column A at the right (Arabic)

    def add_sheet(self, name: str) -> Worksheet:
        """A sheet named ``name`` (as shown: the caller has put it in the book's language),
        made valid and unique for Excel."""
        ws = self.workbook.add_worksheet(sheet_name(name, self.used))
        page_setup(ws, self.title, self.notice, self.words)
        if self.right_to_left:
            ws.right_to_left()
        return ws

    @functools.cached_property
    def yes_no(self) -> dict[bool, str]:
        """How a true/false cell reads, asked of ``words`` once per workbook."""
        return {True: yes_no(True, self.words), False: yes_no(False, self.words)}

    def add_named_sheet(self, name: str) -> Worksheet:
        """A sheet whose name is one of the exports' own words (``N_``-marked English)."""
        return self.add_sheet(self.words(name))

    def repeat_on_every_page(self, ws: Worksheet, first_row: int, header_row: int,
                             rows: int) -> None:
        """Print a sheet's main table's heading rows at the top of every page.

        The main table starts at the top of its sheet. A short table under it (medians,
        totals) shares its last page; a long one would print under headings not its own,
        so then no heading repeats.
        """
        name = ws.get_name()
        if first_row == 0 and name not in self._repeating:
            self._repeating.add(name)
            ws.repeat_rows(first_row, header_row)
        elif name in self._repeating and rows > SHORT_TABLE_ROWS:
            ws.repeat_row_range = ""

    def claim_filter(self, ws: Worksheet) -> bool:
        """A streamed sheet's one autofilter, for its first table."""
        if ws.get_name() in self._filtered:
            return False
        self._filtered.add(ws.get_name())
        return True


def header_footer_text(text: str, limit: int = 120) -> str:
    """Plain text for a printed header or footer: "&" starts a code there, so it is doubled;
    Excel refuses a header over 255 characters, so a long title is shortened."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("&", "&&")


FOOTER = N_("Bali Process WG-TIP · Following the Money capability survey")
PAGE_X_OF_Y = N_("Page %(page)s of %(pages)s")


def page_setup(ws: Worksheet, title: str, notice: str | None = None,
               words: Words = same) -> None:
    """How a sheet prints: A4 landscape, every column on one page's width (pages run down,
    never across), the workbook's title and the sheet's name at the top (with ``notice``, such
    as the demonstration-data warning, in the middle of the second line), page x of y below."""
    ws.set_paper(9)                      # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)                # one page wide, as many pages tall as it takes
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.7)
    # The notice on a line of its own under the title: side by side, a long title (in French
    # or Arabic) ran into it.
    middle = f"&C\n&\"-,Bold\"{header_footer_text(notice)}" if notice else ""
    ws.set_header(f"&L&\"-,Bold\"{header_footer_text(title)}{middle}&R&A", {"margin": 0.3})
    # The page codes go in after the text is escaped ("&" doubled), so they stay codes.
    pages = header_footer_text(words(PAGE_X_OF_Y).replace("&", "")) % {"page": "&P",
                                                                         "pages": "&N"}
    ws.set_footer("&L" + header_footer_text(words(FOOTER)) + "&R" + pages, {"margin": 0.3})


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


def cells_of(tables: Sequence[Table]) -> int:
    """How many cells these tables put on a sheet."""
    return sum(len(t.frame) * max(len(t.frame.columns), 1) for t in tables)


# -- cell writing ----------------------------------------------------------------

def write_text(book: Book, ws: Worksheet, row: int, col: int, value: Any, fmt=None) -> None:
    """Text as text, always: formulas in answers are never evaluated."""
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    ws.write_string(row, col, text, book.fmts.guarded(fmt) if starts_like_formula(text) else fmt)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return value is pd.NA


def _write_any(book: Book, ws: Worksheet, row: int, col: int, value: Any, text_fmt,
               number_fmt) -> None:
    """One cell of a column that mixes numbers and text (a pillar sheet's answers)."""
    if _missing(value):
        return
    if isinstance(value, bool | np.bool_):
        write_text(book, ws, row, col, book.yes_no[bool(value)], text_fmt)
    elif isinstance(value, int | float | np.integer | np.floating):
        ws.write_number(row, col, float(value), number_fmt)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, number_fmt)
    else:
        write_text(book, ws, row, col, value, text_fmt)


_NUMBER, _TEXT, _ANY = 0, 1, 2
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's 1900 system, as XlsxWriter counts


def _column(series: pd.Series) -> tuple[int, list]:
    """How one column is written, and its values as plain Python objects."""
    dtype = series.dtype
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return _NUMBER, series.astype("float64").tolist()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        # A date in a workbook is its serial number under a date format: computed for the
        # whole column at once rather than converted cell by cell.
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return _NUMBER, ((series - EXCEL_EPOCH) / pd.Timedelta(days=1)).tolist()
    if pd.api.types.is_string_dtype(dtype):
        return _TEXT, series.tolist()
    return _ANY, series.tolist()


def _write_rows(book: Book, ws: Worksheet, part: pd.DataFrame, first_row: int,
                text_formats: list, number_formats: list) -> None:
    """Write a slice of a frame's rows; one loop, the common cases inline (it runs per cell)."""
    write_string, write_number = ws.write_string, ws.write_number
    guarded = book.fmts.guarded
    plan = []
    values = []
    for c, col in enumerate(part.columns):
        kind, col_values = _column(part[col])
        plan.append((c, kind, text_formats[c], guarded(text_formats[c]), number_formats[c]))
        values.append(col_values)
    triggers = FORMULA_TRIGGERS
    for row, record in enumerate(zip(*values), start=first_row):
        for (c, kind, text_fmt, guarded_fmt, number_fmt), value in zip(plan, record):
            if kind == _TEXT and type(value) is str:
                write_string(row, c, value, guarded_fmt if value.startswith(triggers) else text_fmt)
            elif kind == _NUMBER:
                if value == value:  # NaN (and NaT) is a blank cell
                    write_number(row, c, value, number_fmt)
            elif not _missing(value):
                _write_any(book, ws, row, c, value, text_fmt, number_fmt)


def headings(table: Table, words: Words = same) -> list[str]:
    """A table's headings as shown: in the book's words (the tidy data's as they are), one
    line each, unique ignoring case and within Excel's 255 characters."""
    seen: set[str] = set()
    out = []
    for column in table.frame.columns:
        base = " ".join(str(table.heading(str(column), words)).split())[:250] or str(column)
        shown, n = base, 2
        while shown.lower() in seen:
            shown = f"{base} ({n})"
            n += 1
        seen.add(shown.lower())
        out.append(shown)
    return out


def _header(book: Book, ws: Worksheet, table: Table, header_row: int, last_row: int) -> None:
    """An Excel table over the rows, or (streamed) a bold header and an autofilter."""
    headers = headings(table, book.words)
    last_col = max(len(headers) - 1, 0)
    if not book.streamed:
        result = ws.add_table(header_row, 0, last_row, last_col, {
            "name": table.name, "style": TABLE_STYLE,
            "columns": [{"header": h, "header_format": book.fmts.guarded(book.fmts.header)
                         if starts_like_formula(h) else book.fmts.header} for h in headers]})
        if result not in (None, 0):
            raise ValueError(f"table {table.name} could not be added ({result})")
        return
    for col, header in enumerate(headers):
        write_text(book, ws, header_row, col, header, book.fmts.header)
    if book.claim_filter(ws):
        ws.autofilter(header_row, 0, last_row, last_col)


def write_table(book: Book, ws: Worksheet, table: Table, first_row: int = 0,
                *, freeze_columns: int = 0) -> int:
    """Write ``table`` from ``first_row``; return the first free row after it (plus a gap)."""
    fmts = book.fmts
    frame = table.frame
    row = first_row
    if table.title:
        write_text(book, ws, row, 0, table.title, fmts.subtitle)
        row += 1
    if table.question_ids is not None:
        for col, qid in enumerate(table.question_ids):
            if qid:
                write_text(book, ws, row, col, qid, fmts.question_id)
        row += 1
    header_row = row
    book.repeat_on_every_page(ws, first_row, header_row, len(frame))
    columns = list(frame.columns)
    n = len(frame)
    if any(len(h) > 18 for h in headings(table, book.words)):
        ws.set_row(header_row, 75)
    _header(book, ws, table, header_row, header_row + max(n, 1))
    wide_text = {c for c, w in table.widths.items() if w >= 36} if table.wrap else set()
    # Plain text needs no cell format (a style per cell costs time at scale); long texts
    # wrap, aligned to the top of the row.
    text_formats = [fmts.wrap if col in wide_text else None for col in columns]
    number_formats = [fmts.number(table.formats.get(col) or (
        "datetime" if pd.api.types.is_datetime64_any_dtype(frame[col].dtype) else None))
        for col in columns]
    # Rows go out in slices, so only one slice of Python values exists at a time.
    for start in range(0, n, ROWS_PER_SLICE):
        _write_rows(book, ws, frame.iloc[start:start + ROWS_PER_SLICE], header_row + 1 + start,
                    text_formats, number_formats)
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

def write_overview(book: Book, data: ExportInput, title: str) -> None:
    fmts = book.fmts
    ws = book.add_named_sheet(N_("Overview"))
    write_text(book, ws, 0, 0, title, fmts.title)
    row = 1
    if data.meta.demo:
        ws.set_tab_color("#7A4B00")
        write_text(book, ws, row, 0, book.words(DEMO_NOTICE).upper(), fmts.warning)
        row += 1
    if is_unreviewed(data.meta.status_filter):
        ws.set_tab_color("#9C0006")
        write_text(book, ws, row, 0, book.words(N_(
            "UNREVIEWED DATA: includes responses not yet approved by the working group.")),
            fmts.warning)
        row += 1
    row += 1
    for table in overview_tables(data, title):
        row = write_table(book, ws, table, row)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 40)


def write_scores(book: Book, data: ExportInput) -> None:
    ws = book.add_named_sheet(N_("Scores"))
    scores, medians = scores_tables(data)
    row = write_table(book, ws, scores, 0, freeze_columns=3)
    write_table(book, ws, medians, row)


def write_pillar(book: Book, section, table: Table, data: ExportInput) -> None:
    ws = book.add_sheet(pillar_title(section, data.meta.language))
    write_table(book, ws, table, 0, freeze_columns=3)
    ws.freeze_panes(2, 3)


def write_counts(book: Book, data: ExportInput) -> None:
    ws = book.add_named_sheet(N_("Counts"))
    counts, totals = counts_tables(data)
    row = write_table(book, ws, counts, 0, freeze_columns=3)
    ws.freeze_panes(2, 3)
    write_table(book, ws, totals, row)


def write_changes(book: Book, data: ExportInput) -> None:
    ws = book.add_named_sheet(N_("Changes"))
    tables = changes_tables(data)
    if not tables:
        reason = book.words(N_("Changes compare one round with its previous round; this export "
                               "covers several rounds.") if len(data.meta.rounds) > 1
                            else N_("There is no previous round to compare with."))
        write_text(book, ws, 0, 0, reason, book.fmts.subtitle)
        ws.set_column(0, 0, 80)
        return
    row = 0
    for table in tables:
        row = write_table(book, ws, table, row)
    ws.freeze_panes(2, 0)


def write_data(book: Book, table: Table) -> None:
    write_table(book, book.add_named_sheet(N_("Data")), table, 0)


def write_codebook(book: Book, data: ExportInput) -> None:
    """The codebook, then "How scores are computed" in brief under it."""
    ws = book.add_named_sheet(N_("Codebook"))
    row = write_table(book, ws, codebook_table(data.definition, data.meta.language,
                                               data.meta.languages, data.words), 0,
                      freeze_columns=1)
    for table in method_tables(data.definition, data.meta.language, data.words):
        row = write_table(book, ws, table, row)


def write_crosswalk(book: Book, data: ExportInput) -> None:
    """The v1 ↔ v2 crosswalk, for a questionnaire that maps a previous version."""
    table = crosswalk_table(data.definition, data.mapped_definition, data.meta.language,
                            data.words)
    if table is not None:
        write_table(book, book.add_named_sheet(N_("Crosswalk")), table, 0, freeze_columns=1)


# -- workbooks ---------------------------------------------------------------------

COMPANY = N_("Bali Process Working Group on Trafficking in Persons")


def _properties(data: ExportInput, title: str) -> dict[str, Any]:
    meta = data.meta
    w = data.words
    subject = w(N_("Round(s): %(rounds)s; status filter: %(status)s")) % {
        "rounds": meta.round_label, "status": meta.status_filter}
    if meta.subregion:
        subject += w(N_("; sub-region: %(subregion)s")) % {
            "subregion": subregion_name(meta.subregion, w)}
    if is_unreviewed(meta.status_filter):
        subject = w(N_("UNREVIEWED")) + " — " + subject
    if meta.demo:
        subject = f"{w(DEMO_NOTICE).upper()} — " + subject
    return {
        "title": title, "subject": subject, "author": meta.generated_by,
        "company": w(COMPANY),
        "category": w(N_("Following the Money capability survey")),
        "keywords": w(N_("Bali Process, trafficking in persons, follow the money, "
                         "capability survey")),
        "comments": w(N_("Generated %(when)s UTC from questionnaire %(questionnaire)s.")) % {
            "when": f"{meta.generated_at:%Y-%m-%d %H:%M}", "questionnaire": meta.questionnaire},
        "created": meta.generated_at,
    }


def write_workbook(write: Callable[[Book], None], *, largest_sheet_cells: int,
                   properties: dict[str, Any] | None = None, title: str | None = None,
                   notice: str | None = None, language: str | None = None,
                   words: Words = same) -> bytes:
    """Open a workbook in the mode its size calls for, let ``write`` fill it, return the file.

    ``largest_sheet_cells`` (see :func:`cells_of`) decides whether it is streamed; ``title``
    (by default the properties' title) and ``notice`` (both as shown) head every printed
    page; every cell names a font covering ``language``, the language of its labels
    (:func:`font_for`); ``words`` translates what the writer itself says (the footer).
    """
    streamed = largest_sheet_cells > STREAM_FROM_CELLS
    output = io.BytesIO()
    # Held in memory, the sheets' XML parts are assembled in memory too (no temporary files);
    # streamed, XlsxWriter flushes rows to temporary files as it goes.
    workbook = xlsxwriter.Workbook(output, {**WORKBOOK_OPTIONS, "constant_memory": streamed,
                                            "in_memory": not streamed})
    if properties:
        workbook.set_properties(properties)
    font = font_for(language)
    if font != DEFAULT_FONT:
        workbook.formats[0].set_font_name(font)  # the default style: cells without a format
    with cycle_collector_paused():
        write(Book(workbook, Formats(workbook, font), streamed, notice=notice,
                   title=title or (properties or {}).get("title") or "", words=words,
                   right_to_left=writes_right_to_left(language)))
        workbook.close()
    return output.getvalue()


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a workbook is built, back on after.

    Building one allocates an object per cell (XlsxWriter keeps each until the file is
    closed) and thousands of rows and frames, all alive until the end. That volume sets
    off full collections, each walking every object in the process (the app, pandas and
    the rest: about 200,000) and finding nothing to free: two of them were a quarter of
    the CPU of a real-size export, measured with gc.callbacks. Reference counting frees
    memory as usual meanwhile; any cycle made in the meantime waits for the next
    collection. The collector is process-wide: only the caller that switched it off
    switches it back on, so overlapping builds leave it on at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_table_workbook(sheet: str, tables: Sequence[Table], *, title: str | None = None,
                         freeze_columns: int = 0, properties: dict[str, Any] | None = None,
                         notice: str | None = None, language: str | None = None,
                         words: Words = same) -> bytes:
    """One sheet of tables under an optional bold title: the app's small downloads
    (the round tracker) are written by the same writer as the exports. ``sheet``, ``title``
    and ``notice`` are as shown; ``words`` translates the tables' headings."""

    def write(book: Book) -> None:
        ws = book.add_sheet(sheet)
        row = 0
        if title:
            write_text(book, ws, 0, 0, title, book.fmts.subtitle)
            row = 2
        if notice:
            write_text(book, ws, row - 1 if title else 0, 0, notice, book.fmts.warning)
            row = max(row, 2)
        for table in tables:
            row = write_table(book, ws, table, row, freeze_columns=freeze_columns)

    return write_workbook(write, largest_sheet_cells=cells_of(tables), properties=properties,
                          title=title or sheet, notice=notice, language=language, words=words)


def regional_title(data: ExportInput) -> str:
    w = data.words
    where = subregion_name(data.meta.subregion, w) or w(N_("all sub-regions"))
    return w(N_("Regional summary — %(rounds)s — %(where)s")) % {
        "rounds": data.meta.round_label, "where": where}


def with_words(data: ExportInput, words: Words | None) -> ExportInput:
    """``data`` with the export's words in its language (``None``: as it has them)."""
    return data if words is None else dataclasses.replace(data, words=words)


def _notice(data: ExportInput) -> str | None:
    return data.words(DEMO_NOTICE) if data.meta.demo else None


def build_regional_workbook(data: ExportInput, progress: Progress | None = None, *,
                            words: Words | None = None) -> bytes:
    """Overview, Scores, one sheet per pillar, Counts, Changes, Data, Codebook (with how
    scores are computed) and, for a version that maps a previous one, Crosswalk.

    ``words`` (else ``data.words``) translates what the workbook itself says."""
    data = with_words(data, words)
    title = regional_title(data)
    report = progress or (lambda percent: None)
    data_sheet = data_table(data)  # always the largest sheet: it decides the mode

    def write(book: Book) -> None:
        write_overview(book, data, title)
        report(10)
        write_scores(book, data)
        report(25)
        for section, table in pillar_tables(data):
            write_pillar(book, section, table, data)
        report(45)
        write_counts(book, data)
        write_changes(book, data)
        report(55)
        write_data(book, data_sheet)
        report(85)
        write_codebook(book, data)
        write_crosswalk(book, data)

    result = write_workbook(write, largest_sheet_cells=cells_of([data_sheet]),
                            notice=_notice(data), properties=_properties(data, title),
                            language=data.meta.language, words=data.words)
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


def build_country_workbook(data: ExportInput, progress: Progress | None = None, *,
                           words: Words | None = None) -> bytes:
    """One country's answers with evidence, its scores and the codebook."""
    data = with_words(data, words)
    title = data.words(N_("Country answers — %(country)s — %(rounds)s")) % {
        "country": data.meta.country, "rounds": data.meta.round_label}
    report = progress or (lambda percent: None)
    answers = country_answers_table(data)

    def write(book: Book) -> None:
        write_overview(book, data, title)
        write_table(book, book.add_named_sheet(N_("Answers")), answers, 0, freeze_columns=2)
        write_table(book, book.add_named_sheet(N_("Scores")), scores_tables(data)[0], 0,
                    freeze_columns=3)
        write_codebook(book, data)

    result = write_workbook(write, largest_sheet_cells=cells_of([answers]),
                            notice=_notice(data), properties=_properties(data, title),
                            language=data.meta.language, words=data.words)
    report(100)
    return result
