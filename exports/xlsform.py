"""A questionnaire definition as an XLSForm workbook, for KoboToolbox and ODK Collect.

XLSForm is the spreadsheet form language of ODK and Kobo: a ``survey`` sheet with a row
per question (type, name, label, hint, relevant, constraint, required), a ``choices``
sheet with the answer lists and a ``settings`` sheet. Here:

- a section is a group (``begin_group`` / ``end_group``), its introduction a ``note``
  at the start of the group; each question's rows come from its type
  (``QuestionType.xlsform_rows``), so this module never names a type;
- relevance, "required when" and the types' own limits are XLSForm expressions
  (``questionnaires.xlsform_expressions``), special answers ("Not applicable",
  "Unknown") are choices, ticked alone in a multiple choice (``count-selected``);
- labels and hints in every language the definition carries (``label::Français (fr)``);
- what XLSForm cannot say is kept where Kobo and ODK do not look and
  ``questionnaires.xlsform`` reads it back: ``bali_*`` columns (the engine's type,
  weights, points, bands, units, special answers, pillars, and any other setting as
  JSON in ``bali_more``), a ``bali_definition`` sheet (title, texts, scoring and every
  other top-level setting, as JSON) and a ``bali_actions`` sheet (recommended actions,
  their conditions written as expressions).

Every text cell goes through the formula guard (``exports.workbook.write_text``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from questionnaires import Definition, Question, Section
from questionnaires.definition import COMMON_KEYS
from questionnaires.text import DEFAULT_LANGUAGE, Text
from questionnaires.xlsform_expressions import ExpressionError, condition_expression

from .workbook import Book, write_text, write_workbook

XLSFORM_SHEETS = ("survey", "choices", "settings")
DEFINITION_SHEET = "bali_definition"
ACTIONS_SHEET = "bali_actions"
# Question settings that have a column of their own; any other key goes to bali_more.
QUESTION_COLUMNS = COMMON_KEYS | {"options", "points", "max_points", "min", "max", "unit",
                                  "bands", "max_length"}
OPTION_COLUMNS = frozenset({"code", "label", "points"})
ACTION_COLUMNS = frozenset({"id", "section", "priority", "when", "gap", "action"})
TOP_LEVEL_ELSEWHERE = frozenset({"sections", "actions"})


def language_name(code: str) -> str:
    """A language as XLSForm columns name it: ``Français (fr)``."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code, sep="-" if "-" in code else "_").get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        name = code
    return f"{name[:1].upper()}{name[1:]} ({code})"


def definition_languages(definition: Definition) -> list[str]:
    """Every language any text of the definition is written in, English first."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, Text):
            found.update(code for code, text in value.translations.items() if text)

    for text in (definition.title, definition.description, definition.reference_period):
        visit(text)
    for section in definition.sections:
        for text in (section.title, section.short_title, section.intro):
            visit(text)
        for q in section.questions:
            for text in (q.label, q.help, q.unit):
                visit(text)
            for option in q.options:
                visit(option.label)
    for action in definition.actions:
        visit(action.gap)
        visit(action.action)
    return [DEFAULT_LANGUAGE] + sorted(found - {DEFAULT_LANGUAGE})


class _Sheet:
    """A sheet written row by row from dicts; the columns are known before writing."""

    def __init__(self, book: Book, name: str, columns: list[str]):
        self.book = book
        self.ws = book.add_sheet(name)
        self.columns = {column: n for n, column in enumerate(columns)}
        self.row = 0
        for column, n in self.columns.items():
            write_text(book, self.ws, 0, n, column, book.fmts.header)
        self.ws.freeze_panes(1, 0)

    def add(self, values: Mapping[str, Any]) -> None:
        self.row += 1
        for column, value in values.items():
            if value is None or value == "":
                continue
            n = self.columns[column]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.ws.write_number(self.row, n, value)
            else:
                write_text(self.book, self.ws, self.row, n, value)


def _texts(prefix: str, text: Text | None, languages: list[str]) -> dict[str, str | None]:
    return {f"{prefix}::{language_name(lang)}": text.translations.get(lang) if text else None
            for lang in languages}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _raw_questions(definition: Definition) -> dict[str, Mapping[str, Any]]:
    raw = definition.raw or {}
    return {q.get("id"): q for s in raw.get("sections") or [] if isinstance(s, Mapping)
            for q in s.get("questions") or [] if isinstance(q, Mapping)}


def _condition(definition: Definition, condition) -> tuple[str | None, Any]:
    """The condition as an expression, or (when XLSForm cannot say it) as data for bali_more."""
    if condition is None:
        return None, None
    try:
        return condition_expression(condition, definition.question), None
    except (ExpressionError, ValueError, KeyError, AttributeError):  # e.g. a member: comparison
        return None, condition.to_data()


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _yes(flag: bool) -> str | None:
    return "yes" if flag else None


def _question_rows(definition: Definition, section: Section, q: Question,
                   raw: Mapping[str, Any], languages: list[str]) -> tuple[list[dict], list[dict]]:
    """Survey rows and choice rows of one question."""
    more = {k: v for k, v in raw.items() if k not in QUESTION_COLUMNS}
    relevant, relevant_data = _condition(definition, q.relevant)
    if relevant_data is not None:
        more["relevant"] = relevant_data
    if isinstance(q.required, bool):
        required = "yes" if q.required else None
        if "required" not in raw and not q.required:  # the type's own default: leave it unset
            more["required"] = None
    else:
        required, required_data = _condition(definition, q.required)
        if required_data is not None:
            more["required"] = required_data
    default_weight = 1.0 if q.kind.scored and section.pillar else 0.0
    rows = []
    for n, row in enumerate(q.kind.xlsform_rows(q, relevant, required)):
        out: dict[str, Any] = {"type": row["type"]}
        if row["type"] != "end_group":
            out.update({"name": row["name"], **_texts("label", row["label"], languages),
                        **_texts("hint", row["hint"], languages), "required": row["required"],
                        "relevant": row["relevant"], "constraint": row["constraint"],
                        "calculation": row.get("calculation"), "appearance": row["appearance"]})
        if n == 0:
            out.update({
                "bali_type": q.type,
                "bali_weight": _number(q.weight) if q.weight != default_weight else None,
                "bali_standard": q.standard, "bali_key_count": _yes(q.key_count),
                "bali_allow_not_applicable": _yes(q.allow_not_applicable),
                "bali_allow_unknown": _yes(q.allow_unknown),
                "bali_max_points": _number(q.max_points),
                "bali_bands": _json([{"max": _number(b.max), "points": _number(b.points)}
                                     if b.max is not None else {"points": _number(b.points)}
                                     for b in q.bands]) if q.bands else None,
                **(_texts("bali_unit", q.unit, languages) if q.unit else {}),
                "bali_more": _json(more) if more else None,
            })
        rows.append(out)
    raw_options = {o.get("code"): o for o in raw.get("options") or [] if isinstance(o, Mapping)}
    choices = []
    for list_name, code, label, points in q.kind.xlsform_choice_lists(q):
        extra = ({k: v for k, v in raw_options.get(code, {}).items() if k not in OPTION_COLUMNS}
                 if list_name == q.id else {})
        choices.append({"list_name": list_name, "name": code, **_texts("label", label, languages),
                        "bali_points": _number(points), "bali_more": _json(extra) if extra else None})
    return rows, choices


def _unique_name(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted}_{n}"
    taken.add(name)
    return name


def survey_rows(definition: Definition, languages: list[str]) -> tuple[list[dict], list[dict]]:
    """Every survey row and choice row of the definition."""
    raw_questions = _raw_questions(definition)
    taken = {s.id for s in definition.sections} | {q.id for q in definition.questions}
    survey: list[dict] = []
    choices: list[dict] = []
    for section in definition.sections:
        short = section.short_title if section.short_title != section.title else None
        survey.append({"type": "begin_group", "name": section.id,
                       **_texts("label", section.title, languages),
                       "bali_pillar": "yes" if section.pillar else "no",
                       **(_texts("bali_short_title", short, languages) if short else {})})
        if section.intro:
            survey.append({"type": "note", "name": _unique_name(f"{section.id}_intro", taken),
                           **_texts("label", section.intro, languages)})
        for q in section.questions:
            rows, options = _question_rows(definition, section, q, raw_questions.get(q.id, {}),
                                           languages)
            survey += rows
            choices += options
        survey.append({"type": "end_group"})
    return survey, choices


def _columns(rows: Iterable[Mapping[str, Any]], first: list[str]) -> list[str]:
    """``first``, then every other column some row fills, in the order met."""
    seen = dict.fromkeys(first)
    for row in rows:
        for key, value in row.items():
            if value not in (None, ""):
                seen.setdefault(key, None)
    return list(seen)


def build_xlsform(definition: Definition) -> bytes:
    """The XLSForm workbook of ``definition`` (bytes of an .xlsx file)."""
    languages = definition_languages(definition)
    survey, choices = survey_rows(definition, languages)
    label_columns = [f"{p}::{language_name(lang)}" for p in ("label", "hint") for lang in languages]
    survey_columns = _columns(survey, ["type", "name", *label_columns, "required", "relevant",
                                       "constraint", "appearance"])
    choice_columns = _columns(choices, ["list_name", "name", *label_columns[:len(languages)]])
    actions = _action_rows(definition, languages)
    action_columns = _columns(actions, ["id", "section", "priority", "when"])
    cells = max(len(survey) * len(survey_columns), len(choices) * len(choice_columns), 1)

    def write(book: Book) -> None:
        sheet = _Sheet(book, "survey", survey_columns)
        for row in survey:
            sheet.add(row)
        sheet = _Sheet(book, "choices", choice_columns)
        for row in choices:
            sheet.add(row)
        sheet = _Sheet(book, "settings", ["form_title", "form_id", "version", "default_language",
                                          "style"])
        sheet.add({"form_title": definition.title.get(), "form_id": definition.code,
                   "version": str(definition.version),
                   "default_language": language_name(DEFAULT_LANGUAGE), "style": "pages"})
        sheet = _Sheet(book, DEFINITION_SHEET, ["key", "value"])
        for key, value in (definition.raw or {}).items():
            if key not in TOP_LEVEL_ELSEWHERE:
                sheet.add({"key": key, "value": _json(value)})
        sheet = _Sheet(book, ACTIONS_SHEET, action_columns)
        for row in actions:
            sheet.add(row)
        for name in ("survey", "choices"):
            book.workbook.get_worksheet_by_name(name).set_column(0, 1, 24)

    return write_workbook(write, largest_sheet_cells=cells, properties={
        "title": definition.title.get(), "subject": f"XLSForm of {definition.key}",
        "comments": "Made by the Bali Process capability survey; the bali_* columns and sheets "
                    "are read back by its XLSForm importer and ignored by KoboToolbox and ODK."})


def _action_rows(definition: Definition, languages: list[str]) -> list[dict]:
    raw_actions = {a.get("id"): a for a in (definition.raw or {}).get("actions") or []
                   if isinstance(a, Mapping)}
    rows = []
    for action in definition.actions:
        more = {k: v for k, v in raw_actions.get(action.id, {}).items() if k not in ACTION_COLUMNS}
        when, when_data = _condition(definition, action.when)
        rows.append({"id": action.id, "section": action.section_id, "priority": action.priority,
                     "when": when if when_data is None else _json(when_data),
                     **_texts("gap", action.gap, languages),
                     **_texts("action", action.action, languages),
                     "bali_more": _json(more) if more else None})
    return rows
