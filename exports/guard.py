"""The one formula-injection guard, for every CSV and spreadsheet the app writes.

A spreadsheet reads a cell whose text begins with ``=``, ``+``, ``-`` or ``@`` as a
formula (``@`` is Lotus' and Excel's old function prefix); a leading tab or carriage
return is stripped by some programs on import, exposing whatever follows. An answer,
a name or an evidence note like ``=HYPERLINK("http://…","click")`` must never run on
an analyst's machine. The rule, for every writer in ``exports`` (and the app's CSV
downloads, which use :func:`csv_chunks`):

- **xlsx**: text is always written as a string cell, never through ``write()`` and
  never as a formula, so no text is evaluated however it begins. Text that begins
  with a trigger also gets Excel's quote prefix (:data:`QUOTE_PREFIX`), so it stays
  text even when someone edits the cell and presses Enter. Real numbers (``int`` and
  ``float`` values, numeric columns) are number cells and are never touched: a
  negative count stays a number that sums.
- **CSV**: a CSV cell has no type; the spreadsheet opening the file decides from the
  characters alone. So every *text* value that begins with a trigger gets a leading
  apostrophe, the convention spreadsheets read as "this is text". That includes
  number-like text such as ``-5`` or ``+66 2 123 4567``: exempting "plain numbers"
  would need a pattern that agrees with every spreadsheet's number reader (``-5%``,
  ``-1e3``, ``+1-2``…), and text that happens to look like a number is still text.
  Real numbers are not text and are written as numbers, unprefixed.

The apostrophe changes what a CSV holds, so a program reading the CSV sees it; that
is the price of a file format without types, and the reason the workbook, which has
types, needs no visible mark.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE_PREFIX = {"quote_prefix": True}  # the XlsxWriter format property Excel calls "quote prefix"
BOM = "\ufeff"
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


def starts_like_formula(text: str) -> bool:
    """Does this text begin the way a formula (or a hidden one) does?"""
    return text[:1] in _TRIGGER_SET


def neutralise(value: Any) -> Any:
    """A CSV cell value that no spreadsheet evaluates: text led by a trigger gets an
    apostrophe; numbers, dates and missing values pass unchanged."""
    if isinstance(value, str) and value[:1] in _TRIGGER_SET:
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with :func:`neutralise` applied to every text column (numbers stay)."""
    out = frame.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            out[col] = out[col].map(neutralise, na_action="ignore")
    return out


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True,
               chunk_rows: int = 500) -> Iterator[str]:
    """CSV text in pieces, every cell through the guard, for streaming a download.

    A byte-order mark first (by default) so spreadsheet programs read UTF-8 names
    (Türkiye) correctly; ``None`` is an empty cell.
    """
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row])
        if n % chunk_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
