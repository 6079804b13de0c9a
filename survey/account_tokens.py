"""The API tokens page: create a token (shown once) and revoke tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from .extensions import db
from .models import Round
from .services import SurveyError
from .services.api_tokens import active_tokens, create_token, revoke_token

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the new token"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"placeholder": _l("for example: analysis laptop")})
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            _token, new_token = create_token(current_user, form.name.data)
            db.session.commit()
            form = TokenForm(formdata=None)
        except SurveyError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
            status = 400
    elif form.errors:
        status = 400
    # The new token is rendered in this response only; it is never stored in clear.
    latest = db.session.scalar(select(Round.id).order_by(Round.id.desc()).limit(1))
    return render_template("account/tokens.html", form=form, tokens=active_tokens(current_user),
                           new_token=new_token, revoke_form=RevokeForm(),
                           example_round_id=latest or 1), status


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("api_tokens.index"))
    try:
        token = revoke_token(current_user, token_id)
    except SurveyError:
        db.session.rollback()
        flash(_("No such token."), "error")
        return redirect(url_for("api_tokens.index")), 404
    db.session.commit()
    flash(_("Token “%(name)s” is revoked; scripts using it are refused from now on.",
            name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
