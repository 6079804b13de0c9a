"""Several rounds at once: navigation names the round, trackers and profiles default to the
newest open round and offer the others, twin open rounds are told apart and warned about."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Round, RoundState
from survey.rounds import create_draft_round
from tests.conftest import login_as

from .review_helpers import CURRENT_ROUND, PREVIOUS_ROUND, response_of, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

ADMIN = "admin@example.org"
NEXT = "2027 capability survey"


def _draft_next_round() -> Round:
    new = create_draft_round(NEXT, "ftm-capability:1", opens=dt.date.today(),
                             closes=dt.date.today() + dt.timedelta(days=90))
    db.session.commit()
    return new


def _nav(page: str) -> str:
    return re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)


def test_opening_a_second_round_of_one_questionnaire_warns_and_says_why(client, demo):
    new = _draft_next_round()
    login_as(client, user(ADMIN))
    asked = client.post(f"/admin/rounds/{new.id}/open")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"Open “{NEXT}”?" in text
    current = round_named(CURRENT_ROUND)
    assert (f"“{CURRENT_ROUND}” is open too, with the same questionnaire (ftm-capability; "
            f"closing date: {current.closes_on:%d %b %Y})") in text
    assert "could answer the wrong one" in text
    db.session.expire_all()
    assert new.state is RoundState.DRAFT                      # nothing happened yet
    done = client.post(f"/admin/rounds/{new.id}/open", data={"confirmed": "yes"},
                       follow_redirects=True)
    assert "The round is open" in done.get_data(as_text=True)
    db.session.expire_all()
    assert new.state is RoundState.OPEN


def test_opening_a_round_alone_does_not_warn(client, demo):
    current = round_named(CURRENT_ROUND)
    login_as(client, user(ADMIN))
    client.post(f"/admin/rounds/{current.id}/close", data={"confirmed": "yes"})
    new = _draft_next_round()
    text = client.post(f"/admin/rounds/{new.id}/open").get_data(as_text=True)
    assert "Every active member gets a response" in text and "Before you go on" not in text


def test_navigation_names_the_round_and_defaults_to_the_newest_open_one(client, demo):
    new = _draft_next_round()
    login_as(client, user(ADMIN))
    client.post(f"/admin/rounds/{new.id}/open", data={"confirmed": "yes"})
    login_as(client, user("reviewer@example.org"))
    nav = _nav(client.get("/").get_data(as_text=True))
    assert f'href="/rounds/{new.id}/tracker"' in nav and NEXT in nav     # newest open round

    # On a page of another round, the navigation follows that round and says so.
    current = round_named(CURRENT_ROUND)
    tracker = client.get(f"/rounds/{current.id}/tracker").get_data(as_text=True)
    assert f"Round tracker<span class=\"nav-round\"> · <bdi>{CURRENT_ROUND}</bdi></span>" in _nav(tracker)
    # ... and offers the others, open ones first.
    switcher = re.search(r'<nav class="round-switcher.*?</nav>', tracker, re.S).group(0)
    names = re.findall(r'<a href="/rounds/(\d+)/tracker"', switcher)
    previous = round_named(PREVIOUS_ROUND)
    assert names == [str(new.id), str(current.id), str(previous.id)]
    assert f'href="/rounds/{current.id}/tracker" aria-current="page"' in switcher
    # The review page of a response names that response's round.
    old = response_of("IDN", PREVIOUS_ROUND)
    review = client.get(f"/responses/{old.id}/review").get_data(as_text=True)
    assert PREVIOUS_ROUND in _nav(review)

    # With the new round closed, the newest *open* round leads again, not the newest one.
    login_as(client, user(ADMIN))
    client.post(f"/admin/rounds/{new.id}/close", data={"confirmed": "yes"})
    login_as(client, user("reviewer@example.org"))
    nav = _nav(client.get("/").get_data(as_text=True))
    assert f'href="/rounds/{current.id}/tracker"' in nav and CURRENT_ROUND in nav


def test_profile_offers_the_other_rounds(client, demo):
    login_as(client, user("focal.tha@example.org"))
    current, previous = round_named(CURRENT_ROUND), round_named(PREVIOUS_ROUND)
    page = client.get(f"/rounds/{current.id}/profiles/THA").get_data(as_text=True)
    assert f'href="/rounds/{previous.id}/profiles/THA"' in page
    assert f"Country profile<span class=\"nav-round\"> · <bdi>{CURRENT_ROUND}</bdi></span>" in _nav(page)


def test_focal_points_see_twin_open_rounds_told_apart(client, demo):
    new = _draft_next_round()
    login_as(client, user(ADMIN))
    client.post(f"/admin/rounds/{new.id}/open", data={"confirmed": "yes"})
    login_as(client, user("focal.tha@example.org"))
    home = client.get("/").get_data(as_text=True)
    assert (f"Another round of this questionnaire is open at the same time ({CURRENT_ROUND}). "
            f"Answers given here count for <bdi>{NEXT}</bdi> only.") in home
    assert (f"Another round of this questionnaire is open at the same time ({NEXT}). "
            f"Answers given here count for <bdi>{CURRENT_ROUND}</bdi> only.") in home
    # Each names its dates; the older closed round has no such sentence.
    assert home.count("Opened ") >= 3
    assert f"({PREVIOUS_ROUND})" not in home
    assert db.session.scalar(select(Round.state).where(Round.name == PREVIOUS_ROUND)) \
        is RoundState.CLOSED
