"""One-time links: accept an invitation, reset a forgotten password, ask for a reset link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from .extensions import db
from .services import SurveyError
from .services.accounts import INVITE, RESET, redeem_token, request_password_reset, valid_token
from .services.users import MIN_PASSWORD_LENGTH

bp = Blueprint("accounts", __name__)


def account_link(purpose: str, raw: str) -> str:
    """The absolute address of a one-time link (SURVEY_BASE_URL when set, else this host)."""
    endpoint = "accounts.accept_invitation" if purpose == INVITE else "accounts.reset_password"
    base = current_app.config.get("SURVEY_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, token=raw)


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set password"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Send me a link"))


def _set_password(token: str, purpose: str):
    if current_user.is_authenticated:
        logout_user()  # a link always acts for the account it was made for
    form = PasswordForm()
    try:
        valid_token(token, purpose)
    except SurveyError as exc:
        return render_template("accounts/link_invalid.html", message=str(exc)), 410
    if form.validate_on_submit():
        try:
            user = redeem_token(token, purpose, form.password.data)
        except SurveyError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Your password is set. Log in with %(email)s and your new password.",
                    email=user.email), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/set_password.html", form=form, purpose=purpose,
                           minimum=MIN_PASSWORD_LENGTH), (400 if form.errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password(token, INVITE)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password(token, RESET)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, account_link)
        db.session.commit()
        # The same words whether or not the address has an account.
        flash(_("If an active account uses this address, a link to choose a new password is on "
                "its way. It works once, for two hours."), "info")
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot_password.html", form=form)
