"""An XLSForm workbook (KoboToolbox, ODK) read as a questionnaire definition.

The workbook is opened by the safe reader (size, zip bomb, XML entities: see
``questionnaires.safe_workbook``), read sheet by sheet, and turned into definition data, then
YAML text that the normal loader validates with the same size, alias and depth limits
as any definition file. What the engine can hold is mapped:

- ``integer``, ``decimal``, ``text`` (``multiline``: long text), ``select_one`` and
  ``select_multiple`` with their choice lists, ``date`` with appearance ``year``;
- ``begin_group`` / ``end_group`` as sections (questions outside any group form a
  section of their own; a group's ``relevant`` is added to each of its questions);
- ``note`` rows as help: at the start of a group they are its introduction, elsewhere
  they go with the next question's help (or the previous one's, at the end of a group);
- ``relevant``, ``required`` and ``constraint`` expressions (``xlsform_expressions``);
- labels and hints in every language (``label::Français (fr)``, ``label::English``);
- the ``bali_*`` columns and sheets that ``exports.xlsform`` writes (types, points,
  weights, bands, actions, every other setting), so an exported form reads back whole.

Metadata rows (``start``, ``end``, ``today``, ``deviceid`` …) and message columns are
ignored and listed as notes. Anything else — repeats, geopoints, calculations, media,
external or filtered choices, … — is refused with one line per problem naming the sheet,
row, column and what is not supported. No workbook, however made, gives a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from .definition import ID_PATTERN, Definition, DefinitionError, parse_definition
from .safe_workbook import WorkbookError, open_workbook
from .text import DEFAULT_LANGUAGE
from .types import NOT_APPLICABLE, REGISTRY, UNKNOWN, QuestionType, question_type
from .xlsform_expressions import ExpressionError, Field, constraint_terms, expression_condition

MAX_XLSFORM_BYTES = 2 * 1024 * 1024  # as for a YAML definition file
MAX_XLSFORM_UNCOMPRESSED = 20 * 1024 * 1024
MAX_ROWS = 5_000  # per sheet; a real questionnaire has a few hundred
MAX_COLUMNS = 200
MAX_PROBLEMS = 200

METADATA_TYPES = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-geopoint"})
REFUSED_TYPES = {
    "begin_repeat": "repeats (begin_repeat) are not supported",
    "end_repeat": "repeats (end_repeat) are not supported",
    "calculate": "calculations are not supported",
    "geopoint": "locations (geopoint) are not supported",
    "geotrace": "locations (geotrace) are not supported",
    "geoshape": "locations (geoshape) are not supported",
    "image": "photos and media (image) are not supported",
    "audio": "photos and media (audio) are not supported",
    "video": "photos and media (video) are not supported",
    "background-audio": "photos and media (background-audio) are not supported",
    "file": "file uploads are not supported",
    "barcode": "barcodes are not supported",
    "time": "times are not supported",
    "datetime": "dates with times are not supported",
    "range": "ranges are not supported",
    "rank": "ranking questions are not supported",
    "acknowledge": "acknowledge questions are not supported",
    "hidden": "hidden fields are not supported",
    "trigger": "acknowledge questions (trigger) are not supported",
    "select_one_from_file": "external choices (select_one_from_file) are not supported",
    "select_multiple_from_file": "external choices (select_multiple_from_file) are not supported",
    "select_one_external": "external choices (select_one_external) are not supported",
    "xml-external": "external data (xml-external) is not supported",
    "csv-external": "external data (csv-external) is not supported",
    "begin_kobomatrix": "Kobo matrix questions are not supported",
    "end_kobomatrix": "Kobo matrix questions are not supported",
    "begin_score": "Kobo score questions are not supported",
    "end_score": "Kobo score questions are not supported",
    "begin_rank": "Kobo rank questions are not supported",
    "end_rank": "Kobo rank questions are not supported",
}
REFUSED_COLUMNS = {
    "calculation": "calculations are not supported",
    "choice_filter": "filtered choices (choice_filter) are not supported",
    "default": "default answers are not supported",
    "read_only": "read-only questions are not supported",
    "repeat_count": "repeats are not supported",
    "trigger": "triggers are not supported",
    "parameters": "question parameters are not supported",
    "media": "media (images, audio, video) are not supported",
    "image": "media (images, audio, video) are not supported",
    "big-image": "media (images, audio, video) are not supported",
    "audio": "media (images, audio, video) are not supported",
    "video": "media (images, audio, video) are not supported",
    "body": "custom attributes (body::) are not supported",
    "bind": "custom binds (bind::) are not supported",
    "instance": "custom instance attributes are not supported",
}
IGNORED_COLUMNS = {"constraint_message", "required_message", "guidance_hint", "hxl", "tags",
                   "note", "comments"}
SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint",
                  "appearance", "bali_type", "bali_weight", "bali_standard", "bali_key_count",
                  "bali_allow_not_applicable", "bali_allow_unknown", "bali_max_points",
                  "bali_bands", "bali_unit", "bali_more", "bali_pillar", "bali_short_title"}
CHOICE_COLUMNS = {"list_name", "name", "label", "bali_points", "bali_more"}
ACTION_COLUMNS = {"id", "section", "priority", "when", "gap", "action", "bali_more"}
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0", ""}


class XLSFormError(ValueError):
    """A workbook that does not give a definition; ``problems`` has one line each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the XLSForm:\n{shown}")


@dataclass
class XLSFormImport:
    """The definition read from a workbook, its YAML text and what was left out."""

    definition: Definition
    data: dict[str, Any]
    yaml_text: str
    notes: list[str] = field(default_factory=list)


# -- cells, headers and languages ----------------------------------------------------

@dataclass
class Row:
    sheet: str
    number: int
    cells: dict[str, Any]  # header -> value (text stripped, numbers kept)
    letters: dict[str, str]  # header -> column letter

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    def where(self, column: str) -> str:
        letter = self.letters.get(column)
        shown = f"column {letter} ({column})" if letter else f"column '{column}'"
        return f"sheet '{self.sheet}', row {self.number}, {shown}"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (bool, int, float)):
        return value
    return None if value is None else str(value)


def _header(value: Any) -> str:
    text = str(value).strip() if value is not None else ""
    if "::" in text:
        base, _, rest = text.partition("::")
        return f"{base.strip().lower().replace(' ', '_')}::{rest.strip()}"
    lowered = text.lower().replace(" ", "_")
    return "list_name" if lowered in ("list_name", "listname") else lowered


_LANGUAGE_CODE = re.compile(r"^(.*?)\s*\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """Language names (in English and in themselves, lower-case) -> code."""
    from babel import Locale
    from babel.localedata import locale_identifiers

    names: dict[str, str] = {}
    for identifier in locale_identifiers():
        if "_" in identifier:
            continue
        locale = Locale.parse(identifier)
        for name in (locale.get_display_name("en"), locale.get_display_name(identifier)):
            if name:
                names.setdefault(name.lower(), identifier)
    return names


def language_code(name: str) -> str | None:
    """The code of a language as XLSForm columns name it: ``Français (fr)``, ``French``."""
    match = _LANGUAGE_CODE.match(name)
    if match:
        return match.group(2).replace("_", "-")
    return _language_names().get(name.strip().lower())


# -- reading the workbook ------------------------------------------------------------

class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []
        self.notes: dict[str, list[int]] = {}
        self.default_language = DEFAULT_LANGUAGE

    def fail(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(f"more than {MAX_PROBLEMS} problems; the rest are not listed")

    def note(self, message: str, row: int) -> None:
        self.notes.setdefault(message, []).append(row)

    def sheet_rows(self, book, name: str) -> list[Row] | None:
        """The rows under the header of sheet ``name`` (any case), or None if it is absent."""
        found = next((ws for ws in book.worksheets if ws.title.strip().lower() == name), None)
        if found is None:
            return None
        headers: list[str] | None = None
        letters: dict[str, str] = {}
        rows: list[Row] = []
        for number, values in enumerate(found.iter_rows(min_row=1, max_col=MAX_COLUMNS,
                                                        values_only=True), start=1):
            values = [_cell(v) for v in values]
            if not any(v is not None for v in values):
                continue
            if headers is None:
                headers = [_header(v) if v is not None else "" for v in values]
                seen: set[str] = set()
                for index, header in enumerate(headers):
                    if header and header in seen:
                        self.fail(f"sheet '{found.title}', row {number}, column {_letter(index)}: "
                                  f"the column '{header}' appears twice")
                    seen.add(header)
                    letters.setdefault(header, _letter(index))
                continue
            if len(rows) >= MAX_ROWS:
                self.fail(f"sheet '{found.title}' has more than {MAX_ROWS:,} rows")
                break
            cells = {}
            for header, value in zip(headers, values):
                if value is None:
                    continue
                if not header:
                    self.fail(f"sheet '{found.title}', row {number}, column "
                              f"{_letter(values.index(value))}: a value under a column with no header")
                    continue
                cells[header] = value
            rows.append(Row(found.title, number, cells, letters))
        return rows

    def texts(self, row: Row, base: str) -> dict[str, str]:
        """A text in every language from ``base`` and ``base::<language>`` columns."""
        out: dict[str, str] = {}
        plain = None
        for column in row.cells:
            if column == base:
                plain = row.text(column)
            elif column.startswith(base + "::"):
                code = language_code(column[len(base) + 2:])
                if code is None:
                    self.fail(f"{row.where(column)}: the language is not known; write it as "
                              f"'{base}::Name (code)', for example '{base}::Français (fr)'")
                    continue
                if row.text(column):
                    out[code] = row.text(column)
        if plain and self.default_language not in out:
            out[self.default_language] = plain
        return out

    def check_columns(self, row: Row, known: set[str]) -> None:
        for column in row.cells:
            base = column.split("::")[0]
            if base in known or base.startswith("$"):
                continue
            if base in IGNORED_COLUMNS or base.endswith("_message") or base.startswith("guidance_hint"):
                self.note(f"sheet '{row.sheet}', column '{column}': ignored (the engine writes "
                          "its own messages and guidance)", row.number)
            elif base in REFUSED_COLUMNS:
                self.fail(f"{row.where(column)}: {REFUSED_COLUMNS[base]}")
            elif base.startswith("bali_"):
                self.fail(f"{row.where(column)}: '{base}' is not a column this importer knows")
            else:
                self.fail(f"{row.where(column)}: the column '{column}' is not supported")


def _json(reader: _Reader, row: Row, column: str) -> Any:
    text = row.text(column)
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        reader.fail(f"{row.where(column)}: not valid JSON")
        return None


def _flag(reader: _Reader, row: Row, column: str) -> bool | None:
    text = row.text(column).lower()
    if text in YES:
        return True
    if text in NO:
        return False if text else None
    reader.fail(f"{row.where(column)}: write yes or no, not '{row.text(column)}'")
    return None


def _number(reader: _Reader, row: Row, column: str) -> int | float | None:
    value = row.cells.get(column)
    if value is None:
        return None
    if isinstance(value, bool):
        reader.fail(f"{row.where(column)}: write a number")
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else value
    try:
        number = float(str(value).strip())
    except ValueError:
        reader.fail(f"{row.where(column)}: write a number, not '{value}'")
        return None
    return int(number) if number.is_integer() else number


# -- the survey sheet ----------------------------------------------------------------

@dataclass
class _Question:
    row: Row
    kind: QuestionType
    data: dict[str, Any]
    fields: list[str]  # the XLSForm names that give its answer
    select: str | None
    relevant: list[tuple[Row, str]]  # (row, expression): the group's and its own
    required: tuple[Row, str] | None
    list_name: str | None = None


@dataclass
class _Section:
    data: dict[str, Any]
    questions: list[_Question] = field(default_factory=list)
    relevant: tuple[Row, str] | None = None
    pending_notes: list[dict[str, str]] = field(default_factory=list)


def _split_type(text: str) -> tuple[str, list[str]]:
    words = text.split()
    if not words:
        return "", []
    base = words[0].lower()
    if base in ("begin", "end") and len(words) > 1:
        return f"{base}_{words[1].lower()}", words[2:]
    return base, words[1:]


def _join_texts(*texts: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in texts:
        for lang, value in text.items():
            out[lang] = f"{out[lang]}\n\n{value}" if lang in out else value
    return out


class _Survey:
    """Walks the survey sheet's rows, keeping the open groups."""

    def __init__(self, reader: _Reader, title: Mapping[str, str]):
        self.reader = reader
        self.title = dict(title) or {DEFAULT_LANGUAGE: "Questions"}
        self.sections: list[_Section] = []
        self.section: _Section | None = None
        self.implicit = 0
        self.composite: _Question | None = None  # a group that is one question
        self.skip_until: str | None = None
        self.skip_depth = 0
        self.depth = 0  # groups open inside the current section (refused)
        self.description_notes: list[dict[str, str]] = []

    def read(self, rows: list[Row]) -> None:
        for row in rows:
            base, rest = _split_type(row.text("type"))
            derived = base == "calculate" and row.text("bali_type") == "derived"
            self.reader.check_columns(row, SURVEY_COLUMNS | ({"calculation"} if derived else set()))
            if self.skip_until:
                if base == self.skip_until.replace("end", "begin"):
                    self.skip_depth += 1
                elif base == self.skip_until:
                    self.skip_depth -= 1
                    if self.skip_depth == 0:
                        self.skip_until = None
                continue
            self.row(row, base, rest)
        if self.composite is not None:
            self.reader.fail(f"{self.composite.row.where('type')}: the group has no end_group row")
        elif self.section is not None and self.section.data.get("_explicit"):
            self.reader.fail(f"{self.section.data['_row'].where('type')}: the group has no "
                             "end_group row")
        self.close_section()

    def row(self, row: Row, base: str, rest: list[str]) -> None:
        reader = self.reader
        if not base:
            if row.cells:
                reader.fail(f"{row.where('type')}: the row has no type")
            return
        if base in METADATA_TYPES:
            reader.note(f"sheet '{row.sheet}': '{base}' rows record metadata and are ignored", row.number)
            return
        if base in ("begin_repeat", "begin_kobomatrix", "begin_score", "begin_rank"):
            reader.fail(f"{row.where('type')}: {REFUSED_TYPES[base]}")
            self.skip_until, self.skip_depth = base.replace("begin", "end"), 1
            return
        if base == "calculate" and row.text("bali_type") == "derived":
            # The survey's own derived value (its rule in bali_more): read back, not refused.
            self.question(row, base, rest)
            return
        if base in REFUSED_TYPES:
            reader.fail(f"{row.where('type')}: {REFUSED_TYPES[base]}")
            return
        if base == "begin_group":
            self.begin_group(row)
        elif base == "end_group":
            self.end_group(row)
        elif base == "note":
            self.note_row(row)
        else:
            self.question(row, base, rest)

    # groups
    def begin_group(self, row: Row) -> None:
        kind = self.kind_of(row, "begin_group", None)
        if kind is not None:  # a question written as a group of parts
            if self.composite is not None:
                self.reader.fail(f"{row.where('type')}: groups inside groups are not supported")
                return
            self.composite = self.new_question(row, kind, None)
            return
        if self.composite is not None or (self.section is not None and self.section.data.get("_explicit")):
            self.reader.fail(f"{row.where('type')}: groups inside groups are not supported (put "
                             "each group at the top level: each becomes a section)")
            self.depth += 1
            return
        self.close_section()
        data: dict[str, Any] = {"id": self.name(row), "_explicit": True, "_row": row}
        pillar = _flag(self.reader, row, "bali_pillar") if row.text("bali_pillar") else None
        if pillar is not None:
            data["pillar"] = pillar
        data["title"] = self.reader.texts(row, "label") or {DEFAULT_LANGUAGE: data["id"]}
        short = self.reader.texts(row, "bali_short_title")
        if short:
            data["short_title"] = short
        for column in ("required", "constraint"):
            if row.text(column):
                self.reader.fail(f"{row.where(column)}: a group cannot be {column}; set it on "
                                 "its questions")
        self.section = _Section(data, relevant=(row, row.text("relevant")) if row.text("relevant") else None)

    def end_group(self, row: Row) -> None:
        if self.depth:
            self.depth -= 1
            return
        if self.composite is not None:
            self.finish(self.composite)
            self.composite = None
            return
        if self.section is None or not self.section.data.get("_explicit"):
            self.reader.fail(f"{row.where('type')}: end_group without a begin_group above it")
            return
        self.close_section()

    def close_section(self) -> None:
        section = self.section
        if section is None:
            return
        if section.pending_notes:
            if section.questions:
                last = section.questions[-1].data
                last["help"] = _join_texts(last.get("help", {}), *section.pending_notes)
            else:
                section.data["intro"] = _join_texts(section.data.get("intro", {}),
                                                    *section.pending_notes)
        self.sections.append(section)
        self.section = None

    def open_implicit(self) -> _Section:
        if self.section is None:
            self.implicit += 1
            name = "questions" if self.implicit == 1 else f"questions_{self.implicit}"
            self.section = _Section({"id": name, "title": dict(self.title)})
            if self.description_notes and not self.sections:
                self.section.pending_notes = self.description_notes
                self.description_notes = []
        return self.section

    # notes
    def note_row(self, row: Row) -> None:
        if row.text("relevant"):
            self.reader.fail(f"{row.where('relevant')}: a note shown only sometimes is not "
                             "supported (notes become the help of questions)")
        text = _join_texts(self.reader.texts(row, "label"), self.reader.texts(row, "hint"))
        if not text:
            return
        if self.composite is not None:
            self.reader.fail(f"{row.where('type')}: a note inside a question's group of parts is "
                             "not supported")
            return
        if self.section is None:
            self.description_notes.append(text)
            return
        if not self.section.questions:
            self.section.data["intro"] = _join_texts(self.section.data.get("intro", {}), text)
            return
        self.section.pending_notes.append(text)

    # questions
    def name(self, row: Row) -> str:
        name = row.text("name")
        if not ID_PATTERN.match(name):
            self.reader.fail(f"{row.where('name')}: the name '{name}' must be 2 to 49 lower-case "
                             "letters, digits or '_', starting with a letter")
        return name

    def kind_of(self, row: Row, base: str, appearance: str | None) -> QuestionType | None:
        named = row.text("bali_type")
        if named:
            if named not in REGISTRY:
                self.reader.fail(f"{row.where('bali_type')}: '{named}' is not a question type "
                                 f"(known: {', '.join(sorted(REGISTRY))})")
                return None
            kind = question_type(named)
            if kind.xlsform_base != base:
                self.reader.fail(f"{row.where('bali_type')}: a {named} question is written as a "
                                 f"'{kind.xlsform_base}' row, not '{base}'")
                return None
            return kind
        if base == "begin_group":
            return None
        for wanted in ((base, appearance), (base, None)):
            for name in REGISTRY:
                kind = question_type(name)
                if kind.xlsform_origin == wanted:
                    return kind
        if base == "date":
            self.reader.fail(f"{row.where('type')}: a full date is not supported (a date with "
                             "appearance 'year' is read as a year)")
        else:
            self.reader.fail(f"{row.where('type')}: the question type '{base}' is not supported")
        return None

    def question(self, row: Row, base: str, rest: list[str]) -> None:
        if self.composite is not None:  # a part of a question written as a group
            self.part(row)
            return
        appearance = row.text("appearance").lower() or None
        if base in ("select_one", "select_multiple"):
            if not rest:
                self.reader.fail(f"{row.where('type')}: '{base}' needs the name of its choice list")
                return
            if len(rest) > 1:
                self.reader.fail(f"{row.where('type')}: '{' '.join(rest[1:])}' after the choice "
                                 "list is not supported (for example or_other)")
                return
        kind = self.kind_of(row, base, appearance)
        if kind is None:
            return
        if appearance and appearance != (kind.xlsform_appearance or "") and base != "date":
            self.reader.note(f"sheet '{row.sheet}', column 'appearance': '{appearance}' only "
                             "changes how a form looks and is ignored", row.number)
        question = self.new_question(row, kind, rest[0] if rest else None)
        if question is not None:
            self.finish(question)

    def new_question(self, row: Row, kind: QuestionType, list_name: str | None) -> _Question:
        reader = self.reader
        data: dict[str, Any] = {"id": self.name(row), "type": kind.name}
        label = reader.texts(row, "label")
        if label:
            data["label"] = label
        else:
            reader.fail(f"{row.where('label')}: the question has no label")
        hint = reader.texts(row, "hint")
        if hint:
            data["help"] = hint
        for column, key in (("bali_allow_not_applicable", "allow_not_applicable"),
                            ("bali_allow_unknown", "allow_unknown"), ("bali_key_count", "key_count")):
            if row.text(column) and _flag(reader, row, column):
                data[key] = True
        for column, key in (("bali_weight", "weight"), ("bali_max_points", "max_points")):
            number = _number(reader, row, column)
            if number is not None:
                data[key] = number
        if row.text("bali_standard"):
            data["standard"] = row.text("bali_standard")
        unit = reader.texts(row, "bali_unit")
        if unit:
            data["unit"] = unit
        bands = _json(reader, row, "bali_bands")
        if bands is not None:
            data["bands"] = bands
        constraint = row.text("constraint")
        if constraint:
            try:
                terms = constraint_terms(constraint)
            except ExpressionError as exc:
                reader.fail(f"{row.where('constraint')}: {exc}")
                terms = []
            settings, refused = kind.xlsform_settings(terms)
            for term in refused:
                reader.fail(f"{row.where('constraint')}: a {kind.name} question cannot hold the "
                            f"constraint term '{term}'")
            data["_exclusive"] = settings.pop("exclusive", [])
            data.update(settings)
        relevant = []
        if self.section is not None and self.section.relevant:
            relevant.append(self.section.relevant)
        if row.text("relevant"):
            relevant.append((row, row.text("relevant")))
        required_text = row.text("required")
        required = None
        if required_text.lower() in NO:
            data["required"] = False
        elif required_text.lower() not in YES:
            required = (row, required_text)
        more = _json(reader, row, "bali_more")
        if isinstance(more, Mapping):  # null: a setting left unset (the type's default)
            data.update({k: v for k, v in more.items() if k not in ("id", "type")})
        elif more is not None:
            reader.fail(f"{row.where('bali_more')}: must hold a JSON object")
        select = kind.xlsform_base if kind.xlsform_base.startswith("select_") else None
        return _Question(row, kind, data, [data["id"]], select, relevant, required, list_name)

    def part(self, row: Row) -> None:
        """A row inside a question written as a group of parts: the question is required
        as its required part is."""
        question = self.composite
        if row.text("name"):
            question.fields.append(row.text("name"))
        required = row.text("required")
        if required.lower() in YES:
            question.data.pop("required", None)
        elif required.lower() not in NO:
            question.data.pop("required", None)
            question.required = (row, required)

    def finish(self, question: _Question) -> None:
        for key in [k for k, v in question.data.items() if v is None]:
            del question.data[key]
        section = self.open_implicit()
        if section.pending_notes:
            question.data["help"] = _join_texts(*section.pending_notes, question.data.get("help", {}))
            section.pending_notes = []
        section.questions.append(question)


# -- choices, conditions, actions, the definition sheet ----------------------------

def _choice_lists(reader: _Reader, rows: list[Row]) -> dict[str, list[Row]]:
    lists: dict[str, list[Row]] = {}
    for row in rows:
        reader.check_columns(row, CHOICE_COLUMNS)
        name = row.text("list_name")
        if not name:
            reader.fail(f"{row.where('list_name')}: the choice has no list_name")
            continue
        if not row.text("name"):
            reader.fail(f"{row.where('name')}: the choice has no name")
            continue
        lists.setdefault(name, []).append(row)
    return lists


def _apply_choices(reader: _Reader, question: _Question, lists: Mapping[str, list[Row]]) -> None:
    data, kind = question.data, question.kind
    exclusive = data.pop("_exclusive", [])
    if question.list_name is None:
        return
    rows = lists.get(question.list_name)
    if rows is None:
        reader.fail(f"{question.row.where('type')}: the choice list '{question.list_name}' is not "
                    "on the choices sheet")
        return
    options, points = [], {}
    for row in rows:
        code = row.text("name")
        if code == NOT_APPLICABLE:
            data["allow_not_applicable"] = True
            continue
        if code == UNKNOWN:
            data["allow_unknown"] = True
            continue
        value = _number(reader, row, "bali_points")
        if "options" in kind.extra_keys:
            option: dict[str, Any] = {"code": code,
                                      "label": reader.texts(row, "label") or {DEFAULT_LANGUAGE: code}}
            if value is not None:
                option["points"] = value
            more = _json(reader, row, "bali_more")
            if isinstance(more, Mapping):
                option.update({k: v for k, v in more.items() if k not in ("code", "label")})
            if code in exclusive:
                option["exclusive"] = True
            options.append(option)
        elif value is not None:
            points[code] = value
    if "options" in kind.extra_keys:
        data["options"] = options
    if points:
        data["points"] = points
    unknown = [c for c in exclusive if c not in {o["code"] for o in options}]
    for code in unknown:
        reader.fail(f"{question.row.where('constraint')}: '{code}' is not a choice of this question")


def _conditions(reader: _Reader, question: _Question, fields: Mapping[str, Field]) -> None:
    parts = []
    for row, text in question.relevant:
        try:
            parts.append(expression_condition(text, fields))
        except ExpressionError as exc:
            reader.fail(f"{row.where('relevant')}: {exc}")
    if parts:
        question.data["relevant"] = parts[0] if len(parts) == 1 else {"all": parts}
    if question.required is not None:
        row, text = question.required
        try:
            question.data["required"] = expression_condition(text, fields)
        except ExpressionError as exc:
            reader.fail(f"{row.where('required')}: {exc}")


def _actions(reader: _Reader, rows: list[Row], fields: Mapping[str, Field]) -> list[dict]:
    actions = []
    for row in rows:
        reader.check_columns(row, ACTION_COLUMNS)
        action: dict[str, Any] = {"id": row.text("id"), "section": row.text("section"),
                                  "priority": row.text("priority") or "medium"}
        when = row.text("when")
        if when.startswith("{"):
            action["when"] = _json(reader, row, "when")
        elif when:
            try:
                action["when"] = expression_condition(when, fields)
            except ExpressionError as exc:
                reader.fail(f"{row.where('when')}: {exc}")
        action["gap"] = reader.texts(row, "gap")
        action["action"] = reader.texts(row, "action")
        more = _json(reader, row, "bali_more")
        if isinstance(more, Mapping):
            action.update({k: v for k, v in more.items() if k != "id"})
        actions.append(action)
    return actions


def _top_level(reader: _Reader, rows: list[Row] | None) -> dict[str, Any]:
    top: dict[str, Any] = {}
    for row in rows or []:
        key = row.text("key")
        if not key:
            continue
        if key in ("sections", "actions"):
            reader.fail(f"{row.where('key')}: '{key}' come from the survey and bali_actions sheets")
            continue
        value = _json(reader, row, "value")
        if value is not None:
            top[key] = value
    return top


# -- the whole workbook --------------------------------------------------------------

class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def definition_yaml(data: Mapping[str, Any]) -> str:
    """Definition data as YAML text (plain values, no anchors), in the order given."""
    return yaml.dump(dict(data), Dumper=_NoAliases, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)


def read_xlsform(data: bytes, code: str, version: int | None = None,
                 source: str = "the workbook") -> XLSFormImport:
    """Read an XLSForm workbook as a definition of questionnaire ``code``.

    ``version`` defaults to the one the workbook's ``bali_definition`` sheet records,
    else 1 (the app gives an uploaded definition the next free version). Raises
    :class:`XLSFormError` with every problem found, one line each.
    """
    from defusedxml import DefusedXmlException


    try:
        book = open_workbook(data, max_bytes=MAX_XLSFORM_BYTES,
                             max_uncompressed=MAX_XLSFORM_UNCOMPRESSED)
    except WorkbookError as exc:
        raise XLSFormError(source, [str(exc)]) from None
    reader = _Reader(source)
    try:
        built = _read_book(reader, book, code, version)
    except DefusedXmlException:  # the sheets are parsed as they are read
        raise XLSFormError(source, ["the workbook contains XML entity or DTD declarations; they "
                                    "are refused for safety"]) from None
    except Exception as exc:  # a damaged sheet: openpyxl raises many kinds while reading it
        raise XLSFormError(source, [f"the workbook cannot be read: {type(exc).__name__}"]) from None
    finally:
        book.close()
    if reader.problems or built is None:
        raise XLSFormError(source, reader.problems)
    notes = [f"{message} (row{'s' if len(rows) > 1 else ''} {_rows(rows)})"
             for message, rows in reader.notes.items()]
    text = definition_yaml(built)
    try:
        definition = parse_definition(text, source=source)
    except DefinitionError as exc:
        raise XLSFormError(source, [f"definition: {p}" for p in exc.problems]) from None
    return XLSFormImport(definition, built, text, notes)


def xlsform_form_id(data: bytes) -> str | None:
    """The form_id an XLSForm's settings sheet names, if it can be read (else None)."""
    try:
        book = open_workbook(data, max_bytes=MAX_XLSFORM_BYTES,
                             max_uncompressed=MAX_XLSFORM_UNCOMPRESSED)
    except WorkbookError:
        return None
    try:
        if "settings" not in book.sheetnames:
            return None
        rows = book["settings"].iter_rows(values_only=True, max_row=2)
        header = [str(c).strip().lower() if c is not None else "" for c in next(rows, ())]
        values = next(rows, ())
        if "form_id" not in header:
            return None
        found = values[header.index("form_id")] if header.index("form_id") < len(values) else None
        return str(found).strip().lower() if found is not None else None
    except Exception:  # a damaged sheet: the full read reports it
        return None
    finally:
        book.close()


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10]))
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _read_book(reader: _Reader, book, code: str, version: int | None) -> dict[str, Any] | None:
    settings = reader.sheet_rows(book, "settings") or []
    setting = settings[0] if settings else Row("settings", 0, {}, {})
    if setting.text("default_language"):
        reader.default_language = language_code(setting.text("default_language")) or DEFAULT_LANGUAGE
    top = _top_level(reader, reader.sheet_rows(book, "bali_definition"))
    survey_rows = reader.sheet_rows(book, "survey")
    if survey_rows is None:
        reader.fail("the workbook has no 'survey' sheet (an XLSForm needs survey and choices sheets)")
        return None
    title = top.get("title") or ({DEFAULT_LANGUAGE: setting.text("form_title")}
                                 if setting.text("form_title") else {DEFAULT_LANGUAGE: code})
    survey = _Survey(reader, title if isinstance(title, Mapping) else {DEFAULT_LANGUAGE: str(title)})
    survey.read(survey_rows)
    lists = _choice_lists(reader, reader.sheet_rows(book, "choices") or [])
    questions = [q for s in survey.sections for q in s.questions]
    fields: dict[str, Field] = {}
    for q in questions:
        for name in q.fields:
            fields[name] = Field(q.data["id"], q.select, q.kind.numeric)
    for q in questions:
        _apply_choices(reader, q, lists)
        _conditions(reader, q, fields)
    if not questions:
        reader.fail("sheet 'survey': no question the engine can hold was found")
    actions = _actions(reader, reader.sheet_rows(book, "bali_actions") or [], fields)
    recorded = top.pop("version", None)
    top.pop("code", None)
    chosen = version or (recorded if isinstance(recorded, int) and not isinstance(recorded, bool)
                         else 1)
    built: dict[str, Any] = {"code": code, "version": chosen, "title": title}
    if survey.description_notes and "description" not in top:
        built["description"] = _join_texts(*survey.description_notes)
    built.update({k: v for k, v in top.items() if k != "title"})
    built["sections"] = [
        {**{k: v for k, v in s.data.items() if not k.startswith("_")},
         "questions": [q.data for q in s.questions]} for s in survey.sections]
    if actions:
        built["actions"] = actions
    if any(o.get("exclusive") for q in questions for o in q.data.get("options", [])):
        built.setdefault("format", 2)  # exclusive options are a format-2 setting
    return built

