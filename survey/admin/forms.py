"""The administrators' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import Role

ROLE_CHOICES = [SelectChoice(Role.FOCAL_POINT.value, _l("Focal point (one country)")),
                SelectChoice(Role.REVIEWER.value, _l("Reviewer (working group)")),
                SelectChoice(Role.ANALYST.value, _l("Analyst")),
                SelectChoice(Role.ADMIN.value, _l("Administrator"))]


class DatesMixin:
    def validate_closes_on(self, field) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be on or after the opening date."))


class RoundForm(DatesMixin, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    questionnaire = SelectField(_l("Questionnaire version"), validators=[DataRequired()])
    opens_on = DateField(_l("Opening date"), validators=[Optional()])
    closes_on = DateField(_l("Closing date"), validators=[Optional()])
    submit = SubmitField(_l("Create draft round"))


class RoundDatesForm(DatesMixin, FlaskForm):
    opens_on = DateField(_l("Opening date"), validators=[Optional()])
    closes_on = DateField(_l("Closing date"), validators=[Optional()])
    submit = SubmitField(_l("Save dates"))


class ActionForm(FlaskForm):
    """A bare form for one-button actions (CSRF token only)."""


class UploadForm(FlaskForm):
    definition = FileField(_l("Definition file (YAML) or XLSForm workbook (.xlsx)"),
                           validators=[FileRequired()])
    code = StringField(_l("Questionnaire code (XLSForm only; blank: the form_id of its "
                          "settings sheet)"), validators=[Optional(), Length(max=61)])
    submit = SubmitField(_l("Check and store"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Length(max=254),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    country = SelectField(_l("Country (focal points only)"), validators=[Optional()])
    submit = SubmitField(_l("Send invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    country = SelectField(_l("Country (focal points only)"), validators=[Optional()])
    submit = SubmitField(_l("Save role"))


class ReminderDaysForm(FlaskForm):
    """Reminder days around the round's closing date (checked by the service)."""

    remind_before = StringField(_l("Reminder days before closing"),
                                validators=[Optional(), Length(max=60)])
    remind_after = StringField(_l("Reminder days after closing"),
                               validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("Save reminder days"))


class ReviewerCountriesForm(FlaskForm):
    countries = SelectMultipleField(_l("Members this reviewer is assigned to"), coerce=int,
                                    widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())
    submit = SubmitField(_l("Save assignment"))


class TranslationDownloadForm(FlaskForm):
    """Which translation file to download (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    language = SelectField(_l("Language"), id="download-language")
    kind = SelectField(_l("File"), choices=[SelectChoice("xlsx", _l("Workbook (.xlsx)")),
                                            SelectChoice("po", _l("PO file (.po)"))])
    submit = SubmitField(_l("Download"))


class TranslationUploadForm(FlaskForm):
    translations = FileField(_l("Translation file (.xlsx or .po)"), validators=[FileRequired()])
    language = SelectField(_l("Language"), id="upload-language")  # the page has two forms
    submit = SubmitField(_l("Check the file"))
