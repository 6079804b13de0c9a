"""Comments and return or reopen reasons say how much room is left and never cut a text:
an over-long one is refused with how much too long it is, and shown again whole (issue 15)."""

from __future__ import annotations

import html

from survey.extensions import db
from survey.models import ResponseStatus, ReviewComment
from survey.review.services import MAX_COMMENT
from tests.conftest import login_as

from .review_helpers import response_of, user

TOO_LONG = "See https://example.org/law " + "w" * (MAX_COMMENT + 30 - 28)


def test_the_boxes_state_their_limit_and_cut_nothing(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert 'maxlength="5000"' not in page
    assert 'id="return-reason" name="reason"' in page and 'data-max-chars="5000"' in page
    assert "Up to 5,000 characters" in page and "char_count.js" in page
    comments = client.get(f"/responses/{response.id}/comments").get_data(as_text=True)
    assert 'maxlength="5000"' not in comments and "Up to 5,000 characters" in comments


def test_an_over_long_return_reason_is_refused_and_kept(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    assert len(TOO_LONG) == MAX_COMMENT + 30
    reply = client.post(f"/responses/{response.id}/return",
                        data={"reason": TOO_LONG, "confirmed": "yes"})
    assert reply.status_code == 422
    page = html.unescape(reply.get_data(as_text=True))
    assert "a reason can be at most 5,000 characters: shorten it by 30 (it has 5,030)" in page
    assert f">{TOO_LONG}</textarea>" in page                              # kept, whole
    assert "30 characters too many" in page
    db.session.expire_all()
    assert response_of("IDN").status is ResponseStatus.SUBMITTED           # nothing changed
    assert not db.session.query(ReviewComment).filter_by(body=TOO_LONG).count()


def test_an_over_long_comment_is_refused_and_kept(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    reply = client.post(f"/responses/{response.id}/comments", data={"body": TOO_LONG})
    assert reply.status_code == 422
    page = html.unescape(reply.get_data(as_text=True))
    assert "shorten it by 30 (it has 5,030)" in page and f">{TOO_LONG}</textarea>" in page
    assert "30 characters too many" in page
