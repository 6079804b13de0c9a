"""The questionnaire page makes the same number of SQL queries whatever its size."""

from __future__ import annotations

import contextlib

from sqlalchemy import event, select

from survey.extensions import db
from survey.models import User
from tests.conftest import login_as
from tests.survey.answering.test_answering import response_of


@contextlib.contextmanager
def counted_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_section_page_query_count_does_not_grow_with_questions_or_answers(demo, client):
    login_as(client, db.session.scalar(select(User).where(User.email == "focal.tha@example.org")))
    tha = response_of("THA")
    counts = {}
    # institutions has 4 questions, legal 23 (all answered), cooperation 20 (none answered).
    for section in ("institutions", "legal", "operational", "cooperation"):
        client.get(f"/responses/{tha.id}/sections/{section}")  # warm caches
        with counted_queries() as statements:
            assert client.get(f"/responses/{tha.id}/sections/{section}").status_code == 200
        counts[section] = len(statements)
    assert len(set(counts.values())) == 1, counts
    # user, notifications, response, answers, comment threads, and a few more: a handful, fixed.
    assert counts["legal"] <= 8, counts


def test_home_and_review_query_counts_are_small(demo, client):
    login_as(client, db.session.scalar(select(User).where(User.email == "focal.tha@example.org")))
    tha = response_of("THA")
    with counted_queries() as statements:
        client.get("/my-country")
    assert len(statements) <= 6, statements
    with counted_queries() as statements:
        client.get(f"/responses/{tha.id}/summary")
    assert len(statements) <= 6, statements
