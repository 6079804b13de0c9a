"""Reading an answer workbook back: cells -> proposed answers per question id.

The answer workbook (written by ``exports.answer_workbook``) has a sheet per section and a
row per answer cell; hidden columns name the question, the cell (a part, an option code)
and the answer's version at download; a hidden sheet names the country, round and
questionnaire version. This module owns that layout (the writer imports it) and reads it
back from untrusted bytes through :mod:`questionnaires.safe_workbook`. Each question's
cells go through its type (``workbook_read``) and its normaliser; numbers are read with
:mod:`questionnaires.numbers`: a numeric cell as a machine number, text typed into a cell
by the person's language. A problem is reported by sheet, row and question id and never
stops the other questions from being read. Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import Definition
from .forms import EVIDENCE_MAX
from .numbers import Understood, parse_machine_number, parse_number
from .safe_workbook import MAX_WORKBOOK_BYTES, WorkbookError, open_workbook
from .types import AnswerError, CellNumber, cell_text

FORMAT = "answer-workbook/1"
META_SHEET = "About this file"
LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
HEADER_ROW = 2  # 0-based: a title, a line of guidance, then the header
# Columns of a section sheet (0-based).
COLUMNS = ("No.", "Question", "Help", "Unit", "Answer only if", "Part or option", "Answer",
           "Evidence or notes", "question_id", "cell", "version_at_download", "seen")
(COL_NUMBER, COL_QUESTION, COL_HELP, COL_UNIT, COL_CONDITION, COL_PART, COL_ANSWER,
 COL_EVIDENCE, COL_ID, COL_CELL, COL_VERSION, COL_SEEN) = range(len(COLUMNS))
FIRST_HIDDEN = COL_ID
MAX_ROWS_PER_SHEET = 20_000  # a questionnaire has a few hundred answer cells at most


@dataclass(frozen=True)
class WorkbookMeta:
    """What a workbook was made for; the server compares it with the response."""

    country: str          # ISO3
    round_name: str
    questionnaire: str    # "code:version"
    language: str
    sections: tuple[str, ...]
    country_name: str = ""
    response_id: int | None = None
    generated_at: str = ""

    def rows(self) -> list[tuple[str, str]]:
        return [("format", FORMAT), ("country", self.country), ("country_name", self.country_name),
                ("round", self.round_name), ("questionnaire", self.questionnaire),
                ("language", self.language), ("sections", " ".join(self.sections)),
                ("response_id", "" if self.response_id is None else str(self.response_id)),
                ("generated_at", self.generated_at)]


@dataclass(frozen=True)
class StoredAnswer:
    """An answer as it is at download: prefilled, its version and fingerprint kept hidden."""

    value: Any
    evidence: str | None
    version: int
    seen: str = ""


@dataclass(frozen=True)
class ProposedAnswer:
    """What the workbook says for one question, normalised by its type."""

    question_id: str
    value: Any
    evidence: str | None
    version: int | None   # the answer's version at download (None: the cell was unreadable)
    seen: str
    sheet: str
    row: int              # 1-based, as a spreadsheet numbers rows


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    question_id: str
    message: str


@dataclass
class WorkbookReading:
    meta: WorkbookMeta
    answers: dict[str, ProposedAnswer] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # question ids met so far


def cell_number(locale: str) -> CellNumber:
    """The number reader for one person: numeric cells as machine numbers, text typed into
    a cell by ``locale``'s rules (a French "1 500,5" is 1500.5)."""

    def read(raw: Any, integer: bool) -> int | float:
        if isinstance(raw, str):
            parsed = parse_number(raw, locale, integer=integer)
        else:
            parsed = parse_machine_number(raw, integer=integer)
        if isinstance(parsed, Understood):
            return int(parsed.value) if integer else float(parsed.value)
        raise AnswerError(parsed.message)

    return read


class AnswerWorkbook:
    """An uploaded answer workbook, opened safely; ``meta`` first, then ``read``."""

    def __init__(self, book: Any):
        self.book = book
        self.meta = self._read_meta()

    @classmethod
    def open(cls, data: bytes, max_bytes: int = MAX_WORKBOOK_BYTES) -> AnswerWorkbook:
        return cls(open_workbook(data, max_bytes))

    def _read_meta(self) -> WorkbookMeta:
        if META_SHEET not in self.book.sheetnames:
            raise WorkbookError("this is not an answer workbook downloaded from the survey "
                                f"(its sheet “{META_SHEET}” is missing)")
        found: dict[str, str] = {}
        for n, row in enumerate(self.book[META_SHEET].iter_rows(values_only=True)):
            if n > 50:
                break
            if row and len(row) >= 2 and isinstance(row[0], str):
                found[row[0]] = "" if row[1] is None else cell_text(row[1])
        if found.get("format") != FORMAT:
            raise WorkbookError("this is not an answer workbook of this version of the survey "
                                f"(expected format {FORMAT}, found "
                                f"{found.get('format') or 'none'})")
        missing = [k for k in ("country", "round", "questionnaire", "language") if not found.get(k)]
        if missing:
            raise WorkbookError(f"the workbook's sheet “{META_SHEET}” lacks {', '.join(missing)}")
        response = found.get("response_id", "")
        return WorkbookMeta(
            country=found["country"].upper(), round_name=found["round"],
            questionnaire=found["questionnaire"], language=found["language"],
            sections=tuple(found.get("sections", "").split()),
            country_name=found.get("country_name", ""),
            response_id=int(response) if response.isdigit() else None,
            generated_at=found.get("generated_at", ""))

    def read(self, definition: Definition, locale: str) -> WorkbookReading:
        """Every question's proposed answer, and every problem by sheet, row and question."""
        reading = WorkbookReading(self.meta)
        number = cell_number(locale)
        for name in self.book.sheetnames:
            if name in (META_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET):
                continue
            self._read_sheet(name, definition, number, reading)
        return reading

    def _read_sheet(self, sheet: str, definition: Definition, number: CellNumber,
                    reading: WorkbookReading) -> None:
        groups: list[tuple[str, dict[str, Any]]] = []
        previous = None
        for n, row in enumerate(self.book[sheet].iter_rows(values_only=True)):
            if n > MAX_ROWS_PER_SHEET:
                reading.errors.append(RowError(sheet, n + 1, "", "the sheet has more rows than "
                                               "any questionnaire; the rest was not read"))
                break
            qid = row[COL_ID] if n > HEADER_ROW and len(row) > COL_CELL else None
            if not isinstance(qid, str) or not qid.strip():
                previous = None
                continue
            qid = qid.strip()
            if qid != previous:  # a question's cells are on consecutive rows
                groups.append((qid, {"row": n + 1, "cells": {}, "evidence": None,
                                     "version": row[COL_VERSION] if len(row) > COL_VERSION else None,
                                     "seen": row[COL_SEEN] if len(row) > COL_SEEN else None}))
                previous = qid
            group = groups[-1][1]
            key = "" if row[COL_CELL] is None else cell_text(row[COL_CELL])
            group["cells"][key] = row[COL_ANSWER]
            if row[COL_EVIDENCE] is not None and group["evidence"] is None:
                group["evidence"] = row[COL_EVIDENCE]
        for qid, group in groups:
            if qid in reading.seen:
                reading.errors.append(RowError(sheet, group["row"], qid, "the question appears "
                                               "twice in the workbook; keep one of its rows"))
                continue
            reading.seen.add(qid)
            proposed = _read_question(definition, sheet, qid, group, number)
            if isinstance(proposed, RowError):
                reading.errors.append(proposed)
            else:
                reading.answers[qid] = proposed


def _read_question(definition: Definition, sheet: str, qid: str, group: Mapping[str, Any],
                   number: CellNumber) -> ProposedAnswer | RowError:
    row = group["row"]
    if not definition.has_question(qid):
        return RowError(sheet, row, qid, "no question has this id in the questionnaire")
    q = definition.question(qid)
    if q.computed:
        return RowError(sheet, row, qid, "this value is worked out from other answers")
    known = {cell.key for cell in q.kind.workbook_cells(q)}
    stray = sorted(set(group["cells"]) - known)
    if stray:
        return RowError(sheet, row, qid, f"the workbook has a cell “{stray[0]}” this question "
                        "does not have")
    try:
        value = q.kind.normalise(q, q.kind.workbook_read(q, group["cells"], number))
    except AnswerError as exc:
        return RowError(sheet, row, qid, str(exc))
    evidence = group["evidence"]
    if evidence is not None:
        evidence = cell_text(evidence).replace("\r\n", "\n").strip() or None
        if evidence and len(evidence) > EVIDENCE_MAX:
            return RowError(sheet, row, qid, f"shorten the evidence to {EVIDENCE_MAX:,} characters")
    version = group["version"]
    version = int(version) if isinstance(version, (int, float)) and not isinstance(
        version, bool) and float(version).is_integer() and version >= 0 else (
        int(version) if isinstance(version, str) and version.strip().isdigit() else None)
    seen = group["seen"] if isinstance(group["seen"], str) else ""
    return ProposedAnswer(qid, value, evidence, version, seen, sheet, row)


def now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
