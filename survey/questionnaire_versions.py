"""Questionnaire versions in the database, and the definitions they hold."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from questionnaires import (
    AnswerError,
    Definition,
    Question,
    bundled_definition_paths,
    load_definition,
    parse_definition,
)

from .extensions import db
from .models import QuestionnaireVersion, Response, Round
from .rules import NotFound, SurveyError

# Parsed definitions by checksum: the checksum names the content, so this never goes stale.
_PARSED: dict[str, Definition] = {}


def definition_of(version: QuestionnaireVersion, language: str | None = None) -> Definition:
    """The validated definition a stored version holds (parsed once per content), with
    its translation layer laid over for ``language`` (by default the page's language):
    the layer's text, else the definition file's own translation, else English."""
    parsed = _PARSED.get(version.checksum)
    if parsed is None:
        parsed = parse_definition(version.definition, source=f"questionnaire {version.key}")
        _PARSED[version.checksum] = parsed
    if language is None:
        language = _page_language()
    if not language or language == "en" or version.id is None:
        return parsed
    from flask import g, has_app_context

    from .questionnaire_translations import translated

    cache = g.setdefault("translated_definitions", {}) if has_app_context() else {}
    key = (version.id, version.checksum, language)
    if key not in cache:
        cache[key] = translated(version, parsed, language)
    return cache[key]


def _page_language() -> str | None:
    from flask import has_request_context

    if not has_request_context():
        return None
    from flask_babel import get_locale

    return str(get_locale() or "en")


def definitions_of_responses(connection: Connection, response_ids: Iterable[int]
                             ) -> dict[int, Definition]:
    """The questionnaire each response answers (its round's pinned version), by response id.

    Reads through ``connection`` so that flush hooks and bulk writers (restore, migrations)
    can use it; each definition is parsed once per content.
    """
    wanted = sorted(set(response_ids))
    if not wanted:
        return {}
    rows = connection.execute(
        select(Response.id, QuestionnaireVersion.id, QuestionnaireVersion.code,
               QuestionnaireVersion.version, QuestionnaireVersion.checksum)
        .join(Round, Response.round_id == Round.id)
        .join(QuestionnaireVersion, Round.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Response.id.in_(wanted))).all()
    out = {}
    for response_id, version_id, code, number, checksum in rows:
        parsed = _PARSED.get(checksum)
        if parsed is None:
            data = connection.scalar(select(QuestionnaireVersion.definition)
                                     .where(QuestionnaireVersion.id == version_id))
            parsed = _PARSED[checksum] = parse_definition(data, source=f"questionnaire "
                                                                      f"{code}:{number}")
        out[response_id] = parsed
    return out


def question_of_response(connection: Connection, response_id: int, question_id: str) -> Question:
    """The question an answer of ``response_id`` answers; ``AnswerError`` if there is none."""
    definition = definitions_of_responses(connection, [response_id]).get(response_id)
    if definition is None:
        raise AnswerError(f"there is no response {response_id} to answer")
    if not definition.has_question(question_id):
        raise AnswerError(f"'{question_id}' is not a question of {definition.key}")
    return definition.question(question_id)


def register_definition(definition: Definition, source: str = "bundled",
                        filename: str | None = None, user_id: int | None = None
                        ) -> tuple[QuestionnaireVersion, bool]:
    """Store a definition version; (version, created). A stored version never changes."""
    existing = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.code == definition.code,
        QuestionnaireVersion.version == definition.version))
    checksum = definition.checksum()
    if existing is not None:
        if existing.checksum != checksum:
            raise SurveyError(
                f"questionnaire {definition.key} is already stored with different content; "
                f"a published version never changes: give the new content version "
                f"{next_version(definition.code)}")
        return existing, False
    version = QuestionnaireVersion(
        code=definition.code, version=definition.version, title=definition.title.get(),
        definition=dict(definition.raw), checksum=checksum, source=source,
        filename=filename, created_by_id=user_id)
    db.session.add(version)
    db.session.flush()
    return version, True


def next_version(code: str) -> int:
    current = db.session.scalar(select(func.max(QuestionnaireVersion.version))
                                .where(QuestionnaireVersion.code == code))
    return (current or 0) + 1


def seed_bundled() -> list[tuple[QuestionnaireVersion, bool]]:
    return [register_definition(load_definition(path), filename=Path(path).name)
            for path in bundled_definition_paths()]


def find_version(key: str) -> QuestionnaireVersion:
    """``CODE`` (newest version) or ``CODE:VERSION``."""
    code, _, version = key.partition(":")
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.code == code)
    if version:
        if not version.isdigit():
            raise SurveyError(f"'{key}': the version after ':' must be a number")
        query = query.where(QuestionnaireVersion.version == int(version))
    found = db.session.scalar(query.order_by(QuestionnaireVersion.version.desc()).limit(1))
    if found is None:
        known = ", ".join(v.key for v in list_versions()) or "none (run: survey seed)"
        raise NotFound(f"unknown questionnaire '{key}'; stored versions: {known}")
    return found


def list_versions() -> list[QuestionnaireVersion]:
    return list(db.session.scalars(select(QuestionnaireVersion)
                                   .order_by(QuestionnaireVersion.code, QuestionnaireVersion.version)))


def rounds_using(version: QuestionnaireVersion) -> int:
    return db.session.scalar(select(func.count(Round.id))
                             .where(Round.questionnaire_version_id == version.id)) or 0
