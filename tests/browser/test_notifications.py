"""A returned response as its focal point meets it: the notification in the app with the
reason and the link, the e-mail with the same, and the one-click e-mail choice, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.extensions import db
from survey.models import Delivery, NotificationKind, NotificationPreference, OutboxMessage
from tests.survey.review.review_helpers import response_of

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]
REASON = "Please give the number of MLA requests received."


def test_a_returned_response_tells_the_focal_point_why_and_where(page, demo, make_user,
                                                                 live_server):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org", password="idn password 1")
    response = response_of("IDN")
    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    page.goto(f"/responses/{response.id}/review")
    page.get_by_label("Return to the country with this comment").fill(REASON)
    page.get_by_role("button", name="Return to country").click()
    page.get_by_role("button", name="Yes, return to the country").click()
    expect(page.get_by_role("status").filter(has_text="the response is now returned")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # The e-mail: the reason, how many threads are open, and the link to them.
    db.session.expire_all()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == focal.email)
                             .order_by(OutboxMessage.id.desc()))
    assert mail.subject == "Your response to “2026 capability survey” was returned for changes"
    assert f"Reason: {REASON}" in mail.body and "Open comment threads: 1." in mail.body
    link = f"{live_server}/responses/{response.id}/comments"
    assert link + "\n" in mail.body

    # In the app: the count in the header, the reason in the list, the link to the comments.
    log_in(page, focal.email, "idn password 1")
    page.get_by_role("link", name="1 new notification").click()
    item = page.locator("ul.notifications li").filter(has_text=REASON)
    assert "returned for changes" in item.inner_text()
    item.get_by_role("button", name="Open").click()
    assert page.url == link
    assert page.locator("article.thread").filter(has_text=REASON).is_visible()

    # The e-mail's own link leads to the same page.
    page.goto(link)
    assert page.locator("article.thread").filter(has_text=REASON).is_visible()
    page.get_by_role("button", name="Log out").click()

    # The one-click link at the bottom of the e-mail: a page with a button, no login.
    choice = re.search(r"(http://\S+/email-preferences/\S+)", mail.body).group(1)
    page.goto(choice)
    assert page.get_by_role("heading", name="Your e-mails").is_visible()
    page.get_by_role("group", name="A response is returned or reopened").get_by_label(
        "In a daily digest").check()
    page.get_by_role("button", name="Save my choices").click()
    assert page.get_by_text("Your e-mail choices are saved.").is_visible()
    db.session.expire_all()
    saved = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == focal.id))
    assert (saved.kind, saved.delivery) == (NotificationKind.RETURNED, Delivery.DIGEST)
