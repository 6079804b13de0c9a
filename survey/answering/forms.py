"""The answering forms: one WTForms class per questionnaire section, built from its questions."""

from __future__ import annotations

from flask_wtf import FlaskForm

from questionnaires import Definition, Section, build_section_form

_FORMS: dict[tuple[str, str, str], type] = {}


def section_form_class(definition: Definition, section: Section, lang: str) -> type:
    """The WTForms class of a section, built once per definition, section and language."""
    key = (definition.checksum(), section.id, lang)
    form_class = _FORMS.get(key)
    if form_class is None:
        form_class = build_section_form(section, lang, base=FlaskForm)
        _FORMS[key] = form_class
    return form_class
