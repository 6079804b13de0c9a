"""The working group reviews: round tracker, submission review, comments and decisions."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask import Response as HttpResponse
from flask_babel import get_locale, gettext, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from questionnaires import evaluate

from ..access import (
    STAFF,
    can_comment,
    can_review,
    require_response,
    require_round,
    roles_required,
)
from ..answering.checks import assess, member_of
from ..answering.responses import answers_of
from ..answering.services import previous_response
from ..confirmation import Confirmation, carried, confirmed
from ..extensions import db
from ..models import STATUS_LABELS, Answer, Response, ResponseStatus, ReviewComment, Role, Round, utcnow
from ..paging import paginate
from ..questionnaire_versions import definition_of
from ..request_guard import record_id
from ..rules import NotFound, RuleOutcome, SurveyError, commit_or_explain
from ..security import safe_next_url
from . import guidance
from . import services as review_service
from .services import WHOLE_SUBMISSION, CommentLimitReached
from .tracker_workbook import tracker_workbook

bp = Blueprint("review", __name__)
bp.add_app_template_global(WHOLE_SUBMISSION, "WHOLE_SUBMISSION")


@bp.get("/rounds/<int:round_id>/tracker")
@roles_required(*STAFF)
def tracker(round_id: int):
    round_ = require_round(db.session.get(Round, round_id))
    subregion, status = _filters()
    data = review_service.tracker(round_, subregion=subregion, status=status)
    return render_template("review/tracker.html", tracker=data, subregion=subregion,
                           status=status, can_review=can_review(current_user))


@bp.get("/rounds/<int:round_id>/tracker.xlsx")
@roles_required(*STAFF)
def tracker_xlsx(round_id: int):
    round_ = require_round(db.session.get(Round, round_id))
    subregion, status = _filters()
    content = tracker_workbook(review_service.tracker(round_, subregion=subregion, status=status))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", round_.name).strip("-").lower() or "round"
    return HttpResponse(content, mimetype="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="tracker-{slug}.xlsx"'})


def _filters() -> tuple[str | None, ResponseStatus | None]:
    subregion = request.args.get("subregion") or None
    try:
        status = ResponseStatus(request.args["status"]) if request.args.get("status") else None
    except ValueError:
        status = None
    return subregion, status


def _response(response_id: int) -> Response:
    return require_response(db.session.get(Response, response_id))


@bp.get("/responses/<int:response_id>/review")
@roles_required(*STAFF)
def show(response_id: int):
    return _review_page(_response(response_id))


def _review_page(response: Response, *, reason_text: str = "", reason_error: str | None = None,
                 status: int = 200):
    """The review page; a refused return or reopen shows it again with the reason kept."""
    definition = definition_of(response.round.questionnaire)
    answers = answers_of(response)
    previous_round = response.round.previous_round
    previous: dict[str, Answer] = {}
    previous_definition = None
    if previous_round is not None:
        prior = previous_response(response)
        if prior is not None:
            previous = answers_of(prior)
            previous_definition = definition_of(previous_round.questionnaire)
    returned = guidance.last_return(response)
    # The checks the focal point saw: warnings with who confirmed them and when.
    member = member_of(response)
    checks = assess(response, definition, answers, str(get_locale() or "en"), member)
    worked_out = evaluate(definition, {qid: a.value for qid, a in answers.items()}, member)[1]
    return render_template(
        "review/show.html", response=response, definition=definition, answers=answers,
        checks=checks, worked_out={q.id: worked_out.get(q.id) for q in definition.questions
                                   if q.computed},
        returned=returned, changed_since_return=guidance.changed_since_return(response, answers),
        open_thread_count=len(guidance.open_threads(response)),
        previous=previous, previous_definition=previous_definition, previous_round=previous_round,
        threads=review_service.threads_of(response), history=review_service.status_history(response),
        can_review=can_review(current_user), can_comment=can_comment(current_user, response),
        reason_text=reason_text, reason_error=reason_error,
        lang=str(get_locale() or "en")), status


def _reason_too_long(response: Response, reason: str):
    """An over-long reason: refused before anything is asked or changed, and kept."""
    try:
        review_service.check_reason_length(reason.strip())
    except SurveyError as exc:
        return _review_page(response, reason_text=reason, status=422,
                            reason_error=_("Not sent: %(why)s. What you wrote is kept below.",
                                           why=str(exc)))
    return None


def _decide(response_id: int, action) -> HttpResponse:
    response = _response(response_id)
    with commit_or_explain() as outcome:
        change = action(response)
    if outcome.broken:
        return redirect(url_for("review.show", response_id=response_id))
    if change is None:
        flash(_("Nothing changed: the response already had that status."), "info")
    else:
        flash(_("%(country)s: the response is now %(status)s.", country=response.country.name,
                status=gettext(STATUS_LABELS[response.status]).lower()),
              "success")
    return redirect(url_for("review.show", response_id=response_id))


@bp.post("/responses/<int:response_id>/return")
@roles_required(Role.REVIEWER, Role.ADMIN)
def return_(response_id: int):
    reason = request.form.get("reason", "")
    response = _response(response_id)
    refused = _reason_too_long(response, reason)
    if refused is not None:
        return refused
    if response.status is ResponseStatus.SUBMITTED and reason.strip() and not confirmed():
        return _confirm_return(response, reason.strip())
    return _decide(response_id,
                   lambda r: review_service.return_response(r, current_user, reason))


@bp.post("/responses/<int:response_id>/approve")
@roles_required(Role.REVIEWER, Role.ADMIN)
def approve(response_id: int):
    response = _response(response_id)
    if response.status is ResponseStatus.SUBMITTED and not confirmed():
        return _confirm_approval(response)
    return _decide(response_id, lambda r: review_service.approve_response(r, current_user))


def _focal_point_words(response: Response) -> str:
    return _("%(country)s’s focal points", country=response.country.name)


def _confirm_approval(response: Response):
    """Approving is final for the country: say so, and what is still open."""
    open_threads = guidance.open_threads(response)
    definition = definition_of(response.round.questionnaire)
    warnings, links = [], []
    if open_threads:
        warnings.append(ngettext(
            "%(num)d comment thread is still open. Approving does not close it; the country "
            "will no longer be able to change its answers.",
            "%(num)d comment threads are still open. Approving does not close them; the "
            "country will no longer be able to change its answers.", len(open_threads)))
        links.append((_("Read the open threads"),
                      url_for("review.comments", response_id=response.id)))
        first = guidance.first_open_question(response, definition, open_threads)
        if first is not None:
            links.append((_("Go to question %(n)s", n=first.number),
                          url_for("review.show", response_id=response.id) + f"#q-{first.id}"))
    return Confirmation(
        title=_("Approve the response of %(country)s to %(round)s?",
                country=response.country.name, round=response.round.name),
        action=url_for("review.approve", response_id=response.id),
        button=_("Yes, approve"), cancel=url_for("review.show", response_id=response.id),
        consequences=[
            _("The answers are locked: %(who)s can no longer change them.",
              who=_focal_point_words(response)),
            _("%(who)s are told it is approved.", who=_focal_point_words(response)),
            _("The response counts in the country profile and the regional figures of %(round)s.",
              round=response.round.name),
            _("A reviewer can reopen it later, with a reason."),
        ],
        warnings=warnings, links=links).render()


def _confirm_return(response: Response, reason: str):
    return Confirmation(
        title=_("Return the response of %(country)s to %(round)s?",
                country=response.country.name, round=response.round.name),
        action=url_for("review.return_", response_id=response.id),
        button=_("Yes, return to the country"),
        cancel=url_for("review.show", response_id=response.id),
        consequences=[
            _("%(who)s can change the answers again and must submit once more.",
              who=_focal_point_words(response)),
            _("They are told, with the reason below; it is also kept as a comment on the "
              "whole submission."),
        ],
        quote=(_("The reason the country will read"), reason),
        carry=carried(["reason"])).render()


@bp.post("/responses/<int:response_id>/reopen")
@roles_required(Role.REVIEWER, Role.ADMIN)
def reopen(response_id: int):
    reason = request.form.get("reason", "")
    refused = _reason_too_long(_response(response_id), reason)
    if refused is not None:
        return refused
    return _decide(response_id,
                   lambda r: review_service.reopen_response(r, current_user, reason))


# ---------------------------------------------------------------- comments

@bp.get("/responses/<int:response_id>/comments")
@login_required
def comments(response_id: int):
    """One page of comment threads (newest first), optionally on one question; or one thread
    with all its replies, page by page (``?thread=<id>``)."""
    response = _response(response_id)
    definition = definition_of(response.round.questionnaire)
    question = request.args.get("question") or None
    if question not in (None, WHOLE_SUBMISSION) and not definition.has_question(question):
        question = None
    common = {"response": response, "definition": definition, "question": question,
              "totals": review_service.thread_totals(response),
              "can_comment": can_comment(current_user, response),
              "staff": current_user.role in STAFF}
    thread_id = request.args.get("thread")
    if thread_id is not None:
        root = db.session.get(ReviewComment, record_id(thread_id) or 0)
        if root is None or root.response_id != response.id or root.parent_id is not None:
            abort(404)
        replies = paginate(review_service.thread_replies(root), review_service.REPLIES_PER_PAGE)
        thread = review_service.Thread(root, list(replies.items), replies.total or 0)
        return render_template("review/comments.html", threads=[thread], pagination=replies,
                               thread=thread, **common)
    pagination = paginate(review_service.thread_list(response, question),
                          review_service.THREADS_PER_PAGE)
    return render_template("review/comments.html", pagination=pagination, thread=None,
                           threads=review_service.with_replies(list(pagination.items)), **common)


def _back(response: Response) -> str:
    target = safe_next_url(request.form.get("next"))  # only paths on this site
    if target:
        return target
    if current_user.role in STAFF:
        return url_for("review.show", response_id=response.id)
    return url_for("review.comments", response_id=response.id)


def _comment_refused(response: Response, outcome: RuleOutcome):
    """The comment form again, with what the person typed and why it was not saved."""
    exc = outcome.broken
    status = 429 if isinstance(exc, CommentLimitReached) else 422
    question_id = request.form.get("question_id") or None
    definition = definition_of(response.round.questionnaire)
    question = definition.question(question_id) if question_id and definition.has_question(
        question_id) else None
    page = render_template("review/comment_refused.html", response=response, reason=outcome.message,
                           limited=status == 429, body=request.form.get("body", ""),
                           question_id=question_id, question=question,
                           parent_id=request.form.get("parent_id", ""),
                           next=request.form.get("next", ""), back=_back(response))
    reply = make_response(page, status)
    if isinstance(exc, CommentLimitReached):
        seconds = (exc.limit.resets_at - utcnow()).total_seconds()
        reply.headers["Retry-After"] = str(max(int(seconds), 1))
    return reply


@bp.post("/responses/<int:response_id>/comments")
@login_required
def add_comment(response_id: int):
    response = _response(response_id)
    if not can_comment(current_user, response):
        abort(403)
    raw_parent = (request.form.get("parent_id") or "").strip()
    parent = record_id(raw_parent)
    with commit_or_explain(flash_it=False) as outcome:
        if raw_parent and parent is None:
            raise NotFound("the comment you reply to does not exist on this response")
        comment = review_service.add_comment(response, current_user, request.form.get("body", ""),
                                             question_id=request.form.get("question_id") or None,
                                             parent_id=parent)
    if outcome.broken:
        return _comment_refused(response, outcome)
    flash(_("Reply saved.") if parent else _("Comment saved."), "success")
    return redirect(_back(response) + f"#comment-{comment.id}")


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
def resolve(comment_id: int):
    comment = db.get_or_404(ReviewComment, comment_id)
    response = _response(comment.response_id)
    if not can_comment(current_user, response):
        abort(403)
    resolved = request.form.get("resolved", "1") == "1"
    with commit_or_explain() as outcome:
        root = review_service.resolve_comment(comment, current_user, resolved)
    if outcome.broken:
        return redirect(_back(response))
    flash(_("Thread marked resolved.") if resolved else _("Thread reopened."), "success")
    return redirect(_back(response) + f"#comment-{root.id}")


# ---------------------------------------------------------------- notifications

@bp.get("/notifications")
@login_required
def notifications():
    return render_template("review/notifications.html",
                           items=paginate(review_service.unread_notifications(current_user),
                                          review_service.NOTIFICATIONS_PER_PAGE))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    raw = request.form.get("id")
    notification_id = record_id(raw)
    # No id: all of them; an id no notification can have: none.
    count = 0 if raw is not None and notification_id is None else \
        review_service.mark_read(current_user, notification_id)
    db.session.commit()
    link = safe_next_url(request.form.get("link"))  # only paths on this site
    if link:
        return redirect(link)
    flash(ngettext("%(num)d notification marked as read.",
                   "%(num)d notifications marked as read.", count), "success")
    return redirect(url_for("review.notifications"))
