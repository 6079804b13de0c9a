"""Every staff home page says what this person should do next and links to it."""

from __future__ import annotations

import datetime as dt

import pytest

from survey.extensions import db
from survey.i18n import isolate
from tests.conftest import login_as
from tests.survey.review.review_helpers import CURRENT_ROUND, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def test_reviewer_is_sent_to_the_submitted_responses(client, demo):
    login_as(client, user("reviewer@example.org"))
    home = client.get("/").get_data(as_text=True)
    current = round_named(CURRENT_ROUND)
    assert f"1 response waits for review in {isolate(CURRENT_ROUND)}." in home     # Indonesia
    assert f'href="/rounds/{current.id}/tracker?status=submitted"' in home


def test_administrator_is_told_of_an_open_round_past_its_closing_date(client, demo):
    current = round_named(CURRENT_ROUND)
    current.closes_on = dt.date.today() - dt.timedelta(days=2)
    db.session.commit()
    login_as(client, user("admin@example.org"))
    home = client.get("/").get_data(as_text=True)
    assert f"“{isolate(CURRENT_ROUND)}” passed its closing date" in home
    assert f'href="/admin/rounds/{current.id}">Close it, or move the date' in home


def test_analyst_is_sent_to_the_downloads(client, demo):
    login_as(client, user("analyst@example.org"))
    home = client.get("/").get_data(as_text=True)
    assert f"responses of {isolate(CURRENT_ROUND)} are approved." in home
    assert 'href="/exports/">Download the regional workbook' in home
