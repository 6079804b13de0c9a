"""Translations of a questionnaire version, kept apart from the version itself.

A stored questionnaire version never changes (its checksum names its content), yet its
texts may be translated, and corrected, while a round runs. So translations live in a
layer keyed to the version: per language and per *text key* -- the subject (a question,
section, action or check id, or ``questionnaire``) and the field (``label``, ``help``,
``unit``, ``option:<code>``, ``section intro``...) -- the translated text, a hash of the
English it was made from and a status (``draft`` until a native-speaking official has
checked it, then ``checked``).

This module is pure: it lists a definition's texts (:func:`text_entries`), lays a
layer's translations over a definition for one language (:func:`translate`; the layer
wins over a translation in the definition file, which wins over English), and reads and
writes the translators' files -- a PO file (:func:`write_po`, :func:`read_po`) and the
rows of a translation workbook (:func:`read_workbook_rows`; ``exports`` writes the
workbook). :func:`compare` checks an uploaded file against the definition: missing,
extra and since-changed texts by question id, and placeholders that do not match.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .definition import Definition, Question, Section
from .text import DEFAULT_LANGUAGE, Text

DRAFT = "draft"
CHECKED = "checked"
STATUSES = (DRAFT, CHECKED)
QUESTIONNAIRE = "questionnaire"
KEY_SEPARATOR = "|"
# {n}, {0}, {name!r:>4}, %(x)s, %s, %d, %.2f -- what a program fills in must survive translation.
_PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([A-Za-z0-9_]+\)[#0 +-]?\d*"
                          r"(?:\.\d+)?[sdifrxXeEgGc]|%[#0 +-]?\d*(?:\.\d+)?[sdifrxXeEgGc]")
MAX_TEXT = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_VERSION_KEY = re.compile(r"[A-Za-z0-9_.-]+:[0-9]+")


def source_hash(english: str) -> str:
    """A short fingerprint of the English a translation was made from."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:16]


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text or ""))


@dataclass(frozen=True)
class Entry:
    """One translatable text of a definition."""

    subject: str
    field: str
    text: Text

    @property
    def key(self) -> str:
        return f"{self.subject}{KEY_SEPARATOR}{self.field}"

    @property
    def english(self) -> str:
        return self.text.get(DEFAULT_LANGUAGE)

    @property
    def hash(self) -> str:
        return source_hash(self.english)


@dataclass(frozen=True)
class Translation:
    """A text of the layer: what it says, the English it was made from, its status."""

    text: str
    source_hash: str
    status: str = DRAFT


def split_key(key: str) -> tuple[str, str]:
    subject, _, field_ = key.partition(KEY_SEPARATOR)
    return subject, field_


def _question_texts(q: Question) -> Iterable[tuple[str, Text | None]]:
    yield "label", q.label
    yield "help", q.help
    yield "unit", q.unit
    for option in q.options:
        yield f"option:{option.code}", option.label
    yield "plausible message", q.plausible_message


def text_entries(definition: Definition) -> list[Entry]:
    """Every text people read in ``definition`` that has English, in reading order."""
    out: list[Entry] = []

    def add(subject: str, field_: str, text: Text | None) -> None:
        if text is not None and text.get(DEFAULT_LANGUAGE).strip():
            out.append(Entry(subject, field_, text))

    add(QUESTIONNAIRE, "title", definition.title)
    add(QUESTIONNAIRE, "description", definition.description)
    add(QUESTIONNAIRE, "reference period", definition.reference_period)
    for name, text in definition.notices.items():
        add(QUESTIONNAIRE, f"notice:{name}", text)
    for section in definition.sections:
        add(section.id, "section title", section.title)
        add(section.id, "section short title", section.short_title)
        add(section.id, "section intro", section.intro)
        for q in section.questions:
            for field_, text in _question_texts(q):
                add(q.id, field_, text)
    for action in definition.actions:
        add(action.id, "action gap", action.gap)
        add(action.id, "action", action.action)
    for check in definition.checks:
        add(check.id, "check message", check.message)
    return out


# -- laying the layer over a definition -------------------------------------------

def translate(definition: Definition, language: str,
              layer: Mapping[str, Translation]) -> Definition:
    """``definition`` with the layer's ``language`` texts laid over its own.

    ``layer`` maps text keys to translations; a translation made from English other than
    the version's (since changed) is left out, so the file's text or English shows. A
    draft translation is marked on its :class:`Text` (``Text.is_draft``).
    """
    if language == DEFAULT_LANGUAGE or not layer:
        return definition

    def over(subject: str, field_: str, text: Text | None) -> Text | None:
        if text is None:
            return None
        found = layer.get(f"{subject}{KEY_SEPARATOR}{field_}")
        english = text.get(DEFAULT_LANGUAGE)
        if found is None or not found.text or found.source_hash != source_hash(english):
            return text
        drafts = set(text.drafts) | {language} if found.status == DRAFT else \
            set(text.drafts) - {language}
        return Text({**text.translations, language: found.text}, frozenset(drafts))

    def question(q: Question) -> Question:
        return replace(q, label=over(q.id, "label", q.label), help=over(q.id, "help", q.help),
                       unit=over(q.id, "unit", q.unit),
                       plausible_message=over(q.id, "plausible message", q.plausible_message),
                       options=tuple(replace(o, label=over(q.id, f"option:{o.code}", o.label))
                                     for o in q.options))

    def section(s: Section) -> Section:
        return replace(s, title=over(s.id, "section title", s.title),
                       short_title=over(s.id, "section short title", s.short_title),
                       intro=over(s.id, "section intro", s.intro),
                       questions=tuple(question(q) for q in s.questions))

    return replace(
        definition,
        title=over(QUESTIONNAIRE, "title", definition.title),
        description=over(QUESTIONNAIRE, "description", definition.description),
        reference_period=over(QUESTIONNAIRE, "reference period", definition.reference_period),
        notices={name: over(QUESTIONNAIRE, f"notice:{name}", t)
                 for name, t in definition.notices.items()},
        sections=tuple(section(s) for s in definition.sections),
        actions=tuple(replace(a, gap=over(a.id, "action gap", a.gap),
                              action=over(a.id, "action", a.action))
                      for a in definition.actions),
        checks=tuple(replace(c, message=over(c.id, "check message", c.message))
                     for c in definition.checks))


def texts_for(definition: Definition, language: str) -> dict[str, str]:
    """Each text key's text in ``language`` (layer already laid over), English where none:
    what the pure packages (profiles, exports) receive to label things."""
    return {e.key: e.text.get(language) for e in text_entries(definition)}


# -- coverage ------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    language: str
    total: int
    translated: int      # in the layer, made from the current English
    checked: int
    in_file: int         # not in the layer, but translated in the definition file
    since_changed: int   # in the layer, made from English that has since changed

    @property
    def percent(self) -> int:
        done = self.translated + self.in_file
        return round(100 * done / self.total) if self.total else 100


def coverage(definition: Definition, language: str,
             layer: Mapping[str, Translation]) -> Coverage:
    entries = text_entries(definition)
    translated = checked = in_file = since = 0
    for e in entries:
        found = layer.get(e.key)
        if found is not None and found.text:
            if found.source_hash == e.hash:
                translated += 1
                checked += found.status == CHECKED
                continue
            since += 1
        if language in e.text.translations:
            in_file += 1
    return Coverage(language, len(entries), translated, checked, in_file, since)


# -- what a translator's file proposes -------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One text of an uploaded file: where it was, its key, what it says."""

    where: str             # "row 12" or "line 40"
    key: str
    text: str
    status: str = DRAFT
    source_hash: str | None = None   # None: compare the English the file quotes instead
    english: str | None = None


@dataclass
class Comparison:
    """An upload compared with the definition and the layer: what applying would do."""

    language: str
    changes: list[dict[str, Any]] = field(default_factory=list)    # key, old, new, status
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)               # keys with no translation
    extra: list[dict[str, str]] = field(default_factory=list)       # where, key
    since_changed: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)     # where, key, why

    @property
    def problems(self) -> int:
        return len(self.extra) + len(self.since_changed) + len(self.refused)


def compare(definition: Definition, language: str, rows: Iterable[Row],
            layer: Mapping[str, Translation]) -> Comparison:
    """What ``rows`` would change in the layer; every problem by question id.

    A row whose key is not a text of the definition is *extra*; a row made from English
    that has since changed is *since-changed* (not applied: translate it again); a row
    whose placeholders (``{n}``, ``%(x)s``...) differ from the English is refused; a text
    of the definition no row translates is *missing* (the layer keeps what it has).
    """
    entries = {e.key: e for e in text_entries(definition)}
    out = Comparison(language)
    seen: set[str] = set()
    done: set[str] = set()
    for row in rows:
        entry = entries.get(row.key)
        if entry is None:
            out.extra.append({"where": row.where, "key": row.key})
            continue
        if row.key in seen:
            out.refused.append({"where": row.where, "key": row.key,
                                "why": "this text appears twice in the file"})
            continue
        seen.add(row.key)
        text = (row.text or "").strip()
        if not text:
            continue
        made_from = row.source_hash or (source_hash(row.english) if row.english is not None
                                        else entry.hash)
        if made_from != entry.hash:
            out.since_changed.append({"where": row.where, "key": row.key,
                                      "english": entry.english})
            continue
        if row.status not in STATUSES:
            out.refused.append({"where": row.where, "key": row.key,
                                "why": f"the status '{row.status[:20]}' is not draft or checked"})
            continue
        if _CONTROL.search(text):
            out.refused.append({"where": row.where, "key": row.key,
                                "why": "the text contains control characters"})
            continue
        if len(text) > MAX_TEXT:
            out.refused.append({"where": row.where, "key": row.key,
                                "why": f"the text is longer than {MAX_TEXT:,} characters"})
            continue
        want, got = placeholders(entry.english), placeholders(text)
        if want != got:
            out.refused.append({"where": row.where, "key": row.key, "why": _placeholder_why(
                want, got)})
            continue
        done.add(row.key)
        old = layer.get(row.key)
        if old is not None and old.text == text and old.status == row.status \
                and old.source_hash == entry.hash:
            out.unchanged += 1
            continue
        out.changes.append({"key": row.key, "old": old.text if old else None,
                            "old_status": old.status if old else None,
                            "new": text, "status": row.status, "hash": entry.hash})
    in_layer = {k for k, t in layer.items()
                if t.text and k in entries and t.source_hash == entries[k].hash}
    out.missing = [k for k in entries if k not in done and k not in in_layer]
    return out


def _placeholder_why(want: Counter[str], got: Counter[str]) -> str:
    lost = sorted((want - got).elements())
    added = sorted((got - want).elements())
    parts = []
    if lost:
        parts.append("it leaves out " + ", ".join(lost))
    if added:
        parts.append("it adds " + ", ".join(added))
    return ("the placeholders do not match the English: " + " and ".join(parts) +
            "; keep every placeholder exactly as in the English")


# -- PO files --------------------------------------------------------------------

class TranslationFileError(ValueError):
    """A translation file that cannot be read, with the reason in plain words."""


def write_po(definition: Definition, language: str, layer: Mapping[str, Translation]) -> bytes:
    """A PO file of every text: msgctxt is the text key, msgid the English, msgstr the
    translation; a draft translation is marked ``fuzzy`` (checked ones are not)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po as babel_write_po

    catalog = Catalog(locale=_babel_locale(language), project=definition.key, version="",
                      fuzzy=False, charset="utf-8", header_comment=(
                          f"# {definition.title.get()} ({definition.key}) in {language}.\n"
                          "# msgctxt is the text key (question id|field), msgid the English "
                          "(authoritative),\n# msgstr the translation; 'fuzzy' marks a draft "
                          "not yet checked by a native speaker."))
    for e in text_entries(definition):
        found = layer.get(e.key)
        text, status = "", DRAFT
        if found is not None and found.text and found.source_hash == e.hash:
            text, status = found.text, found.status
        elif language in e.text.translations:
            text = e.text.translations[language]
        message = catalog.add(e.english, text, context=e.key,
                              flags=("fuzzy",) if text and status == DRAFT else (),
                              auto_comments=(f"{e.subject}: {e.field}",))
        # Babel guesses "python-format" from a "%" in the English ("25 % or less"); the
        # questionnaire's placeholders are {name:…}, and the flag would make msgfmt -c refuse
        # a translation that writes "per cent" in words.
        message.flags.discard("python-format")
    out = io.BytesIO()
    babel_write_po(out, catalog, width=0, omit_header=False, sort_output=False)
    return out.getvalue()


def _babel_locale(language: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(language))
    except (UnknownLocaleError, ValueError):
        return None


def read_po(data: bytes, max_bytes: int = 5 * 1024 * 1024) -> tuple[dict[str, str], list[Row]]:
    """What a PO file says about itself (``language``, ``questionnaire``) and its rows;
    a fuzzy message is a draft."""
    from babel.messages.pofile import PoFileError
    from babel.messages.pofile import read_po as babel_read_po

    if len(data) > max_bytes:
        raise TranslationFileError(f"the file is larger than the limit of {max_bytes // 1024:,} KB")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise TranslationFileError("the PO file is not UTF-8 text") from None
    try:
        catalog = babel_read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, ValueError, TypeError, AttributeError) as exc:
        raise TranslationFileError(f"the PO file cannot be read: {str(exc)[:200]}") from None
    rows = []
    for message in catalog:
        if not message.id or isinstance(message.id, (tuple, list)):
            continue
        text = message.string if isinstance(message.string, str) else ""
        rows.append(Row(where=f"line {message.lineno}", key=message.context or "",
                        text=text, status=DRAFT if message.fuzzy else CHECKED,
                        english=message.id))
    meta = {}
    if catalog.locale:
        meta["language"] = str(catalog.locale)
    if catalog.project and _VERSION_KEY.fullmatch(str(catalog.project)):
        meta["questionnaire"] = str(catalog.project)
    return meta, rows


# -- the translation workbook -----------------------------------------------------

WORKBOOK_SHEET = "Translations"
WORKBOOK_COLUMNS = ("Question id", "Field", "English", "Translation", "Status", "key", "hash")
META_SHEET = "About"


def read_workbook_rows(data: bytes) -> tuple[dict[str, str], list[Row]]:
    """The About sheet's values (questionnaire, language) and the Translations rows,
    read through the safe reader (sizes, zip bombs, XML entities refused)."""
    from .safe_workbook import WorkbookError, open_workbook

    book = open_workbook(data)
    try:
        if WORKBOOK_SHEET not in book.sheetnames:
            raise WorkbookError(f"the workbook has no sheet named '{WORKBOOK_SHEET}'; download a "
                                "translation workbook from the questionnaire's page and fill "
                                "that in")
        meta: dict[str, str] = {}
        if META_SHEET in book.sheetnames:
            for values in book[META_SHEET].iter_rows(min_row=1, max_row=50, max_col=2,
                                                     values_only=True):
                if values and values[0] and values[1] is not None:
                    meta[str(values[0]).strip().lower()] = str(values[1]).strip()
        rows: list[Row] = []
        sheet = book[WORKBOOK_SHEET]
        header = None
        for number, values in enumerate(sheet.iter_rows(max_col=len(WORKBOOK_COLUMNS),
                                                        values_only=True), start=1):
            if header is None:
                if values and values[0] == WORKBOOK_COLUMNS[0]:
                    header = number
                continue
            cells = [("" if v is None else str(v)) for v in values] + [""] * 7
            qid, field_, english, text, status, key, hashed = cells[:7]
            if not (qid or key or text):
                continue
            rows.append(Row(where=f"row {number}",
                            key=key.strip() or f"{qid.strip()}{KEY_SEPARATOR}{field_.strip()}",
                            text=text, status=(status.strip().lower() or DRAFT),
                            source_hash=hashed.strip() or None,
                            english=english if not hashed.strip() else None))
            if len(rows) > 20_000:
                raise WorkbookError("the workbook holds more than 20,000 rows; it is not a "
                                    "translation workbook of one questionnaire")
        if header is None:
            raise WorkbookError(f"the sheet '{WORKBOOK_SHEET}' has no header row starting "
                                f"'{WORKBOOK_COLUMNS[0]}'")
        return meta, rows
    finally:
        book.close()
