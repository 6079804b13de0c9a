"""Reading workbooks back the way a person would see them (openpyxl)."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def table(ws, name: str) -> list[dict]:
    """The rows of an Excel table as dicts keyed by its headers (blank rows left out)."""
    cells = ws[ws.tables[name].ref]
    header = [c.value for c in cells[0]]
    return [dict(zip(header, [c.value for c in row])) for row in cells[1:]
            if any(c.value is not None for c in row)]


def table_cells(ws, name: str):
    cells = ws[ws.tables[name].ref]
    return cells[0], cells[1:]


def has_formulas(content: bytes) -> bool:
    """Does any worksheet of the file hold a formula (<f> element)?"""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(re.search(rb"<f[ >]", archive.read(name))
                   for name in archive.namelist() if name.startswith("xl/worksheets/"))
