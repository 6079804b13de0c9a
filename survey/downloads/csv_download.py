"""CSV downloads that no spreadsheet will evaluate as formulas, streamed row by row.

The CSV text and its formula guard come from ``exports`` (one guard for every writer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, stream_with_context

from exports import csv_chunks


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Stream the rows (the database cursor stays open only while the download runs)."""
    return Response(stream_with_context(csv_chunks(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
