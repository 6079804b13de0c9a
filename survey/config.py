"""Configuration from ``SURVEY_*`` environment variables; nothing machine-specific in code."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path
from typing import Any

PRODUCTION = "production"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` spellings (psycopg 3 driver)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SURVEY_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError(
            "SURVEY_SECRET_KEY is not set; production mode refuses to start without one "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')")
    # Development: generate once and keep it in the instance folder, so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} cannot be negative, got {number}")
    return number


def _queue_name(value: str) -> str:
    # It becomes part of RQ job ids, which allow letters, digits, "_" and "-" only.
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", value):
        raise ConfigError(f"SURVEY_QUEUE_NAME may hold letters, digits, _ and - only, got {value!r}")
    return value


def load_config(instance_path: Path) -> dict[str, Any]:
    env = os.environ
    mode = env.get("SURVEY_ENV", "development").strip().lower()
    production = mode == PRODUCTION
    database_url = env.get("SURVEY_DATABASE_URL") or f"sqlite:///{instance_path / 'survey.sqlite3'}"
    config: dict[str, Any] = {
        "SURVEY_ENV": mode,
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(
            minutes=int(env.get("SURVEY_SESSION_MINUTES", "60"))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SURVEY_SECURE_COOKIES", production),
        "REMEMBER_COOKIE_SECURE": _bool("SURVEY_SECURE_COOKIES", production),
        "MAX_CONTENT_LENGTH": int(env.get("SURVEY_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,  # the session lifetime bounds the token instead
        "BABEL_DEFAULT_LOCALE": "en",
        # Each language in its own name. English is authoritative; the others' status (draft or
        # checked by a native-speaking official) is in survey/translations/status.yaml.
        "SURVEY_LANGUAGES": {"en": "English", "fr": "Français", "id": "Bahasa Indonesia",
                             "th": "ไทย", "vi": "Tiếng Việt", "zh_Hans": "中文（简体）",
                             "ar": "العربية"},
        "SURVEY_MAIL_SERVER": env.get("SURVEY_MAIL_SERVER"),
        "SURVEY_MAIL_PORT": int(env.get("SURVEY_MAIL_PORT", "587")),
        "SURVEY_MAIL_USERNAME": env.get("SURVEY_MAIL_USERNAME"),
        "SURVEY_MAIL_PASSWORD": env.get("SURVEY_MAIL_PASSWORD"),
        "SURVEY_MAIL_SENDER": env.get("SURVEY_MAIL_SENDER", "no-reply@localhost"),
        "SURVEY_MAIL_USE_TLS": _bool("SURVEY_MAIL_USE_TLS", True),
        "SURVEY_BASE_URL": env.get("SURVEY_BASE_URL"),
        "SURVEY_PROXY_FIX": _bool("SURVEY_PROXY_FIX", False),
        "SURVEY_MAIL_TIMEOUT": int(env.get("SURVEY_MAIL_TIMEOUT", "10")),
        # How long a page's resume token (and a form kept with it) stays valid.
        "SURVEY_RESUME_HOURS": float(env.get("SURVEY_RESUME_HOURS", "6")),
        # Nothing waits for ever on the database (see survey.database).
        "SURVEY_DB_CONNECT_TIMEOUT": _int("SURVEY_DB_CONNECT_TIMEOUT", 5),
        "SURVEY_DB_STATEMENT_TIMEOUT_MS": _int("SURVEY_DB_STATEMENT_TIMEOUT_MS", 15_000),
        "SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS": _int("SURVEY_DB_LONG_STATEMENT_TIMEOUT_MS",
                                                    600_000),
        # Comments (and replies) one person may send per window, counted in the database.
        "SURVEY_COMMENT_LIMIT": int(env.get("SURVEY_COMMENT_LIMIT", "100")),
        "SURVEY_COMMENT_WINDOW": dt.timedelta(
            minutes=int(env.get("SURVEY_COMMENT_WINDOW_MINUTES", "60"))),
        # Where to report a security problem (e-mail or URL), published as security.txt.
        "SURVEY_SECURITY_CONTACT": env.get("SURVEY_SECURITY_CONTACT") or None,
        # Background work (exports, mail) goes to RQ on this Redis; without it, it runs in the
        # request. See survey/jobs.py.
        "SURVEY_REDIS_URL": env.get("SURVEY_REDIS_URL") or None,
        "SURVEY_QUEUE_NAME": _queue_name(env.get("SURVEY_QUEUE_NAME") or "survey"),
        "SURVEY_JOB_TIMEOUT_SECONDS": _int("SURVEY_JOB_TIMEOUT_SECONDS", 900) or 900,
    }
    _check_base_url(config, production)
    return config


def _check_base_url(config: dict[str, Any], production: bool) -> None:
    """E-mails carry links; in production they must point at the public address."""
    base = config["SURVEY_BASE_URL"]
    if base and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base):
        raise ConfigError(f"SURVEY_BASE_URL must be an address such as https://survey.example.org, "
                          f"got {base!r}")
    if production and config["SURVEY_MAIL_SERVER"] and not base:
        raise ConfigError(
            "SURVEY_MAIL_SERVER is set but SURVEY_BASE_URL is not; production mode refuses to "
            "start, because links in e-mails would point nowhere (set it to the public address, "
            "for example SURVEY_BASE_URL=https://survey.example.org)")
