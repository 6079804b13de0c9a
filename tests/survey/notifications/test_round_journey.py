"""A whole round, told: at each step, what each person finds in the outbox and on their
notifications page (open, a reminder, submit, return with comments, reply, resubmit,
approve, and no reminder once approved)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from survey.extensions import db
from survey.models import OutboxMessage, Response, ReviewComment, Round
from survey.notifications.reminders import send_due
from tests.conftest import login_as
from tests.survey.notifications.test_notifications import BASE, complete, last_mail_id


def inbox(email: str, since: int) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_addr == email, OutboxMessage.id > since).order_by(OutboxMessage.id)))


def subjects(email: str, since: int) -> list[str]:
    return [m.subject for m in inbox(email, since)]


def page_of(client, person) -> str:
    login_as(client, person)
    return client.get("/notifications").get_data(as_text=True)


def test_each_person_is_told_each_step_of_a_round(app, client, make_user):
    app.config["SURVEY_BASE_URL"] = BASE
    admin = make_user("admin", email="admin@example.org")
    reviewer = make_user("reviewer", email="reviewer@example.org")
    focal = make_user("focal_point", "KHM", email="focal.khm@example.org")
    closes = dt.date.today() + dt.timedelta(days=30)

    # The administrator opens the round: the focal point is told, with the link and the date.
    login_as(client, admin)
    client.post("/admin/rounds", data={"name": "Round X", "questionnaire": "ftm-capability:1",
                                       "closes_on": closes.isoformat()})
    round_ = db.session.scalar(select(Round).where(Round.name == "Round X"))
    mark = last_mail_id()
    client.post(f"/admin/rounds/{round_.id}/open", data={"confirmed": "yes"})
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.country_id == focal.country_id))
    assert subjects(focal.email, mark) == ["The round “Round X” is open"]
    assert subjects(reviewer.email, mark) == [] and subjects(admin.email, mark) == []
    assert "The round “Round X” is open for Cambodia" in page_of(client, focal)

    # Fourteen days before closing: a reminder.
    mark = last_mail_id()
    send_due(dt.datetime.combine(closes - dt.timedelta(days=14), dt.time(7)))
    db.session.commit()
    [reminder] = inbox(focal.email, mark)
    assert "closes in 14 days" in reminder.body and f"{BASE}/responses/{response.id}" in reminder.body
    assert "closes in 14 days" in page_of(client, focal)

    # The focal point submits: the reviewer is told.
    complete(response, focal)
    mark = last_mail_id()
    login_as(client, focal)
    client.post(f"/responses/{response.id}/submit")
    assert subjects(reviewer.email, mark) == ["Cambodia submitted its response to “Round X”"]
    assert subjects(focal.email, mark) == []
    assert "it waits for your review" in page_of(client, reviewer)

    # The reviewer comments on a question and returns the response.
    question = response.round.questionnaire.definition["sections"][0]["questions"][0]["id"]
    mark = last_mail_id()
    login_as(client, reviewer)
    client.post(f"/responses/{response.id}/comments",
                data={"body": "Which law is this?", "question_id": question})
    client.post(f"/responses/{response.id}/return", data={"reason": "See the comments.", "confirmed": "yes"})
    comment_mail, returned = inbox(focal.email, mark)
    assert comment_mail.subject == "New comment on Cambodia's response to “Round X”"
    assert returned.subject == "Your response to “Round X” was returned for changes"
    assert "Reason: See the comments." in returned.body
    assert "Open comment threads: 2." in returned.body and ": Which law is this?" in returned.body
    assert f"{BASE}/responses/{response.id}/comments\n" in returned.body
    page = page_of(client, focal)
    assert "returned for changes. Reason: See the comments." in page
    assert "commented on Cambodia" in page and "Which law is this?" in page

    # The focal point replies and submits again: the reviewer is told of both.
    root = db.session.scalar(select(ReviewComment).where(ReviewComment.body == "Which law is this?"))
    mark = last_mail_id()
    login_as(client, focal)
    client.post(f"/responses/{response.id}/comments", data={"body": "The 2019 act.",
                                                             "parent_id": root.id})
    client.post(f"/responses/{response.id}/submit")
    assert subjects(reviewer.email, mark) == [
        "New comment on Cambodia's response to “Round X”",
        "Cambodia submitted its response to “Round X”"]

    # Approval: the focal point is told; later reminders leave an approved response alone.
    mark = last_mail_id()
    login_as(client, reviewer)
    client.post(f"/responses/{response.id}/approve", data={"confirmed": "yes"})
    assert subjects(focal.email, mark) == ["Your response to “Round X” was approved"]
    assert "was approved by the working group" in page_of(client, focal)
    mark = last_mail_id()
    send_due(dt.datetime.combine(closes - dt.timedelta(days=7), dt.time(7)))
    db.session.commit()
    assert inbox(focal.email, mark) == []
