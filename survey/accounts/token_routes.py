"""The API tokens page: create a token (shown once) and revoke tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Round
from ..rules import commit_or_explain
from . import api_tokens
from .forms import RevokeForm, TokenForm
from .routes import bp


@bp.route("/account/tokens/", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        with commit_or_explain(field=form.name) as outcome:
            _token, new_token = api_tokens.create_token(current_user, form.name.data)
        if outcome.broken:
            status = 400
        else:
            form = TokenForm(formdata=None)
    elif form.errors:
        status = 400
    # The new token is rendered in this response only; it is never stored in clear.
    latest = db.session.scalar(select(Round.id).order_by(Round.id.desc()).limit(1))
    return render_template("accounts/tokens.html", form=form, tokens=api_tokens.active_tokens(current_user),
                           new_token=new_token, revoke_form=RevokeForm(),
                           example_round_id=latest or 1), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("accounts.tokens"))
    with commit_or_explain() as outcome:
        token = api_tokens.revoke_token(current_user, token_id)
    if outcome.broken:
        return redirect(url_for("accounts.tokens")), 404
    flash(_("Token “%(name)s” is revoked; scripts using it are refused from now on.",
            name=token.name), "success")
    return redirect(url_for("accounts.tokens"))
