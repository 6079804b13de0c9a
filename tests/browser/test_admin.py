"""An administrator runs a round and the accounts from the browser, under the strict CSP."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]

BUNDLED = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions" / "ftm-capability-v1.yaml"


def _watch_csp(page) -> list[str]:
    """Collect any Content-Security-Policy violation the browser reports."""
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return violations


def test_admin_runs_a_round_from_draft_to_archive(page, demo):
    violations = _watch_csp(page)
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Rounds").first.click()
    page.get_by_label("Name").fill("2027 capability survey")
    page.get_by_label("Opening date").fill("2027-02-01")
    page.get_by_label("Closing date").fill("2027-01-01")
    page.get_by_role("button", name="Create draft round").click()
    expect(page.get_by_text("The closing date must be on or after the opening date.")).to_be_visible()
    page.get_by_label("Closing date").fill("2027-04-30")
    page.get_by_role("button", name="Create draft round").click()
    expect(page.get_by_role("heading", name="2027 capability survey")).to_be_visible()
    expect(page.get_by_text("Draft: only administrators see this round.")).to_be_visible()

    page.get_by_label("Closing date").fill("2027-05-31")
    page.get_by_role("button", name="Save dates").click()
    expect(page.get_by_text("Dates saved.")).to_be_visible()
    page.get_by_role("button", name="Open the round").click()
    # Another round of the same questionnaire is open: the confirmation page says so.
    expect(page.get_by_role("heading", name="Open “2027 capability survey”?")).to_be_visible()
    expect(page.get_by_text("“2026 capability survey” is open too")).to_be_visible()
    page.get_by_role("button", name="Yes, open the round").click()
    expect(page.get_by_text("The round is open: focal points can answer now.")).to_be_visible()
    expect(page.get_by_text("45 members have not submitted yet.")).to_be_visible()
    emails = page.get_by_label("Focal points’ e-mails", exact=False).input_value()
    assert "focal.tha@example.org" in emails and "focal.fji@example.org" in emails
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename.startswith("reminders-round-")

    page.get_by_role("button", name="Close the round").click()
    page.get_by_role("button", name="Yes, close the round").click()
    expect(page.get_by_text("The round is closed: answers are locked.")).to_be_visible()
    page.get_by_role("button", name="Archive the round").click()
    page.get_by_role("button", name="Yes, archive the round").click()
    expect(page.get_by_text("The round is archived.")).to_be_visible()
    assert page.get_by_role("button", name="Reopen for late edits").count() == 0

    page.get_by_role("link", name="Rounds").first.click()
    row = page.get_by_role("row", name=re.compile("2027 capability survey"))
    expect(row.get_by_text("Archived")).to_be_visible()
    page.goto("/admin/audit?action=round.archive")
    expect(page.get_by_text("1 event")).to_be_visible()
    assert violations == []


def test_invited_person_sets_a_password_and_is_shut_out_when_deactivated(page, browser, demo):
    violations = _watch_csp(page)
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.goto("/admin/users")
    page.get_by_label("E-mail").fill("new.reviewer@example.org")
    page.get_by_label("Name", exact=True).fill("Ana (working group)")
    page.get_by_label("Role").select_option("reviewer")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_text("Invitation sent to new.reviewer@example.org").is_visible()

    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="Your account for the Bali Process capability survey").first.click()
    body = page.locator(".mail-body").inner_text()
    link = re.search(r"http://\S+/invitation/\S+", body).group(0)

    other = browser.new_context(base_url=page.url.split("/admin")[0])
    invited = other.new_page()
    invited.goto(link)
    invited.get_by_label("New password").fill("a long pass phrase")
    invited.get_by_label("Repeat the password").fill("a long pass phrase")
    invited.get_by_role("button", name="Set password").click()
    # Wait for the page after the post (is_visible alone does not wait; flaky under load).
    expect(invited.get_by_text("Your password is set.")).to_be_visible()
    log_in(invited, "new.reviewer@example.org", "a long pass phrase")
    assert invited.get_by_role("heading", name="Survey rounds").is_visible()
    assert invited.get_by_role("link", name="Administration").count() == 0
    invited.goto("/admin/users")
    assert invited.get_by_role("heading", name="You do not have access to this page").is_visible()

    # The link was spent.
    invited.goto(link)
    assert invited.get_by_role("heading", name="This link does not work any more").is_visible()
    log_in(invited, "new.reviewer@example.org", "a long pass phrase")

    page.goto("/admin/users")
    page.get_by_role("link", name="new.reviewer@example.org").click()
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("button", name="Yes, deactivate").click()
    expect(page.get_by_text("any open session has ended")).to_be_visible()
    invited.goto("/")
    assert "/login" in invited.url
    other.close()
    assert violations == []


def test_admin_checks_a_definition_file_and_previews_it(page, demo, tmp_path):
    violations = _watch_csp(page)
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.goto("/admin/questionnaires")
    bad = tmp_path / "broken.yaml"
    bad.write_text(BUNDLED.read_text(encoding="utf-8").replace("\nversion: 1\n", "\nversion: 3\n", 1)
                   .replace("type: short_text\n        max_length: 300",
                            "type: shorttext\n        max_length: 300", 1), encoding="utf-8")
    page.get_by_label("Definition file (YAML)").set_input_files(str(bad))
    page.get_by_role("button", name="Check and store").click()
    alert = page.get_by_role("alert")
    assert "The file was not stored" in alert.inner_text()
    assert "inst_lead_agency" in alert.inner_text()

    good = tmp_path / "ftm-capability-v3.yaml"
    good.write_text(BUNDLED.read_text(encoding="utf-8").replace("\nversion: 1\n", "\nversion: 3\n", 1),
                    encoding="utf-8")
    page.get_by_label("Definition file (YAML)").set_input_files(str(good))
    page.get_by_role("button", name="Check and store").click()
    assert page.get_by_text("The definition is valid and stored as ftm-capability:3.").is_visible()
    assert page.get_by_text("Preview: the questionnaire as a focal point sees it.").is_visible()
    field = page.locator('[name="inst_lead_agency"]')
    assert field.is_visible() and field.is_disabled()
    page.get_by_role("link", name="Questionnaires").first.click()
    assert page.get_by_role("row", name=re.compile("ftm-capability:3")).get_by_text("Uploaded").is_visible()
    assert violations == []


def test_focal_point_has_no_administration(page, demo):
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    assert page.get_by_role("link", name="Administration").count() == 0
    page.goto("/admin/rounds")
    assert page.get_by_role("heading", name="You do not have access to this page").is_visible()


def test_forgot_password_from_the_login_page(page, demo):
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill("nobody@example.org")
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_text("If an active account uses this address").is_visible()
    assert page.get_by_role("heading", name="Log in").is_visible()


def test_the_pages_of_every_role_satisfy_the_content_security_policy(page, demo):
    """Chromium reports any inline script or style the policy blocks; there must be none."""
    violations = _watch_csp(page)
    log_in(page, "admin@example.org", demo["admin@example.org"])
    current = page.get_by_role("heading", name="2026 capability survey")
    assert current.is_visible()
    urls = ["/", "/rounds/2/questionnaire", "/rounds/2/tracker", "/rounds/2/overview",
            "/rounds/2/profiles/AUS", "/notifications", "/admin/", "/admin/rounds", "/admin/rounds/2",
            "/admin/questionnaires", "/admin/questionnaires/1", "/admin/users", "/admin/outbox",
            "/admin/audit", "/no-such-page"]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
    # The tracker's progress bars are <progress> elements, not inline-styled spans.
    page.goto("/rounds/2/tracker")
    assert page.locator("progress.progress").count() >= 10
    assert violations == []
