"""Focal points fill in the questionnaire in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Response, ResponseStatus
from tests.survey.answering.test_answering import response_of

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]

TEXT = {"short_text": "Ministry of Justice", "long_text": "Figures from the case system.",
        "integer": "3", "decimal": "1500", "percentage": "40", "year": "2019"}


def fill_visible(page, overrides: dict[str, str] | None = None) -> int:
    """Answer every question shown on the page the way a person would; returns how many."""
    overrides = overrides or {}
    ids = page.locator("[data-question]").evaluate_all("els => els.map(e => e.dataset.question)")
    filled = 0
    for qid in ids:
        block = page.locator(f"#q-{qid}")
        if not block.is_visible():
            continue  # skipped by an earlier answer
        kind = block.get_attribute("data-type")
        if qid in overrides:
            value = overrides[qid]
            target = block.locator(f'input[name="{qid}"][value="{value}"]')
            if target.count():
                target.check()
            else:
                block.locator(f'[name="{qid}"]').fill(value)
        elif kind in ("yes_no_partial", "yes_no", "single_choice", "multiple_choice"):
            block.locator(f'input[name="{qid}"]').first.check()
        elif kind == "legal_reference":
            block.get_by_label("Law or instrument").fill("Penal Code")
            block.get_by_label("Article or section").fill("s. 12")
            block.get_by_label("Year").fill("2008")
        else:
            block.locator(f'[name="{qid}"]').fill(TEXT[kind])
        filled += 1
    return filled


@pytest.fixture
def vnm(make_user, demo):
    """A focal point of a member that has not started the open round (no previous answers)."""
    user = make_user("focal_point", "VNM", email="focal.vnm@example.org",
                     password="correct horse battery")
    return user, response_of("VNM")


def test_full_fill_in_with_skip_logic_save_logout_resume_and_submit(page, vnm):
    user, response = vnm
    log_in(page, user.email, "correct horse battery")
    expect(page.get_by_role("heading", name="Viet Nam: your questionnaires")).to_be_visible()
    page.get_by_role("link", name="Start answering").first.click()
    expect(page.get_by_role("heading", name="About this response", exact=False)).to_be_visible()
    fill_visible(page)
    page.get_by_role("button", name=re.compile("Save and go to")).click()

    # Legal: skip logic hides the follow-up questions live as the person answers.
    expect(page.get_by_role("heading", name="Legislative and policy frameworks")).to_be_visible()
    ref = page.locator("#q-leg_tip_offence_ref")
    page.locator("#q-leg_tip_offence").get_by_label("No", exact=True).check()
    expect(ref).to_be_hidden()
    page.locator("#q-leg_tip_offence").get_by_label("Yes", exact=True).check()
    expect(ref).to_be_visible()
    expect(page.locator("#q-leg_rating_r3")).to_be_hidden()
    page.locator("#leg_me_year").fill("2019")
    expect(page.locator("#q-leg_rating_r3")).to_be_visible()
    fill_visible(page, {"leg_me_year": "2019"})
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    expect(page.locator('[data-progress-for="legal"]')).to_have_text("23 of 23 required")
    page.get_by_role("button", name=re.compile("Save and go to")).click()

    # Operational: no trafficking investigations, so the follow-up count is skipped.
    fill_visible(page, {"op_tip_investigations": "0"})
    expect(page.locator("#q-op_tip_fin_inv")).to_be_hidden()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()

    # Log out, come back later, resume where the work stopped.
    page.get_by_role("button", name="Log out").click()
    log_in(page, user.email, "correct horse battery")
    card = page.locator("section.card", has_text="2026 capability survey")
    expect(card.get_by_role("row", name=re.compile("Operational"))).to_contain_text("of")
    card.get_by_role("link", name="Continue answering").click()
    page.get_by_role("link", name=re.compile("Cooperation")).click()
    expect(page.locator("#q-op_tip_fin_inv")).to_have_count(0)
    fill_visible(page)
    page.get_by_role("button", name="Save and review").click()

    expect(page.get_by_role("heading", name="Every required question is answered")).to_be_visible()
    page.get_by_role("button", name="Submit the response").click()
    expect(page.get_by_role("heading", name="Response submitted")).to_be_visible()
    db.session.expire_all()
    stored = db.session.get(Response, response.id)
    assert stored.status is ResponseStatus.SUBMITTED and stored.submitted_by_id == user.id
    tip_fin = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                     Answer.question_id == "op_tip_investigations"))
    assert tip_fin.value == 0
    # Locked: the section page is read-only now.
    page.goto(f"/responses/{response.id}/sections/legal")
    expect(page.get_by_text("submitted and locked")).to_be_visible()
    expect(page.locator("#leg_tip_offence-0")).to_be_disabled()


def test_two_focal_points_edit_the_same_answer_and_resolve_the_conflict(browser, live_server, demo):
    tha = response_of("THA")
    url = f"/responses/{tha.id}/sections/cooperation"
    pages = []
    for email in ("focal.tha@example.org", "focal2.tha@example.org"):
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        p = context.new_page()
        p.set_default_timeout(10_000)
        log_in(p, email, demo[email])
        p.goto(url)
        pages.append(p)
    somchai, malee = pages
    field = "#q-coop_mla_sent"

    somchai.locator("#coop_mla_sent").fill("5")
    somchai.keyboard.press("Tab")
    expect(somchai.locator(field).locator(".q-status")).to_have_text("Saved")

    malee.locator("#coop_mla_sent").fill("9")
    malee.keyboard.press("Tab")
    box = malee.locator(field).locator(".conflict")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Somchai, Thailand (demo)")
    expect(box.locator("dd").first).to_contain_text("5")
    expect(box.locator("dd").nth(1)).to_contain_text("9")
    db.session.expire_all()
    assert _value(tha, "coop_mla_sent") == 5          # nothing overwritten yet
    box.get_by_role("button", name="Keep my answer").click()
    expect(malee.locator(field).locator(".q-status")).to_have_text("Saved")
    assert _value(tha, "coop_mla_sent") == 9

    # Somchai, still on his old page, changes it again: he sees Malee's 9 and takes it.
    somchai.locator("#coop_mla_sent").fill("6")
    somchai.keyboard.press("Tab")
    box = somchai.locator(field).locator(".conflict")
    expect(box).to_contain_text("Malee, Thailand (demo)")
    box.get_by_role("button", name="Use the saved answer").click()
    expect(somchai.locator("#coop_mla_sent")
           ).to_have_value("9")
    assert _value(tha, "coop_mla_sent") == 9
    # And his next change saves cleanly on top of the version he now holds.
    somchai.locator("#coop_mla_sent").fill("10")
    somchai.keyboard.press("Tab")
    expect(somchai.locator(field).locator(".q-status")).to_have_text("Saved")
    assert _value(tha, "coop_mla_sent") == 10
    for p in pages:
        p.context.close()


def _value(response, qid):
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_id == qid))
    return answer.value if answer else None


def test_focal_point_of_another_country_is_refused(page, demo):
    tha = response_of("THA")
    log_in(page, "focal.fji@example.org", demo["focal.fji@example.org"])
    reply = page.goto(f"/responses/{tha.id}/sections/legal")
    assert reply.status == 403
    expect(page.locator("#section-form")).to_have_count(0)
    assert page.goto(f"/responses/{tha.id}/summary").status == 403
    page.goto("/")
    expect(page.get_by_role("heading", name="Fiji: your questionnaires")).to_be_visible()
    expect(page.get_by_text("Thailand")).to_have_count(0)


def test_expired_session_keeps_what_was_typed(page, demo):
    tha = response_of("THA")
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{tha.id}/sections/cooperation")
    page.context.clear_cookies()  # the session expires while the person is typing
    box = page.locator("#q-coop_treaties")
    box.get_by_role("textbox").first.fill("14")
    page.keyboard.press("Tab")
    expect(box.locator(".q-status")).to_contain_text("Your session has expired")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Log in again and what you typed will be saved.")).to_be_visible()
    page.get_by_label("E-mail").fill("focal.tha@example.org")
    page.get_by_label("Password").fill(demo["focal.tha@example.org"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("What you typed before your session expired has been saved")).to_be_visible()
    expect(page.locator("#q-coop_treaties").get_by_role("textbox").first).to_have_value("14")
    assert _value(tha, "coop_treaties") == 14


def test_section_page_fits_a_phone_and_is_keyboard_usable(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{response_of('THA').id}/sections/legal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    context.close()
