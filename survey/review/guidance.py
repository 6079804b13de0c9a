"""What is left to do on a response, for the pages that guide people to their next step:
its open comment threads, the first question that has one, its last return and the
answers changed since then.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from questionnaires import Definition, Question

from ..extensions import db
from ..models import Answer, Response, ResponseStatus, ReviewComment, StatusChange


def open_threads(response: Response) -> list[ReviewComment]:
    """The response's comment threads nobody has marked resolved, oldest first."""
    return list(db.session.scalars(
        select(ReviewComment).where(ReviewComment.response_id == response.id,
                                    ReviewComment.parent_id.is_(None),
                                    ReviewComment.resolved_at.is_(None))
        .order_by(ReviewComment.created_at, ReviewComment.id)))


def open_thread_counts(response_ids: list[int]) -> dict[int, int]:
    """How many open threads each response has (one query)."""
    if not response_ids:
        return {}
    return dict(db.session.execute(
        select(ReviewComment.response_id, func.count(ReviewComment.id))
        .where(ReviewComment.response_id.in_(response_ids), ReviewComment.parent_id.is_(None),
               ReviewComment.resolved_at.is_(None))
        .group_by(ReviewComment.response_id)).all())


def first_open_question(response: Response, definition: Definition,
                        threads: list[ReviewComment] | None = None) -> Question | None:
    """The first question, in the questionnaire's order, with an open thread on it."""
    threads = open_threads(response) if threads is None else threads
    asked = {t.question_id for t in threads if t.question_id}
    for section in definition.sections:
        for question in section.questions:
            if question.id in asked:
                return question
    return None


def last_return(response: Response) -> StatusChange | None:
    """The response's latest return to the country (with its reason), if it had one."""
    return db.session.scalar(
        select(StatusChange).where(StatusChange.response_id == response.id,
                                   StatusChange.to_status == ResponseStatus.RETURNED)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc()).limit(1))


def changed_since_return(response: Response, answers: Mapping[str, Answer]) -> set[str]:
    """Questions whose answer (value or evidence) changed after the latest return.

    Empty when the response was never returned: there is nothing to compare with.
    """
    returned = last_return(response)
    if returned is None:
        return set()
    return {qid for qid, answer in answers.items()
            if answer.updated_at is not None and answer.updated_at > returned.at}
