"""Read-only view of a round's questionnaire: sections, questions, help and scoring."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import login_required

from .access import require_round
from .extensions import db
from .models import Round
from .services.questionnaires import definition_of

bp = Blueprint("questionnaire", __name__)


@bp.get("/rounds/<int:round_id>/questionnaire")
@login_required
def show(round_id: int):
    round_ = require_round(db.session.get(Round, round_id))  # drafts: administrators only
    definition = definition_of(round_.questionnaire)
    return render_template("questionnaire/show.html", round=round_, definition=definition,
                           lang=str(get_locale()))
