"""E-mail preferences: the account page, and the one-click link in every e-mail.

The link in an e-mail opens a page (GET changes nothing, so mail scanners that follow
links cannot unsubscribe anyone); the button on it posts a form with a CSRF token of
the visitor's own session, so another site cannot post it for them. The signed token
in the address names the person; no login is needed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User
from ..rules import commit_or_explain
from .forms import preferences_form
from .links import read_preference_token
from .services import KIND_LABELS, KINDS_FOR_ROLE, preferences_of, set_preferences

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_user._get_current_object()
    form = preferences_form(KINDS_FOR_ROLE[user.role], preferences_of(user))
    if form.validate_on_submit():
        with commit_or_explain() as outcome:
            changed = set_preferences(user, form.choices(), actor=user, via="account page")
        if not outcome.broken:
            flash(_("Your e-mail choices are saved.") if changed else _("Nothing changed."),
                  "success")
            return redirect(url_for(".preferences"))
    return render_template("notifications/preferences.html", form=form, person=user,
                           via_link=False, about=None), (400 if form.errors else 200)


@bp.route("/email-preferences/<token>", methods=["GET", "POST"])
def one_click(token: str):
    found = read_preference_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None or not user.active:
        abort(404)
    kind = found[1]
    form = preferences_form(KINDS_FOR_ROLE[user.role], preferences_of(user))
    if form.validate_on_submit():
        with commit_or_explain() as outcome:
            changed = set_preferences(user, form.choices(), actor=user, via="link in an e-mail")
        if not outcome.broken:
            flash(_("Your e-mail choices are saved.") if changed else _("Nothing changed."),
                  "success")
            return redirect(url_for(".one_click", token=token))
    return render_template("notifications/preferences.html", form=form, person=user,
                           via_link=True, about=KIND_LABELS.get(kind) if kind else None
                           ), (400 if form.errors else 200)
