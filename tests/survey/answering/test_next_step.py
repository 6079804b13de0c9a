"""A focal point's home page says what to do next and "Continue answering" goes there;
a reviewer sees which answers changed after a return."""

from __future__ import annotations

import re

import pytest

from survey.answering.responses import answers_of, save_answer
from survey.extensions import db
from survey.questionnaire_versions import definition_of
from tests.conftest import login_as
from tests.survey.review.review_helpers import response_of, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

REVIEWER = "reviewer@example.org"
YES = {"confirmed": "yes"}


def _second_section_question(response):
    """A question that is not in the first section: "Continue" must not mean section 1."""
    definition = definition_of(response.round.questionnaire)
    return definition.sections[1], definition.sections[1].questions[0]


def _return_with_comment(client, response, question):
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{response.id}/comments",
                data={"body": "Which law does this rest on?", "question_id": question.id})
    client.post(f"/responses/{response.id}/return",
                data={"reason": "Please name the law for question 2.1.", **YES})


def test_returned_response_says_why_how_many_comments_and_where_the_first_one_is(
        client, demo, make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org")
    response = response_of("IDN")                       # submitted in the demo
    section, question = _second_section_question(response)
    _return_with_comment(client, response, question)

    login_as(client, focal)
    home = client.get("/").get_data(as_text=True)
    assert "Your next step" in home
    assert "Please name the law for question 2.1." in home          # the reason
    # the question's thread and the reason (kept as a comment on the whole submission)
    assert "2 comment threads are open." in home
    target = f"/responses/{response.id}/sections/{section.id}#q-{question.id}"
    assert f'href="{target}"' in home
    assert f"Go to question {question.number}, the first with an open comment" in home
    # "Continue answering" goes to the same question, not to section 1
    assert client.get(f"/responses/{response.id}").headers["Location"].endswith(target)


def test_in_progress_response_continues_with_the_first_section_left_to_do(client, demo):
    login_as(client, user("focal.tha@example.org"))
    response = response_of("THA")                       # first section complete in the demo
    definition = definition_of(response.round.questionnaire)
    home = client.get("/my-country").get_data(as_text=True)
    title = definition.section("operational").title.get("en")
    assert f"Continue with “{title}”" in home
    assert f'href="/responses/{response.id}/sections/operational"' in home


def test_submitted_and_approved_responses_say_there_is_nothing_to_do_or_what_is_left(
        client, demo, make_user):
    login_as(client, make_user("focal_point", "IDN", email="focal.idn@example.org"))
    home = client.get("/").get_data(as_text=True)
    assert "the working group reviews it now" in home
    login_as(client, make_user("focal_point", "MYS", email="focal.mys@example.org"))
    home = client.get("/").get_data(as_text=True)
    assert "Approved. Decide on the country profile page whether the profile may be published." \
        in home


def test_reviewer_sees_which_answers_changed_since_the_return(client, demo, make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org")
    response = response_of("IDN")
    _section, question = _second_section_question(response)
    _return_with_comment(client, response, question)
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "0 answers changed since the response was returned" in page
    assert page.count("Changed since return</span>") == 0

    db.session.refresh(response)
    before = answers_of(response).get(question.id)
    save_answer(response, question.id, before.value if before else None, focal,
                evidence="Anti-Money Laundering Act 2010, article 3")
    db.session.commit()
    page = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "1 answer changed since the response was returned" in page
    row = re.search(rf'<tr id="q-{question.id}".*?</tr>', page, re.S).group(0)
    assert "Changed since return" in row
    assert page.count("Changed since return</span>") == 1
