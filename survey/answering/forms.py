"""The answering forms: one WTForms class per questionnaire section, built from its questions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm

from questionnaires import Definition, Section, build_section_form

_FORMS: dict[tuple, type] = {}


def _member_key(member: Mapping[str, Any] | None) -> tuple:
    if member is None:
        return ()
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in member.items()))


def section_form_class(definition: Definition, section: Section, lang: str,
                       member: Mapping[str, Any] | None = None) -> type:
    """The WTForms class of a section, built once per definition, section, language and
    (where options depend on it) member."""
    offers_by_member = any(o.offered_when is not None for q in section.questions
                           for o in q.options)
    key = (definition.checksum(), section.id, lang,
           _member_key(member) if offers_by_member else ())
    form_class = _FORMS.get(key)
    if form_class is None:
        form_class = build_section_form(section, lang, base=FlaskForm,
                                        member=member if offers_by_member else None)
        _FORMS[key] = form_class
    return form_class
