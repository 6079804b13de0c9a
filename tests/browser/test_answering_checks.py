"""A warning beside two figures, confirmed in real Chromium; the pages pass axe-core
(WCAG 2.1 A and AA) with the warning shown and on the summary page."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, WarningConfirmation
from tests.survey.answering.test_answering import response_of
from tests.survey.answering.test_checks import V2_ROUND, open_v2_round

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.response["testEngine"]["name"] == "axe-core"  # it ran on this page
    assert results.response["url"] == page.url
    assert results.violations_count == 0, results.generate_report()


def confirmations(response_id: int) -> list[WarningConfirmation]:
    db.session.expire_all()
    return list(db.session.scalars(select(WarningConfirmation)
                                   .where(WarningConfirmation.response_id == response_id)))


def test_warning_appears_beside_both_figures_and_one_tick_confirms_it(page, demo):
    open_v2_round()
    response = response_of("THA", V2_ROUND)
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{response.id}/sections/operational")
    prosecuted, convicted = page.locator("#q-op_tip_persons_prosecuted"), page.locator(
        "#q-op_tip_persons_convicted")
    prosecuted.get_by_role("textbox").first.fill("4")
    convicted.get_by_role("textbox").first.fill("9")
    convicted.get_by_role("textbox").first.press("Tab")  # change: the background save runs

    # The server's warning shows beside both figures, each with its own confirmation box.
    for block in (prosecuted, convicted):
        expect(block.get_by_text("More persons were convicted of trafficking")).to_be_visible()
    box_here = convicted.get_by_label("I confirm this figure is correct")
    box_there = prosecuted.get_by_label("I confirm this figure is correct")
    expect(box_here).not_to_be_checked()
    assert_accessible(page)

    box_here.check()
    expect(box_there).to_be_checked()  # one warning, one tick
    expect(convicted.locator(".q-status")).to_have_text("Confirmation saved")
    rows = confirmations(response.id)
    assert [(r.warning_id, r.values) for r in rows] == [("tip_convictions_vs_prosecutions", [4, 9])]
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.response_id == response.id, AuditEvent.action == "answer.warning_confirm"))
    assert event.user.email == "focal.tha@example.org"

    # A new figure needs a new confirmation: the box comes back unticked.
    convicted.get_by_role("textbox").first.fill("11")
    convicted.get_by_role("textbox").first.press("Tab")
    expect(convicted.get_by_text("(11 persons, question 48)")).to_be_visible()
    expect(convicted.get_by_label("I confirm this figure is correct")).not_to_be_checked()

    page.goto(f"/responses/{response.id}/summary")
    expect(page.get_by_role("heading", name="Not ready to submit")).to_be_visible()
    expect(page.get_by_role("link", name="Question 47")).to_be_visible()
    assert_accessible(page)
