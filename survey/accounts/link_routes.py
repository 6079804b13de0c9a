"""One-time links: accept an invitation, reset a forgotten password, ask for a reset link."""

from __future__ import annotations

import datetime as dt
from functools import partial

from flask import (
    copy_current_request_context,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import limits
from ..extensions import db
from ..rules import commit_or_explain
from .forms import ForgotForm, SetPasswordForm
from .invitations import INVITE, RESET, account_link, redeem_token, request_password_reset, valid_token
from .routes import bp, client_address, end_browser_session, until_words
from .users import MIN_PASSWORD_LENGTH

# Password-reset requests: at most this many per typed e-mail and per address in the window.
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 10
RESET_WINDOW = dt.timedelta(hours=1)


def _set_password(token: str, purpose: str):
    if current_user.is_authenticated:
        end_browser_session()  # a link always acts for the account it was made for
        db.session.commit()
    form = SetPasswordForm()
    with commit_or_explain(flash_it=False) as link:
        valid_token(token, purpose)
    if link.broken:
        return render_template("accounts/link_invalid.html"), 410
    if form.validate_on_submit():
        with commit_or_explain(field=form.password) as outcome:
            user = redeem_token(token, purpose, form.password.data)
        if not outcome.broken:
            flash(_("Your password is set. Log in with %(email)s and your new password.",
                    email=user.email), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, purpose=purpose,
                           minimum=MIN_PASSWORD_LENGTH), (400 if form.errors else 200)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password(token, INVITE)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password(token, RESET)


def _reset_limits() -> tuple[int, int, dt.timedelta]:
    config = current_app.config
    return (config.get("SURVEY_RESET_MAX_PER_EMAIL", RESETS_PER_EMAIL),
            config.get("SURVEY_RESET_MAX_PER_ADDRESS", RESETS_PER_ADDRESS),
            config.get("SURVEY_RESET_WINDOW", RESET_WINDOW))


def _reset_refusal(email: str) -> str | None:
    """Count a reset request per typed e-mail and per address; the words never depend on
    whether the address has an account."""
    per_email, per_address, window = _reset_limits()
    for_email = limits.hit(f"reset:email:{email}", per_email, window)
    from_address = limits.hit(f"reset:address:{client_address()}", per_address, window)
    if for_email.exceeded:
        return _("Too many links were asked for this e-mail address. Try again after %(time)s UTC "
                 "on %(date)s.", **until_words(for_email))
    if from_address.exceeded:
        return _("Too many links were asked from your network. Try again after %(time)s UTC "
                 "on %(date)s.", **until_words(from_address))
    return None


def _send_reset_link(email: str) -> None:
    """The account's own work: look it up, make the token, write and send the mail."""
    try:
        request_password_reset(email, account_link)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("the password reset for a requested address failed")


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()[:254]
        refusal = _reset_refusal(email)
        if refusal:
            flash(refusal, "error")
            return render_template("accounts/forgot_password.html", form=form), 429
        # The same words whether or not the address has an account.
        flash(_("If an active account uses this address, a link to choose a new password is on "
                "its way. It works once, for two hours."), "info")
        response = redirect(url_for("accounts.login"))
        # Whether the account exists decides how much work follows (a token, a mail, perhaps
        # a slow mail server), so that work runs once the answer has been sent: the answer
        # takes the same time for every address. See benchmarks/forgot_password_timing.py.
        response.call_on_close(copy_current_request_context(partial(_send_reset_link, email)))
        return response
    return render_template("accounts/forgot_password.html", form=form)
