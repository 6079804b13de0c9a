"""A reviewer follows the round, returns a submission, sees it resubmitted, approves it,
and reads and prints the country's profile, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.answering.responses import transition
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import Country, Response, ResponseStatus, Round, User

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]


def _response(iso3: str) -> Response:
    return db.session.scalar(select(Response).join(Country, Response.country_id == Country.id)
                             .join(Round, Response.round_id == Round.id)
                             .where(Country.iso3 == iso3, Round.name == CURRENT_ROUND))


def test_return_resubmit_approve(page, demo, make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org", password="idn password 1")
    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    page.get_by_role("link", name="Round tracker").click()
    assert page.get_by_role("heading", name=f"Round tracker: {CURRENT_ROUND}").is_visible()
    page.get_by_role("link", name=re.compile("Submitted")).click()       # the count filters
    rows = page.locator("table.tracker tbody tr")
    assert rows.count() == 1 and "Indonesia" in rows.first.inner_text()
    rows.first.get_by_role("link", name="Review Indonesia").click()

    assert page.get_by_role("heading", name=re.compile("Review: Indonesia")).is_visible()
    page.get_by_label("Return to the country with this comment").fill(
        "Please give the number of MLA requests received.")
    page.get_by_role("button", name="Return to country").click()
    page.get_by_role("button", name="Yes, return to the country").click()
    expect(page.get_by_role("status").filter(has_text="the response is now returned")).to_be_visible()
    history = page.locator("table.history")
    assert "Please give the number of MLA requests received." in history.inner_text()
    page.get_by_role("button", name="Log out").click()

    # The focal point sees the notification, reads the comment, replies and resolves it.
    log_in(page, "focal.idn@example.org", "idn password 1")
    page.get_by_role("link", name="1 new notification").click()
    page.get_by_role("button", name="Open").click()
    assert page.get_by_role("heading", name=re.compile("Comments from the working group")).is_visible()
    thread = page.locator("article.thread").filter(has_text="number of MLA requests received")
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Your reply").fill("Added: 12 requests received.")
    thread.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Reply saved.").is_visible()
    thread = page.locator("article.thread").filter(has_text="12 requests received")
    thread.get_by_role("button", name="Mark resolved").click()
    assert page.locator("article.thread-resolved").filter(has_text="12 requests received").is_visible()

    # The country submits again (the fill-in pages are another issue: use the service as them).
    response = _response("IDN")
    transition(response, ResponseStatus.SUBMITTED, db.session.get(User, focal.id))
    db.session.commit()
    page.get_by_role("button", name="Log out").click()

    log_in(page, "reviewer@example.org", demo["reviewer@example.org"])
    page.goto(f"/responses/{response.id}/review")
    assert page.locator(".meta .badge-submitted").is_visible()
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Yes, approve").click()
    expect(page.get_by_role("status").filter(has_text="the response is now approved")).to_be_visible()
    assert page.locator(".meta .badge-approved").is_visible()
    history_text = page.locator("table.history").inner_text()
    assert history_text.count("Submitted") >= 3 and "Approved" in history_text
    db.session.expire_all()
    assert _response("IDN").status is ResponseStatus.APPROVED

    page.get_by_role("link", name="Country profile").click()
    assert page.get_by_role("heading", name=re.compile("Indonesia")).first.is_visible()
    assert "6 approved responses of this round" in page.locator(".basis").inner_text()


def test_open_and_print_a_profile(page, demo, tmp_path):
    log_in(page, "analyst@example.org", demo["analyst@example.org"])
    page.get_by_role("link", name="Regional overview").click()
    page.get_by_role("link", name=re.compile("Overall")).click()          # sort by overall
    first = page.locator("table.heatmap tbody th a").first
    assert first.inner_text() == "Australia"
    page.get_by_role("link", name="Malaysia").click()
    assert page.get_by_role("heading", name=re.compile("Malaysia")).first.is_visible()
    chart = page.locator("svg.score-chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 500
    assert page.locator("table.scores tbody tr").count() == 4             # 3 pillars + overall

    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    assert chart.is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (tmp_path / "profile.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 20          # the full answers run to several pages
    media_boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    width, height = (float(v) for v in media_boxes[0])
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2                  # A4 in points
    shot = page.screenshot(full_page=True)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 50_000
