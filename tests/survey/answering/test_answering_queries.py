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


def test_the_page_header_costs_one_query_and_none_for_visitors(demo, client):
    """The header (notifications, the round the links point at, a focal point's response)
    is one query; the user loader brings the person's country along. A visitor's page and
    a page without the layout ask nothing for the header."""
    with counted_queries() as statements:
        assert client.get("/login").status_code == 200
    assert statements == []
    for email, link in (("reviewer@example.org", "/tracker"), ("focal.tha@example.org", "/comments")):
        login_as(client, db.session.scalar(select(User).where(User.email == email)))
        with counted_queries() as statements:
            page = client.get("/account").get_data(as_text=True)
        assert link in page  # the header's round (or response) link is there
        assert len(statements) == 2, statements  # the session's user, then the header


def test_the_header_follows_the_round_in_the_address(demo, client):
    from survey.models import Round

    login_as(client, db.session.scalar(select(User).where(User.email == "reviewer@example.org")))
    rounds = db.session.scalars(select(Round).order_by(Round.id)).all()
    oldest = rounds[0]
    page = client.get(f"/rounds/{oldest.id}/questionnaire").get_data(as_text=True)
    assert f"/rounds/{oldest.id}/tracker" in page
    newest = client.get("/account").get_data(as_text=True)
    assert f"/rounds/{rounds[-1].id}/tracker" in newest
