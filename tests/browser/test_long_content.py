"""Pages hold any content: a 220-character URL and a 5,000-character unbroken word in
every free-text field of a response (text answers, citations, evidence notes, comments,
the return reason, notifications) never make a page wider than the screen, at 1280 px
and on a 390 px phone (issue 15)."""

from __future__ import annotations

import io
import re
import unicodedata

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
    page.goto(f"/responses/{rid}/summary")                # the page that prints the response
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
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
    for path in (f"/responses/{rid}/review", f"/rounds/{round_id}/profiles/THA"):
        page.goto(path)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"


MARGIN_TEXT = re.compile(r"Page \d+ of \d+|Bali Process WG-TIP · Following the Money capability survey"
                         r"|INTERNAL · not for publication")


def _printed(page, path: str) -> list[str]:
    """``path`` printed to PDF by Chromium as a person would (A4): the text of each page."""
    from pypdf import PdfReader

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path)
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    page.emulate_media(media="screen")
    for sheet in pdf.pages:
        width, height = float(sheet.mediabox.width), float(sheet.mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2          # A4 portrait
    # Text as read: ligatures ("ﬁ") back to letters.
    return [unicodedata.normalize("NFKC", sheet.extract_text()) for sheet in pdf.pages]


def _whole(texts: list[str]) -> str:
    """The printed body as one string: margins taken out, lines and spaces joined up."""
    return re.sub(r"\s+", "", MARGIN_TEXT.sub("", "".join(texts)))


def test_printed_profile_and_whole_response_keep_every_character(page, demo):
    response, _text_questions = _fill_every_free_text("THA")
    rid, round_id = response.id, response.round_id

    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    texts = _printed(page, f"/rounds/{round_id}/profiles/THA")
    first, pages = texts[0], len(texts)
    assert "Thailand: country profile" in first and "2026 capability survey" in first
    assert "Printed on" in first and "internal: for the working group" in first.lower()
    for number, text in enumerate(texts, start=1):      # every page: its number and marking
        assert f"Page {number} of {pages}" in text and "INTERNAL · not for publication" in text
    assert "Printorsaveas" not in _whole(texts)          # the page's buttons are not printed
    assert URL in _whole(texts)                          # a link is printed whole
    # Nothing runs off the paper: laid out for print at the width of A4 inside its margins
    # (182 mm, 688 px), no element of the profile is wider than the page.
    page.set_viewport_size({"width": 688, "height": 900})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= 688
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Log out").click()

    # The focal point prints the whole response for national clearance.
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{rid}/summary")
    assert page.get_by_role("button", name="Print the whole response or save it as PDF").is_visible()
    texts = _printed(page, f"/responses/{rid}/summary")
    assert "Thailand: whole response for national clearance" in texts[0]
    assert "Submittheresponse" not in _whole(texts)
    whole = _whole(texts)
    definition = definition_for(response)
    for section in definition.sections:                  # every section, with the notes
        assert re.sub(r"\s+", "", section.title.get("en")) in whole
    assert whole.count(WORD) >= len(_text_questions)
    page.get_by_role("button", name="Log out").click()

    # Another country's focal point cannot open it.
    other = db.session.scalar(select(User).where(User.email == "focal.fji@example.org"))
    log_in(page, other.email, demo[other.email])
    assert page.goto(f"/responses/{rid}/summary").status in (403, 404)
