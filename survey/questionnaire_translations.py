"""The translation layer of questionnaire versions: read, lay over, export, import.

The stored version never changes; its translations live in ``questionnaire_translations``
(see :class:`survey.models.QuestionnaireTranslation`) and may be added or corrected while
a round runs. Pages read a version through :func:`survey.questionnaire_versions.definition_of`,
which lays this layer over it for the page's language (layer -> the definition file's own
translation -> English). Translators download a workbook or PO file, and upload it back:
upload -> preview (missing, extra and since-changed texts, refused placeholders) -> apply,
each changed text recorded in the audit trail. ``survey seed`` loads the bundled drafts
(``questionnaires/translations/<code>-v<version>.<lang>.po``) without overwriting what
people have corrected. One service for the pages and the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from questionnaires import Definition
from questionnaires.safe_workbook import WorkbookError
from questionnaires.translations import (
    Comparison,
    Coverage,
    Row,
    Translation,
    TranslationFileError,
    compare,
    coverage,
    read_po,
    read_workbook_rows,
    split_key,
    text_entries,
    translate,
    write_po,
)

from .audit import record
from .extensions import db
from .models import QuestionnaireTranslation, QuestionnaireVersion, TranslationUpload, User, utcnow
from .rules import NotFound, SurveyError

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "questionnaires" / "translations"
PREVIEW_HOURS = 6
MAX_TRANSLATION_UPLOAD = 5 * 1024 * 1024
MAX_PENDING_PER_USER = 10
FILE_KINDS = ("xlsx", "po")

# Translated definitions by (checksum, language, layer stamp): a changed layer changes its stamp.
_TRANSLATED: dict[tuple, Definition] = {}


def languages() -> dict[str, str]:
    """The shipped languages other than English, code -> name."""
    from flask import current_app

    return {code: name for code, name in current_app.config["SURVEY_LANGUAGES"].items()
            if code != "en"}


def survey_languages() -> dict[str, str]:
    """Every shipped language, English first, code -> name."""
    from flask import current_app

    return dict(current_app.config["SURVEY_LANGUAGES"])


def check_language(language: str) -> str:
    known = languages()
    if language not in known:
        raise SurveyError(f"'{language[:20]}' is not a language the survey offers; choose one of "
                          f"{', '.join(known) or 'none'}")
    return language


def layer_of(version_id: int, language: str) -> dict[str, Translation]:
    rows = db.session.execute(select(
        QuestionnaireTranslation.subject, QuestionnaireTranslation.field,
        QuestionnaireTranslation.text, QuestionnaireTranslation.source_hash,
        QuestionnaireTranslation.status).where(
        QuestionnaireTranslation.questionnaire_version_id == version_id,
        QuestionnaireTranslation.language == language)).all()
    return {f"{s}|{f}": Translation(t, h, st) for s, f, t, h, st in rows}


def translated(version: QuestionnaireVersion, parsed: Definition, language: str) -> Definition:
    """``parsed`` (the version's definition) with the layer's ``language`` texts laid over.

    One small query for the layer's stamp; the translated definition is kept while the
    stamp (how many texts, when last changed) stays the same.
    """
    count, last = db.session.execute(select(
        func.count(QuestionnaireTranslation.id), func.max(QuestionnaireTranslation.updated_at))
        .where(QuestionnaireTranslation.questionnaire_version_id == version.id,
               QuestionnaireTranslation.language == language)).one()
    if not count:
        return parsed
    key = (version.checksum, version.id, language, count, last)
    found = _TRANSLATED.get(key)
    if found is None:
        if len(_TRANSLATED) > 64:
            _TRANSLATED.clear()
        found = _TRANSLATED[key] = translate(parsed, language, layer_of(version.id, language))
    return found


def in_every_language(version: QuestionnaireVersion) -> Definition:
    """The version's definition with every shipped language's layer laid over (for the
    XLSForm, which carries every language at once). One query per language."""
    from .questionnaire_versions import definition_of

    definition = definition_of(version, language="en")
    for language in languages():
        definition = translate(definition, language, layer_of(version.id, language))
    return definition


def coverage_of(version: QuestionnaireVersion, definition: Definition) -> list[Coverage]:
    """How much of the version each shipped language covers (one query for all)."""
    rows = db.session.execute(select(
        QuestionnaireTranslation.language, QuestionnaireTranslation.subject,
        QuestionnaireTranslation.field, QuestionnaireTranslation.text,
        QuestionnaireTranslation.source_hash, QuestionnaireTranslation.status).where(
        QuestionnaireTranslation.questionnaire_version_id == version.id)).all()
    layers: dict[str, dict[str, Translation]] = {}
    for language, s, f, t, h, st in rows:
        layers.setdefault(language, {})[f"{s}|{f}"] = Translation(t, h, st)
    return [coverage(definition, code, layers.get(code, {})) for code in languages()]


# -- download ----------------------------------------------------------------------

def export_file(version: QuestionnaireVersion, language: str, kind: str,
                words=None) -> tuple[bytes, str, str]:
    """The translation workbook or PO file: (content, file name, media type)."""
    from exports.translation_workbook import build_translation_workbook

    from .questionnaire_versions import definition_of

    check_language(language)
    if kind not in FILE_KINDS:
        raise SurveyError(f"'{kind[:10]}' is not a translation file kind; choose xlsx or po")
    definition = definition_of(version, language="en")
    layer = layer_of(version.id, language)
    name = f"{version.code}-v{version.version}.{language}.{kind}"
    if kind == "po":
        return write_po(definition, language, layer), name, "text/x-gettext-translation"
    content = build_translation_workbook(definition, language, languages()[language], layer,
                                         **({"words": words} if words else {}))
    return content, name, ("application/vnd.openxmlformats-officedocument."
                           "spreadsheetml.sheet")


# -- upload -> preview -> apply ------------------------------------------------------

def read_file(data: bytes, filename: str) -> tuple[dict[str, str], list[Row]]:
    """What a translation file says about itself (questionnaire, language) and its rows."""
    lowered = (filename or "").lower()
    try:
        if lowered.endswith(".po"):
            return read_po(data, MAX_TRANSLATION_UPLOAD)
        if lowered.endswith(".xlsx"):
            return read_workbook_rows(data)
    except (WorkbookError, TranslationFileError) as exc:
        raise SurveyError(f"the file {filename}: {exc}") from None
    raise SurveyError(f"the file {filename} is not a translation file: choose a workbook (.xlsx) "
                      "or a PO file (.po)")


def _same_language(meta: dict[str, str], language: str | None, filename: str) -> str:
    named = meta.get("language")
    if named:
        named = named.replace("-", "_")
        known = {c.lower(): c for c in languages()}
        named = known.get(named.lower(), known.get(named.split("_")[0].lower(), named))
    if language and named and named != language:
        raise SurveyError(f"the file {filename} is a translation into '{named[:20]}', "
                          f"not '{language}'")
    return check_language(language or named or "")


def stage_upload(version: QuestionnaireVersion, data: bytes, filename: str, user: User,
                 language: str | None = None) -> TranslationUpload:
    """Read an uploaded translation file and keep it for its preview."""
    from .questionnaire_versions import definition_of

    if len(data) > MAX_TRANSLATION_UPLOAD:
        raise SurveyError(f"the file is larger than the limit of "
                          f"{MAX_TRANSLATION_UPLOAD // 1024:,} KB")
    meta, rows = read_file(data, filename)
    if meta.get("questionnaire") and meta["questionnaire"] != version.key:
        raise SurveyError(f"the file {filename} is a translation of "
                          f"{meta['questionnaire'][:40]}, not of {version.key}")
    language = _same_language(meta, language, filename)
    if not rows:
        raise SurveyError(f"the file {filename} holds no texts to translate")
    known = {e.key for e in text_entries(definition_of(version, language="en"))}
    if not any(row.key in known for row in rows):
        raise SurveyError(f"none of the texts in the file {filename} is a text of {version.key}; "
                          "download the file to translate from this version's page")
    now = utcnow()
    db.session.execute(delete(TranslationUpload).where(TranslationUpload.expires_at < now))
    pending = db.session.scalar(select(func.count(TranslationUpload.id)).where(
        TranslationUpload.user_id == user.id, TranslationUpload.applied_at.is_(None)))
    if pending >= MAX_PENDING_PER_USER:
        oldest = db.session.scalar(select(TranslationUpload).where(
            TranslationUpload.user_id == user.id, TranslationUpload.applied_at.is_(None))
            .order_by(TranslationUpload.created_at).limit(1))
        db.session.delete(oldest)
    upload = TranslationUpload(
        user_id=user.id, questionnaire_version_id=version.id, language=language,
        filename=(filename or "upload")[:255], sha256=hashlib.sha256(data).hexdigest(),
        rows=[row.__dict__ for row in rows], created_at=now,
        expires_at=now + dt.timedelta(hours=PREVIEW_HOURS))
    db.session.add(upload)
    db.session.flush()
    return upload


def find_upload(version: QuestionnaireVersion, upload_id: int, user: User) -> TranslationUpload:
    upload = db.session.get(TranslationUpload, upload_id)
    if (upload is None or upload.user_id != user.id
            or upload.questionnaire_version_id != version.id or upload.applied_at is not None
            or upload.expires_at < utcnow()):
        raise NotFound("this upload is not waiting to be applied (it was applied, has expired "
                       "or is someone else's); upload the file again")
    return upload


def preview(version: QuestionnaireVersion, language: str, rows: Iterable[Row]) -> Comparison:
    from .questionnaire_versions import definition_of

    definition = definition_of(version, language="en")
    return compare(definition, language, rows, layer_of(version.id, language))


def preview_upload(version: QuestionnaireVersion, upload: TranslationUpload) -> Comparison:
    return preview(version, upload.language, [Row(**r) for r in upload.rows])


def apply(version: QuestionnaireVersion, language: str, comparison: Comparison,
          user: User | None, *, source: str, audit_each: bool = True) -> int:
    """Write the comparison's changes to the layer; each changed text audited. -> count."""
    existing = {t.key: t for t in db.session.scalars(select(QuestionnaireTranslation).where(
        QuestionnaireTranslation.questionnaire_version_id == version.id,
        QuestionnaireTranslation.language == language))}
    now = utcnow()
    for change in comparison.changes:
        subject, field_ = split_key(change["key"])
        row = existing.get(change["key"])
        if row is None:
            row = QuestionnaireTranslation(questionnaire_version_id=version.id,
                                           language=language, subject=subject, field=field_)
            db.session.add(row)
        row.text, row.status, row.source_hash = change["new"], change["status"], change["hash"]
        row.updated_at, row.updated_by_id = now, user.id if user else None
        if audit_each:
            record("questionnaire.translation", "questionnaire_version", user=user,
                   entity_id=version.id, question_id=subject[:50],
                   old={"text": change["old"], "status": change["old_status"]}
                   if change["old"] is not None else None,
                   new={"text": change["new"], "status": change["status"]},
                   detail=f"{version.key} {language} {field_} ({source})"[:500])
    _forget_translated()
    if comparison.changes:
        record("questionnaire.translations", "questionnaire_version", user=user,
               entity_id=version.id, new={"language": language, "texts":
                                          len(comparison.changes), "source": source[:200]})
    db.session.flush()
    return len(comparison.changes)


def _forget_translated() -> None:
    from flask import g, has_app_context

    if has_app_context():
        g.pop("translated_definitions", None)


def apply_upload(version: QuestionnaireVersion, upload: TranslationUpload, user: User) -> int:
    comparison = preview_upload(version, upload)
    count = apply(version, upload.language, comparison, user,
                  source=f"{upload.filename}, sha256 {upload.sha256[:12]}")
    upload.applied_at = utcnow()
    return count


def import_file(version: QuestionnaireVersion, data: bytes, filename: str,
                user: User | None, language: str | None = None) -> tuple[str, Comparison, int]:
    """Read and apply a file in one go (the command line): (language, comparison, applied)."""
    meta, rows = read_file(data, filename)
    if meta.get("questionnaire") and meta["questionnaire"] != version.key:
        raise SurveyError(f"the file {filename} is a translation of "
                          f"{meta['questionnaire'][:40]}, not of {version.key}")
    language = _same_language(meta, language, filename)
    comparison = preview(version, language, rows)
    if comparison.refused:
        return language, comparison, 0
    return language, comparison, apply(version, language, comparison, user,
                                       source=Path(filename).name)


# -- the bundled drafts ----------------------------------------------------------------

def bundled_files(version: QuestionnaireVersion) -> list[tuple[str, Path]]:
    prefix = f"{version.code}-v{version.version}."
    out = []
    for path in sorted(BUNDLED_DIR.glob(f"{prefix}*.po")):
        language = path.name[len(prefix):-len(".po")]
        out.append((language, path))
    return out


def load_bundled(versions: Iterable[QuestionnaireVersion]) -> list[tuple[str, str, int]]:
    """Load the shipped draft translations of these versions into the layer, leaving every
    text someone has already translated or corrected alone. -> (version, language, added)."""
    known = languages()
    loaded = []
    for version in versions:
        for language, path in bundled_files(version):
            if language not in known:
                continue
            _, rows = read_po(path.read_bytes())
            layer = layer_of(version.id, language)
            fresh = [r for r in rows if r.key not in layer]
            comparison = preview(version, language, fresh)
            comparison.changes = [c for c in comparison.changes if c["old"] is None]
            added = apply(version, language, comparison, None, source=path.name,
                          audit_each=False)
            loaded.append((version.key, language, added))
    return loaded


def status_counts(version_id: int) -> dict[str, Any]:
    return dict(db.session.execute(select(QuestionnaireTranslation.status,
                                          func.count(QuestionnaireTranslation.id))
                                   .where(QuestionnaireTranslation.questionnaire_version_id
                                          == version_id)
                                   .group_by(QuestionnaireTranslation.status)).all())
