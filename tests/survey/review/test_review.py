"""The working group's review pages: tracker, review, decisions, comments, notifications."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent, Notification, ResponseStatus, ReviewComment, StatusChange
from tests.conftest import login_as
from tests.survey.review.review_helpers import response_of, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

REVIEWER = "reviewer@example.org"


def as_user(client, email):
    login_as(client, user(email))
    return client


# ---------------------------------------------------------------- tracker

def test_tracker_lists_every_member_with_counts_and_filters(client, demo):
    as_user(client, REVIEWER)
    rnd = round_named()
    page = client.get(f"/rounds/{rnd.id}/tracker").get_data(as_text=True)
    assert page.count('<tr class="row-') == 45
    assert '<span class="count">5</span> Approved' in page
    assert '<span class="count">35</span> Not started' in page
    assert "Maria, Philippines (demo)" in page and "days to closing" in page
    filtered = client.get(f"/rounds/{rnd.id}/tracker?subregion=Pacific&status=approved").get_data(
        as_text=True)
    assert filtered.count('<tr class="row-') == 2          # Australia and New Zealand
    assert "Australia" in filtered and "Singapore" not in filtered
    bad = client.get(f"/rounds/{rnd.id}/tracker?status=nonsense")   # ignored, not an error
    assert bad.status_code == 200 and bad.get_data(as_text=True).count('<tr class="row-') == 45


@pytest.mark.parametrize("email, code", [(None, 302), ("focal.tha@example.org", 403),
                                         ("analyst@example.org", 200), ("admin@example.org", 200)])
def test_tracker_access_by_role(client, demo, email, code):
    if email:
        as_user(client, email)
    rnd = round_named()
    assert client.get(f"/rounds/{rnd.id}/tracker").status_code == code
    assert client.get(f"/rounds/{rnd.id}/tracker.xlsx").status_code == code


def test_tracker_spreadsheet_keeps_formula_like_text_as_text(client, demo):
    focal = user("focal.tha@example.org")
    focal.display_name = "=HYPERLINK(\"http://evil.example\",\"x\")"
    db.session.commit()
    as_user(client, REVIEWER)
    rnd = round_named()
    reply = client.get(f"/rounds/{rnd.id}/tracker.xlsx")
    assert reply.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in reply.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(reply.data)).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 45
    thailand = rows["THA"]
    assert thailand[3] == "In progress" and thailand[5] > 0
    cell = next(c for c in sheet[next(i for i, r in enumerate(sheet.iter_rows(values_only=True), 1)
                                      if r[1] == "THA")] if c.column == 9)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")   # text, not a formula
    assert cell.quotePrefix


# ---------------------------------------------------------------- review page

def test_review_page_shows_answers_evidence_and_previous_round_with_changes(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "Review: Indonesia" in page
    assert "2025 capability survey (pilot)" in page         # the previous round's column
    assert 'class="changed' in page and "Changed" in page
    assert "Evidence" in page
    assert "Approve" in page and "Return to country" in page
    assert "Status history" in page and "Submitted" in page


@pytest.mark.parametrize("email, code", [(None, 302), ("focal.tha@example.org", 403),
                                         ("focal.phl@example.org", 403),
                                         ("analyst@example.org", 200), (REVIEWER, 200)])
def test_review_page_access_by_role(client, demo, email, code):
    if email:
        as_user(client, email)
    assert client.get(f"/responses/{response_of('IDN').id}/review").status_code == code


def test_analyst_sees_the_review_but_cannot_decide(client, demo):
    as_user(client, "analyst@example.org")
    response = response_of("IDN")
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "Return to country" not in page
    assert client.post(f"/responses/{response.id}/approve").status_code == 403
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED


def test_return_with_comment_notifies_focal_points_then_approve(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")       # submitted in the demo
    empty = client.post(f"/responses/{response.id}/return", data={"reason": "  "},
                        follow_redirects=True)
    assert "Give a reason" in empty.get_data(as_text=True)
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED

    reply = client.post(f"/responses/{response.id}/return",
                        data={"reason": "Please cite the confiscation law.", "confirmed": "yes"},
                        follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert "the response is now returned" in page
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED
    comment = db.session.scalar(select(ReviewComment).where(ReviewComment.response_id == response.id))
    assert comment.body == "Please cite the confiscation law." and comment.question_id is None
    change = db.session.scalars(select(StatusChange).where(StatusChange.response_id == response.id)
                                .order_by(StatusChange.id.desc())).first()
    assert (change.to_status, change.reason, change.by.email) == (
        ResponseStatus.RETURNED, "Please cite the confiscation law.", REVIEWER)
    assert "Please cite the confiscation law." in page     # status history shows why

    # approving a returned response is refused with a message
    refused = client.post(f"/responses/{response.id}/approve", follow_redirects=True)
    assert "cannot become approved" in refused.get_data(as_text=True)


def test_returning_a_country_without_focal_points_still_works(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")       # no focal point registered in the demo
    client.post(f"/responses/{response.id}/return", data={"reason": "Check figures.",
                                                         "confirmed": "yes"})
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED
    assert db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.response_id == response.id)) == 0


def test_focal_point_is_notified_and_sees_unread_count(client, demo, make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org")
    as_user(client, REVIEWER)
    response = response_of("IDN")
    client.post(f"/responses/{response.id}/return", data={"reason": "Check figures.",
                                                         "confirmed": "yes"})
    note = db.session.scalar(select(Notification).where(Notification.user_id == focal.id))
    assert "returned" in note.message and note.link == f"/responses/{response.id}/comments"
    login_as(client, focal)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "1 new notification" in home
    assert f'href="/responses/{response.id}/comments"' in home           # the focal point's own menu
    assert "Round tracker" not in home
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Check figures." in listing
    opened = client.post("/notifications/read", data={"id": note.id, "link": note.link})
    assert opened.status_code == 302 and opened.location.endswith(note.link)
    assert "new notification" not in client.get("/").get_data(as_text=True)


def test_approve_and_reopen_with_reason(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")
    client.post(f"/responses/{response.id}/approve", data={"confirmed": "yes"})
    db.session.refresh(response)
    assert response.status is ResponseStatus.APPROVED and response.approved_at is not None
    again = client.post(f"/responses/{response.id}/approve", follow_redirects=True)
    assert "Nothing changed" in again.get_data(as_text=True)
    no_reason = client.post(f"/responses/{response.id}/reopen", data={"reason": ""},
                            follow_redirects=True)
    assert "Give a reason" in no_reason.get_data(as_text=True)
    db.session.refresh(response)
    assert response.status is ResponseStatus.APPROVED
    client.post(f"/responses/{response.id}/reopen", data={"reason": "New law passed in March."})
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED and response.approved_at is None
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "Reopened: New law passed in March." in page
    actions = db.session.scalars(select(AuditEvent.new_value).where(
        AuditEvent.response_id == response.id, AuditEvent.action == "response.status")).all()
    assert actions[-2:] == ["approved", "returned"]


def test_reopen_refused_unless_approved_and_for_focal_points(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")
    refused = client.post(f"/responses/{response.id}/reopen", data={"reason": "x"},
                          follow_redirects=True)
    assert "Only an approved response can be reopened" in refused.get_data(as_text=True)
    approved = response_of("MYS")
    as_user(client, "focal.tha@example.org")
    assert client.post(f"/responses/{approved.id}/reopen", data={"reason": "x"}).status_code == 403
    assert client.post(f"/responses/{approved.id}/return", data={"reason": "x"}).status_code == 403


def test_decisions_need_csrf(client, demo):
    as_user(client, REVIEWER)
    response = response_of("IDN")
    assert client.post(f"/responses/{response.id}/approve", csrf=False).status_code == 400
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED


# ---------------------------------------------------------------- comments

def test_reviewer_comments_on_a_question_and_focal_point_replies_and_resolves(client, demo):
    as_user(client, REVIEWER)
    response = response_of("PHL")          # returned in the demo
    reply = client.post(f"/responses/{response.id}/comments",
                        data={"body": "Which article?", "question_id": "leg_tip_offence_ref"})
    assert reply.status_code == 302
    root = db.session.scalar(select(ReviewComment).where(
        ReviewComment.question_id == "leg_tip_offence_ref"))
    assert root.author.email == REVIEWER

    as_user(client, "focal.phl@example.org")
    page = client.get(f"/responses/{response.id}/comments").get_data(as_text=True)
    assert "Which article?" in page and "Reviewer, working group (demo)" in page
    assert "Please add the citation for the confiscation law" in page   # whole-submission thread
    client.post(f"/responses/{response.id}/comments",
                data={"body": "Section 4 of the 2012 Act.", "parent_id": root.id})
    answer = db.session.scalar(select(ReviewComment).where(ReviewComment.parent_id == root.id))
    assert answer.question_id == "leg_tip_offence_ref" and answer.author.email == "focal.phl@example.org"
    client.post(f"/comments/{answer.id}/resolve", data={"resolved": "1"})
    db.session.refresh(root)
    assert root.resolved_at is not None and root.resolved_by_id == user("focal.phl@example.org").id
    page = client.get(f"/responses/{response.id}/comments").get_data(as_text=True)
    assert "Resolved" in page and "Section 4 of the 2012 Act." in page


def test_comment_errors_are_explained_and_nothing_saved(client, demo):
    as_user(client, REVIEWER)
    response = response_of("PHL")
    before = db.session.scalar(select(func.count(ReviewComment.id)))
    blank = client.post(f"/responses/{response.id}/comments", data={"body": "   "},
                        follow_redirects=True)
    assert "Write a comment" in blank.get_data(as_text=True)
    unknown = client.post(f"/responses/{response.id}/comments",
                          data={"body": "x", "question_id": "nope"}, follow_redirects=True)
    assert "Unknown question" in unknown.get_data(as_text=True)
    other = response_of("IDN")
    phl_comment = db.session.scalar(select(ReviewComment.id).where(
        ReviewComment.response_id == response.id))
    wrong_parent = client.post(f"/responses/{other.id}/comments",
                               data={"body": "x", "parent_id": phl_comment}, follow_redirects=True)
    assert "does not exist on this response" in wrong_parent.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReviewComment.id))) == before


def test_focal_points_comment_only_on_their_own_returned_response(client, demo):
    phl, tha, mys = response_of("PHL"), response_of("THA"), response_of("MYS")
    comment_id = db.session.scalar(select(ReviewComment.id).where(ReviewComment.response_id == phl.id))
    as_user(client, "focal.tha@example.org")
    assert client.get(f"/responses/{phl.id}/comments").status_code == 403
    assert client.post(f"/responses/{phl.id}/comments", data={"body": "hi"}).status_code == 403
    assert client.post(f"/comments/{comment_id}/resolve").status_code == 403
    assert client.get(f"/responses/{tha.id}/comments").status_code == 200   # own: may read
    assert client.post(f"/responses/{tha.id}/comments", data={"body": "hi"}).status_code == 403
    as_user(client, "analyst@example.org")
    assert client.get(f"/responses/{mys.id}/comments").status_code == 200
    assert client.post(f"/responses/{mys.id}/comments", data={"body": "hi"}).status_code == 403
    assert db.session.scalar(select(func.count(ReviewComment.id)).where(
        ReviewComment.body == "hi")) == 0


def test_anonymous_is_sent_to_login_for_comments_and_notifications(client, demo):
    phl = response_of("PHL")
    assert client.get(f"/responses/{phl.id}/comments").status_code == 302
    assert client.post(f"/responses/{phl.id}/comments", data={"body": "x"}).status_code == 302
    assert client.get("/notifications").status_code == 302


def test_comment_next_parameter_cannot_leave_the_site(client, demo):
    as_user(client, REVIEWER)
    phl = response_of("PHL")
    reply = client.post(f"/responses/{phl.id}/comments",
                        data={"body": "ok", "next": "//evil.example/x"})
    assert reply.location.startswith(f"/responses/{phl.id}/review")


def test_the_comment_macro_renders_threads_for_one_question(app, demo):
    from flask import render_template_string

    from survey.review.services import add_comment, threads_of

    phl = response_of("PHL")
    add_comment(phl, user(REVIEWER), "Cite the law <please>", question_id="leg_ml_offence_ref")
    db.session.commit()
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "review/_comments.html" import comment_threads with context %}'
            '{{ comment_threads(response, threads.get("leg_ml_offence_ref", []), '
            '"leg_ml_offence_ref", true, next="/x") }}',
            response=phl, threads=threads_of(phl))
    assert "Cite the law &lt;please&gt;" in html
    assert 'name="parent_id"' in html and "Mark resolved" in html and 'name="next" value="/x"' in html


def _count_queries(app, fn) -> int:
    from sqlalchemy import event

    seen = []

    def count(*args):
        seen.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_pages_do_not_query_per_row(app, client, demo):
    """The tracker lists 45 members and the review page 69 questions: queries stay flat."""
    from survey.review.services import add_comment

    as_user(client, REVIEWER)
    rnd = round_named()
    phl = response_of("PHL")
    for qid in ("leg_tip_offence", "leg_ml_offence", "op_fiu", "coop_mla_sent"):
        add_comment(phl, user(REVIEWER), f"Check {qid}", question_id=qid)
        db.session.commit()  # the comment limit is counted on a connection of its own
    tracker = _count_queries(app, lambda: client.get(f"/rounds/{rnd.id}/tracker"))
    review = _count_queries(app, lambda: client.get(f"/responses/{phl.id}/review"))
    assert tracker <= 15, tracker
    assert review <= 20, review


def test_admin_may_reopen_an_approved_response(client, demo):
    as_user(client, "admin@example.org")
    response = response_of("AUS")
    page = client.post(f"/responses/{response.id}/reopen", data={"reason": "Wrong year given"},
                       follow_redirects=True).get_data(as_text=True)
    assert "the response is now returned" in page and "Reopened: Wrong year given" in page
    db.session.refresh(response)
    assert response.status is ResponseStatus.RETURNED


def test_focal_point_sees_comments_beside_the_questions_of_a_returned_response(client, demo):
    as_user(client, REVIEWER)
    response = response_of("PHL")          # returned in the demo, with a whole-submission comment
    client.post(f"/responses/{response.id}/comments",
                data={"body": "Is self-laundering covered?", "question_id": "leg_ml_offence"})
    as_user(client, "focal.phl@example.org")
    page = client.get(f"/responses/{response.id}/sections/legal").get_data(as_text=True)
    assert "Comments from the working group" in page
    assert "Please add the citation for the confiscation law" in page
    question_block = page.index('id="q-leg_ml_offence"') if 'id="q-leg_ml_offence"' in page else 0
    assert page.index("Is self-laundering covered?") > question_block
    assert f'/responses/{response.id}/comments?question=leg_ml_offence' in page
    other = client.get(f"/responses/{response.id}/sections/operational").get_data(as_text=True)
    assert "Is self-laundering covered?" not in other
