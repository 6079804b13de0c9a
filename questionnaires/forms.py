"""WTForms forms built from a section of a definition (plain WTForms, no Flask)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from wtforms import Form, fields

from .definition import Section
from .text import typing_direction
from .types import AnswerError

EVIDENCE_SUFFIX = "__evidence"
EVIDENCE_MAX = 5000


def build_section_form(section: Section, language: str | None = None,
                       base: type = Form, member: Mapping[str, Any] | None = None) -> type:
    """A form class with the fields of every question in ``section``.

    Each question contributes its type's fields plus an evidence/notes field.
    ``base`` lets the app add CSRF protection (Flask-WTF's ``FlaskForm``). ``member``
    limits options to those offered to the member (format 2 ``offered_when``). Derived
    values are worked out, never asked: they have no fields.
    """
    attrs: dict[str, Any] = {}
    for q in section.questions:
        if q.computed:
            continue
        # Only types that offer options by member take ``member`` (others may be older
        # subclasses with the two-argument signature).
        attrs.update(q.kind.build_fields(q, language, member) if member is not None
                     else q.kind.build_fields(q, language))
        # No maxlength: a browser would cut a longer paste silently. The page counts
        # instead, and ``read_section`` refuses a note that is too long, keeping it shown.
        attrs[q.id + EVIDENCE_SUFFIX] = fields.TextAreaField(
            "Evidence or notes", render_kw={"rows": 2, "data-max-chars": EVIDENCE_MAX,
                                                 **typing_direction(language)})
    return type(f"SectionForm_{section.id}", (base,), attrs)


class SectionReading(NamedTuple):
    """A posted section, read question by question.

    ``problems`` holds the refusal of each question that could not be read: an
    ``AnswerError`` (its message says how to correct it) or an ``AnswerAmbiguous``
    (a typed number the person's language does not settle: ask, store nothing).
    """

    values: dict[str, Any]
    evidence: dict[str, str | None]
    problems: dict[str, AnswerError]


def read_answers(section: Section, data: Mapping[str, Any], only: set[str] | None = None, *,
                 locale: str = "en") -> SectionReading:
    """Read a posted section; typed numbers are read by the rules of ``locale``.

    A wrong value on one question never stops the others from being read, so
    the caller can save what is valid and show the rest with its message.
    ``only`` restricts reading to those question ids (autosave of one answer).
    """
    values: dict[str, Any] = {}
    evidence: dict[str, str | None] = {}
    problems: dict[str, AnswerError] = {}
    for q in section.questions:
        if (only is not None and q.id not in only) or q.computed:
            continue
        names = q.kind.field_names(q) + [q.id + EVIDENCE_SUFFIX]
        if not any(name in data for name in names):
            # Not on the posted form at all: leave it alone. Unticked boxes are never
            # posted, so a multiple choice counts as posted only beside its evidence
            # field, which every page and background save sends with it; otherwise a
            # partial form would clear every multiple choice it does not mention.
            continue
        try:
            values[q.id] = q.kind.read_form(q, data, locale=locale)
        except AnswerError as exc:
            problems[q.id] = exc
        note = data.get(q.id + EVIDENCE_SUFFIX)
        if note is not None:
            note = str(note).replace("\r\n", "\n").strip()
            if len(note) > EVIDENCE_MAX:
                problems.setdefault(q.id, AnswerError(
                    f"The evidence has {len(note):,} characters, "
                    f"{len(note) - EVIDENCE_MAX:,} more than the {EVIDENCE_MAX:,} it can "
                    "hold: shorten it; nothing of it was saved."))
            else:
                evidence[q.id] = note or None
    return SectionReading(values, evidence, problems)


def read_section(section: Section, data: Mapping[str, Any], only: set[str] | None = None, *,
                 locale: str = "en"
                 ) -> tuple[dict[str, Any], dict[str, str | None], dict[str, str]]:
    """Read a posted section: (values, evidence, error messages), as :func:`read_answers`."""
    values, evidence, problems = read_answers(section, data, only, locale=locale)
    return values, evidence, {qid: str(exc) for qid, exc in problems.items()}
