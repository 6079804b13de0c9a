"""The working group's review: round tracker, comment threads, return/approve/reopen.

Services flush; the route or command commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, func, or_, select, true, update
from sqlalchemy.orm import selectinload

from questionnaires import overall_progress, progress

from ..answering.responses import answer_values, transition
from ..audit import record
from ..extensions import db
from ..limits import Limit, hit
from ..models import (
    Country,
    Notification,
    Response,
    ResponseStatus,
    ReviewComment,
    Role,
    Round,
    StatusChange,
    User,
    utcnow,
)
from ..notifications import events as notifications
from ..questionnaire_versions import definition_of
from ..rules import NotFound, SurveyError

MAX_COMMENT = 5000


# ---------------------------------------------------------------- round tracker

@dataclass
class TrackerRow:
    response: Response
    country: Country
    percent: int
    answered: int
    focal_points: list[User] = field(default_factory=list)
    open_comments: int = 0

    @property
    def status(self) -> ResponseStatus:
        return self.response.status


@dataclass
class Tracker:
    round: Round
    rows: list[TrackerRow]
    counts: dict[ResponseStatus, int]
    subregions: list[str]
    days_to_closing: int | None
    total: int


def tracker(round_: Round, *, subregion: str | None = None,
            status: ResponseStatus | None = None, today: dt.date | None = None) -> Tracker:
    """Every member's response in the round, filtered; counts cover the filtered rows
    by status (filters other than status), so the header answers "who owes what"."""
    today = today or dt.date.today()
    definition = definition_of(round_.questionnaire)
    query = (select(Response, Country).join(Country, Response.country_id == Country.id)
             .where(Response.round_id == round_.id).order_by(Country.subregion, Country.name)
             .options(selectinload(Response.last_activity_by)))
    pairs = db.session.execute(query).all()
    subregions = sorted({c.subregion for _, c in pairs})
    if subregion:
        pairs = [(r, c) for r, c in pairs if c.subregion == subregion]
    counts = {s: 0 for s in ResponseStatus}
    for r, _ in pairs:
        counts[r.status] += 1
    total = len(pairs)
    if status is not None:
        pairs = [(r, c) for r, c in pairs if r.status is status]
    response_ids = [r.id for r, _ in pairs]
    values = answer_values(response_ids)
    focal: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(
            User.role == Role.FOCAL_POINT, User.active.is_(True),
            User.country_id.in_([c.id for _, c in pairs])).order_by(User.display_name)):
        focal.setdefault(user.country_id, []).append(user)
    open_comments = dict(db.session.execute(
        select(ReviewComment.response_id, func.count(ReviewComment.id))
        .where(ReviewComment.response_id.in_(response_ids), ReviewComment.parent_id.is_(None),
               ReviewComment.resolved_at.is_(None))
        .group_by(ReviewComment.response_id)).all()) if response_ids else {}
    rows = []
    for r, c in pairs:
        answers = values[r.id]
        per_section = progress(definition, answers)
        percent = overall_progress(per_section) if answers else 0
        rows.append(TrackerRow(r, c, percent, sum(p.answered for p in per_section.values()),
                               focal.get(c.id, []), open_comments.get(r.id, 0)))
    days = (round_.closes_on - today).days if round_.closes_on else None
    return Tracker(round_, rows, counts, subregions, days, total)


# ---------------------------------------------------------------- comments

# Pages show a bounded number of comments however many a response collects: the newest
# threads beside each question (with a link to the rest), the newest replies of a thread,
# and the comments page one page of threads at a time.
THREADS_BESIDE_QUESTION = 3
REPLIES_SHOWN = 3
THREADS_PER_PAGE = 20
REPLIES_PER_PAGE = 50
NOTIFICATIONS_PER_PAGE = 50
# The comments page's filter value for comments on the whole submission (never a question id).
WHOLE_SUBMISSION = "whole-submission"
# Each person may send this many comments (and replies) per window; see ``comment_limit``.
COMMENT_LIMIT = 100
COMMENT_WINDOW = dt.timedelta(hours=1)


@dataclass
class Thread:
    """A first comment and the replies shown under it (the newest, oldest first)."""

    root: ReviewComment
    replies: list[ReviewComment]
    reply_count: int = 0

    @property
    def resolved(self) -> bool:
        return self.root.resolved_at is not None

    @property
    def earlier_replies(self) -> int:
        """Replies not shown here (older than those shown)."""
        return max(self.reply_count - len(self.replies), 0)


class Threads(dict):
    """Threads by question id (None: the whole submission), with how many each has in all."""

    def __init__(self, threads: dict[str | None, list[Thread]], totals: dict[str | None, int]):
        super().__init__(threads)
        self.totals = totals

    def more(self, question_id: str | None) -> int:
        """Threads on this question that are not shown (older than those shown)."""
        return max(self.totals.get(question_id, 0) - len(self.get(question_id, [])), 0)


def _roots(response: Response):
    return select(ReviewComment).where(ReviewComment.response_id == response.id,
                                       ReviewComment.parent_id.is_(None))


def threads_of(response: Response, *, per_question: int = THREADS_BESIDE_QUESTION,
               replies: int = REPLIES_SHOWN, question_ids: list[str] | None = None) -> Threads:
    """The newest ``per_question`` threads on each question (oldest of them first), each with
    its newest ``replies`` replies, and how many threads each question has in all.

    A fixed number of queries, and a bounded page, however many comments there are.
    ``question_ids`` narrows it to those questions and the whole submission.
    """
    scope = true() if question_ids is None else or_(ReviewComment.question_id.is_(None),
                                                    ReviewComment.question_id.in_(question_ids))
    totals = dict(db.session.execute(
        select(ReviewComment.question_id, func.count(ReviewComment.id))
        .where(ReviewComment.response_id == response.id, ReviewComment.parent_id.is_(None), scope)
        .group_by(ReviewComment.question_id)).all())
    newest = func.row_number().over(partition_by=ReviewComment.question_id,
                                    order_by=(ReviewComment.created_at.desc(),
                                              ReviewComment.id.desc())).label("newest")
    ranked = (select(ReviewComment.id, newest)
              .where(ReviewComment.response_id == response.id,
                     ReviewComment.parent_id.is_(None), scope).subquery())
    roots = db.session.scalars(
        select(ReviewComment).join(ranked, ranked.c.id == ReviewComment.id)
        .where(ranked.c.newest <= per_question)
        .options(selectinload(ReviewComment.author))
        .order_by(ReviewComment.created_at, ReviewComment.id)).all()
    out: dict[str | None, list[Thread]] = {}
    for thread in with_replies(roots, replies):
        out.setdefault(thread.root.question_id, []).append(thread)
    return Threads(out, totals)


def with_replies(roots: list[ReviewComment], replies: int = REPLIES_SHOWN) -> list[Thread]:
    """Threads for these first comments, each with its newest ``replies`` replies: two queries."""
    ids = [root.id for root in roots]
    if not ids:
        return []
    counts = dict(db.session.execute(
        select(ReviewComment.parent_id, func.count(ReviewComment.id))
        .where(ReviewComment.parent_id.in_(ids)).group_by(ReviewComment.parent_id)).all())
    shown: dict[int, list[ReviewComment]] = {i: [] for i in ids}
    if counts:
        newest = func.row_number().over(partition_by=ReviewComment.parent_id,
                                        order_by=(ReviewComment.created_at.desc(),
                                                  ReviewComment.id.desc())).label("newest")
        ranked = select(ReviewComment.id, newest).where(ReviewComment.parent_id.in_(ids)).subquery()
        for reply in db.session.scalars(
                select(ReviewComment).join(ranked, ranked.c.id == ReviewComment.id)
                .where(ranked.c.newest <= replies)
                .options(selectinload(ReviewComment.author))
                .order_by(ReviewComment.created_at, ReviewComment.id)):
            shown[reply.parent_id].append(reply)
    return [Thread(root, shown[root.id], counts.get(root.id, 0)) for root in roots]


def thread_totals(response: Response) -> dict[str | None, int]:
    """How many threads each question (None: the whole submission) has."""
    return dict(db.session.execute(
        select(ReviewComment.question_id, func.count(ReviewComment.id))
        .where(ReviewComment.response_id == response.id, ReviewComment.parent_id.is_(None))
        .group_by(ReviewComment.question_id)).all())


def thread_list(response: Response, question: str | None = None) -> Select:
    """The comments page's threads, newest first (to page): all, those on the whole
    submission (``WHOLE_SUBMISSION``) or those on one question."""
    query = _roots(response).options(selectinload(ReviewComment.author))
    if question == WHOLE_SUBMISSION:
        query = query.where(ReviewComment.question_id.is_(None))
    elif question:
        query = query.where(ReviewComment.question_id == question)
    return query.order_by(ReviewComment.created_at.desc(), ReviewComment.id.desc())


def thread_replies(root: ReviewComment) -> Select:
    """Every reply of one thread, oldest first (to page)."""
    return (select(ReviewComment).where(ReviewComment.parent_id == root.id)
            .options(selectinload(ReviewComment.author))
            .order_by(ReviewComment.created_at, ReviewComment.id))


class CommentLimitReached(SurveyError):
    """Too many comments (or thread resolutions) from one person in the current window."""

    def __init__(self, limit: Limit, what: str = "comment"):
        self.limit = limit
        done = (f"you have sent {limit.limit} comments" if what == "comment"
                else f"you have resolved or reopened {limit.limit} threads")
        super().__init__(f"{done} in a short time, the most allowed; you can go on after "
                         f"{limit.resets_at:%H:%M} UTC")


def comment_limit() -> tuple[int, dt.timedelta]:
    """(comments, window) allowed per person: SURVEY_COMMENT_LIMIT per SURVEY_COMMENT_WINDOW."""
    config = current_app.config
    return (int(config.get("SURVEY_COMMENT_LIMIT", COMMENT_LIMIT)),
            config.get("SURVEY_COMMENT_WINDOW", COMMENT_WINDOW))


def count_comment(user: User, what: str = "comment") -> None:
    """Count one comment (or, with ``what="resolve"``, one resolution) of ``user``; refuse it
    over the limit.

    Call it before anything is written in the request's transaction: the count is kept on a
    connection of its own, and SQLite lets one connection write at a time.
    """
    allowed, window = comment_limit()
    limit = hit(f"{what}:user:{user.id}", allowed, window)
    if limit.exceeded:
        raise CommentLimitReached(limit, what)


def add_comment(response: Response, user: User, body: str, *, question_id: str | None = None,
                parent_id: int | None = None) -> ReviewComment:
    body = (body or "").strip()
    if not body:
        raise SurveyError("write a comment before sending it")
    if len(body) > MAX_COMMENT:
        raise SurveyError(f"a comment can be at most {MAX_COMMENT} characters: shorten it by "
                          f"{len(body) - MAX_COMMENT:,} (it has {len(body):,})")
    parent = None
    if parent_id is not None:
        parent = db.session.get(ReviewComment, parent_id)
        if parent is None or parent.response_id != response.id:
            raise NotFound("the comment you reply to does not exist on this response")
        if parent.parent_id is not None:  # replies attach to the thread's first comment
            parent = db.session.get(ReviewComment, parent.parent_id)
        question_id = parent.question_id
    elif question_id:
        if not definition_of(response.round.questionnaire).has_question(question_id):
            raise SurveyError(f"unknown question '{question_id}'")
    else:
        question_id = None
    count_comment(user)  # counted before it is accepted; a refused comment stores nothing
    comment = ReviewComment(response_id=response.id, question_id=question_id,
                            parent_id=parent.id if parent else None, author_id=user.id, body=body)
    db.session.add(comment)
    db.session.flush()
    if parent is not None and parent.resolved_at is not None:
        parent.resolved_at = parent.resolved_by_id = None  # a reply reopens the thread
    record("comment.add", "review_comment", user=user, entity_id=comment.id, response=response,
           question_id=question_id, new=body)
    notifications.comment_added(comment, response, user)
    return comment


def resolve_comment(comment: ReviewComment, user: User, resolved: bool = True) -> ReviewComment:
    count_comment(user, "resolve")
    root = comment if comment.parent_id is None else db.session.get(ReviewComment, comment.parent_id)
    if resolved:
        root.resolved_at, root.resolved_by_id = utcnow(), user.id
    else:
        root.resolved_at = root.resolved_by_id = None
    record("comment.resolve" if resolved else "comment.reopen", "review_comment", user=user,
           entity_id=root.id, response=db.session.get(Response, root.response_id),
           question_id=root.question_id)
    db.session.flush()
    return root


# ---------------------------------------------------------------- notifications

def unread_notifications(user: User) -> Select:
    """A person's unread notifications, newest first (to page)."""
    return (select(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of a person's unread notifications read, or all of them; how many changed."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


# ---------------------------------------------------------------- decisions

def return_response(response: Response, user: User, reason: str) -> StatusChange | None:
    """Send a submission back to the country with a comment; its focal points are told."""
    reason = (reason or "").strip()
    check_reason_length(reason)
    change = transition(response, ResponseStatus.RETURNED, user, reason)
    if change is not None:
        db.session.add(ReviewComment(response_id=response.id, author_id=user.id, body=reason))
        notifications.response_returned(response, user, reason)
    return change


def approve_response(response: Response, user: User) -> StatusChange | None:
    change = transition(response, ResponseStatus.APPROVED, user)
    if change is not None:
        notifications.response_approved(response, user)
    return change


def check_reason_length(reason: str) -> None:
    """A return or reopen reason becomes a comment: it has a comment's limit."""
    if len(reason) > MAX_COMMENT:
        raise SurveyError(f"a reason can be at most {MAX_COMMENT:,} characters: shorten it by "
                          f"{len(reason) - MAX_COMMENT:,} (it has {len(reason):,})")


def reopen_response(response: Response, user: User, reason: str) -> StatusChange | None:
    """An approved response goes back to the country (approved → returned), with a reason."""
    if response.status is not ResponseStatus.APPROVED:
        raise SurveyError("only an approved response can be reopened")
    reason = (reason or "").strip()
    if not reason:
        raise SurveyError("give a reason when reopening an approved response")
    check_reason_length(reason)
    change = transition(response, ResponseStatus.RETURNED, user, f"Reopened: {reason}")
    response.publishable = False  # the profile may change; the country decides again
    db.session.add(ReviewComment(response_id=response.id, author_id=user.id,
                                 body=f"Reopened: {reason}"))
    notifications.response_returned(response, user, reason, reopened=True)
    return change


def status_history(response: Response) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange)
                                   .where(StatusChange.response_id == response.id)
                                   .options(selectinload(StatusChange.by))
                                   .order_by(StatusChange.at, StatusChange.id)))
