"""Exports from the database: gather plain inputs, hand them to ``exports``, keep jobs.

Pages, the command line and the API all call these functions, so the three give
the same file for the same choice of round, sub-region and status.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from exports import (
    STATUS_FILTERS,
    XLSX_MIMETYPE,
    ExportInput,
    ExportMeta,
    build_country_workbook,
    build_regional_workbook,
    sheets_zip,
    tidy_csv,
)

from ..database import allow_long_statements
from ..extensions import db
from ..frames import answers_frame, members_frame
from ..i18n import N_
from ..jobs import lost_reason
from ..members import country_by_iso3, members_by_iso3
from ..models import (
    Country,
    ExportJob,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Round,
    User,
    utcnow,
)
from ..questionnaire_translations import in_every_language, survey_languages
from ..questionnaire_versions import definition_of
from ..rounds import round_by_name
from ..rules import NotFound, SurveyError
from ..words import words_in

log = logging.getLogger(__name__)

FORMATS = {
    "xlsx": (N_("Excel workbook (.xlsx)"), XLSX_MIMETYPE, "xlsx"),
    "csv": (N_("Tidy data, CSV (UTF-8)"), "text/csv; charset=utf-8", "csv"),
    "csv-bom": (N_("Tidy data, CSV for Excel (UTF-8 with BOM)"), "text/csv; charset=utf-8",
                "csv"),
    "zip": (N_("One CSV per sheet (.zip)"), "application/zip", "zip"),
}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def parse_status_filter(value: str | None) -> str:
    status = (value or "approved").strip().lower()
    if status not in STATUS_FILTERS:
        raise SurveyError(f"unknown status '{value}'; choose approved, submitted or all")
    return status


def subregions() -> list[str]:
    return list(db.session.scalars(select(Country.subregion).distinct().order_by(Country.subregion)))


def check_subregion(name: str | None) -> str | None:
    if not name:
        return None
    known = subregions()
    for candidate in known:
        if candidate.lower() == name.strip().lower():
            return candidate
    raise NotFound(f"unknown sub-region '{name}'; sub-regions: {', '.join(known) or 'none'}")


def find_round(value: str | int) -> Round:
    """A round by id (from forms and the API) or by name (from the command line)."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = db.session.get(Round, int(value))
        if found is not None:
            return found
    return round_by_name(str(value))


def _country_ids(subregion: str | None, country: Country | None) -> list[int] | None:
    if country is not None:
        return [country.id]
    if subregion:
        return list(db.session.scalars(select(Country.id).where(Country.subregion == subregion)))
    return None


def export_input(rounds: list[Round], *, status_filter: str = "approved",
                 subregion: str | None = None, country: Country | None = None,
                 generated_by: str = "command line", language: str | None = None,
                 now: dt.datetime | None = None) -> ExportInput:
    """Gather answers, members, questionnaires and metadata for ``exports``."""
    status_filter = parse_status_filter(status_filter)
    subregion = check_subregion(subregion)
    allowed = STATUS_FILTERS[status_filter]
    statuses = [ResponseStatus(s) for s in allowed] if allowed is not None else None
    country_ids = _country_ids(subregion, country)
    round_ids = [r.id for r in rounds]
    answers = answers_frame(round_ids, statuses, country_ids, language)
    members = members_frame(round_ids, subregion, country_ids)
    # Every shipped language laid over: labels in ``language``, the codebook in all of them.
    definitions = {r.name: in_every_language(r.questionnaire) for r in rounds}
    previous = rounds[0].previous_round if len(rounds) == 1 else None
    meta = ExportMeta(
        rounds=tuple(r.name for r in rounds),
        questionnaire=", ".join(sorted({f"{r.questionnaire.key} — {r.questionnaire.title}"
                                        for r in rounds})) or "—",
        generated_at=now or utcnow(), generated_by=generated_by, status_filter=status_filter,
        subregion=subregion, country=f"{country.name} ({country.iso3})" if country else None,
        previous_round=previous.name if previous else None, language=language,
        demo_rounds=tuple(r.name for r in rounds if r.is_demo),
        languages=tuple(survey_languages()))
    data = ExportInput(answers=answers, members=members, definitions=definitions, meta=meta,
                       mapped_definition=_mapped_definition(data_definition(rounds)),
                       member_facts=members_by_iso3())
    if previous is not None:
        data.previous_answers = answers_frame([previous.id], statuses, country_ids, language)
        data.previous_members = members_frame([previous.id], subregion, country_ids)
        data.previous_definition = definition_of(previous.questionnaire, language=language or "en")
    return data


def data_definition(rounds: list[Round]):
    """The definition that lays out an export: the newest round's (as ``ExportInput``)."""
    return definition_of(rounds[-1].questionnaire) if rounds else None


def _mapped_definition(definition):
    """The stored version a definition maps from (its ``previous``), for the crosswalk."""
    if definition is None or definition.previous is None:
        return None
    found = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.code == definition.previous.code,
        QuestionnaireVersion.version == definition.previous.version))
    return in_every_language(found) if found is not None else None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "export"


def build_export(params: dict[str, Any], generated_by: str,
                 progress: Callable[[int], None] | None = None) -> ExportFile:
    """Build the file ``params`` describe: kind (regional|country), round, subregion, status,
    country (ISO3), format (xlsx|csv|csv-bom|zip) and language (of the person asking)."""
    allow_long_statements(db.session)  # a large export may read for longer than a page
    kind = params.get("kind", "regional")
    fmt = params.get("format", "xlsx")
    if fmt not in FORMATS:
        raise SurveyError(f"unknown format '{fmt}'; choose {', '.join(FORMATS)}")
    rounds = [find_round(r) for r in params.get("rounds", [])] if params.get("rounds") \
        else [find_round(params.get("round") or "")]
    round_slug = _slug(rounds[0].name) if len(rounds) == 1 else "all-rounds"
    _label, mimetype, ext = FORMATS[fmt]
    # Everything the file says is in the language chosen for it, not the page's.
    words = words_in(params.get("language"))
    if kind == "country":
        country = country_by_iso3(params.get("country") or "")
        response_status = db.session.scalar(
            select(Response.status).where(Response.round_id == rounds[0].id,
                                          Response.country_id == country.id))
        if response_status is None:
            raise NotFound(f"{country.name} has no response in round '{rounds[0].name}'")
        # The country's own workbook shows its answers whatever their status, labelled.
        status = "approved" if response_status is ResponseStatus.APPROVED else "all"
        data = export_input(rounds, status_filter=status, country=country,
                            generated_by=generated_by, language=params.get("language"))
        if fmt != "xlsx":
            raise SurveyError("the country export is a workbook (format xlsx)")
        content = build_country_workbook(data, progress, words=words)
        return ExportFile(f"country-{country.iso3.lower()}-{round_slug}.xlsx", mimetype, content)
    if kind != "regional":
        raise SurveyError(f"unknown export '{kind}'")
    status = parse_status_filter(params.get("status"))
    data = export_input(rounds, status_filter=status, subregion=params.get("subregion") or None,
                        generated_by=generated_by, language=params.get("language"))
    where = _slug(data.meta.subregion) if data.meta.subregion else "all"
    stem = f"regional-{round_slug}-{where}-{status}"
    if fmt == "xlsx":
        content = build_regional_workbook(data, progress, words=words)
    elif fmt == "zip":
        content = sheets_zip(data, progress=progress, words=words)
    else:
        content = tidy_csv(data, bom=fmt == "csv-bom", words=words)
        stem = f"data-{round_slug}-{where}-{status}"
    return ExportFile(f"{stem}.{ext}", mimetype, content)


# -- background jobs -------------------------------------------------------------

KEEP_JOBS_FOR = dt.timedelta(days=7)


def start_job(user: User, params: dict[str, Any]) -> ExportJob:
    """Record a queued export; the caller commits, then hands it to ``survey.jobs.enqueue``.

    Finished files are kept a week, then dropped, so the table does not grow forever.
    """
    db.session.execute(delete(ExportJob).where(ExportJob.finished_at < utcnow() - KEEP_JOBS_FOR))
    job = ExportJob(user_id=user.id, params=params, state="queued", progress=0)
    db.session.add(job)
    db.session.flush()
    return job


def run_job(job_id: int) -> None:
    """Build a job's file, recording progress as it goes (``survey.jobs`` runs it and marks
    it failed if it raises)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.state != "queued":
        return
    user = db.session.get(User, job.user_id)
    job.state = "running"
    job.progress = 1
    db.session.commit()

    def progress(percent: int) -> None:
        job.progress = max(1, min(99, int(percent)))
        db.session.commit()

    result = build_export(dict(job.params), user.display_name if user else "unknown", progress)
    job.filename = result.filename
    job.content = result.content
    job.progress = 100
    job.state = "done"
    job.finished_at = utcnow()


def job_failed(job_id: int, exc: Exception) -> None:
    """Mark a job failed with a message the analyst can act on (a broken rule says which)."""
    _give_up(job_id, str(exc) if isinstance(exc, SurveyError) else "the export could not be built")


def _give_up(job_id: int, error: str) -> None:
    # Only a job still waiting or running: a worker that finished meanwhile keeps its result.
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.state.in_(("queued", "running")))
        .values(state="failed", error=error, finished_at=utcnow()))


def settle_lost_job(job: ExportJob) -> ExportJob:
    """A job that can no longer finish (its worker died, the queue lost it, too old) is shown
    failed, never "running" for ever. Pages call this when they show a job."""
    if job.state in ("queued", "running"):
        reason = lost_reason("export", job.id, job.created_at)
        if reason:
            _give_up(job.id, reason)
            db.session.refresh(job)
    return job
