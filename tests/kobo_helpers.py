"""Submission exports written the way KoboToolbox and ODK Central write them, from the
XLSForm the survey exports (``exports.xlsform``): for the Kobo round-trip tests."""

from __future__ import annotations

import csv
import io

import openpyxl

META = ["start", "end", "today", "deviceid", "__version__", "_id", "_uuid", "_submission_time",
        "_validation_status", "_notes", "_status", "_submitted_by", "_tags", "_index",
        "_xform_id_string", "meta/instanceID", "formhub/uuid"]


def kobo_columns(xlsform: bytes, separator: str = "/", groups: bool = True
                 ) -> dict[str, str]:
    """Field name -> header, as Kobo names the columns of a form's submission export:
    the groups in front, and for a multiple choice one 0/1 column per option too."""
    book = openpyxl.load_workbook(io.BytesIO(xlsform), read_only=True)
    rows = list(book["survey"].iter_rows(values_only=True))
    header = rows[0]
    choices = {}
    crows = list(book["choices"].iter_rows(values_only=True))
    for row in crows[1:]:
        choices.setdefault(row[0], []).append(row[1])
    stack: list[str] = []
    out: dict[str, str] = {}
    for values in rows[1:]:
        row = dict(zip(header, values))
        kind = str(row["type"] or "")
        if kind == "begin_group":
            stack.append(row["name"])
            continue
        if kind == "end_group":
            stack.pop()
            continue
        if kind == "note" or not row["name"]:
            continue
        name = separator.join([*stack, row["name"]]) if groups else row["name"]
        out[row["name"]] = name
        if kind.startswith("select_multiple"):
            for code in choices[kind.split()[1]]:
                out[f"{row['name']}/{code}"] = f"{name}{separator}{code}"
    return out


def kobo_csv(columns: dict[str, str], submissions: list[dict[str, object]],
             delimiter: str = ";", form_id: str = "ftm-capability") -> bytes:
    """A CSV export as KoboToolbox writes it: semicolons, every column, meta columns."""
    header = ["start", "end", *columns.values(), *META[4:]]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for n, answers in enumerate(submissions, start=1):
        by_header = {columns[k]: v for k, v in answers.items() if not k.startswith("_")}
        meta = {"start": "2026-11-02T09:12:03.000+07:00", "end": "2026-11-02T09:40:51.000+07:00",
                "_id": 40_000 + n, "_uuid": f"5b3c-{n}", "_submission_time": "2026-11-02T02:41:00",
                "_submitted_by": answers.get("_submitted_by", f"agency{n}"),
                "_xform_id_string": form_id, "__version__": "vQx8uKJ", "_index": n}
        writer.writerow([meta.get(h, by_header.get(h, "")) for h in header])
    return out.getvalue().encode("utf-8")


def kobo_xlsx(columns: dict[str, str], submissions: list[dict[str, object]]) -> bytes:
    """An XLSX export as KoboToolbox writes it: the submissions on the first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "FTM capability"
    header = [*columns.values(), "_id", "_uuid", "_submission_time"]
    sheet.append(header)
    for n, answers in enumerate(submissions, start=1):
        by_header = {columns[k]: v for k, v in answers.items() if not k.startswith("_")}
        sheet.append([by_header.get(h) for h in header[:-3]] + [n, f"u{n}", "2026-11-02"])
    book.create_sheet("repeat_group")  # further sheets hold repeats; they are not read
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet's values (the file's bytes carry its time of writing)."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    finally:
        book.close()
