"""Language choice: the user's own setting, else the browser's, else English."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["SURVEY_LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(list(languages)) or "en"
