"""Country profiles in the app: one country and round, the regional heat map, the public list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from profiles import OVERALL, score_chart_svg

from .access import STAFF, can_mark_publishable, can_see_profile, require_round, roles_required
from .extensions import db
from .models import Country, Response, ResponseStatus, Round
from .services import NotFound, SurveyError
from .services import profiles as profile_service
from .services import review as review_service

bp = Blueprint("profile_views", __name__)


def _round_country(round_id: int, iso3: str) -> tuple[Round, Country]:
    round_ = require_round(db.session.get(Round, round_id))
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3.upper()))
    if country is None:
        abort(404)
    return round_, country


def _response_or_404(round_: Round, country: Country) -> Response:
    try:
        return profile_service.response_of(round_, country)
    except NotFound:
        abort(404)


def render_profile(round_: Round, country: Country, *, template: str = "profiles/show.html",
                   **extra) -> str:
    """The profile page as HTML (also used by the CLI for a self-contained file)."""
    profile = profile_service.profile_for(round_, country)
    chart = Markup(score_chart_svg(profile))  # noqa: S704 - every text inside is escaped
    return render_template(template, profile=profile, chart=chart, round=round_,
                           country=country, **extra)


@bp.get("/rounds/<int:round_id>/profiles/<iso3>")
@login_required
def profile(round_id: int, iso3: str):
    round_, country = _round_country(round_id, iso3)
    if not can_see_profile(current_user, country.id):
        abort(403)
    response = _response_or_404(round_, country)
    return render_profile(round_, country, response=response,
                          can_publish=can_mark_publishable(current_user, response),
                          staff=current_user.role in STAFF)


@bp.post("/rounds/<int:round_id>/profiles/<iso3>/publishable")
@login_required
def publishable(round_id: int, iso3: str):
    round_, country = _round_country(round_id, iso3)
    response = _response_or_404(round_, country)
    if not can_mark_publishable(current_user, response):
        abort(403)
    wanted = request.form.get("publishable") == "1"
    try:
        review_service.set_publishable(response, current_user, wanted)
    except SurveyError as exc:
        db.session.rollback()
        flash(f"Not done: {exc}.", "error")
    else:
        db.session.commit()
        flash("The profile is now public." if wanted else "The profile is no longer public.",
              "success")
    return redirect(url_for("profile_views.profile", round_id=round_id, iso3=country.iso3))


SORTS = ("country", "subregion")


@bp.get("/rounds/<int:round_id>/overview")
@roles_required(*STAFF)
def overview(round_id: int):
    round_ = require_round(db.session.get(Round, round_id))
    definition, table = profile_service.regional_scores(round_)
    keys = [p.id for p in definition.pillars] + [OVERALL]
    sort = request.args.get("sort", "country")
    if sort not in keys and sort not in SORTS:
        sort = "country"
    descending = request.args.get("dir", "desc" if sort in keys else "asc") == "desc"
    if not table.empty:
        table = table.sort_values([sort, "country"], ascending=[not descending, True],
                                  na_position="last", kind="mergesort")
    return render_template("profiles/overview.html", round=round_, definition=definition,
                           rows=table.to_dict("records"), keys=keys, sort=sort,
                           descending=descending)


@bp.get("/public/profiles")
def public_list():
    return render_template("profiles/public_list.html",
                           items=profile_service.publishable_profiles())


@bp.get("/public/profiles/<int:round_id>/<iso3>")
def public_profile(round_id: int, iso3: str):
    round_, country = _round_country(round_id, iso3)
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.country_id == country.id))
    if response is None or not response.publishable or response.status is not ResponseStatus.APPROVED:
        abort(404)
    return render_profile(round_, country, response=response, public=True)


def standalone_profile_html(round_: Round, country: Country) -> str:
    """One self-contained HTML file: styles and the chart inline, no link to the app."""
    from pathlib import Path

    static = Path(__file__).parent / "static"
    css = "\n".join((static / name).read_text(encoding="utf-8") for name in ("app.css", "review.css"))
    return render_profile(round_, country, template="profiles/standalone.html", css=Markup(css))  # noqa: S704
