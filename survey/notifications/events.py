"""The events people are told about, each with its recipients and its words.

Called by the services that make the change (opening a round, the review decisions,
comments, submitting), inside the same transaction: a change that rolls back tells nobody.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    STATUS_LABELS,
    NotificationKind,
    Response,
    ReviewComment,
    Role,
    Round,
    User,
)
from ..questionnaire_versions import definition_of
from .links import path_for
from .services import Notice, focal_points_by_country, focal_points_of, reviewers_for, tell


def _closing(round_: Round) -> str:
    return format_date(round_.closes_on, "long") if round_.closes_on else _("no closing date set")


def round_opened(round_: Round, actor: User | None = None) -> int:
    """Each focal point of each member in the round: the link to their response and the
    closing date."""
    told = 0
    responses = db.session.scalars(select(Response).where(Response.round_id == round_.id)
                                   .order_by(Response.id)).all()
    people = focal_points_by_country(r.country_id for r in responses)
    for response in responses:
        if response.country_id not in people:
            continue

        def compose(user: User, response: Response = response) -> Notice:
            return Notice(
                subject=_("The round “%(round)s” is open", round=round_.name),
                summary=_("The round “%(round)s” is open for %(country)s's answers; it closes "
                          "on %(date)s.", round=round_.name, country=response.country.name,
                          date=_closing(round_)),
                link=path_for("answering.start", response_id=response.id),
                details=[_("Questionnaire: %(title)s", title=round_.questionnaire.title)])
        told += tell(NotificationKind.ROUND_OPENED, people[response.country_id], compose,
                     response=response, actor=actor)
    return told


def response_submitted(response: Response, actor: User) -> int:
    """The reviewers of the member (assigned, else all): a response waits for review."""
    def compose(user: User) -> Notice:
        return Notice(
            subject=_("%(country)s submitted its response to “%(round)s”",
                      country=response.country.name, round=response.round.name),
            summary=_("%(country)s submitted its response to “%(round)s”; it waits for your "
                      "review.", country=response.country.name, round=response.round.name),
            link=path_for("review.show", response_id=response.id),
            details=[_("Submitted by %(name)s.", name=actor.display_name)])
    return tell(NotificationKind.SUBMITTED, reviewers_for(response.country_id), compose,
                response=response, actor=actor)


OPEN_THREADS_IN_MAIL = 5


def _open_threads(response: Response) -> tuple[int, list[ReviewComment]]:
    """How many comment threads are open, and the first few (oldest first)."""
    query = select(ReviewComment).where(
        ReviewComment.response_id == response.id, ReviewComment.parent_id.is_(None),
        ReviewComment.resolved_at.is_(None))
    count = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    first = db.session.scalars(query.order_by(ReviewComment.created_at, ReviewComment.id)
                               .limit(OPEN_THREADS_IN_MAIL)).all()
    return count, list(first)


def _thread_lines(response: Response, threads: list[ReviewComment], language: str) -> list[str]:
    definition = definition_of(response.round.questionnaire)
    lines = []
    for thread in threads:
        if thread.question_id and definition.has_question(thread.question_id):
            where = definition.question(thread.question_id).label.get(language)
        else:
            where = _("The whole response")
        lines.append(f"• {where[:120]}: {thread.body[:300]}")
    return lines


def response_returned(response: Response, actor: User, reason: str, *,
                      reopened: bool = False) -> int:
    """The member's focal points: the reason, how many comment threads are open, the link."""
    db.session.flush()
    count, threads = _open_threads(response)

    def compose(user: User) -> Notice:
        if reopened:
            subject = _("Your approved response to “%(round)s” was reopened",
                        round=response.round.name)
            summary = _("Your approved response to “%(round)s” was reopened for changes. "
                        "Reason: %(reason)s", round=response.round.name, reason=reason[:500])
        else:
            subject = _("Your response to “%(round)s” was returned for changes",
                        round=response.round.name)
            summary = _("Your response to “%(round)s” was returned for changes. Reason: "
                        "%(reason)s", round=response.round.name, reason=reason[:500])
        return Notice(subject=subject, summary=summary,
                      link=path_for("review.comments", response_id=response.id),
                      details=[_("Returned by %(name)s.", name=actor.display_name),
                               _("Open comment threads: %(count)d. Answer them, change what is "
                                 "needed and submit again.", count=count)]
                      + _thread_lines(response, threads, user.language or "en"))
    return tell(NotificationKind.RETURNED, focal_points_of(response.country_id), compose,
                response=response, actor=actor)


def response_approved(response: Response, actor: User) -> int:
    def compose(user: User) -> Notice:
        return Notice(
            subject=_("Your response to “%(round)s” was approved", round=response.round.name),
            summary=_("Your response to “%(round)s” was approved by the working group. "
                      "Thank you.", round=response.round.name),
            link=path_for("answering.review", response_id=response.id),
            details=[_("Approved by %(name)s.", name=actor.display_name)])
    return tell(NotificationKind.APPROVED, focal_points_of(response.country_id), compose,
                response=response, actor=actor)


def comment_added(comment: ReviewComment, response: Response, actor: User) -> int:
    """The member's focal points, its reviewers, and everyone of the working group who has
    taken part in its threads (never the author)."""
    root_id = comment.parent_id or comment.id
    earlier = db.session.scalars(select(User).join(ReviewComment, ReviewComment.author_id == User.id)
                                 .where(ReviewComment.response_id == response.id,
                                        User.role != Role.FOCAL_POINT).distinct()).all()
    people = focal_points_of(response.country_id) + reviewers_for(response.country_id) + list(earlier)

    def compose(user: User) -> Notice:
        reply = comment.parent_id is not None
        summary = (_("%(name)s replied on %(country)s's response to “%(round)s”: %(text)s",
                     name=actor.display_name, country=response.country.name,
                     round=response.round.name, text=comment.body[:300]) if reply else
                   _("%(name)s commented on %(country)s's response to “%(round)s”: %(text)s",
                     name=actor.display_name, country=response.country.name,
                     round=response.round.name, text=comment.body[:300]))
        return Notice(
            subject=_("New comment on %(country)s's response to “%(round)s”",
                      country=response.country.name, round=response.round.name),
            summary=summary,
            link=path_for("review.comments", response_id=response.id, thread=root_id),
            details=[_("Status of the response: %(status)s.",
                       status=STATUS_LABELS[response.status])])
    return tell(NotificationKind.COMMENT, people, compose, response=response, actor=actor)
