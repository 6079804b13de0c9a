"""Analysts download: the exports page, background export jobs, country workbooks."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from exports import XLSX_MIMETYPE
from exports.words import subregion_name

from ..access import (
    can_export_country,
    can_export_regional,
    can_see_export_job,
    require_round,
    visible_rounds,
)
from ..audit import record
from ..extensions import db
from ..jobs import enqueue
from ..models import Country, ExportJob, Response, Round
from ..rules import commit_or_explain
from .forms import JOB_FORMAT_NAMES, JOB_STATUS_NAMES, ExportForm
from .services import FORMATS, build_export, settle_lost_job, start_job, subregions

bp = Blueprint("downloads", __name__, url_prefix="/exports")


def _language() -> str:
    """The language of the person asking: labels in the file are in it."""
    return str(get_locale() or "en")


def _rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).where(visible_rounds(current_user))
                                   .order_by(Round.id.desc())))


def _export_form(rounds: list[Round]) -> ExportForm:
    form = ExportForm()
    form.round_id.choices = [SelectChoice(r.id, r.name) for r in rounds]
    form.subregion.choices = [SelectChoice("", _("All sub-regions"))] + [
        SelectChoice(s, subregion_name(s, _)) for s in subregions()]
    form.language.choices = [SelectChoice(code, name) for code, name
                             in current_app.config["SURVEY_LANGUAGES"].items()]
    if not form.language.data:
        form.language.data = _language()
    return form


def _country_links(rounds: list[Round]) -> list[tuple[Round, Country, Response]]:
    """The country workbooks this user may download (focal points: their own country)."""
    query = (select(Round, Country, Response).join(Response, Response.round_id == Round.id)
             .join(Country, Response.country_id == Country.id)
             .order_by(Round.id.desc(), Country.name))
    if not can_export_regional(current_user):
        query = query.where(Country.id == current_user.country_id)
    return [row for row in db.session.execute(query)
            if can_export_country(current_user, row[1].id)]


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    rounds = _rounds()
    regional = can_export_regional(current_user)
    if request.method == "POST" and not regional:
        abort(403)  # regional exports are for staff; nothing is queued
    form = _export_form(rounds) if regional else None
    if form is not None and form.validate_on_submit():
        params = {"kind": "regional", "round": form.round_id.data,
                  "subregion": form.subregion.data or None, "status": form.status.data,
                  "format": form.format.data, "language": form.language.data}
        job = start_job(current_user, params)
        record("export.request", "export_job", user=current_user, entity_id=job.id,
               round_id=form.round_id.data, new=params)
        db.session.commit()
        enqueue("export", job.id)  # after the commit, so the job finds its row
        return redirect(url_for("downloads.job", job_id=job.id))
    jobs = []
    if regional:
        jobs = list(db.session.scalars(
            select(ExportJob).where(ExportJob.user_id == current_user.id)
            .order_by(ExportJob.id.desc()).limit(10)))
        for listed in jobs:
            settle_lost_job(listed)
        db.session.commit()
    status = 200 if form is None or not form.errors else 400
    round_names = {r.id: r.name for r in rounds}
    return render_template("downloads/index.html", form=form, rounds=rounds, jobs=jobs,
                           round_names=round_names, status_names=JOB_STATUS_NAMES,
                           format_names=JOB_FORMAT_NAMES,
                           countries=_country_links(rounds), regional=regional), status


def _job_or_404(job_id: int) -> ExportJob:
    job = db.get_or_404(ExportJob, job_id)
    if not can_see_export_job(current_user, job):
        abort(403)
    settle_lost_job(job)  # a job whose worker died shows as failed
    db.session.commit()
    return job


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    found = _job_or_404(job_id)
    round_ref = found.params.get("round")
    round_ = db.session.get(Round, round_ref) if isinstance(round_ref, int) else None
    return render_template("downloads/job.html", job=found, params=found.params, round=round_,
                           status_names=JOB_STATUS_NAMES, format_names=JOB_FORMAT_NAMES)


@bp.get("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    found = _job_or_404(job_id)
    return jsonify({
        "id": found.id, "state": found.state, "progress": found.progress,
        "error": found.error, "filename": found.filename,
        "download_url": url_for("downloads.download", job_id=found.id)
        if found.state == "done" else None,
    })


@bp.get("/jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    found = _job_or_404(job_id)
    if found.state != "done" or found.content is None:
        flash(_("This export is not ready yet."), "info")
        return redirect(url_for("downloads.job", job_id=found.id))
    ext = (found.filename or "").rsplit(".", 1)[-1]
    mimetype = next((m for _l2, m, e in FORMATS.values() if e == ext), "application/octet-stream")
    return send_file(io.BytesIO(found.content), mimetype=mimetype, as_attachment=True,
                     download_name=found.filename)


@bp.get("/country/<iso3>/<int:round_id>.xlsx")
@login_required
def country_workbook(iso3: str, round_id: int):
    """A country's own workbook: small enough to build while the person waits."""
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3.upper()))
    found = require_round(db.session.get(Round, round_id))
    if country is None:
        abort(404)
    if not can_export_country(current_user, country.id):
        abort(403)
    with commit_or_explain() as outcome:
        result = build_export({"kind": "country", "round": found.id, "country": country.iso3,
                               "language": _language()}, current_user.display_name)
        record("export.country", "country", user=current_user, entity_id=country.id,
               round_id=found.id, country_id=country.id)
    if outcome.broken:
        return redirect(url_for("downloads.index"))
    return send_file(io.BytesIO(result.content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=result.filename)
