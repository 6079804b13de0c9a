"""Language choice: the user's own setting, else the browser's, else English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from questionnaires.text import RIGHT_TO_LEFT, base_language


def N_(text: str) -> str:
    """Mark a text for the catalogue where it is defined; it is translated where shown."""
    return text


SESSION_LANGUAGE = "language"
RTL_LANGUAGES = RIGHT_TO_LEFT
# Browser tags that mean a shipped language written another way (Simplified Chinese).
_TRADITIONAL_CHINESE = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")
_TAG_ALIASES = {"zh": "zh_Hans", "zh-cn": "zh_Hans", "zh-sg": "zh_Hans", "zh-my": "zh_Hans",
                "zh-hans": "zh_Hans", "in": "id"}


def select_locale() -> str:
    """The person's own choice (their account's, else this browser session's when logged
    out), else the best language their browser asks for, else English."""
    languages = current_app.config["SURVEY_LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get(SESSION_LANGUAGE)
    if chosen in languages and not (current_user and current_user.is_authenticated):
        return chosen
    return browser_language(request.accept_languages, languages)


def browser_language(accepted: Iterable[tuple[str, float]], languages: Iterable[str]) -> str:
    """The first of the browser's languages (best quality first) that is shipped: exactly,
    by alias (zh-CN → zh_Hans) or by its main tag (fr-CA → fr); English when none is."""
    shipped = {code.lower().replace("_", "-"): code for code in languages}
    for tag, quality in accepted:
        if quality <= 0 or tag == "*":
            continue
        tag = tag.lower().replace("_", "-")
        if tag.startswith(_TRADITIONAL_CHINESE):
            continue  # not read as Simplified Chinese; English (or a later choice) instead
        for candidate in (tag, "-".join(tag.split("-")[:2]), tag.split("-")[0]):
            code = shipped.get(candidate) or _TAG_ALIASES.get(candidate)
            if code in languages:
                return code
    return "en"


def text_direction(locale: str | None = None) -> str:
    return "rtl" if base_language(str(locale or get_locale() or "en")) in RTL_LANGUAGES else "ltr"


def number_locale() -> str:
    """The locale whose rules read the numbers a person types and show them back.

    The page's language for now; the one place to change if people ever choose a
    number format apart from their language.
    """
    return str(get_locale() or "en")


def format_when(value: dt.datetime | dt.date | None, seconds: bool = False) -> str:
    """A date or a time (UTC) in the page's language: "05 Mar 2026 14:00 UTC",
    "5 mars 2026 14:00 UTC", "5 มี.ค. 2026 14:00 UTC"; "—" for none."""
    from babel.dates import format_date, format_time

    if value is None:
        return "—"
    locale = number_locale()
    english = locale.split("_")[0] == "en"
    day = format_date(value, "dd MMM yyyy" if english else "medium", locale=locale)
    if isinstance(value, dt.datetime):
        clock = format_time(value, "HH:mm:ss" if seconds else "HH:mm", locale=locale)
        return f"{day} {clock} UTC"
    return day


def isolate(name: str) -> str:
    """A name people typed (a round's) set apart from the sentence around it with Unicode's
    first-strong isolate, so "2026 capability survey" keeps its order inside Arabic text,
    in places markup cannot go (text made in Python, flashes)."""
    return f"\u2068{name}\u2069"


def explain(error: Exception) -> str:
    """An answer's refusal in the person's language (messages with a template translate)."""
    from flask_babel import gettext

    template = getattr(error, "template", None)
    if template and has_request_context():
        return gettext(template, **getattr(error, "params", {}))
    return str(error)
