"""Odd input stopped at the door, before any view or query sees it.

- Control characters (a NUL byte above all) have no place in a path, a query string, a
  form field's name or an upload's file name, and only tab and line breaks belong in a
  form value. PostgreSQL cannot even store a NUL. Such a request is refused with 400,
  once, here, instead of failing somewhere deep in a query.
- Record ids in URLs are integers the database can hold: ``<int:...>`` in a route never
  matches a number beyond the id columns' range (a 404, not an overflow in the query),
  and :func:`record_id` reads an id from a query or form field the same way.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

# Every id column is an INTEGER: 32 bits on PostgreSQL.
MAX_RECORD_ID = 2**31 - 1

# C0 controls and DEL; values may keep tab, line feed and carriage return (text areas).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

REFUSAL = ("The request contains a control character (such as a NUL byte) that no page of "
           "this site accepts. Remove it and try again.")


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` for record ids: 0 to the largest id the database holds, nothing more."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_RECORD_ID if max is None else max, signed)


def record_id(raw: str | None) -> int | None:
    """An id from a query or form field: a whole number the database can hold, else None."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_RECORD_ID else None


def has_control_characters() -> bool:
    """Whether the path, the query, a form field or an upload's name carries a control character."""
    if _CONTROL.search(request.path):
        return True
    for key, value in request.args.items(multi=True):
        if _CONTROL.search(key) or _CONTROL.search(value):
            return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for key, value in request.form.items(multi=True):
            if _CONTROL.search(key) or _CONTROL_IN_TEXT.search(value):
                return True
        for key, upload in request.files.items(multi=True):
            if _CONTROL.search(key) or _CONTROL.search(upload.filename or ""):
                return True
    return False


def init_request_guard(app: Flask) -> None:
    """Install the id converter (before any route is added) and the control-character check."""
    app.url_map.converters["int"] = RecordIdConverter

    @app.before_request
    def refuse_control_characters() -> None:
        if has_control_characters():
            abort(400, description=REFUSAL)
