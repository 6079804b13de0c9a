"""After login: the open rounds and the member countries with their response status."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import STAFF
from ..answering.next_step import focal_point_home
from ..answering.responses import is_editable
from ..extensions import db
from ..models import Country, Response, Role
from ..rounds import latest_rounds
from .next_steps import staff_next_steps

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if current_user.role is Role.FOCAL_POINT:
        # Their own country's questionnaires, per round: the same page as /my-country.
        return render_template("answering/home.html", rows=focal_point_home(current_user),
                               lang=str(get_locale() or "en"), editable=is_editable)
    rounds = latest_rounds()
    query = (select(Response, Country).join(Country, Response.country_id == Country.id)
             .where(Response.round_id.in_([r.id for r in rounds]))
             .order_by(Country.subregion, Country.name))
    if current_user.role not in STAFF:
        query = query.where(Response.country_id == current_user.country_id)
    by_round: dict[int, list] = {r.id: [] for r in rounds}
    for response, country in db.session.execute(query):
        by_round[response.round_id].append((response, country))
    return render_template("home/index.html", rounds=rounds, by_round=by_round,
                           staff=current_user.role in STAFF,
                           next_steps=staff_next_steps(current_user, rounds))
