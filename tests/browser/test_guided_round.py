"""Issue 15 in real Chromium: wide or irreversible actions ask first, with JavaScript on and
off; the pages that guide people (next steps, confirmations, the header's notification
link, the audit trail) are clean under axe-core (WCAG 2.1 A and AA)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import Country, Response, ResponseStatus, Round, RoundState, User
from survey.rounds import create_draft_round

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def tab(request, browser, live_server):
    """A browser tab with JavaScript on or off (CSP bypassed only so axe-core can be injected;
    with JavaScript off axe runs through Playwright's own evaluation, which still works)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server,
                                  java_script_enabled=request.param, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.js = request.param
    yield page
    context.close()


def _response(iso3: str) -> Response:
    return db.session.scalar(select(Response).join(Country, Response.country_id == Country.id)
                             .join(Round, Response.round_id == Round.id)
                             .where(Country.iso3 == iso3, Round.name == CURRENT_ROUND))


def _status(iso3: str) -> ResponseStatus:
    db.session.expire_all()
    return _response("IDN").status if iso3 == "IDN" else _response(iso3).status


def _check_axe(page) -> None:
    if page.js:  # axe-core needs script in the page; the markup is the same either way
        assert axe_violations(page) == []


def test_reviewer_confirms_return_and_approval(tab, demo, make_user):
    page = tab
    make_user("focal_point", "IDN", email="focal.idn@example.org", password="idn password 1")
    response = _response("IDN")
    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    page.goto(f"/responses/{response.id}/review")
    page.get_by_label("Return to the country with this comment").fill("Please cite the law.")
    page.get_by_role("button", name="Return to country").click()
    # The confirmation page: what happens, and the reason as the country will read it.
    expect(page.get_by_role("heading", name=re.compile("Return the response of Indonesia"))).to_be_visible()
    assert page.locator("blockquote.quoted").inner_text() == "Please cite the law."
    _check_axe(page)
    assert _status("IDN") is ResponseStatus.SUBMITTED            # nothing happened yet
    page.get_by_role("button", name="Yes, return to the country").click()
    expect(page.get_by_role("status").filter(has_text="the response is now returned")).to_be_visible()
    assert _status("IDN") is ResponseStatus.RETURNED

    # The focal point is told why, how many threads are open and where; the header's
    # unread count is readable on the navy header.
    page.get_by_role("button", name="Log out").click()
    log_in(page, "focal.idn@example.org", "idn password 1")
    step = page.locator(".next-step.returned")
    assert "Please cite the law." in step.inner_text()
    assert "1 comment thread is open." in step.inner_text()
    expect(page.get_by_role("link", name="1 new notification")).to_be_visible()
    _check_axe(page)
    response = _response("IDN")
    from survey.answering.responses import transition

    transition(response, ResponseStatus.SUBMITTED,
               db.session.scalar(select(User).where(User.email == "focal.idn@example.org")))
    db.session.commit()
    page.get_by_role("button", name="Log out").click()

    # Approving warns about the thread still open; Cancel leaves everything as it was.
    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    page.goto(f"/responses/{response.id}/review")
    page.get_by_role("button", name="Approve").click()
    warning = page.get_by_role("alert").filter(has_text="1 comment thread is still open")
    expect(warning).to_be_visible()
    _check_axe(page)
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name=re.compile("Review: Indonesia"))).to_be_visible()
    assert _status("IDN") is ResponseStatus.SUBMITTED
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Yes, approve").click()
    expect(page.get_by_role("status").filter(has_text="the response is now approved")).to_be_visible()
    assert _status("IDN") is ResponseStatus.APPROVED


def test_admin_confirms_opening_closing_and_deactivating(tab, demo):
    page = tab
    draft = create_draft_round("2027 capability survey", "ftm-capability:1")
    db.session.commit()
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.goto(f"/admin/rounds/{draft.id}")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("could answer the wrong one")).to_be_visible()     # twin round
    _check_axe(page)
    db.session.expire_all()
    assert db.session.get(Round, draft.id).state is RoundState.DRAFT
    page.get_by_role("button", name="Yes, open the round").click()
    expect(page.get_by_text("The round is open: focal points can answer now.")).to_be_visible()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_text("45 members have not submitted yet")).to_be_visible()
    page.get_by_role("button", name="Yes, close the round").click()
    expect(page.get_by_text("The round is closed: answers are locked.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Round, draft.id).state is RoundState.CLOSED

    focal = db.session.scalar(select(User).where(User.email == "focal.fji@example.org"))
    page.goto(f"/admin/users/{focal.id}")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("heading", name="Deactivate focal.fji@example.org?")).to_be_visible()
    _check_axe(page)
    db.session.expire_all()
    assert db.session.get(User, focal.id).active
    page.get_by_role("button", name="Yes, deactivate").click()
    expect(page.get_by_text("any open session has ended")).to_be_visible()
    db.session.expire_all()
    assert not db.session.get(User, focal.id).active

    # The trail says whom that was, in words; the page is clean too.
    page.goto("/admin/audit?action=user.deactivate")
    row = page.locator("table.audit tbody tr").first.inner_text()
    assert "Account focal.fji@example.org" in row and "Active → Deactivated" in row
    _check_axe(page)


def test_invitation_error_sits_under_the_country_field(page, demo):
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.goto("/admin/users")
    page.get_by_label("E-mail").fill("new.focal@example.org")
    page.get_by_label("Role").select_option("focal_point")
    page.get_by_role("button", name="Send invitation").click()
    country = page.get_by_label("Country (focal points only)")
    assert country.get_attribute("aria-invalid") == "true"
    error = page.locator("#" + country.get_attribute("aria-describedby"))
    assert error.inner_text() == "A focal point needs a country."
    assert page.get_by_text("--country").count() == 0
    email_field = page.get_by_label("E-mail")
    assert email_field.get_attribute("aria-invalid") is None
