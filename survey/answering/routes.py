"""Focal points fill in their country's questionnaire: one section per page.

Staff (reviewers, analysts, admins) may open the same pages read-only; only the
country's own focal points write. Every route checks access through ``access``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from questionnaires import (
    EVIDENCE_SUFFIX,
    Definition,
    Section,
    evaluate,
    progress,
)
from questionnaires.logic import SectionProgress

from ..access import (
    can_edit_response,
    can_mark_publishable,
    require_response,
    require_round,
    roles_required,
)
from ..accounts.resume import RESUME_FIELD, register_resumable, resume_token
from ..extensions import db
from ..i18n import number_locale
from ..models import Answer, Response, ResponseStatus, Role, Round, User
from ..questionnaire_versions import definition_of
from ..review.services import threads_of
from ..rules import SurveyError, commit_or_explain, rule_message
from .checks import assess, browser_condition, member_of
from .forms import section_form_class
from .next_step import continue_url, focal_point_home
from .responses import (
    answers_of,
    definition_for,
    is_editable,
    submit_response,
    values_of,
)
from .services import (
    SEEN_SUFFIX,
    VERSION_SUFFIX,
    can_prefill,
    confirm_carried_in_section,
    digest,
    prefill_from_previous,
    publication_consent,
    question_history,
    save_page,
)

bp = Blueprint("answering", __name__)


@bp.record_once
def _register_resumable(state) -> None:
    register_resumable(state.app, "answering.section", resume_section_post, may_write_response)


def load_response(response_id: int, *, edit: bool = False) -> Response:
    """The response with its round, questionnaire and country in one query, access checked.

    The definition's JSON column is deferred on the model: it is parsed once per process
    and found again by its checksum, so it is read only the first time.
    """
    response = db.session.scalar(
        select(Response).where(Response.id == response_id)
        .options(joinedload(Response.round).joinedload(Round.questionnaire),
                 joinedload(Response.country), joinedload(Response.last_activity_by)))
    return require_response(response, edit=edit)


def _lang() -> str:
    return str(get_locale() or "en")


def _section_or_404(definition: Definition, section_id: str) -> Section:
    try:
        return definition.section(section_id)
    except KeyError:
        abort(404)


def _with_retry(work: Callable[[], Any]) -> Any:
    """Run a unit of work and commit; two people saving at once retry instead of failing."""
    for attempt in range(3):
        try:
            result = work()
            db.session.commit()
            return result
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            if attempt == 2:
                raise
    return None  # pragma: no cover


# -- the round's questionnaire, read only -----------------------------------------

@bp.get("/rounds/<int:round_id>/questionnaire")
@login_required
def questionnaire(round_id: int):
    """Sections, questions, help and scoring of a round's questionnaire (drafts: admins only)."""
    round_ = require_round(db.session.get(Round, round_id))
    return render_template("answering/questionnaire.html", round=round_,
                           definition=definition_of(round_.questionnaire), lang=_lang())


# -- the focal point's home ------------------------------------------------------

@bp.get("/my-country")
@roles_required(Role.FOCAL_POINT)
def home():
    return render_template("answering/home.html", rows=focal_point_home(current_user),
                           lang=_lang(), editable=is_editable)


@bp.get("/responses/<int:response_id>")
@login_required
def start(response_id: int):
    """"Continue answering": the country's next step (for its focal points), else section 1."""
    response = load_response(response_id)
    definition = definition_for(response)
    if can_edit_response(current_user, response) and is_editable(response):
        return redirect(continue_url(response, definition, values_of(answers_of(response))))
    first = definition.sections[0]
    return redirect(url_for(".section", response_id=response.id, section_id=first.id))


# -- one section per page --------------------------------------------------------

def _initial_data(section: Section, answers: dict[str, Answer]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    locale = number_locale()
    for q in section.questions:
        answer = answers.get(q.id)
        data.update(q.kind.form_data(q, answer.value if answer else None, locale))
        data[q.id + EVIDENCE_SUFFIX] = (answer.evidence or "") if answer else ""
    return data


def _skip_data(definition: Definition, section: Section, values: dict[str, Any],
               member: dict[str, Any] | None = None) -> str:
    """What the browser needs to hide irrelevant questions as the person answers.

    Comparisons of member attributes are decided here, so the script sees answers only;
    answers outside the page (derived values included) are sent as they stand.
    """
    visible, worked_out = evaluate(definition, values, member)
    here = {q.id for q in section.questions}
    conditions = {q.id: browser_condition(q.relevant, member)
                  for q in section.questions if q.relevant is not None}
    referenced: set[str] = set()
    for q in section.questions:
        if q.relevant is not None:
            referenced |= q.relevant.questions()
    outside = {qid: (worked_out.get(qid) if visible.get(qid) else None)
               for qid in sorted(referenced - here)}
    return json.dumps({"conditions": conditions, "outside": outside}, separators=(",", ":"))


def _render_section(response: Response, definition: Definition, section: Section,
                    answers: dict[str, Answer], *, form: FlaskForm | None = None,
                    errors: dict[str, str] | None = None, conflicts: dict | None = None,
                    asks: dict | None = None, posted: dict[str, Any] | None = None,
                    status: int = 200):
    lang = _lang()
    values = values_of(answers)
    member = member_of(response)
    per_section = progress(definition, values, member)
    visible, worked_out = evaluate(definition, values, member)
    if form is None:
        form = section_form_class(definition, section, lang, member)(
            formdata=None, data=_initial_data(section, answers))
    editable = is_editable(response) and can_edit_response(current_user, response)
    versions, seen = {}, {}
    for q in section.questions:
        answer = answers.get(q.id)
        versions[q.id] = answer.version if answer else 0
        seen[q.id] = digest(answer.value, answer.evidence) if answer else digest(None, None)
    # Questions shown again with an error or a conflict keep what the person saw.
    for qid in list(errors or {}) + list(conflicts or {}):
        if posted is not None and posted.get(qid + VERSION_SUFFIX, "").isdigit():
            versions[qid] = int(posted[qid + VERSION_SUFFIX])
            seen[qid] = posted.get(qid + SEEN_SUFFIX, seen[qid])
    index = [s.id for s in definition.sections].index(section.id)
    next_section = definition.sections[index + 1] if index + 1 < len(definition.sections) else None
    resume = (RESUME_FIELD, resume_token(current_user, response.id)) if editable else None
    return render_template(
        "answering/section.html", response=response, definition=definition, section=section,
        form=form, answers=answers, per_section=per_section, visible=visible, lang=lang,
        editable=editable, errors=errors or {}, conflicts=conflicts or {}, versions=versions,
        asks=asks or {}, number_locale=number_locale(),
        seen=seen, next_section=next_section,
        skip_data=_skip_data(definition, section, values, member), worked_out=worked_out,
        checks=assess(response, definition, answers, lang, member),
        can_prefill=editable and can_prefill(response, answers),
        conflict_data={qid: json.dumps(_conflict_form_data(definition.question(qid), info.saved))
                       for qid, info in (conflicts or {}).items()},
        threads=threads_of(response, question_ids=[q.id for q in section.questions]),
        resume=resume), status


def _resolution(form: Any) -> tuple[set[str], dict[str, int]]:
    """The conflict choices a person made: take the saved value, or keep their own."""
    take_saved: set[str] = set()
    keep_mine: dict[str, int] = {}
    choice, _sep, qid = (form.get("resolve") or "").partition(":")
    if choice == "theirs" and qid:
        take_saved.add(qid)
    elif choice == "mine" and qid:
        seen_version = form.get(qid + "__saved_version", "")
        if seen_version.isdigit():
            keep_mine[qid] = int(seen_version)
    return take_saved, keep_mine


@bp.route("/responses/<int:response_id>/sections/<section_id>", methods=["GET", "POST"])
@login_required
def section(response_id: int, section_id: str):
    response = load_response(response_id, edit=request.method == "POST")
    definition = definition_for(response)
    sec = _section_or_404(definition, section_id)
    if request.method == "GET":
        return _render_section(response, definition, sec, answers_of(response))
    if not is_editable(response):
        flash(_("This response is locked against edits; nothing was saved."), "error")
        return redirect(url_for(".section", response_id=response.id, section_id=sec.id))
    take_saved, keep_mine = _resolution(request.form)
    user = current_user._get_current_object()
    outcome = _with_retry(lambda: save_page(response, sec, request.form, user,
                                            take_saved=take_saved, keep_mine=keep_mine,
                                            language=_lang(), locale=number_locale()))
    if request.form.get("go") == "confirm_carried":
        skip = set(outcome.errors) | set(outcome.conflicts)
        confirmed = _with_retry(lambda: confirm_carried_in_section(response, sec, user, skip))
        flash(_("%(n)d answer(s) from the previous round confirmed as still correct.",
                n=confirmed), "success")
    if outcome.errors or outcome.conflicts:
        if outcome.saved:
            flash(_("%(n)d answer(s) saved.", n=len(outcome.saved)), "success")
        if outcome.errors:
            flash(_("Some answers need correcting; they are marked below and were not saved."),
                  "error")
        if outcome.conflicts:
            flash(_("Someone else saved some of these answers while you were editing. "
                    "Choose which value to keep."), "warning")
        form = section_form_class(definition, sec, _lang(), member_of(response))(
            formdata=request.form)
        return _render_section(response, definition, sec, answers_of(response), form=form,
                               errors=outcome.errors, conflicts=outcome.conflicts,
                               asks=outcome.asks, posted=request.form,
                               status=422 if outcome.errors else 409)
    flash(_("Your answers are saved."), "success")
    target = sec
    if request.form.get("go") == "next":
        index = [s.id for s in definition.sections].index(sec.id)
        if index + 1 < len(definition.sections):
            target = definition.sections[index + 1]
        else:
            return redirect(url_for(".review", response_id=response.id))
    return redirect(url_for(".section", response_id=response.id, section_id=target.id))


@bp.post("/responses/<int:response_id>/answers/<question_id>")
@login_required
def save_one(response_id: int, question_id: str):
    """Background save of one answer (the page's script); JSON in reply."""
    response = load_response(response_id, edit=True)
    definition = definition_for(response)
    if not definition.has_question(question_id):
        abort(404)
    if not is_editable(response):
        return jsonify(error=_("This response is locked against edits; nothing was saved.")), 409
    sec = definition.section(definition.question(question_id).section_id)
    take_saved, keep_mine = _resolution(request.form)
    user = current_user._get_current_object()
    try:
        outcome = _with_retry(lambda: save_page(response, sec, request.form, user,
                                                only={question_id}, take_saved=take_saved,
                                                keep_mine=keep_mine, language=_lang(),
                                                locale=number_locale()))
    except SurveyError as exc:
        return jsonify(error=rule_message(exc)), 409
    q = definition.question(question_id)
    if question_id in outcome.asks:
        # The typed number can be read two ways (or only against the language's rules):
        # ask, beside the field, with the same choices the page without script shows.
        ask = outcome.asks[question_id]
        html = render_template("answering/_reading.html", q=q, ask=ask, lang=_lang())
        return jsonify(error=outcome.errors[question_id], ask=True, html=html), 422
    if question_id in outcome.errors:
        return jsonify(error=outcome.errors[question_id]), 422
    answers = answers_of(response)  # one query: the save committed, so every answer expired
    answer = answers.get(question_id)
    if question_id in outcome.conflicts:
        html = render_template("answering/_conflict.html", q=q, answer=answer, lang=_lang(),
                               mine=outcome.conflicts[question_id].mine,
                               theirs=json.dumps(_conflict_form_data(q, answer)))
        return jsonify(conflict=True, html=html), 409
    member = member_of(response)
    per_section = progress(definition, values_of(answers), member)
    p = per_section[sec.id]
    shown = q.kind.formatted(q, answer.value, number_locale()) if answer else None
    stored = q.kind.readable(q, answer.value) if answer else None
    number = stored if shown is not None else None
    return jsonify(
        checks=_checks_html(response, definition, sec, answers, member),
        saved=question_id in outcome.saved,
        # The stored number written the person's way, and its plain value for skip logic.
        shown=_("Saved as %(value)s", value=shown) if shown is not None else None,
        number=number,
        version=answer.version if answer else 0,
        seen=digest(answer.value, answer.evidence) if answer else digest(None, None),
        status=response.status.value,
        progress=_progress_text(p),
        message=_("Saved") if question_id in outcome.saved
        else _("Confirmation saved") if outcome.confirmations else _("No change"))


def _checks_html(response: Response, definition: Definition, section: Section,
                 answers: dict[str, Answer], member: dict[str, Any]) -> dict[str, str]:
    """The errors and warnings beside each question of the section, after a background save
    (one answer can raise or settle a warning shown beside another), and derived values."""
    lang = _lang()
    checks = assess(response, definition, answers, lang, member)
    _visible, worked_out = evaluate(definition, values_of(answers), member)
    editable = is_editable(response) and can_edit_response(current_user, response)
    return {q.id: render_template("answering/_checks.html", q=q, checks=checks, lang=lang,
                                  editable=editable, worked_out=worked_out)
            for q in section.questions}


def _conflict_form_data(q, answer: Answer | None) -> dict[str, Any]:
    data = q.kind.form_data(q, answer.value if answer else None, number_locale())
    data[q.id + EVIDENCE_SUFFIX] = (answer.evidence or "") if answer else ""
    data[q.id + VERSION_SUFFIX] = answer.version if answer else 0
    data[q.id + SEEN_SUFFIX] = digest(answer.value, answer.evidence) if answer else digest(None, None)
    return data


def _progress_text(p: SectionProgress) -> str:
    return _("%(done)d of %(required)d required", done=p.required_answered, required=p.required)


# -- prefill, history ------------------------------------------------------------

@bp.post("/responses/<int:response_id>/prefill")
@login_required
def prefill(response_id: int):
    response = load_response(response_id, edit=True)
    user = current_user._get_current_object()
    with commit_or_explain() as outcome:
        report = _with_retry(lambda: prefill_from_previous(response, user))
    if not outcome.broken:
        flash(_("%(n)d answers were carried over from the previous round. They are marked "
                "“from the previous round” until you confirm or change them; the response "
                "cannot be submitted before they are confirmed.", n=len(report.carried)),
              "success")
        left_out = len(report.changed) + len(report.not_carried) + len(report.refused)
        if left_out:
            flash(_("%(n)d answers were not carried over: figures for a reference year, "
                    "questions whose meaning changed in this version of the questionnaire, "
                    "and answers this version no longer accepts. Answer them afresh.",
                    n=left_out), "info")
    return redirect(url_for(".start", response_id=response.id))


@bp.get("/responses/<int:response_id>/questions/<question_id>/history")
@login_required
def history(response_id: int, question_id: str):
    response = load_response(response_id)
    definition = definition_for(response)
    if not definition.has_question(question_id):
        abort(404)
    q = definition.question(question_id)
    return render_template("answering/history.html", response=response, q=q, lang=_lang(),
                           entries=question_history(response, question_id))


# -- review and submit -----------------------------------------------------------

@bp.get("/responses/<int:response_id>/summary")
@login_required
def review(response_id: int):
    response = load_response(response_id)
    definition = definition_for(response)
    answers = answers_of(response)
    values = values_of(answers)
    member = member_of(response)
    lang = _lang()
    checks = assess(response, definition, answers, lang, member)
    return render_template(
        "answering/review.html", response=response, definition=definition, answers=answers,
        consent=publication_consent(response),
        can_publish=can_mark_publishable(current_user, response),
        visible=checks.visible, missing=checks.missing, checks=checks,
        worked_out=evaluate(definition, values, member)[1],
        per_section=progress(definition, values, member), lang=lang,
        can_submit=is_editable(response) and can_edit_response(current_user, response))


@bp.post("/responses/<int:response_id>/sections/<section_id>/confirm-carried")
@login_required
def confirm_carried(response_id: int, section_id: str):
    """"All unchanged answers in this section are still correct" (from the summary page)."""
    response = load_response(response_id, edit=True)
    sec = _section_or_404(definition_for(response), section_id)
    user = current_user._get_current_object()
    with commit_or_explain() as outcome:
        confirmed = _with_retry(lambda: confirm_carried_in_section(response, sec, user))
    if not outcome.broken:
        flash(_("%(n)d answer(s) from the previous round confirmed as still correct.",
                n=confirmed), "success")
    return redirect(url_for(".review", response_id=response.id) + "#carried-h")


@bp.post("/responses/<int:response_id>/submit")
@login_required
def submit(response_id: int):
    response = load_response(response_id, edit=True)
    if response.status in (ResponseStatus.SUBMITTED, ResponseStatus.APPROVED):
        return redirect(url_for(".submitted", response_id=response.id))  # a double submit
    user = current_user._get_current_object()
    with commit_or_explain() as outcome:
        _with_retry(lambda: submit_response(response, user))
    if outcome.broken:
        return redirect(url_for(".review", response_id=response.id))
    return redirect(url_for(".submitted", response_id=response.id))


@bp.get("/responses/<int:response_id>/submitted")
@login_required
def submitted(response_id: int):
    response = load_response(response_id)
    if response.submitted_at is None:
        return redirect(url_for(".review", response_id=response.id))
    by = db.session.get(User, response.submitted_by_id) if response.submitted_by_id else None
    return render_template("answering/submitted.html", response=response, by=by, lang=_lang())


# -- resuming a form posted after the session expired ----------------------------

def may_write_response(user: User, response_id: int) -> bool:
    """Whether a form for this response may be kept for ``user`` (it exists, they may edit it)."""
    response = db.session.get(Response, response_id)
    return response is not None and can_edit_response(user, response)


def resume_section_post(user: User, view_args: dict[str, Any], form: dict[str, list[str]]
                        ) -> tuple[str, str] | None:
    """Save a section form that was posted after the session had expired.

    Called after the person logged in again; returns (where to go, what to tell them).
    """
    from werkzeug.datastructures import MultiDict

    response = db.session.get(Response, view_args.get("response_id"))
    if response is None or not can_edit_response(user, response):
        return None
    definition = definition_for(response)
    try:
        sec = definition.section(view_args.get("section_id"))
    except KeyError:
        return None
    url = url_for("answering.section", response_id=response.id, section_id=sec.id)
    if not is_editable(response):
        return url, _("This response is now locked against edits; what you typed was not saved.")
    data = MultiDict([(k, v) for k, values in form.items() for v in values])
    outcome = _with_retry(lambda: save_page(response, sec, data, user, locale=number_locale()))
    message = _("Welcome back. What you typed before your session expired has been saved "
                "(%(n)d answer(s)).", n=len(outcome.saved))
    if outcome.errors or outcome.conflicts:
        message += " " + _("%(n)d answer(s) could not be saved (invalid, or changed by someone "
                           "else meanwhile); please check this page.",
                           n=len(outcome.errors) + len(outcome.conflicts))
    return url, message


from . import workbook_routes  # noqa: E402,F401  (the answer workbook's views register on bp)
