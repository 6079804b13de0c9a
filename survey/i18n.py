"""Language choice: the user's own setting, else the browser's, else English."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["SURVEY_LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(list(languages)) or "en"


def number_locale() -> str:
    """The locale whose rules read the numbers a person types and show them back.

    The page's language for now; the one place to change if people ever choose a
    number format apart from their language.
    """
    from flask_babel import get_locale

    return str(get_locale() or "en")


def explain(error: Exception) -> str:
    """An answer's refusal in the person's language (messages with a template translate)."""
    from flask_babel import gettext

    template = getattr(error, "template", None)
    if template and has_request_context():
        return gettext(template, **getattr(error, "params", {}))
    return str(error)
