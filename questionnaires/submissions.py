"""Reading a KoboToolbox or ODK submission export: rows of answers -> proposed answers.

A country that fielded the questionnaire's XLSForm (``exports.xlsform``) with KoboToolbox
or ODK Collect downloads its submissions as CSV or XLSX: a header row of field names and a
row per submission (one per agency). This module reads such a file from untrusted bytes
and says, question by question, what the submissions propose, for the same upload ->
preview -> apply service as the answer workbook (``survey.answering.workbooks``).

- Headers are the XLSForm names, with or without their groups in front
  (``sec_legal/leg_untoc``, ``sec_legal-leg_untoc`` as ODK Central writes them, or plain
  ``leg_untoc``). A composite answer's parts are ``<id>__<part>`` fields (its group
  ``<id>`` in front or not).
- A multiple choice is a cell of space-separated codes (``a b``) and/or one 0/1 column per
  option (``q/a``, ``q-a``); both are read.
- Kobo's and ODK's own columns (``_id``, ``_uuid``, ``_submission_time``, ``start``,
  ``end``, ``meta/instanceID``, ``KEY``, ``SubmissionDate``, ...) are ignored;
  ``_xform_id_string`` (the form's id), when present, must be the questionnaire's code.
- A CSV file is read by its own format: UTF-8, commas or semicolons (Kobo's default),
  numbers with a '.' decimal point -- never by the language of the person uploading it.
  An XLSX file's first sheet holds the submissions (further sheets are repeat groups).
- Each answer goes through its question's type (``workbook_read`` over the cells its
  fields fill, then ``normalise``), exactly as an answer workbook's cells do. A problem is
  reported by sheet, row and question id and never stops the other answers being read.
- Where the submissions disagree on a question, every distinct answer is kept (with the
  rows that gave it) for the focal point to choose; a blank cell proposes nothing.

Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import Definition, Question
from .numbers import Understood, parse_machine_number
from .safe_workbook import MAX_WORKBOOK_BYTES, WorkbookError, open_workbook
from .types import AnswerError, cell_text

MAX_SUBMISSIONS = 1_000    # a country has six to nine agencies
MAX_COLUMNS = 5_000
MAX_CELL_CHARS = 20_000
# Columns that Kobo and ODK add to every submission (compared in lower case, by the last
# part of the header); any column whose name starts with "_" is theirs too.
META_NAMES = frozenset({
    "start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
    "phonenumber", "audit", "__version__", "instanceid", "instancename", "deprecatedid",
    "rootuuid", "uuid", "key", "submissiondate", "submitterid", "submittername",
    "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "edits",
    "formversion", "version", "starttime", "endtime"})
META_GROUPS = ("meta", "formhub")
FORM_ID_COLUMN = "_xform_id_string"
_LABEL_COLUMNS = ("_submitted_by", "SubmitterName", "_id", "KEY")  # who sent a submission


@dataclass(frozen=True)
class Offer:
    """One answer to one question as one or more submissions give it."""

    value: Any
    rows: tuple[int, ...]           # 1-based, as a spreadsheet numbers rows
    labels: tuple[str, ...]         # who or which submission: "_submitted_by", "_id", ...


@dataclass(frozen=True)
class SubmissionProblem:
    sheet: str
    row: int
    question_id: str
    message: str


@dataclass
class SubmissionReading:
    sheet: str
    submissions: int = 0
    offers: dict[str, list[Offer]] = field(default_factory=dict)   # question id -> answers
    errors: list[SubmissionProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def machine_number(raw: Any, integer: bool) -> int | float:
    """The number reader for exported data: '.' decimals whatever the person's language."""
    parsed = parse_machine_number(raw.strip() if isinstance(raw, str) else raw, integer=integer)
    if isinstance(parsed, Understood):
        return int(parsed.value) if integer else float(parsed.value)
    raise AnswerError(parsed.message)


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkbookError("the CSV file is not UTF-8 text; export it again from KoboToolbox "
                            "or ODK (they write UTF-8)") from None
    if "\x00" in text:
        raise WorkbookError("the CSV file holds NUL characters; it is not a text export")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows: list[list[str]] = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if n > MAX_SUBMISSIONS:
                raise WorkbookError(f"the file holds more than {MAX_SUBMISSIONS:,} submissions; "
                                    "export one country's submissions only")
            rows.append(row)
    except csv.Error as exc:
        raise WorkbookError(f"the CSV file cannot be read (line {n + 1}: {exc})") from None
    return rows


def _xlsx_rows(data: bytes, max_bytes: int) -> tuple[str, list[list[Any]]]:
    book = open_workbook(data, max_bytes)
    try:
        if not book.sheetnames:
            raise WorkbookError("the workbook has no sheet")
        sheet = book.worksheets[0]
        rows: list[list[Any]] = []
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n > MAX_SUBMISSIONS:
                raise WorkbookError(f"the sheet “{sheet.title}” holds more than "
                                    f"{MAX_SUBMISSIONS:,} submissions; export one country's "
                                    "submissions only")
            rows.append(list(row[:MAX_COLUMNS + 1]))
        return sheet.title, rows
    finally:
        book.close()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Fields:
    """Which question and cell each XLSForm field name of the definition fills."""

    def __init__(self, definition: Definition):
        self.fields: dict[str, tuple[str, str]] = {}       # field name -> (question id, cell)
        self.multiple: dict[str, set[str]] = {}             # question id -> its tick cells
        self.groups: set[str] = {s.id for s in definition.sections}
        self.computed = {q.id for q in definition.questions if q.computed}
        for q in definition.questions:
            if q.computed:
                continue
            keys = {cell.key for cell in q.kind.workbook_cells(q)}
            if all(cell.rule == "tick" for cell in q.kind.workbook_cells(q)):
                self.multiple[q.id] = keys
                self.fields[q.id] = (q.id, "")
                continue
            for row in q.kind.xlsform_rows(q, None, None):
                name, kind = row.get("name"), str(row.get("type", ""))
                if not name or kind.split(" ")[0] in ("begin_group", "end_group", "note",
                                                      "calculate"):
                    if name and kind.startswith("begin_group"):
                        self.groups.add(name)
                    continue
                key = "" if name == q.id else name[len(q.id) + 2:] if name.startswith(
                    q.id + "__") else None
                if key is not None and (key in keys or (key == "" and "" in keys)):
                    self.fields[name] = (q.id, key)
                elif key == "" and len(keys) == 1:
                    self.fields[name] = (q.id, next(iter(keys)))

    def resolve(self, header: str) -> tuple[str, str, str | None] | None:
        """(question id, cell key, option code of a tick column) of a header, or None."""
        for separator in [s for s in "/-." if s in header] or [""]:
            parts = header.split(separator) if separator else [header]
            for i, part in enumerate(parts):
                if part in self.fields:
                    rest = separator.join(parts[i + 1:])
                    qid, key = self.fields[part]
                    if not rest:
                        return qid, key, None
                    if qid in self.multiple:
                        return qid, "", rest
                    break
                if part not in self.groups:
                    break
        return None


def _is_meta(header: str) -> bool:
    low = header.strip().lower()
    if not low or low.startswith("_"):
        return True
    parts = re.split(r"[/\-.]", low)
    return parts[0] in META_GROUPS or parts[-1] in META_NAMES


class SubmissionExport:
    """A submission export, opened safely: its header and rows; ``read`` per definition."""

    def __init__(self, sheet: str, rows: list[list[Any]]):
        self.sheet = sheet
        if not rows or all(_is_blank(v) for v in rows[0]):
            raise WorkbookError("the file is empty: export the submissions with their header row")
        self.header = [cell_text(h) if h is not None else "" for h in rows[0]]
        if len(self.header) > MAX_COLUMNS:
            raise WorkbookError(f"the file has more than {MAX_COLUMNS:,} columns; no "
                                "questionnaire has that many")
        self.rows = rows[1:]

    @classmethod
    def open(cls, data: bytes, filename: str, max_bytes: int = MAX_WORKBOOK_BYTES
             ) -> SubmissionExport:
        if len(data) > max_bytes:
            raise WorkbookError(f"the file is larger than the limit of {max_bytes // 1024:,} KB")
        if filename.lower().endswith(".csv"):
            return cls(filename.replace("\\", "/").rsplit("/", 1)[-1] or "CSV", _csv_rows(data))
        return cls(*_xlsx_rows(data, max_bytes))

    @classmethod
    def from_book(cls, book: Any) -> SubmissionExport:
        """From an already opened (safe) workbook: its first sheet."""
        sheet = book.worksheets[0]
        rows = []
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n > MAX_SUBMISSIONS:
                raise WorkbookError(f"the sheet “{sheet.title}” holds more than "
                                    f"{MAX_SUBMISSIONS:,} submissions; export one country's "
                                    "submissions only")
            rows.append(list(row[:MAX_COLUMNS + 1]))
        return cls(sheet.title, rows)

    def form_ids(self) -> set[str]:
        if FORM_ID_COLUMN not in self.header:
            return set()
        n = self.header.index(FORM_ID_COLUMN)
        return {cell_text(row[n]) for row in self.rows if len(row) > n and not _is_blank(row[n])}

    def read(self, definition: Definition) -> SubmissionReading:
        """Every question's answers across the submissions, and every problem."""
        reading = SubmissionReading(self.sheet)
        forms = self.form_ids()
        if forms and forms != {definition.code}:
            raise WorkbookError(f"these submissions are of the form {', '.join(sorted(forms))}; "
                                f"this round's questionnaire is {definition.code}")
        fields = _Fields(definition)
        columns: list[tuple[int, str, str, str | None]] = []
        for n, header in enumerate(self.header):
            if _is_meta(header):
                continue
            found = fields.resolve(header.strip())
            if found is None:
                # A value the form worked out (calculate) is left out without a word.
                if re.split(r"[/\-.]", header.strip())[-1] not in fields.computed:
                    reading.ignored_columns.append(header)
            else:
                columns.append((n, *found))
        if not columns:
            raise WorkbookError(
                f"no column names a question of {definition.title.get()} "
                f"({definition.code}:{definition.version}): this is neither an answer workbook "
                "downloaded from the survey nor a submission export of its XLSForm (export "
                "with XML names as headers, not labels)")
        if reading.ignored_columns:
            shown = ", ".join(f"“{h}”" for h in reading.ignored_columns[:8])
            more = len(reading.ignored_columns) - 8
            reading.errors.append(SubmissionProblem(
                self.sheet, 1, "", f"columns that name no question of this version were left "
                f"out: {shown}{f' and {more} more' if more > 0 else ''}"))
        labels = sorted((i for i, h in enumerate(self.header) if h in _LABEL_COLUMNS),
                        key=lambda i: _LABEL_COLUMNS.index(self.header[i]))
        gathered: dict[str, dict[str, tuple[Any, tuple[int, ...], tuple[str, ...]]]] = {}
        for r, row in enumerate(self.rows, start=2):
            if all(_is_blank(v) for v in row):
                continue
            reading.submissions += 1
            label = " · ".join(cell_text(row[i]) for i in labels
                               if i < len(row) and not _is_blank(row[i])) or f"row {r}"
            for qid, value in self._row_answers(definition, fields, columns, row, r,
                                                reading).items():
                key = json.dumps(value, sort_keys=True, default=str)
                offers = gathered.setdefault(qid, {})
                if key in offers:
                    old = offers[key]
                    offers[key] = (old[0], old[1] + (r,), old[2] + (label,))
                else:
                    offers[key] = (value, (r,), (label,))
        for qid, offers in gathered.items():
            reading.offers[qid] = [Offer(v, rows, names) for v, rows, names in offers.values()]
        return reading

    def _row_answers(self, definition: Definition, fields: _Fields,
                     columns: Iterable[tuple[int, str, str, str | None]], row: list[Any], r: int,
                     reading: SubmissionReading) -> dict[str, Any]:
        cells: dict[str, dict[str, Any]] = {}
        unknown: dict[str, str] = {}
        too_long: set[str] = set()
        for n, qid, key, option in columns:
            raw = row[n] if n < len(row) else None
            if _is_blank(raw) or qid in too_long:
                continue
            if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
                reading.errors.append(SubmissionProblem(self.sheet, r, qid,
                                                        "the cell is far longer than any answer"))
                too_long.add(qid)
                cells.pop(qid, None)
                continue
            got = cells.setdefault(qid, {})
            if qid in fields.multiple:
                codes = [option] if option is not None else cell_text(raw).split()
                if option is not None and not _ticked(raw):
                    continue
                for code in codes:
                    if code in fields.multiple[qid]:
                        got[code] = 1
                    else:
                        unknown.setdefault(qid, code)
            else:
                got[key] = raw
        out = {}
        for qid, got in cells.items():
            q = definition.question(qid)
            if qid in unknown:
                reading.errors.append(SubmissionProblem(
                    self.sheet, r, qid, f"“{unknown[qid]}” is not one of the offered answers"))
                continue
            answer = _read(q, got)
            if isinstance(answer, AnswerError):
                reading.errors.append(SubmissionProblem(self.sheet, r, qid, str(answer)))
            elif answer is not None:
                out[qid] = answer
        return out


def _ticked(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return raw != 0
    return cell_text(raw).casefold() not in ("0", "no", "false", "")


def _read(q: Question, cells: Mapping[str, Any]) -> Any:
    try:
        return q.kind.normalise(q, q.kind.workbook_read(q, cells, machine_number))
    except AnswerError as exc:
        return exc
