"""A typed number the person's language does not settle is asked about, in real Chromium:
through the background save, and through the Save button without any script."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from questionnaires import parse_definition
from survey.extensions import db
from survey.models import Answer, Country, Response, User
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round
from tests.survey.answering.test_typed_numbers import (
    DEFINITION,
    LANGUAGES,
    NNBSP,
    said,
    saved_as,
    two_readings_fr,
)

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]
EMAIL = "focal.tha@example.org"


@pytest.fixture
def figures(app, demo):
    """Thailand's response to a round of number questions; the focal point writes French."""
    app.config["SURVEY_LANGUAGES"] = LANGUAGES
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    version, _ = register_definition(parse_definition(DEFINITION))
    round_ = open_round("Typed numbers round", version.key, actor=admin,
                        closes=dt.date.today() + dt.timedelta(days=30))
    db.session.scalar(select(User).where(User.email == EMAIL)).language = "fr"
    db.session.commit()
    response = db.session.scalar(
        select(Response).join(Country, Response.country_id == Country.id)
        .where(Response.round_id == round_.id, Country.iso3 == "THA"))
    return response, demo[EMAIL]


def stored(response: Response, qid: str):
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_id == qid))
    return None if answer is None else answer.value


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


def open_figures(page, response: Response) -> None:
    page.goto(f"/responses/{response.id}/sections/figures")
    expect(page.get_by_role("heading", name="Figures")).to_be_visible()


def test_autosave_asks_which_number_was_meant_and_saves_the_pick(browser, live_server, figures):
    response, password = figures
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)  # only so that axe-core can be injected
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, EMAIL, password)
        open_figures(page, response)
        block = page.locator("#q-ratio")
        field = block.locator('input[name="ratio"]')
        field.fill("1.500")
        field.press("Tab")  # leaving the field saves it in the background
        group = block.get_by_role("group", name=said("fr", "Which number did you mean?"))
        expect(group).to_be_visible()
        expect(block.get_by_role("alert")).to_have_text(two_readings_fr())
        expect(block.locator(".q-status")).to_have_text(
            said("fr", "Not saved yet: choose which number you meant."))
        assert "err-ratio" in field.get_attribute("aria-describedby")
        assert stored(response, "ratio") is None
        assert axe_violations(page) == []

        group.get_by_label("1,5").check()
        expect(block.locator(".saved-as")).to_have_text(saved_as("fr", "1,5"))
        expect(group).to_have_count(0)
        expect(block.get_by_role("alert")).to_be_hidden()
        assert "err-ratio" not in (field.get_attribute("aria-describedby") or "")
        assert stored(response, "ratio") == 1.5

        # A clear entry is saved at once and shown back written the French way.
        amount = page.locator('#q-amount input[name="amount"]')
        amount.fill("1 500 000,50")
        amount.press("Tab")
        expect(page.locator("#q-amount .saved-as")).to_have_text(
            saved_as("fr", f"1{NNBSP}500{NNBSP}000,5"))
        assert stored(response, "amount") == 1500000.5
        assert axe_violations(page) == []
    finally:
        context.close()


def test_skip_logic_compares_the_number_the_server_read(page, figures):
    """The script never parses a number: "1.500" typed in French into a count shows the
    follow-up question (more than 1000) once the background save has read it as 1500,
    where a reading in the browser would have taken it for 1.5."""
    response, password = figures
    log_in(page, EMAIL, password)
    open_figures(page, response)
    follow_up = page.locator("#q-count_note")
    expect(follow_up).to_be_hidden()
    count = page.locator('#q-count input[name="count"]')
    count.fill("999")  # plain digits read the same in every language
    expect(follow_up).to_be_hidden()
    count.fill("1.500")
    count.press("Tab")
    expect(page.locator("#q-count .saved-as")).to_have_text(saved_as("fr", f"1{NNBSP}500"))
    expect(follow_up).to_be_visible()
    assert stored(response, "count") == 1500
    page.reload()  # the stored number comes with the page
    expect(page.locator("#q-count_note")).to_be_visible()
    count = page.locator('#q-count input[name="count"]')
    count.fill("12,5")  # not a whole number: refused, so it no longer counts as 1500
    count.press("Tab")
    expect(page.locator("#err-count")).to_contain_text(
        said("fr", "This question asks for a whole number: type it without decimals, for "
                   "example %(example)s or %(plain)s.").split(":")[0])
    expect(page.locator("#q-count_note")).to_be_hidden()


def test_without_script_the_page_asks_and_the_pick_is_saved(browser, live_server, figures):
    response, password = figures
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, EMAIL, password)
        open_figures(page, response)
        page.locator('input[name="ratio"]').fill("1.500")
        page.locator('input[name="agency"]').fill("AMLO")
        page.get_by_role("button", name=said("fr", "Save"), exact=True).click()
        block = page.locator("#q-ratio")
        group = block.get_by_role("group", name=said("fr", "Which number did you mean?"))
        expect(group).to_be_visible()
        expect(block.locator('input[name="ratio"]')).to_have_value("1.500")
        assert stored(response, "ratio") is None and stored(response, "agency") == "AMLO"

        group.get_by_label(f"1{NNBSP}500").check()
        page.get_by_role("button", name=said("fr", "Save"), exact=True).click()
        expect(page.get_by_text(said("fr", "Your answers are saved."))).to_be_visible()
        expect(page.locator("#q-ratio .saved-as")).to_have_text(saved_as("fr", f"1{NNBSP}500"))
        expect(page.locator('input[name="ratio"]')).to_have_value(f"1{NNBSP}500")
        assert stored(response, "ratio") == 1500
    finally:
        context.close()


def test_the_page_that_asks_is_accessible(browser, live_server, figures):
    """The question as the server renders it after a Save (the page without script shows the
    same markup), checked by axe-core."""
    response, password = figures
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, EMAIL, password)
        open_figures(page, response)
        page.locator('input[name="amount"]').fill("1,5 million")
        page.locator('input[name="ratio"]').fill("1.500")
        # Post the page without waiting for the background saves (they ask the same).
        page.evaluate("document.getElementById('section-form').submit()")
        page.wait_for_load_state()
        question = said("fr", "Which number did you mean?")
        expect(page.locator("#q-ratio").get_by_role("group", name=question)).to_be_visible()
        expect(page.locator("#err-amount")).to_contain_text(said(
            "fr", "Type the number in digits only, without words or letters, for example "
                  "%(example)s or %(plain)s.").split(",")[0])
        assert axe_violations(page) == []
    finally:
        context.close()
