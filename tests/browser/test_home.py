"""A newcomer logs in with a demo account and sees the open round and the members."""

import pytest

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]


def test_reviewer_logs_in_and_sees_members_and_questionnaire(page, demo):
    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    heading = page.get_by_role("heading", name="2026 capability survey")
    assert heading.is_visible()
    table = page.get_by_role("table").first
    assert table.get_by_role("row").count() == 46  # header + 45 members
    assert table.get_by_role("row", name="Thailand").get_by_text("In progress").is_visible()
    assert table.get_by_role("row", name="Australia").get_by_text("Approved").is_visible()

    page.get_by_role("link", name="Following the money in trafficking cases").first.click()
    assert page.get_by_role("heading", name="Legislative and policy frameworks", exact=False).is_visible()
    assert page.locator(".question-list > li").count() >= 45

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("heading", name="Log in").is_visible()
    page.goto("/")
    assert "/login" in page.url


def test_wrong_password_is_refused_without_saying_why(page, demo):
    log_in(page, "reviewer@example.org", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "The e-mail or password is not correct."
    log_in(page, "nobody@example.org", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "The e-mail or password is not correct."
