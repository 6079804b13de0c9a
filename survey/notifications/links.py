"""Links that leave the app in e-mails: absolute addresses and the signed preference link.

E-mails are written by requests and by the command line (reminders, digests), so paths
are built from the URL map itself, not from a request; ``SURVEY_BASE_URL`` gives the
scheme, host and any prefix (configuration refuses production mail without it).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer

from ..models import NotificationKind

# Where a development server listens (Makefile); only used without SURVEY_BASE_URL and a request.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
PREFERENCE_SALT = "survey.email-preferences"


def path_for(endpoint: str, **values: Any) -> str:
    """The site path of ``endpoint`` (extra values become the query string), with or
    without a request."""
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


def base_url() -> str:
    configured = current_app.config.get("SURVEY_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return DEVELOPMENT_BASE_URL


def absolute(path: str) -> str:
    return base_url() + path


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=PREFERENCE_SALT)


def preference_token(user_id: int, kind: NotificationKind | None = None) -> str:
    """A signed token naming a person (and the kind of e-mail it came with).

    It only lets its holder change which e-mails that person receives, which is why it
    needs no login and does not expire; changing ``SURVEY_SECRET_KEY`` voids every one.
    """
    return _serializer().dumps({"u": user_id, "k": kind.value if kind else ""})


def read_preference_token(token: str) -> tuple[int, NotificationKind | None] | None:
    """(user id, kind) of a token this app signed, or None."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    try:
        kind = NotificationKind(data["k"]) if data.get("k") else None
    except ValueError:
        return None
    return data["u"], kind


def preference_link(user_id: int, kind: NotificationKind | None = None) -> str:
    return absolute(path_for("notifications.one_click", token=preference_token(user_id, kind)))
