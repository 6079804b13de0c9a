"""Issue 10 item 7: comments were unbounded (500 posted in 41 s; 10,000 on one response made
the review page take 8.5 s). Now each person has a limit counted in the database, and every
page that shows comments shows a bounded number of them with a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, insert, select

from survey.extensions import db
from survey.models import ReviewComment
from survey.review.services import REPLIES_PER_PAGE, REPLIES_SHOWN, THREADS_BESIDE_QUESTION, THREADS_PER_PAGE
from tests.conftest import login_as
from tests.survey.review.review_helpers import response_of, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.security, pytest.mark.demo_v1]

REVIEWER = "reviewer@example.org"
FOCAL_PHL = "focal.phl@example.org"
QUESTION = "leg_ml_offence"  # in the "legal" section
HUGE_ID = "99999999999999999999999"


def _comments() -> int:
    return db.session.scalar(select(func.count(ReviewComment.id)))


def _limit(app, count: int) -> None:
    app.config["SURVEY_COMMENT_LIMIT"] = count
    app.config["SURVEY_COMMENT_WINDOW"] = dt.timedelta(hours=1)


def test_a_person_over_the_limit_is_told_and_keeps_the_text(app, client, demo):
    _limit(app, 3)
    phl = response_of("PHL")
    login_as(client, user(REVIEWER))
    before = _comments()
    for n in range(3):
        reply = client.post(f"/responses/{phl.id}/comments",
                            data={"body": f"Comment {n}", "question_id": QUESTION})
        assert reply.status_code == 302
    refused = client.post(f"/responses/{phl.id}/comments",
                          data={"body": "Please cite <the> article\nand the year.",
                                "question_id": QUESTION, "next": f"/responses/{phl.id}/review"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "You have sent 3 comments in a short time" in page and "UTC" in page
    # The form is shown again with what was typed, escaped, ready to send later.
    assert re.search(r'<textarea id="again-body" name="body"[^>]*>Please cite &lt;the&gt; article\n'
                     r'and the year.</textarea>', page)
    assert f'name="question_id" value="{QUESTION}"' in page
    assert _comments() == before + 3
    # The limit is per person: the country's focal point may still reply.
    root = db.session.scalar(select(ReviewComment.id).where(ReviewComment.body == "Comment 0"))
    login_as(client, user(FOCAL_PHL))
    assert client.post(f"/responses/{phl.id}/comments",
                       data={"body": "Answered.", "parent_id": root}).status_code == 302
    assert _comments() == before + 4


def test_a_refused_comment_keeps_the_text_whatever_the_reason(client, demo):
    phl = response_of("PHL")
    login_as(client, user(REVIEWER))
    before = _comments()
    too_long = "x" * 5001
    reply = client.post(f"/responses/{phl.id}/comments", data={"body": too_long})
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert "at most 5000 characters" in page and too_long in page
    reply = client.post(f"/responses/{phl.id}/comments",
                        data={"body": "To the thread", "parent_id": "99999999999999999999999"})
    assert reply.status_code == 422
    assert "does not exist on this response" in reply.get_data(as_text=True)
    assert _comments() == before


def test_parallel_posts_cannot_race_past_the_limit(app, demo):
    """Twelve posts at once against a limit of five: five are stored, seven refused."""
    _limit(app, 5)
    phl_id = response_of("PHL").id
    reviewer = user(REVIEWER)
    before = _comments()
    clients = []
    for _n in range(12):
        client = app.test_client()
        login_as(client, reviewer)
        clients.append(client)

    def post(n: int) -> int:
        return clients[n].post(f"/responses/{phl_id}/comments",
                               data={"body": f"parallel {n}"}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(post, range(12)))
    assert statuses == [302] * 5 + [429] * 7
    assert _comments() == before + 5


def test_resolving_threads_is_limited_too(app, client, demo):
    _limit(app, 2)
    phl = response_of("PHL")
    root = db.session.scalar(select(ReviewComment).where(ReviewComment.response_id == phl.id))
    login_as(client, user(REVIEWER))
    for resolved in ("1", "0"):
        assert client.post(f"/comments/{root.id}/resolve", data={"resolved": resolved}).status_code == 302
    page = client.post(f"/comments/{root.id}/resolve", data={"resolved": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "You have resolved or reopened 2 threads in a short time" in page
    db.session.refresh(root)
    assert root.resolved_at is None


# -- pages with many comments -------------------------------------------------------------

def _plant(response_id: int, author_id: int, *, general: int, on_question: int,
           long_thread: int) -> int:
    """Comments written straight to the table; returns the id of the long thread's root."""
    start = dt.datetime(2026, 1, 1)
    clock = iter(range(10**6))

    def row(question_id=None, parent_id=None):
        n = next(clock)
        return {"response_id": response_id, "question_id": question_id, "parent_id": parent_id,
                "author_id": author_id, "body": f"Planted comment {n}",
                "created_at": start + dt.timedelta(minutes=n)}

    table = ReviewComment.__table__
    rows = [row() for _ in range(general)] + [row(QUESTION) for _ in range(on_question)]
    db.session.execute(insert(table), rows)
    root = db.session.scalar(select(ReviewComment.id).where(ReviewComment.question_id == QUESTION)
                             .order_by(ReviewComment.id.desc()).limit(1))
    if long_thread:
        db.session.execute(insert(table), [row(QUESTION, root) for _ in range(long_thread)])
    db.session.commit()
    return root


def _comments_shown(page: str) -> int:
    return page.count('<div class="comment" id="comment-')


def test_pages_show_a_bounded_number_of_comments(client, demo):
    phl = response_of("PHL")
    reviewer = user(REVIEWER)
    root = _plant(phl.id, reviewer.id, general=60, on_question=40, long_thread=120)
    login_as(client, reviewer)
    review = client.get(f"/responses/{phl.id}/review").get_data(as_text=True)
    # Beside the question and on the whole submission: the newest threads, each with its
    # newest replies, and links to the rest on the comments page.
    bound = 2 * THREADS_BESIDE_QUESTION * (1 + REPLIES_SHOWN)
    assert _comments_shown(review) <= bound
    assert "37 earlier threads: see every comment on this" in review
    assert f"/responses/{phl.id}/comments?question={QUESTION}" in review
    assert f"/responses/{phl.id}/comments?question=whole-submission" in review
    assert "117 earlier replies: read the whole thread" in review
    assert "Planted comment 219" in review  # the newest reply of the long thread

    comments = client.get(f"/responses/{phl.id}/comments").get_data(as_text=True)
    assert comments.count('<article class="thread') == THREADS_PER_PAGE
    assert "Page 1 of 6" in comments  # 101 threads (with the demo's own), 20 a page
    last = client.get(f"/responses/{phl.id}/comments?page=6").get_data(as_text=True)
    assert last.count('<article class="thread') == 1
    only = client.get(f"/responses/{phl.id}/comments?question={QUESTION}").get_data(as_text=True)
    assert "Page 1 of 2" in only and "Planted comment 0<" not in only  # no general comment

    thread = client.get(f"/responses/{phl.id}/comments?thread={root}").get_data(as_text=True)
    assert _comments_shown(thread) == 1 + REPLIES_PER_PAGE
    assert "Page 1 of 3" in thread and "Planted comment 100<" in thread  # the first reply
    later = client.get(f"/responses/{phl.id}/comments?thread={root}&page=3").get_data(as_text=True)
    assert "Planted comment 219<" in later and _comments_shown(later) == 1 + 20

    login_as(client, user(FOCAL_PHL))
    section = client.get(f"/responses/{phl.id}/sections/legal").get_data(as_text=True)
    assert _comments_shown(section) <= bound
    assert "37 earlier threads" in section


@pytest.mark.parametrize("path", ["review", "comments", "sections/legal"])
def test_statements_do_not_grow_with_the_number_of_comments(app, client, demo, path):
    phl = response_of("PHL")
    reviewer = user(REVIEWER)
    login_as(client, user(FOCAL_PHL) if path.startswith("sections") else reviewer)
    url = f"/responses/{phl.id}/{path}"

    def statements() -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    _plant(phl.id, reviewer.id, general=3, on_question=3, long_thread=2)
    statements()  # the first request of the process reads the questionnaire once
    few = statements()
    _plant(phl.id, reviewer.id, general=400, on_question=300, long_thread=300)
    assert statements() == few


def test_a_page_number_past_the_end_shows_the_last_page(client, demo):
    phl = response_of("PHL")
    login_as(client, user(REVIEWER))
    reply = client.get(f"/responses/{phl.id}/comments?page=99999999999999999999999")
    assert reply.status_code == 200
    assert "Please add the citation for the confiscation law" in reply.get_data(as_text=True)


def test_notifications_are_paged_and_marked_read_in_one_go(client, demo):
    """Every comment from the working group notifies the country's focal points: a flood of
    comments must not become a page that lists thousands of notifications."""
    from survey.models import Notification

    focal = user(FOCAL_PHL)
    phl = response_of("PHL")
    unread = select(func.count(Notification.id)).where(Notification.user_id == focal.id,
                                                        Notification.read_at.is_(None))
    already = db.session.scalar(unread)  # the demo's own (the rounds opened)
    db.session.execute(insert(Notification.__table__), [
        {"user_id": focal.id, "response_id": phl.id, "message": f"Note {n}", "link": "/",
         "created_at": dt.datetime(2026, 1, 1) + dt.timedelta(minutes=n)} for n in range(120)])
    db.session.commit()
    login_as(client, focal)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count("<li>") == 50 and "Page 1 of 3" in page
    assert re.search(r"Note 119\s", page) and not re.search(r"Note 69\s", page)  # newest first
    assert client.post("/notifications/read", data={"id": HUGE_ID}).status_code == 302
    assert db.session.scalar(unread) == already + 120  # nothing marked
    client.post("/notifications/read")
    assert db.session.scalar(unread) == 0
