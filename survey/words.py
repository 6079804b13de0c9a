"""The words of a file made in a chosen language: what the pure ``exports`` package takes.

An export, a workbook or a printed profile may be made in another language than the
page's (the analyst chooses it), so its words come from that language's catalogue
(flask_babel's ``force_locale``), whatever the request's own language.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_request_context
from flask_babel import force_locale, get_translations


def words_in(language: str | None) -> Callable[[str], str]:
    """gettext in ``language`` (a shipped language; else the page's), for ``exports``.

    Looked up once per text: an export asks for the same few words on many rows.
    """
    shipped = current_app.config.get("SURVEY_LANGUAGES") or {}
    if not (language and language in shipped) and not has_request_context():
        language = "en"  # the command line, a worker: no page to take the language from
    if language and language in shipped:
        with force_locale(language):
            translations = get_translations()
    else:
        translations = get_translations()
    known: dict[str, str] = {}

    def words(text: str) -> str:
        try:
            return known[text]
        except KeyError:
            found = known[text] = translations.ugettext(text)
            return found

    return words
