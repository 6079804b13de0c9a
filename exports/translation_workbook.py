"""The translation workbook: every text of a questionnaire version, for a translator.

One row per text -- question id, field, English, the translation, its status (draft or
checked) -- with the text key and a fingerprint of the English in hidden columns so the
upload knows which text each row is and whether the English has changed since. The
instructions, messages and file properties are in the caller's ``words``; the sheet names
and column headings stay as they are, because the upload finds them by name. Only the
translation and status cells are open for editing; every text is written as text
(:func:`exports.workbook.write_text`), so nothing a translator or questionnaire author
typed is ever evaluated as a formula.
"""

from __future__ import annotations

from collections.abc import Mapping

from questionnaires import Definition
from questionnaires.translations import (
    DRAFT,
    META_SHEET,
    STATUSES,
    WORKBOOK_COLUMNS,
    WORKBOOK_SHEET,
    Translation,
    text_entries,
)

from .words import N_, Words, same
from .workbook import Book, write_text, write_workbook

PROTECTION = {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False,
              "select_locked_cells": True, "select_unlocked_cells": True}


def build_translation_workbook(definition: Definition, language: str, language_name: str,
                               layer: Mapping[str, Translation], *,
                               words: Words = same) -> bytes:
    """The workbook for translating ``definition`` into ``language``, prefilled with the
    layer's translations (or the definition file's own, as drafts)."""
    entries = text_entries(definition)

    def write(book: Book) -> None:
        fmts = book.fmts
        open_wrap = fmts.add({"valign": "top", "text_wrap": True, "locked": False,
                              "bg_color": "#FFF9E6"})
        open_cell = fmts.add({"valign": "top", "locked": False, "bg_color": "#FFF9E6"})
        ws = book.add_sheet(WORKBOOK_SHEET)
        write_text(book, ws, 0, 0, f"{definition.title.get()} ({definition.key})", fmts.title)
        write_text(book, ws, 1, 0, words(N_(
            "Write the translation in column D and its status (draft or checked) in column E. "
            "English is the authoritative text. Keep placeholders such as {n} or %(name)s "
            "exactly as they are. Do not change the other columns.")), fmts.wrap)
        header_row = 3
        for col, name in enumerate(WORKBOOK_COLUMNS):
            title = f"{language_name} ({language})" if name == "Translation" else name
            write_text(book, ws, header_row, col, title, fmts.header)
        row = header_row
        for e in entries:
            row += 1
            found = layer.get(e.key)
            text, status = "", DRAFT
            if found is not None and found.text and found.source_hash == e.hash:
                text, status = found.text, found.status
            elif e.text.is_translated(language):
                text = e.text.get(language)
            write_text(book, ws, row, 0, e.subject, fmts.question_id)
            write_text(book, ws, row, 1, e.field, fmts.question_id)
            write_text(book, ws, row, 2, e.english, fmts.wrap)
            if text:
                write_text(book, ws, row, 3, text, open_wrap)
            else:
                ws.write_blank(row, 3, None, open_wrap)
            write_text(book, ws, row, 4, status, open_cell)
            write_text(book, ws, row, 5, e.key)
            write_text(book, ws, row, 6, e.hash)
        if entries:
            ws.data_validation(header_row + 1, 4, row, 4, {
                "validate": "list", "source": list(STATUSES),
                "error_message": words(N_("Choose draft or checked."))})
        ws.set_column(0, 1, 18)
        ws.set_column(2, 3, 60)
        ws.set_column(4, 4, 10)
        ws.set_column(5, 6, 12, None, {"hidden": True})
        ws.freeze_panes(header_row + 1, 0)
        ws.protect("", PROTECTION)

        about = book.add_sheet(META_SHEET)
        for n, (name, value) in enumerate((("questionnaire", definition.key),
                                           ("language", language),
                                           ("texts", str(len(entries))))):
            write_text(book, about, n, 0, name)
            write_text(book, about, n, 1, value)
        about.hide()
        about.protect("", PROTECTION)

    return write_workbook(write, largest_sheet_cells=len(entries) * len(WORKBOOK_COLUMNS),
                          words=words, properties={"title": words(N_(
                              "Translation of %(questionnaire)s into %(language)s")) % {
                                  "questionnaire": definition.key, "language": language}})
