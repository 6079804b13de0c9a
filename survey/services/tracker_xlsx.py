"""The round tracker as a spreadsheet (XlsxWriter), safe against formula injection."""

from __future__ import annotations

import io

import xlsxwriter

# Text starting with one of these could be read as a formula by a spreadsheet.
from exports.csvfiles import FORMULA_START as FORMULA_TRIGGERS

from .responses import STATUS_LABELS
from .review import Tracker


def write_text(sheet, row: int, col: int, text: str | None, plain, guarded) -> None:
    """Always a text cell; risky text also gets Excel's quote prefix, so it stays text on edit."""
    text = "" if text is None else str(text)
    sheet.write_string(row, col, text, guarded if text.startswith(FORMULA_TRIGGERS) else plain)


def tracker_workbook(tracker: Tracker) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#eceff2", "border": 1})
    plain = book.add_format({})
    guarded = book.add_format({"quote_prefix": True})
    date = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet("Tracker")
    write_text(sheet, 0, 0, f"Round tracker: {tracker.round.name}", book.add_format({"bold": True}),
               guarded)
    headers = ["Member", "ISO3", "Sub-region", "Status", "Status code", "Progress %",
               "Questions answered", "Last activity (UTC)", "Focal points", "Open comment threads",
               "Days to closing"]
    for col, header in enumerate(headers):
        sheet.write_string(2, col, header, bold)
    for i, row in enumerate(tracker.rows, start=3):
        r = row.response
        write_text(sheet, i, 0, row.country.name, plain, guarded)
        write_text(sheet, i, 1, row.country.iso3, plain, guarded)
        write_text(sheet, i, 2, row.country.subregion, plain, guarded)
        write_text(sheet, i, 3, STATUS_LABELS[r.status], plain, guarded)
        write_text(sheet, i, 4, r.status.value, plain, guarded)
        sheet.write_number(i, 5, row.percent)
        sheet.write_number(i, 6, row.answered)
        if r.last_activity_at:
            sheet.write_datetime(i, 7, r.last_activity_at, date)
        else:
            sheet.write_blank(i, 7, None)
        write_text(sheet, i, 8, "; ".join(f"{u.display_name} <{u.email}>" for u in row.focal_points),
                   plain, guarded)
        sheet.write_number(i, 9, row.open_comments)
        if tracker.days_to_closing is not None:
            sheet.write_number(i, 10, tracker.days_to_closing)
    sheet.set_column(0, 0, 28)
    sheet.set_column(2, 3, 16)
    sheet.set_column(7, 7, 18)
    sheet.set_column(8, 8, 50)
    sheet.freeze_panes(3, 1)
    sheet.autofilter(2, 0, 2 + len(tracker.rows), len(headers) - 1)
    book.close()
    return buffer.getvalue()
