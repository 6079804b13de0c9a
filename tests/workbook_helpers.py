"""Editing an answer workbook the way a person does in a spreadsheet (openpyxl, full mode)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from questionnaires.answer_workbook import (
    COL_ANSWER,
    COL_CELL,
    COL_EVIDENCE,
    COL_ID,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    META_SHEET,
)


def cell_rows(book) -> dict[tuple[str, str], tuple[str, int]]:
    """(question id, cell key) -> (sheet name, 1-based row)."""
    found = {}
    for ws in book.worksheets:
        if ws.title in (META_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET):
            continue
        for row in ws.iter_rows(min_row=HEADER_ROW + 2):
            qid = row[COL_ID].value if len(row) > COL_ID else None
            if isinstance(qid, str) and qid:
                key = row[COL_CELL].value or ""
                found.setdefault((qid, key), (ws.title, row[0].row))
    return found


def edit(content: bytes, answers: dict[tuple[str, str], Any] | None = None,
         evidence: dict[str, str | None] | None = None, meta: dict[str, str] | None = None) -> bytes:
    """The workbook with answer cells ``{(question id, cell key): value}``, evidence cells and
    hidden facts (``meta``) changed, saved again."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = cell_rows(book)
    for (qid, key), value in (answers or {}).items():
        sheet, row = rows[(qid, key)]
        book[sheet].cell(row=row, column=COL_ANSWER + 1, value=value)
    for qid, text in (evidence or {}).items():
        sheet, row = rows[(qid, "")] if (qid, "") in rows else next(
            v for k, v in rows.items() if k[0] == qid)
        book[sheet].cell(row=row, column=COL_EVIDENCE + 1, value=text)
    if meta:
        ws = book[META_SHEET]
        for row in ws.iter_rows():
            if row[0].value in meta:
                row[1].value = meta[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def answer_cell(content: bytes, qid: str, key: str = "") -> Any:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet, row = cell_rows(book)[(qid, key)]
    return book[sheet].cell(row=row, column=COL_ANSWER + 1).value
