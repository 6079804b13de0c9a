"""The answer workbook, out and back: download, upload -> preview -> apply.

One service for the pages and the command line. A focal point downloads their country's
response (whole or one section, in their language) as a workbook built by
``exports.answer_workbook``. An upload is read safely (``survey.uploads`` over
``questionnaires.safe_workbook``), checked against the response (country, round,
questionnaire version, status) and kept on the server as a :class:`WorkbookUpload`, bound
to its user and response, limited in size and expiring. The preview is worked out afresh
from it whenever it is shown: each change (old -> new), each problem by sheet, row and
question, each answer a colleague changed after the download as a conflict to settle
(keep mine / keep theirs), and the warnings to confirm. Applying is one transaction:
every change through ``responses.save_answer`` (the type's normaliser, optimistic
locking, the audit trail) and one ``response.workbook_upload`` event with the file's name
and SHA-256. A one-section workbook changes that section only.

The same upload takes a KoboToolbox or ODK submission export of the questionnaire's
XLSForm (CSV or XLSX, read by ``questionnaires.submissions``): its submissions (one per
agency) merge question by question, and where they disagree the preview lists every
answer for the focal point to choose (``choose``) before anything is applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from exports import DEMO_NOTICE
from exports.answer_workbook import build_answer_workbook
from questionnaires import CheckResult, Definition, check_answers, describe, relevance
from questionnaires.answer_workbook import META_SHEET, AnswerWorkbook, StoredAnswer, WorkbookMeta, now_text
from questionnaires.safe_workbook import WorkbookError, open_workbook
from questionnaires.submissions import SubmissionExport

from ..access import can_edit_response
from ..audit import record
from ..extensions import db
from ..models import Country, Response, Round, User, WarningConfirmation, WorkbookUpload, utcnow
from ..rules import Conflict, NotFound, SurveyError
from ..uploads import MAX_WORKBOOK_UPLOAD, UploadError
from .checks import WARNING, confirm_warning, confirmations_of, member_of, values_digest
from .responses import answers_of, check_editable, definition_for, save_answer
from .services import digest

PREVIEW_HOURS = 6
MAX_PROPOSAL_BYTES = 1024 * 1024  # the kept answers of one upload (a whole questionnaire: ~30 KB)
MAX_PENDING_PER_USER = 10
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# -- download --------------------------------------------------------------------

def workbook_meta(response: Response, definition: Definition, language: str,
                  section_id: str | None) -> WorkbookMeta:
    return WorkbookMeta(
        country=response.country.iso3, country_name=response.country.name,
        round_name=response.round.name, questionnaire=f"{definition.code}:{definition.version}",
        language=language, sections=(section_id,) if section_id else (),
        response_id=response.id, generated_at=now_text())


def answer_workbook(response: Response, *, section_id: str | None = None, language: str = "en",
                    words: Callable[[str], str] | None = None) -> tuple[bytes, str]:
    """The response (or one section of it) as a workbook to fill in, and its file name."""
    definition = definition_for(response, language=language)
    if section_id is not None and section_id not in {s.id for s in definition.sections}:
        raise NotFound(f"the questionnaire has no section '{section_id}'")
    answers = answers_of(response)
    # Unanswered questions get a fingerprint too: a blank left blank is "left alone".
    stored = {q.id: StoredAnswer(None, None, 0, digest(None, None))
              for q in definition.questions if not q.computed}
    stored.update({qid: StoredAnswer(a.value, a.evidence, a.version, digest(a.value, a.evidence))
                   for qid, a in answers.items()})
    meta = workbook_meta(response, definition, language, section_id)
    said = words or (lambda text: text)
    content = build_answer_workbook(definition, meta, stored, words=said,
                                    notice=said(DEMO_NOTICE) if response.round.is_demo else None)
    parts = [response.country.iso3, response.round.name, section_id or "answers"]
    name = _UNSAFE_NAME.sub("-", "-".join(parts)).strip("-") + ".xlsx"
    return content, name


def find_response(iso3: str, round_name: str) -> Response:
    response = db.session.scalar(
        select(Response).join(Country, Response.country_id == Country.id)
        .join(Round, Response.round_id == Round.id)
        .where(Country.iso3 == iso3.upper(), Round.name == round_name))
    if response is None:
        raise NotFound(f"no response of {iso3.upper()} in a round named '{round_name}'")
    return response


# -- upload ----------------------------------------------------------------------

def upload_workbook(user: User, filename: str, data: bytes, *,
                    response: Response | None = None, language: str | None = None
                    ) -> WorkbookUpload:
    """Read an uploaded file and keep what it proposes for the preview.

    Either an answer workbook downloaded from the survey, or a submission export from
    KoboToolbox or ODK (CSV or XLSX) of the questionnaire's XLSForm: the file says which.
    ``response`` is the response the page is about (a workbook for another one is
    refused); without it (the command line) the answer workbook's own country and round
    name it -- a submission export names neither, so it needs ``response``.
    """
    if len(data) > MAX_WORKBOOK_UPLOAD:
        raise UploadError(f"the file is larger than the limit of {MAX_WORKBOOK_UPLOAD // 1024:,} KB")
    try:
        if filename.lower().endswith(".csv"):
            return _upload_submissions(user, filename, data, response,
                                       SubmissionExport.open(data, filename, MAX_WORKBOOK_UPLOAD))
        book = open_workbook(data, MAX_WORKBOOK_UPLOAD)
        if META_SHEET not in book.sheetnames:
            return _upload_submissions(user, filename, data, response,
                                       SubmissionExport.from_book(book))
        book = AnswerWorkbook(book)
    except WorkbookError as exc:
        raise UploadError(str(exc)) from None
    meta = book.meta
    target = response if response is not None else find_response(meta.country, meta.round_name)
    _check_meant_for(meta, target)
    _check_may_upload(user, target)
    read_in = language or user.language or "en"
    # Choice labels are read in that language, the translation layer's included.
    definition = definition_for(target, language=read_in)
    reading = book.read(definition, read_in)
    proposed = {qid: {"value": p.value, "evidence": p.evidence, "version": p.version,
                      "seen": p.seen, "sheet": p.sheet, "row": p.row}
                for qid, p in reading.answers.items()}
    problems = [[e.sheet, e.row, e.question_id, e.message] for e in reading.errors]
    return _keep_upload(user, target, filename, data, list(meta.sections), proposed, problems)


def _check_may_upload(user: User, target: Response) -> None:
    if not can_edit_response(user, target):
        raise SurveyError(f"{user.email} may not change the answers of "
                          f"{target.country.name} ({target.country.iso3})")
    check_editable(target)


def _upload_submissions(user: User, filename: str, data: bytes, target: Response | None,
                        export: SubmissionExport) -> WorkbookUpload:
    """A KoboToolbox or ODK submission export: every submission's answers, merged question
    by question. Each proposal carries the saved answer's version and fingerprint as they
    are now (the export knows nothing of them), so a colleague's change before the apply
    is a conflict like any other; the saved evidence stays (the export has none). Where
    submissions disagree, every distinct answer is kept for the focal point to choose."""
    if target is None:
        raise UploadError("a submission export does not say which country and round it is "
                          "for: name them (--country ISO3 --round NAME)")
    _check_may_upload(user, target)
    definition = definition_for(target)
    reading = export.read(definition)
    if not reading.submissions:
        raise UploadError("the file holds a header but no submission")
    answers = answers_of(target)
    proposed: dict[str, Any] = {}
    for qid, offers in reading.offers.items():
        current = answers.get(qid)
        evidence = (current.evidence or None) if current else None
        entry = {"value": offers[0].value, "evidence": evidence,
                 "version": current.version if current else 0,
                 "seen": digest(current.value, evidence) if current else digest(None, None),
                 "sheet": reading.sheet, "row": offers[0].rows[0]}
        if len(offers) > 1:
            entry["offers"] = [{"value": o.value, "rows": list(o.rows), "labels": list(o.labels)}
                               for o in offers]
        proposed[qid] = entry
    problems = [[e.sheet, e.row, e.question_id, e.message] for e in reading.errors]
    return _keep_upload(user, target, filename, data, [], proposed, problems)


def _keep_upload(user: User, target: Response, filename: str, data: bytes, sections: list[str],
                 proposed: dict[str, Any], problems: list[list[Any]]) -> WorkbookUpload:
    if len(json.dumps([proposed, problems], default=str)) > MAX_PROPOSAL_BYTES:
        raise UploadError("the file holds far more than any questionnaire; it was not read")
    now = utcnow()
    _forget_old_uploads(user, target, now)
    upload = WorkbookUpload(
        user_id=user.id, response_id=target.id, filename=_clean_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        sections=sections, proposed=proposed, problems=problems, resolutions={},
        created_at=now, expires_at=now + dt.timedelta(hours=PREVIEW_HOURS))
    db.session.add(upload)
    db.session.flush()
    return upload


def _check_meant_for(meta: WorkbookMeta, response: Response) -> None:
    country = response.country
    if meta.country != country.iso3:
        raise UploadError(f"this workbook is for {meta.country_name or meta.country} "
                          f"({meta.country}), not {country.name} ({country.iso3})")
    if meta.round_name != response.round.name:
        raise UploadError(f"this workbook is for the round '{meta.round_name}', not "
                          f"'{response.round.name}'")
    definition = definition_for(response)
    wanted = f"{definition.code}:{definition.version}"
    if meta.questionnaire != wanted:
        raise UploadError(f"this workbook was made for questionnaire {meta.questionnaire}; the "
                          f"round uses {wanted}. Download a new workbook and copy your answers "
                          "into it")


def _clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:255] or "workbook.xlsx"


def _forget_old_uploads(user: User, response: Response, now: dt.datetime) -> None:
    """Expired uploads go; so do this person's earlier unapplied ones for the response,
    and beyond a few pending uploads per person, the oldest."""
    db.session.execute(delete(WorkbookUpload).where(WorkbookUpload.expires_at < now))
    db.session.execute(delete(WorkbookUpload).where(
        WorkbookUpload.user_id == user.id, WorkbookUpload.response_id == response.id,
        WorkbookUpload.applied_at.is_(None)))
    pending = list(db.session.scalars(
        select(WorkbookUpload.id).where(WorkbookUpload.user_id == user.id)
        .order_by(WorkbookUpload.created_at.desc(), WorkbookUpload.id.desc())))
    if len(pending) >= MAX_PENDING_PER_USER:
        db.session.execute(delete(WorkbookUpload).where(
            WorkbookUpload.id.in_(pending[MAX_PENDING_PER_USER - 1:])))


def load_upload(upload_id: int, user: User, response: Response | None = None) -> WorkbookUpload:
    """The upload, if it is this person's, for this response and not expired."""
    upload = db.session.get(WorkbookUpload, upload_id)
    if upload is None or upload.user_id != user.id or (
            response is not None and upload.response_id != response.id):
        raise NotFound("no such upload: upload the workbook again")
    if upload.expires_at < utcnow():
        raise NotFound("this upload has expired: upload the workbook again")
    return upload


# -- preview ---------------------------------------------------------------------

@dataclass
class Change:
    question_id: str
    number: int
    label: str
    sheet: str
    row: int
    old_value: Any
    new_value: Any
    old_evidence: str | None
    new_evidence: str | None
    expected_version: int


@dataclass
class ConflictItem:
    question_id: str
    number: int
    label: str
    sheet: str
    row: int
    mine: Any
    mine_evidence: str | None
    theirs: Any
    theirs_evidence: str | None
    by: str
    at: dt.datetime | None
    version: int
    choice: str | None  # "mine", "theirs" or None while unsettled


@dataclass
class Offered:
    """One of the answers the submissions of an export give to a question."""

    value: Any
    rows: list[int]
    labels: list[str]


@dataclass
class Disagreement:
    """Submissions (one per agency) that answer a question differently: the focal point
    chooses one of them, or keeps the saved answer."""

    question_id: str
    number: int
    label: str
    sheet: str
    offers: list[Offered]
    saved: Any
    choice: int | None  # the chosen offer, KEEP_SAVED, or None while undecided


KEEP_SAVED = -1


@dataclass
class Problem:
    sheet: str
    row: int
    question_id: str
    message: str


@dataclass
class ToConfirm:
    """A soft warning the changed answers raise: applying waits until it is confirmed,
    unless somebody already confirmed it for these very figures (``confirmed``)."""

    id: str
    question_ids: tuple[str, ...]
    message: str
    numbers: tuple[int, ...] = ()
    result: CheckResult | None = None
    confirmed: WarningConfirmation | None = None


@dataclass
class Preview:
    upload: WorkbookUpload
    response: Response
    definition: Definition
    changes: list[Change] = field(default_factory=list)
    conflicts: list[ConflictItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[ToConfirm] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    unchanged: int = 0
    kept_theirs: int = 0  # answers a colleague changed that this file left as downloaded

    @property
    def unsettled(self) -> list[ConflictItem]:
        return [c for c in self.conflicts if c.choice is None]

    @property
    def to_confirm(self) -> list[ToConfirm]:
        """The warnings applying waits for (those not confirmed for these figures yet)."""
        return [w for w in self.warnings if w.confirmed is None]

    @property
    def undecided(self) -> list[Disagreement]:
        return [d for d in self.disagreements if d.choice is None]

    @property
    def applied(self) -> bool:
        return self.upload.applied_at is not None


def preview(upload: WorkbookUpload, language: str | None = None) -> Preview:
    """What applying ``upload`` would change now, worked out against the stored answers."""
    response = db.session.scalar(select(Response).where(Response.id == upload.response_id)
                                 .options(joinedload(Response.round), joinedload(Response.country)))
    definition = definition_for(response)
    answers = answers_of(response)
    out = Preview(upload, response, definition,
                  problems=[Problem(*p) for p in upload.problems])
    for qid, p in upload.proposed.items():
        if not definition.has_question(qid):
            continue
        q = definition.question(qid)
        current = answers.get(qid)
        value, evidence = p["value"], p["evidence"]
        if p.get("offers"):
            picked = upload.resolutions.get(OFFER_KEY + qid)
            valid = isinstance(picked, int) and KEEP_SAVED <= picked < len(p["offers"])
            out.disagreements.append(Disagreement(
                qid, q.number, q.label.get(language), p["sheet"],
                [Offered(o["value"], o["rows"], o["labels"]) for o in p["offers"]],
                current.value if current else None, picked if valid else None))
            if not valid or picked == KEEP_SAVED:
                continue
            value, p = p["offers"][picked]["value"], {**p, "row": p["offers"][picked]["rows"][0]}
        old_value = current.value if current else None
        old_evidence = (current.evidence or None) if current else None
        version = current.version if current else 0
        if old_value == value and old_evidence == evidence:
            out.unchanged += 1
            continue
        label = q.label.get(language)
        if p["version"] is None:
            out.problems.append(Problem(p["sheet"], p["row"], qid, "the hidden version of this "
                                        "answer was changed; download a new workbook"))
            continue
        if p["version"] != version:
            if p["seen"] and digest(value, evidence) == p["seen"]:
                out.kept_theirs += 1  # left as downloaded: the colleague's newer answer stays
                continue
            settled = upload.resolutions.get(qid)
            choice = settled[0] if settled and settled[1] == version else None
            out.conflicts.append(ConflictItem(
                qid, q.number, label, p["sheet"], p["row"], value, evidence, old_value,
                old_evidence, current.updated_by.display_name if current and current.updated_by
                else "someone", current.updated_at if current else None, version, choice))
            if choice != "mine":
                continue
        out.changes.append(Change(qid, q.number, label, p["sheet"], p["row"], old_value, value,
                                  old_evidence, evidence, version))
    _check_changes(out, {qid: a.value for qid, a in answers.items()}, language)
    out.changes.sort(key=lambda c: c.number)
    out.conflicts.sort(key=lambda c: c.number)
    out.disagreements.sort(key=lambda d: d.number)
    return out


def _check_changes(out: Preview, current: Mapping[str, Any], language: str | None) -> None:
    """Relevance and the questionnaire's own checks on the answers as they would be."""
    merged = dict(current)
    merged.update({c.question_id: c.new_value for c in out.changes})
    member = member_of(out.response)
    visible = relevance(out.definition, merged, member)
    dropped: set[str] = set()
    for c in out.changes:
        if c.new_value is not None and not visible.get(c.question_id, True):
            q = out.definition.question(c.question_id)
            said = describe(out.definition, q.relevant, language) if q.relevant else ""
            out.problems.append(Problem(c.sheet, c.row, c.question_id,
                                        f"this question is answered only if {said}; leave it "
                                        "blank or change the answer it depends on"))
            dropped.add(c.question_id)
    changed = {c.question_id: c for c in out.changes if c.question_id not in dropped}
    reference_year = out.response.round.reference_year
    results = check_answers(out.definition, merged, member, reference_year=reference_year,
                            language=language)
    rows = confirmations_of(out.response) if any(
        r.severity == WARNING for r in results) else {}
    for result in results:
        involved = [qid for qid in result.question_ids if qid in changed]
        if not involved:
            continue
        if result.severity == "error":
            first = changed[involved[0]]
            out.problems.append(Problem(first.sheet, first.row, first.question_id,
                                        result.message))
            dropped.update(involved)
        else:
            row = rows.get(result.id)
            done = row if row is not None and row.values_digest == values_digest(
                result.values) else None
            out.warnings.append(ToConfirm(
                _warning_key(result), tuple(result.question_ids), result.message,
                tuple(out.definition.question(q).number for q in result.question_ids),
                result, done))
    out.changes = [c for c in out.changes if c.question_id not in dropped]
    out.problems.sort(key=lambda p: (p.sheet, p.row))


def _warning_key(result: Any) -> str:
    raw = json.dumps([result.id, list(result.values)], default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def settle(upload: WorkbookUpload, question_id: str, choice: str) -> None:
    """Keep mine or keep theirs for one conflict (remembered with the version it was about)."""
    if choice not in ("mine", "theirs"):
        raise SurveyError("choose to keep your answer or the saved one")
    view = preview(upload)
    found = [c for c in view.conflicts if c.question_id == question_id]
    if not found:
        raise SurveyError(f"{question_id} is not in conflict (any more)")
    upload.resolutions = {**upload.resolutions, question_id: [choice, found[0].version]}
    db.session.flush()


OFFER_KEY = "offer:"


def choose(upload: WorkbookUpload, question_id: str, choice: int) -> None:
    """For a question the submissions answer differently: keep one of their answers (its
    index) or the saved answer (:data:`KEEP_SAVED`)."""
    view = preview(upload)
    found = [d for d in view.disagreements if d.question_id == question_id]
    if not found:
        raise SurveyError(f"the submissions agree on {question_id}; there is nothing to choose")
    if not KEEP_SAVED <= choice < len(found[0].offers):
        raise SurveyError(f"choose one of the {len(found[0].offers)} answers to {question_id}, "
                          "or keep the saved one")
    upload.resolutions = {**upload.resolutions, OFFER_KEY + question_id: choice}
    db.session.flush()


# -- apply -----------------------------------------------------------------------

@dataclass
class Applied:
    changed: list[str]
    skipped_problems: int


def apply_upload(upload: WorkbookUpload, user: User, *, confirmed: Iterable[str] = ()
                 ) -> Applied:
    """Apply every change of the preview at once, or nothing (a broken rule rolls back)."""
    if upload.applied_at is not None:
        raise SurveyError("this workbook was already applied")
    view = preview(upload)
    check_editable(view.response)
    if not can_edit_response(user, view.response):
        raise SurveyError(f"{user.email} may not change these answers")
    if view.unsettled:
        first = view.unsettled[0]
        raise Conflict(f"{len(view.unsettled)} answer(s) were changed by a colleague after the "
                       f"download, starting with {first.question_id}: choose which to keep first")
    if view.undecided:
        first = view.undecided[0]
        raise Conflict(f"{len(view.undecided)} question(s) are answered differently by the "
                       f"submissions, starting with {first.question_id}: choose which answer "
                       "to keep first")
    confirmed = set(confirmed)
    unconfirmed = [w for w in view.to_confirm if w.id not in confirmed]
    if unconfirmed:
        raise SurveyError(f"confirm each warning first ({len(unconfirmed)} not confirmed): "
                          f"{unconfirmed[0].message}")
    answers = answers_of(view.response)
    changed = []
    for c in view.changes:
        result = save_answer(view.response, c.question_id, c.new_value, user,
                             evidence=c.new_evidence, expected_version=c.expected_version,
                             existing=answers.get(c.question_id))
        if result.changed:
            changed.append(c.question_id)
    # The same confirmation the pages record, in the audit trail under the person's name.
    rows = confirmations_of(view.response) if view.to_confirm else {}
    for w in view.to_confirm:
        confirm_warning(view.response, w.result, user, rows.get(w.result.id))
    now = utcnow()
    upload.applied_at = now
    record("response.workbook_upload", "response", user=user, response=view.response,
           entity_id=view.response.id,
           new={"file": upload.filename, "sha256": upload.sha256, "size": upload.size,
                "sections": upload.sections, "changed": changed,
                "problems": len(view.problems),
                "warnings_confirmed": [w.result.id for w in view.to_confirm]},
           detail=f"{upload.filename} (SHA-256 {upload.sha256})")
    db.session.flush()
    return Applied(changed, len(view.problems))

