"""The downloads form: which round, sub-region, responses and file format to prepare."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from exports import STATUS_FILTER_LABELS

from .services import FORMATS


class ExportForm(FlaskForm):
    round_id = SelectField(_l("Round"), coerce=int)
    subregion = SelectField(_l("Sub-region"))
    # The labels are marked where they are defined (N_) and translated here, per request.
    status = RadioField(_l("Responses to include"), default="approved",
                        choices=[SelectChoice(k, _l(v)) for k, v in STATUS_FILTER_LABELS.items()])
    format = RadioField(_l("Format"), default="xlsx",
                        choices=[SelectChoice(key, _l(label))
                                 for key, (label, _m, _e) in FORMATS.items()])
    language = SelectField(_l("Language of the labels"))
    submit = SubmitField(_l("Prepare the download"))


# What an export job was asked for, in short words (the job page, the list of recent exports).
JOB_STATUS_NAMES = {
    "approved": _l("Approved responses"),
    "submitted": _l("Submitted and approved responses"),
    "all": _l("All responses, including drafts"),
}
JOB_FORMAT_NAMES = {
    "xlsx": _l("Excel workbook"),
    "csv": _l("Tidy data (CSV)"),
    "csv-bom": _l("Tidy data (CSV for Excel)"),
    "zip": _l("One CSV file per sheet (zip)"),
}
