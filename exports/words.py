"""The exports' own words (sheet names, headings, notices, notes), translated by the caller.

``exports`` knows no Flask and no catalogue: every builder takes ``words``, a callable
from an English text to the text in the export's language (the app passes flask_babel's
``gettext`` under ``force_locale(language)``); by default the English stays.

The convention, for ``make messages`` (pybabel's ``-k N_``): every such text is written
``N_("…")`` where it is defined, and passed through ``words`` where it is shown. A text
with figures in it names them, ``%(name)s``, so a translation may put them in its own order:
``words(N_("Page %(page)s of %(pages)s")) % {"page": …, "pages": …}``.

What the exports never translate: the tidy data's column names and values (the Data sheet,
every CSV file), which scripts and pivots rely on, and codes. Questionnaire texts (questions,
options, pillar titles) come translated in the definition itself.
"""

from __future__ import annotations

from collections.abc import Callable

Words = Callable[[str], str]


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a text for the catalogue where it is defined; ``words`` translates it where shown."""
    return text


def same(text: str) -> str:
    """The default ``words``: English, as written."""
    return text


# The sub-regions of the member list (survey/data/members.yaml), marked for the catalogue.
# A sub-region is data, named in English there; pages and summaries show it in the reader's
# language, and one the catalogue does not know reads as written.
SUBREGIONS = (N_("Americas"), N_("East Asia"), N_("Middle East"), N_("Pacific"),
              N_("South Asia"), N_("South-East Asia"))


def subregion_name(name: str | None, words: Words = same) -> str | None:
    """A sub-region as people read it, in ``words``' language (none stays none)."""
    return words(name) if name in SUBREGIONS else name
