"""Questionnaire versions: list, check and store an uploaded definition, preview it."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from exports.xlsform import build_xlsform
from questionnaires import DefinitionError, build_section_form, parse_definition
from questionnaires.definition import CODE_PATTERN
from questionnaires.xlsform import XLSFormError, read_xlsform, xlsform_form_id

from ..audit import record
from ..extensions import db
from ..models import QuestionnaireVersion, Round
from ..questionnaire_versions import definition_of, list_versions, next_version, register_definition
from ..rules import commit_or_explain
from ..uploads import DEFINITION_EXTENSIONS, MAX_DEFINITION_UPLOAD, read_upload
from .forms import UploadForm
from .routes import admin_only, bp

XLSFORM_EXTENSION = ".xlsx"


def _versions_page(form: UploadForm, problems: list[str] | None = None, status: int = 200):
    versions = list_versions()
    used = dict(db.session.execute(select(Round.questionnaire_version_id, func.count(Round.id))
                                   .group_by(Round.questionnaire_version_id)).all())
    return render_template("admin/questionnaires.html", versions=versions, used=used, form=form,
                           problems=problems or [], definitions={v.id: definition_of(v)
                                                                for v in versions},
                           limit=MAX_DEFINITION_UPLOAD), status


@bp.get("/questionnaires")
@admin_only
def questionnaires():
    return _versions_page(UploadForm())


@bp.post("/questionnaires")
@admin_only
def upload_questionnaire():
    form = UploadForm()
    if not form.validate_on_submit():
        return _versions_page(form, status=400)
    storage = form.definition.data
    notes: list[str] = []
    try:
        with commit_or_explain(flash_it=False) as outcome:
            data = read_upload(storage, MAX_DEFINITION_UPLOAD,
                               (*DEFINITION_EXTENSIONS, XLSFORM_EXTENSION))
            filename = storage.filename or "upload"
            is_xlsform = filename.lower().endswith(XLSFORM_EXTENSION)
            if is_xlsform:
                definition, notes = _read_xlsform(data, (form.code.data or "").strip(), filename)
            else:
                definition = parse_definition(data, source=filename)
            version, created = register_definition(definition, source="uploaded",
                                                    filename=storage.filename,
                                                    user_id=current_user.id)
            if created:
                record("questionnaire.upload", "questionnaire_version", user=current_user,
                       entity_id=version.id, new={
                           "key": version.key, "filename": storage.filename,
                           "checksum": version.checksum,
                           "format": "xlsform" if is_xlsform else "yaml"})
    except DefinitionError as exc:  # every problem of the file, listed by question id
        db.session.rollback()
        return _versions_page(form, problems=exc.problems, status=400)
    except XLSFormError as exc:  # every problem, by sheet, row and column
        db.session.rollback()
        return _versions_page(form, problems=exc.problems, status=400)
    if outcome.broken:
        return _versions_page(form, problems=[outcome.message], status=400)
    for note in notes[:20]:
        flash(_("Left out of the XLSForm: %(note)s", note=note), "info")
    if not created:
        flash(_("This exact definition is already stored as %(key)s.", key=version.key), "info")
        return redirect(url_for("admin.questionnaire_preview", version_id=version.id))
    flash(_("The definition is valid and stored as %(key)s. Check the preview below.",
            key=version.key), "success")
    return redirect(url_for("admin.questionnaire_preview", version_id=version.id))


def _read_xlsform(data: bytes, code: str, filename: str):
    """The definition an XLSForm gives, and what was left out. Its code is the one given,
    else its settings' form_id; its version the one it records (a workbook exported from
    here), unless that is stored with other content: then the next free version."""
    if not code:
        code = xlsform_form_id(data) or ""
        if not code:
            read_xlsform(data, "untitled", source=filename)  # a workbook's own problems first
            raise XLSFormError(filename, ["give the questionnaire code: the workbook's "
                                          "settings sheet names no form_id"])
    if not CODE_PATTERN.match(code):
        raise XLSFormError(filename, [f"the questionnaire code '{code}' must be lower-case "
                                      "letters, digits and '-'"])
    result = read_xlsform(data, code, source=filename)
    definition = result.definition
    stored = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.code == code, QuestionnaireVersion.version == definition.version))
    if stored is not None and stored.checksum != definition.checksum():
        result = read_xlsform(data, code, version=next_version(code), source=filename)
    return result.definition, result.notes


@bp.get("/questionnaires/<int:version_id>/xlsform.xlsx")
@admin_only
def questionnaire_xlsform(version_id: int):
    """The stored version as an XLSForm, to field with KoboToolbox or ODK Collect."""
    version = db.get_or_404(QuestionnaireVersion, version_id)
    content = build_xlsform(definition_of(version))
    name = f"{version.code}-v{version.version}-xlsform.xlsx"
    return send_file(io.BytesIO(content), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class _PreviewForm(FlaskForm):
    class Meta:
        csrf = False  # never submitted: the preview is read-only


@bp.get("/questionnaires/<int:version_id>")
@admin_only
def questionnaire_preview(version_id: int):
    version = db.get_or_404(QuestionnaireVersion, version_id)
    definition = definition_of(version)
    lang = str(get_locale())
    forms = {s.id: build_section_form(s, lang, base=_PreviewForm)() for s in definition.sections}
    return render_template("admin/questionnaire_preview.html", version=version,
                           definition=definition, forms=forms, lang=lang)
