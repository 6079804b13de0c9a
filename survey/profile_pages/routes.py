"""Country profiles in the app: one country and round, the regional heat map, the public list."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from profiles import OVERALL

from ..access import STAFF, can_mark_publishable, can_see_profile, require_round, roles_required
from ..extensions import db
from ..models import Country, Response, ResponseStatus, Round
from ..rules import NotFound, commit_or_explain
from . import services as profile_service
from .rendering import profile_language, render_profile

bp = Blueprint("profile_pages", __name__)


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
    with commit_or_explain() as outcome:
        profile_service.set_publishable(response, current_user, wanted)
    if not outcome.broken:
        flash(_("The profile is now public.") if wanted else _("The profile is no longer public."),
              "success")
    return redirect(url_for("profile_pages.profile", round_id=round_id, iso3=country.iso3))


SORTS = ("country", "subregion")


@bp.get("/rounds/<int:round_id>/overview")
@roles_required(*STAFF)
def overview(round_id: int):
    round_ = require_round(db.session.get(Round, round_id))
    definition, table = profile_service.regional_scores(round_, language=profile_language())
    keys = [p.id for p in definition.pillars] + [OVERALL]
    sort = request.args.get("sort", "country")
    if sort not in keys and sort not in SORTS:
        sort = "country"
    descending = request.args.get("dir", "desc" if sort in keys else "asc") == "desc"
    if not table.empty:
        table = table.sort_values([sort, "country"], ascending=[not descending, True],
                                  na_position="last", kind="mergesort")
    return render_template("profile_pages/overview.html", round=round_, definition=definition,
                           rows=table.to_dict("records"), keys=keys, sort=sort,
                           descending=descending)


@bp.get("/public/profiles")
def public_list():
    return render_template("profile_pages/public_list.html",
                           items=profile_service.publishable_profiles())


@bp.get("/public/profiles/<int:round_id>/<iso3>")
def public_profile(round_id: int, iso3: str):
    round_, country = _round_country(round_id, iso3)
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.country_id == country.id))
    if response is None or not response.publishable or response.status is not ResponseStatus.APPROVED:
        abort(404)
    return render_profile(round_, country, response=response, public=True)


@bp.get("/method/<code>/<int:version>")
def method(code: str, version: int):
    """How scores are computed for one questionnaire version, generated from its definition.

    Anyone may read it once a round using the version has opened; before that (a draft
    round, or no round) only administrators and analysts, who prepare it.
    """
    try:
        found = profile_service.version_by_key(code, version)
    except NotFound:
        abort(404)
    published = profile_service.published_version(found)
    if not published and not (current_user.is_authenticated and current_user.role in STAFF):
        abort(404)
    return render_template("profile_pages/method.html", version=found,
                           method=profile_service.method_of(found, profile_language()),
                           published=published)


@bp.get("/public/profiles/<int:round_id>.<any(csv, xlsx):fmt>")
def public_download(round_id: int, fmt: str):
    """The round's published profiles (public answers, scores, medians) as a file: only
    what a public output may show. No round with a published profile: 404."""
    round_ = require_round(db.session.get(Round, round_id))
    found = profile_service.public_download(round_, fmt, profile_language())
    if found is None:
        abort(404)
    return send_file(io.BytesIO(found.content), mimetype=found.mimetype, as_attachment=True,
                     download_name=found.filename)
