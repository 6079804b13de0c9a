"""Paged lists: one way to read the page number and to cut a query into pages.

Every paged view calls :func:`paginate` (Flask-SQLAlchemy's ``db.paginate`` underneath).
The page number comes from the query string through :func:`page_number`, which never
lets an odd value through: not a number means the first page, and a number beyond
``MAX_PAGE`` (``page=99999999999999999999999``) is held there instead of overflowing the
database's OFFSET. A page past the end shows the last page.
"""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .extensions import db

# No list of the app comes near this many pages; beyond it the number is nonsense.
MAX_PAGE = 10_000


def page_number(name: str = "page") -> int:
    """The page asked for in the query string: 1 to MAX_PAGE, 1 when missing or not a number."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


def paginate(query: Select, per_page: int, *, name: str = "page") -> Pagination:
    """The page of ``query`` the request asks for (the last one if it asks past the end)."""
    page = db.paginate(query, page=page_number(name), per_page=per_page, max_per_page=per_page,
                       error_out=False)
    if not page.items and page.page > 1 and page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, max_per_page=per_page,
                           error_out=False)
    return page
