"""The accounts forms: log in, the account page, one-time links and API tokens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .users import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("New password (at least 10 characters)"),
                        validators=[DataRequired(), Length(min=10, max=256)],
                        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new", _l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    change_password = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the pages and questionnaire"))
    save_language = SubmitField(_l("Save language"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set password"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Length(max=254),
        Email(_l("This is not a valid e-mail address."), check_deliverability=False)],
        render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Send me a link"))


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the new token"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"placeholder": _l("for example: analysis laptop")})
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
