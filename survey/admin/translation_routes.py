"""Translations of a questionnaire version: coverage, download, upload -> preview -> apply.

Administrators only (``admin_only``). The version itself never changes; the texts go to
its translation layer (``survey.questionnaire_translations``), each change audited.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from questionnaires.translations import text_entries

from ..extensions import db
from ..models import QuestionnaireVersion
from ..questionnaire_translations import (
    FILE_KINDS,
    MAX_TRANSLATION_UPLOAD,
    apply_upload,
    coverage_of,
    export_file,
    find_upload,
    languages,
    preview_upload,
    stage_upload,
)
from ..questionnaire_versions import definition_of
from ..rules import NotFound, commit_or_explain, rule_message
from ..uploads import read_upload
from .forms import ActionForm, TranslationDownloadForm, TranslationUploadForm
from .routes import admin_only, bp


def _forms(upload: TranslationUploadForm | None = None):
    choices = [SelectChoice(code, name) for code, name in languages().items()]
    download = TranslationDownloadForm(request.args if request.method == "GET" else None)
    download.language.choices = choices
    upload = upload or TranslationUploadForm()
    upload.language.choices = choices
    return download, upload


def _page(version: QuestionnaireVersion, upload_form=None, problems=None, status: int = 200):
    definition = definition_of(version, language="en")
    download, upload = _forms(upload_form)
    return render_template("admin/translations.html", version=version, definition=definition,
                           coverage=coverage_of(version, definition), names=languages(),
                           download_form=download, upload_form=upload, problems=problems or [],
                           limit=MAX_TRANSLATION_UPLOAD), status


@bp.get("/questionnaires/<int:version_id>/translations")
@admin_only
def translations(version_id: int):
    return _page(db.get_or_404(QuestionnaireVersion, version_id))


@bp.get("/questionnaires/<int:version_id>/translations/file")
@admin_only
def translation_download(version_id: int):
    version = db.get_or_404(QuestionnaireVersion, version_id)
    language = request.args.get("language", "")
    kind = request.args.get("kind", "xlsx")
    if language not in languages() or kind not in FILE_KINDS:
        return _page(version, problems=[_("Choose a language and a file kind.")], status=400)
    content, name, mimetype = export_file(version, language, kind, words=_)
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff"})


@bp.post("/questionnaires/<int:version_id>/translations")
@admin_only
def translation_upload(version_id: int):
    version = db.get_or_404(QuestionnaireVersion, version_id)
    _, form = _forms(TranslationUploadForm())
    if not form.validate_on_submit():
        return _page(version, form, status=400)
    storage = form.translations.data
    with commit_or_explain(flash_it=False) as outcome:
        data = read_upload(storage, MAX_TRANSLATION_UPLOAD, (".xlsx", ".po"))
        upload = stage_upload(version, data, storage.filename or "", current_user,
                              language=form.language.data)
    if outcome.broken:
        return _page(version, form, problems=[outcome.message], status=400)
    return redirect(url_for(".translation_preview", version_id=version.id, upload_id=upload.id))


def _version_and_upload(version_id: int, upload_id: int):
    """The version and this administrator's upload of it; the upload is ``None`` (with a
    flash saying why) when it is gone, expired or someone else's."""
    version = db.get_or_404(QuestionnaireVersion, version_id)
    try:
        return version, find_upload(version, upload_id, current_user)
    except NotFound as exc:
        flash(rule_message(exc), "error")
        return version, None


@bp.get("/questionnaires/<int:version_id>/translations/uploads/<int:upload_id>")
@admin_only
def translation_preview(version_id: int, upload_id: int):
    version, upload = _version_and_upload(version_id, upload_id)
    if upload is None:
        return redirect(url_for(".translations", version_id=version.id))
    entries = {e.key: e for e in text_entries(definition_of(version, language="en"))}
    return render_template("admin/translation_preview.html", version=version, upload=upload,
                           view=preview_upload(version, upload), entries=entries,
                           names=languages(), form=ActionForm())


@bp.post("/questionnaires/<int:version_id>/translations/uploads/<int:upload_id>/apply")
@admin_only
def translation_apply(version_id: int, upload_id: int):
    version, upload = _version_and_upload(version_id, upload_id)
    if upload is None:
        return redirect(url_for(".translations", version_id=version.id))
    if not ActionForm().validate_on_submit():
        flash(_("The form had expired; please apply again."), "error")
        return redirect(url_for(".translation_preview", version_id=version.id,
                                upload_id=upload_id))
    with commit_or_explain() as outcome:
        count = apply_upload(version, upload, current_user._get_current_object())
    if outcome.broken:
        return redirect(url_for(".translation_preview", version_id=version.id,
                                upload_id=upload_id))
    flash(_("%(n)d translated text(s) from %(file)s were saved.", n=count,
            file=upload.filename), "success")
    return redirect(url_for(".translations", version_id=version.id))

