"""The answer workbook: a country's response to fill in offline, in Excel or LibreOffice.

One sheet of instructions, one sheet per section, a row per answer cell: the question's
number, text, help, unit and "answer only if …" on its first row, then its answer cells
(a list for a choice, a whole-number or decimal range, one tick cell per option of a
multiple choice, a cell per part of a citation), each with Excel data validation that
the question's type describes (``QuestionType.workbook_cells``), and an evidence cell.
Current answers are prefilled. The question ids, cell keys, each answer's version at
download and its fingerprint sit in hidden columns; the country, round and questionnaire
version on a hidden sheet. Sheets are protected with only the answer and evidence cells
open: protection guides people, the server checks everything again on upload
(``questionnaires.answer_workbook`` reads the file back and owns its layout).

Pure: plain data in, ``bytes`` out. Every text cell goes through the formula guard
(``exports.workbook.write_text``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from questionnaires import Definition, Question, Section, describe
from questionnaires.answer_workbook import (
    COL_ANSWER,
    COL_CELL,
    COL_CONDITION,
    COL_EVIDENCE,
    COL_HELP,
    COL_ID,
    COL_NUMBER,
    COL_PART,
    COL_QUESTION,
    COL_SEEN,
    COL_UNIT,
    COL_VERSION,
    COLUMNS,
    FIRST_HIDDEN,
    HEADER_ROW,
    LISTS_SHEET,
    META_SHEET,
    StoredAnswer,
    WorkbookMeta,
)
from questionnaires.types import WorkbookCell

from .words import N_, Words, same
from .workbook import Book, write_text, write_workbook

# The visible column headings (``questionnaires.answer_workbook.COLUMNS`` up to the hidden
# ones), marked here for the catalogue: the sheets show them through ``words``.
HEADINGS = (N_("No."), N_("Question"), N_("Help"), N_("Unit"), N_("Answer only if"),
            N_("Part or option"), N_("Answer"), N_("Evidence or notes"))
WIDTHS = {COL_NUMBER: 5, COL_QUESTION: 48, COL_HELP: 40, COL_UNIT: 12, COL_CONDITION: 30,
          COL_PART: 24, COL_ANSWER: 26, COL_EVIDENCE: 36}
# Only the answer and evidence cells are open; people may still resize rows and columns.
PROTECTION = {"format_columns": True, "format_rows": True, "select_locked_cells": True,
              "select_unlocked_cells": True}
ANY_NUMBER = 999_999_999_999_999  # 15 digits: the most a spreadsheet keeps exactly
MESSAGE_LIMIT = 250  # Excel allows 255 characters in a validation message


class _Writer:
    def __init__(self, book: Book, definition: Definition, meta: WorkbookMeta,
                 answers: Mapping[str, StoredAnswer], words: Words):
        self.book, self.definition, self.meta = book, definition, meta
        self.answers, self.words, self.language = answers, words, meta.language
        f = book.fmts
        self.title = f.title
        self.header = f.header
        self.wrap = f.wrap
        self.muted = f.add({"italic": True, "font_color": "#52606D", "valign": "top",
                            "text_wrap": True})
        self.open_text = f.add({"locked": False, "bg_color": "#FFF9DB", "border": 1,
                                "border_color": "#B0B7C3", "valign": "top", "text_wrap": True,
                                "num_format": "@"})
        self.open_any = f.add({"locked": False, "bg_color": "#FFF9DB", "border": 1,
                               "border_color": "#B0B7C3", "valign": "top", "text_wrap": True})
        self.open_numbers: dict[str, Any] = {}
        self.lists: dict[tuple[str, ...], str] = {}  # labels -> their range, in order

    # -- cells ---------------------------------------------------------------
    def open_format(self, cell: WorkbookCell):
        if cell.number_format == "@":
            return self.open_text
        if not cell.number_format:
            return self.open_any
        code = cell.number_format
        if code not in self.open_numbers:
            self.open_numbers[code] = self.book.fmts.add({
                "locked": False, "bg_color": "#FFF9DB", "border": 1, "border_color": "#B0B7C3",
                "valign": "top", "num_format": code})
        return self.open_numbers[code]

    def list_source(self, labels: Sequence[str]) -> str:
        """A range on the hidden Lists sheet holding ``labels`` (one column per list)."""
        key = tuple(labels)
        if key not in self.lists:
            letters = _column_letters(len(self.lists))
            self.lists[key] = f"={LISTS_SHEET}!${letters}$1:${letters}${len(labels)}"
        return self.lists[key]

    def validation(self, cell: WorkbookCell) -> dict[str, Any] | None:
        w = self.words
        if cell.rule == "list":
            labels = [label.get(self.language) for _, label in cell.choices]
            return {"validate": "list", "source": self.list_source(labels),
                    "input_title": w(N_("Choose from the list")),
                    "error_title": w(N_("Not one of the answers")),
                    "error_message": w(N_("Choose one of the answers in the list."))}
        if cell.rule == "tick":
            return {"validate": "list", "source": ["x"],
                    "input_message": w(N_("Type x to tick; leave blank otherwise.")),
                    "error_message": w(N_("Type x to tick; leave blank otherwise."))}
        if cell.rule in ("whole", "decimal"):
            low = cell.minimum if cell.minimum is not None else -ANY_NUMBER
            high = cell.maximum if cell.maximum is not None else ANY_NUMBER
            kind = w(N_("a whole number")) if cell.rule == "whole" else w(N_("a number"))
            if cell.minimum is not None and cell.maximum is not None:
                said = w(N_("Type %(kind)s from %(low)s to %(high)s.")) % {
                    "kind": kind, "low": _num(low), "high": _num(high)}
            elif cell.minimum is not None:
                said = w(N_("Type %(kind)s of at least %(low)s.")) % {"kind": kind, "low": _num(low)}
            elif cell.maximum is not None:
                said = w(N_("Type %(kind)s of at most %(high)s.")) % {"kind": kind, "high": _num(high)}
            else:
                said = w(N_("Type %(kind)s.")) % {"kind": kind}
            return {"validate": "integer" if cell.rule == "whole" else "decimal",
                    "criteria": "between", "minimum": low, "maximum": high,
                    "input_message": said[:MESSAGE_LIMIT], "error_message": said[:MESSAGE_LIMIT]}
        if cell.rule == "text" and cell.max_length:
            said = w(N_("At most %(n)s characters.")) % {"n": f"{cell.max_length:,}"}
            if cell.hint is not None:
                said = cell.hint.get(self.language) + ". " + said
            return {"validate": "length", "criteria": "<=", "value": cell.max_length,
                    "input_message": said[:MESSAGE_LIMIT], "error_message": said[:MESSAGE_LIMIT]}
        return None

    def answer_cell(self, ws, row: int, cell: WorkbookCell, value: Any) -> None:
        fmt = self.open_format(cell)
        if value is None:
            ws.write_blank(row, COL_ANSWER, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and \
                cell.rule in ("whole", "decimal"):
            ws.write_number(row, COL_ANSWER, value, fmt)
        else:
            write_text(self.book, ws, row, COL_ANSWER, value, fmt)
        rule = self.validation(cell)
        if rule is not None:
            ws.data_validation(row, COL_ANSWER, row, COL_ANSWER, rule)

    # -- sheets --------------------------------------------------------------
    def instructions(self, sections: Sequence[Section]) -> None:
        # Its name is translated; the upload skips it by having no answer rows.
        w, ws = self.words, self.book.add_sheet(self.words(N_("Instructions")))
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 90)
        write_text(self.book, ws, 0, 0, self.definition.title.get(self.language), self.title)
        facts = [(w(N_("Country or territory")), f"{self.meta.country_name} ({self.meta.country})"),
                 (w(N_("Round")), self.meta.round_name),
                 (w(N_("Questionnaire")), self.meta.questionnaire),
                 (w(N_("Sections in this file")), "; ".join(
                     s.short_title.get(self.language) for s in sections)),
                 (w(N_("Downloaded")), self.meta.generated_at)]
        for n, (label, value) in enumerate(facts, start=2):
            write_text(self.book, ws, n, 0, label, self.header)
            write_text(self.book, ws, n, 1, value, self.wrap)
        steps = [
            w(N_("Each section has its own sheet. Type your answers in the yellow cells of the "
              "“Answer” column, and what supports them in “Evidence or notes”.")),
            w(N_("Where a question offers a list, choose from it. For a question with several "
              "answers, type x beside each one that applies.")),
            w(N_("Some questions apply only in certain cases: they say so in “Answer only if”. "
              "Leave them blank otherwise.")),
            w(N_("Type numbers without a currency sign or unit. Leave a cell blank when you do "
              "not know the answer, or choose “Unknown / no data” where it is offered.")),
            w(N_("The answers already given are filled in. Clearing a cell clears that answer.")),
            w(N_("Do not add, move or delete rows or sheets: hidden columns tell the survey which "
              "question each row answers.")),
            w(N_("When you are done, upload this file on your country's page of the survey. You "
              "will see every change before anything is saved, and any answer a colleague "
              "changed after you downloaded the file is shown for you to choose.")),
        ]
        write_text(self.book, ws, 8, 0, w(N_("How to fill in this file")), self.header)
        for n, step in enumerate(steps, start=9):
            write_text(self.book, ws, n, 0, f"{n - 8}.", self.wrap)
            write_text(self.book, ws, n, 1, step, self.wrap)
        ws.protect("", PROTECTION)
        ws.activate()

    def section(self, section: Section) -> None:
        w, lang = self.words, self.language
        ws = self.book.add_sheet(section.short_title.get(lang) or section.id)
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        ws.set_column(FIRST_HIDDEN, COL_SEEN, 14, None, {"hidden": True})
        write_text(self.book, ws, 0, 0, section.title.get(lang), self.title)
        write_text(self.book, ws, 1, 0, w(N_("Type your answers in the yellow cells; see the "
                                          "Instructions sheet.")), self.muted)
        headers = [w(c) for c in COLUMNS[:FIRST_HIDDEN]] + list(COLUMNS[FIRST_HIDDEN:])
        for col, text in enumerate(headers):
            write_text(self.book, ws, HEADER_ROW, col, text, self.header)
        ws.freeze_panes(HEADER_ROW + 1, 2)
        row = HEADER_ROW + 1
        for q in section.questions:
            row = self.question(ws, row, q)
        ws.protect("", PROTECTION)

    def question(self, ws, row: int, q: Question) -> int:
        lang, w = self.language, self.words
        ws.write_number(row, COL_NUMBER, q.number, self.wrap)
        write_text(self.book, ws, row, COL_QUESTION, q.label.get(lang), self.wrap)
        help_lines = [q.help.get(lang)] if q.help else []
        help_lines += [w(note.message) % dict(note.params) for note in q.kind.notes(q, lang)]
        write_text(self.book, ws, row, COL_HELP, "\n".join(t for t in help_lines if t), self.wrap)
        if q.unit:
            write_text(self.book, ws, row, COL_UNIT, q.unit.get(lang), self.wrap)
        if q.relevant is not None:
            said = describe(self.definition, q.relevant, lang)
            write_text(self.book, ws, row, COL_CONDITION, said[:1].upper() + said[1:], self.wrap)
        cells = q.kind.workbook_cells(q)
        if not cells:  # worked out, never asked
            write_text(self.book, ws, row, COL_PART, w(N_("Worked out from other answers")), self.muted)
            return row + 1
        stored = self.answers.get(q.id)
        prefill = q.kind.workbook_prefill(q, stored.value, lang) if stored else {}
        for n, cell in enumerate(cells):
            if cell.label is not None:
                write_text(self.book, ws, row + n, COL_PART, cell.label.get(lang), self.wrap)
            self.answer_cell(ws, row + n, cell, prefill.get(cell.key))
            write_text(self.book, ws, row + n, COL_ID, q.id)
            write_text(self.book, ws, row + n, COL_CELL, cell.key)
        evidence = stored.evidence if stored else None
        write_text(self.book, ws, row, COL_EVIDENCE, evidence or "", self.open_text)
        ws.write_number(row, COL_VERSION, stored.version if stored else 0)
        write_text(self.book, ws, row, COL_SEEN, stored.seen if stored else "")
        return row + len(cells)

    def lists_sheet(self) -> None:
        ws = self.book.add_sheet(LISTS_SHEET)
        for col, labels in enumerate(self.lists):
            for row, label in enumerate(labels):
                write_text(self.book, ws, row, col, label)
        ws.hide()
        ws.protect("", PROTECTION)

    def meta_sheet(self) -> None:
        ws = self.book.add_sheet(META_SHEET)
        for n, (key, value) in enumerate(self.meta.rows()):
            write_text(self.book, ws, n, 0, key)
            write_text(self.book, ws, n, 1, value)
        ws.set_column(0, 1, 24)
        ws.hide()
        ws.protect("", PROTECTION)


def build_answer_workbook(definition: Definition, meta: WorkbookMeta,
                          answers: Mapping[str, StoredAnswer], *, words: Words = same,
                          notice: str | None = None) -> bytes:
    """The workbook for ``meta.sections`` (every section when empty), answers prefilled.

    ``words`` translates the interface text (the app passes its gettext); questionnaire
    text follows ``meta.language``. ``notice`` (demonstration data) heads every sheet.
    """
    wanted = set(meta.sections)
    sections = [s for s in definition.sections if not wanted or s.id in wanted]
    meta_full = meta if meta.sections else WorkbookMeta(
        **{**meta.__dict__, "sections": tuple(s.id for s in sections)})

    def write(book: Book) -> None:
        # The hidden sheets keep their English names: the upload and the lists' ranges
        # find them by name. No section sheet may take them.
        instructions = words(N_("Instructions"))
        book.used.update(n.lower() for n in (instructions, LISTS_SHEET, META_SHEET))
        writer = _Writer(book, definition, meta_full, answers, words)
        book.used.discard(instructions.lower())
        writer.instructions(sections)
        for section in sections:
            writer.section(section)
        book.used.discard(LISTS_SHEET.lower())
        writer.lists_sheet()
        book.used.discard(META_SHEET.lower())
        writer.meta_sheet()

    cells = sum(len(q.kind.workbook_cells(q)) for s in sections for q in s.questions)
    return write_workbook(write, largest_sheet_cells=cells * len(COLUMNS), notice=notice,
                          language=meta.language, words=words, properties={
        "title": f"{definition.title.get(meta.language)} – {meta.country} – {meta.round_name}",
        "comments": words(N_("Answer workbook for %(country)s, %(round)s, %(questionnaire)s."))
        % {"country": meta.country, "round": meta.round_name,
           "questionnaire": meta.questionnaire}})


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
