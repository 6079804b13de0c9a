"""Read-only view of a round's questionnaire: sections, questions, help and scoring."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from .extensions import db
from .models import Role, Round, RoundState
from .services.questionnaires import definition_of

bp = Blueprint("questionnaire", __name__)


@bp.get("/rounds/<int:round_id>/questionnaire")
@login_required
def show(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    if round_.state is RoundState.DRAFT and current_user.role is not Role.ADMIN:
        abort(404)  # drafts are visible to administrators only, as on the home page
    definition = definition_of(round_.questionnaire)
    return render_template("questionnaire/show.html", round=round_, definition=definition,
                           lang=str(get_locale()))
