"""Pages hold any content: a 220-character URL and a 5,000-character unbroken word in
every free-text field of a response (text answers, citations, evidence notes, comments,
the return reason, notifications) never make a page wider than the screen, at 1280 px
and on a 390 px phone (issue 15)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from questionnaires.definition import FREE_TEXT_TYPES
from survey.answering.responses import answers_of, definition_for
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import (
    Answer,
    Country,
    Notification,
    Response,
    ResponseStatus,
    ReviewComment,
    Round,
    StatusChange,
    User,
)

from .conftest import log_in

pytestmark = pytest.mark.browser

URL = ("https://www.example.org/" + "legislation/anti-money-laundering/" * 6)[:219] + "x"
WORD = "Pneumonoultramicroscopic" * 208 + "ABCDEFGH"
LONG = f"See {URL} and {WORD}"
WIDTHS = (1280, 390)


def _fill_every_free_text(iso3: str) -> tuple[Response, list[str]]:
    """Long content in every free-text field of ``iso3``'s response; its text questions."""
    response = db.session.scalar(select(Response).join(Country).join(Round).where(
        Country.iso3 == iso3, Round.name == CURRENT_ROUND))
    definition = definition_for(response)
    answers = answers_of(response)
    focal = db.session.scalar(select(User).where(User.email == f"focal.{iso3.lower()}@example.org"))
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    text_questions = []
    for q in definition.questions:
        if q.computed:
            continue
        answer = answers.get(q.id) or Answer(response_id=response.id, question_id=q.id,
                                            updated_by_id=focal.id)
        if q.type in FREE_TEXT_TYPES:
            answer.value = LONG[:q.kind.limit(q)]   # a text answer holds what its limit allows
            text_questions.append(q.id)
        elif q.type == "legal_reference":
            answer.value = {"instrument": LONG[:300], "article": WORD[:120], "year": 2020,
                            "url": URL}
            text_questions.append(q.id)
        answer.evidence = LONG                         # evidence is stored as given
        db.session.add(answer)
    db.session.add(StatusChange(response_id=response.id, from_status=ResponseStatus.SUBMITTED,
                                to_status=ResponseStatus.RETURNED, by_id=reviewer.id, reason=LONG))
    general = ReviewComment(response_id=response.id, author_id=reviewer.id, body=LONG)
    on_question = ReviewComment(response_id=response.id, author_id=reviewer.id, body=LONG,
                                question_id=text_questions[0])
    db.session.add_all([general, on_question])
    db.session.flush()
    db.session.add(ReviewComment(response_id=response.id, author_id=focal.id, body=LONG,
                                 parent_id=general.id))
    for user in (focal, reviewer):
        db.session.add(Notification(user_id=user.id, response_id=response.id, message=LONG,
                                    link=f"/responses/{response.id}/comments", kind="comment"))
    db.session.commit()
    return response, text_questions


def _too_wide(page, path: str) -> list[str]:
    """Where ``path`` is wider than its viewport at each width (empty: nowhere)."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(path)
        page.wait_for_load_state()
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            # Name the elements that stick out (those a scrolling box does not hold).
            culprits = page.evaluate("""() => {
                const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
                    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)
                        && p !== document.documentElement && p !== document.body) return true; }
                    return false; };
                return [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                                  && !clipped(el))
                    .slice(-4).map(el => el.tagName + '.' + el.className); }""")
            problems.append(f"{path} at {width} px: {scroll} px wide (sticking out: {culprits})")
    return problems


def test_long_words_and_urls_wrap_on_every_page(page, demo):
    response, text_questions = _fill_every_free_text("THA")
    rid, round_id = response.id, response.round_id
    definition = definition_for(response)
    problems: list[str] = []

    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    focal_pages = ["/", "/my-country", f"/responses/{rid}/summary", f"/responses/{rid}/comments",
                   f"/rounds/{round_id}/profiles/THA", "/notifications",
                   f"/responses/{rid}/questions/{text_questions[0]}/history"]
    focal_pages += [f"/responses/{rid}/sections/{s.id}" for s in definition.sections]
    for path in focal_pages:
        problems += _too_wide(page, path)
    page.get_by_role("button", name="Log out").click()

    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    for path in ["/", f"/rounds/{round_id}/tracker", f"/responses/{rid}/review",
                 f"/responses/{rid}/comments", f"/rounds/{round_id}/profiles/THA",
                 f"/rounds/{round_id}/overview", "/notifications"]:
        problems += _too_wide(page, path)
    assert not problems, "\n".join(problems)

    # The long content is on the pages, not cut or hidden (the review page shows it all).
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"/responses/{rid}/review")
    assert WORD in page.locator("main").inner_text()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
