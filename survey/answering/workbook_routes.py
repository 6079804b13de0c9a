"""The answer workbook on the focal point's pages: download, upload, preview, settle, apply.

Only the country's own focal points reach these pages (``load_response(edit=True)``); an
upload is theirs alone (``workbooks.load_upload``). The rules are in ``workbooks``; the
command line calls the same functions.
"""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField

from ..rules import NotFound, commit_or_explain, rule_message
from ..uploads import MAX_WORKBOOK_UPLOAD, read_upload
from ..words import words_in
from .responses import definition_for, is_editable
from .routes import _lang, bp, load_response
from .workbooks import answer_workbook, apply_upload, choose, load_upload, preview, settle, upload_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DownloadForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that changes nothing

    section = SelectField(_l("Sections"), validate_choice=False)
    lang = SelectField(_l("Language of the questions"), validate_choice=False)


class UploadForm(FlaskForm):
    workbook = FileField(_l("Filled-in workbook (.xlsx), or a KoboToolbox or ODK export "
                            "(.csv or .xlsx)"), validators=[FileRequired()])


class SettleForm(FlaskForm):
    question_id = HiddenField()
    choice = HiddenField()


class ChooseForm(FlaskForm):
    question_id = HiddenField()
    choice = HiddenField()


class ApplyForm(FlaskForm):
    pass


def _download_form(response, definition) -> DownloadForm:
    form = DownloadForm(request.args, meta={"csrf": False})
    form.section.choices = [("", _("The whole questionnaire"))] + [
        (s.id, s.title.get(_lang())) for s in definition.sections]
    languages = current_app.config["SURVEY_LANGUAGES"]
    form.lang.choices = list(languages.items())
    if not form.lang.data or form.lang.data not in languages:
        form.lang.data = _lang() if _lang() in languages else "en"
    return form


def _workbook_page(response, upload_form: UploadForm | None = None, problems=None,
                   status: int = 200):
    definition = definition_for(response)
    return render_template(
        "answering/workbook.html", response=response, definition=definition,
        download=_download_form(response, definition), form=upload_form or UploadForm(),
        editable=is_editable(response), problems=problems or [],
        limit=MAX_WORKBOOK_UPLOAD, lang=_lang()), status


@bp.get("/responses/<int:response_id>/workbook")
@login_required
def workbook(response_id: int):
    """Download the response as a workbook to fill in offline, and upload it back."""
    return _workbook_page(load_response(response_id, edit=True))


@bp.get("/responses/<int:response_id>/workbook.xlsx")
@login_required
def workbook_download(response_id: int):
    response = load_response(response_id, edit=True)
    definition = definition_for(response)
    languages = current_app.config["SURVEY_LANGUAGES"]
    section = request.args.get("section") or None
    if section is not None and section not in {s.id for s in definition.sections}:
        abort(404)
    lang = request.args.get("lang") or _lang()
    if lang not in languages:
        lang = "en"
    # The file's own words in the language chosen for it (not necessarily the page's).
    content, name = answer_workbook(response, section_id=section, language=lang,
                                    words=words_in(lang))
    return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/responses/<int:response_id>/xlsform.xlsx")
@login_required
def workbook_xlsform(response_id: int):
    """The round's questionnaire as an XLSForm, to collect answers with KoboToolbox or ODK
    Collect and upload their submission export here."""
    from exports.xlsform import build_xlsform

    response = load_response(response_id, edit=True)
    definition = definition_for(response)
    name = f"{definition.code}-v{definition.version}-xlsform.xlsx"
    return send_file(io.BytesIO(build_xlsform(definition)), mimetype=XLSX, as_attachment=True,
                     download_name=name)


@bp.post("/responses/<int:response_id>/workbook")
@login_required
def workbook_upload(response_id: int):
    response = load_response(response_id, edit=True)
    form = UploadForm()
    if not form.validate_on_submit():
        return _workbook_page(response, form, status=400)
    storage = form.workbook.data
    user = current_user._get_current_object()
    with commit_or_explain(flash_it=False) as outcome:
        data = read_upload(storage, MAX_WORKBOOK_UPLOAD, (".xlsx", ".csv"))
        upload = upload_workbook(user, storage.filename or "", data, response=response,
                                 language=_lang())
    if outcome.broken:
        return _workbook_page(response, form, problems=[outcome.message], status=400)
    return redirect(url_for(".workbook_preview", response_id=response.id, upload_id=upload.id))


def _upload_or_404(response, upload_id: int):
    try:
        return load_upload(upload_id, current_user, response)
    except NotFound as exc:
        flash(rule_message(exc), "error")
        return None


@bp.get("/responses/<int:response_id>/workbook/uploads/<int:upload_id>")
@login_required
def workbook_preview(response_id: int, upload_id: int):
    response = load_response(response_id, edit=True)
    upload = _upload_or_404(response, upload_id)
    if upload is None:
        return redirect(url_for(".workbook", response_id=response.id))
    view = preview(upload, _lang())
    return render_template("answering/workbook_preview.html", response=response, view=view,
                           settle_form=SettleForm(), choose_form=ChooseForm(),
                           apply_form=ApplyForm(),
                           editable=is_editable(response), lang=_lang())


@bp.post("/responses/<int:response_id>/workbook/uploads/<int:upload_id>/settle")
@login_required
def workbook_settle(response_id: int, upload_id: int):
    response = load_response(response_id, edit=True)
    upload = _upload_or_404(response, upload_id)
    if upload is None:
        return redirect(url_for(".workbook", response_id=response.id))
    form = SettleForm()
    if form.validate_on_submit():
        with commit_or_explain():
            settle(upload, form.question_id.data or "", form.choice.data or "")
    else:
        flash(_("The form had expired; please choose again."), "error")
    return redirect(url_for(".workbook_preview", response_id=response.id, upload_id=upload_id)
                    + "#conflicts")


@bp.post("/responses/<int:response_id>/workbook/uploads/<int:upload_id>/choose")
@login_required
def workbook_choose(response_id: int, upload_id: int):
    """Where the submissions of an export disagree: which answer to keep."""
    response = load_response(response_id, edit=True)
    upload = _upload_or_404(response, upload_id)
    if upload is None:
        return redirect(url_for(".workbook", response_id=response.id))
    form = ChooseForm()
    raw = (form.choice.data or "").strip()
    if not form.validate_on_submit():
        flash(_("The form had expired; please choose again."), "error")
    elif not raw.lstrip("-").isdigit() or len(raw) > 6:
        flash(_("Choose one of the answers, or keep the saved one."), "error")
    else:
        with commit_or_explain():
            choose(upload, form.question_id.data or "", int(raw))
    return redirect(url_for(".workbook_preview", response_id=response.id, upload_id=upload_id)
                    + "#disagreements")


@bp.post("/responses/<int:response_id>/workbook/uploads/<int:upload_id>/apply")
@login_required
def workbook_apply(response_id: int, upload_id: int):
    response = load_response(response_id, edit=True)
    upload = _upload_or_404(response, upload_id)
    if upload is None:
        return redirect(url_for(".workbook", response_id=response.id))
    if not ApplyForm().validate_on_submit():
        flash(_("The form had expired; please apply again."), "error")
        return redirect(url_for(".workbook_preview", response_id=response.id, upload_id=upload_id))
    user = current_user._get_current_object()
    confirmed = request.form.getlist("confirm")
    with commit_or_explain() as outcome:
        applied = apply_upload(upload, user, confirmed=confirmed)
    if outcome.broken:
        return redirect(url_for(".workbook_preview", response_id=response.id, upload_id=upload_id))
    flash(_("%(n)d answer(s) from %(file)s were saved.", n=len(applied.changed),
            file=upload.filename), "success")
    return redirect(url_for(".review", response_id=response.id))

