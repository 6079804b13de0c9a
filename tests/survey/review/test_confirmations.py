"""Wide or irreversible actions answer with a confirmation page first (no JavaScript
needed) and act only on the confirmed post."""

from __future__ import annotations

import pytest

from survey.accounts.api_tokens import create_token
from survey.extensions import db
from survey.models import ResponseStatus, RoundState
from tests.conftest import login_as

from .review_helpers import CURRENT_ROUND, PREVIOUS_ROUND, response_of, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def test_approval_asks_and_warns_about_open_threads(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    client.post(f"/responses/{response.id}/comments", data={"body": "Is 2.1 complete?"})
    asked = client.post(f"/responses/{response.id}/approve")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert f"Approve the response of Indonesia to {CURRENT_ROUND}?" in page
    assert "1 comment thread is still open." in page
    assert f'href="/responses/{response.id}/comments">Read the open threads' in page
    assert 'name="confirmed" value="yes"' in page and "Yes, approve" in page
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED
    client.post(f"/responses/{response.id}/approve", data={"confirmed": "yes"})
    db.session.refresh(response)
    assert response.status is ResponseStatus.APPROVED


def test_approval_without_open_threads_does_not_warn(client, demo):
    login_as(client, user("reviewer@example.org"))
    page = client.post(f"/responses/{response_of('IDN').id}/approve").get_data(as_text=True)
    assert "Yes, approve" in page and "Before you go on" not in page


def test_return_asks_with_the_reason_carried(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    reason = 'Cite the law <b>"2.1"</b>.'
    page = client.post(f"/responses/{response.id}/return",
                       data={"reason": reason}).get_data(as_text=True)
    assert "Yes, return to the country" in page
    assert "Cite the law &lt;b&gt;&#34;2.1&#34;&lt;/b&gt;." in page        # shown as typed
    assert 'name="reason" value="Cite the law &lt;b&gt;&#34;2.1&#34;&lt;/b&gt;."' in page
    db.session.refresh(response)
    assert response.status is ResponseStatus.SUBMITTED


def test_closing_and_archiving_ask_with_what_follows(client, demo):
    login_as(client, user("admin@example.org"))
    current, previous = round_named(CURRENT_ROUND), round_named(PREVIOUS_ROUND)
    page = client.post(f"/admin/rounds/{current.id}/close").get_data(as_text=True)
    assert "members have not submitted yet; their answers stay unsubmitted." in page
    assert "Yes, close the round" in page
    page = client.post(f"/admin/rounds/{previous.id}/archive").get_data(as_text=True)
    assert "can never change again, nor be reopened" in page
    db.session.expire_all()
    assert (current.state, previous.state) == (RoundState.OPEN, RoundState.CLOSED)


def test_deactivation_asks_and_says_what_it_ends(client, demo):
    focal = user("focal.fji@example.org")
    create_token(focal, "scripts")
    db.session.commit()
    login_as(client, user("admin@example.org"))
    page = client.post(f"/admin/users/{focal.id}/deactivate").get_data(as_text=True)
    assert "Deactivate focal.fji@example.org?" in page
    assert "Their 1 API token is revoked for good" in page
    db.session.refresh(focal)
    assert focal.active
    client.post(f"/admin/users/{focal.id}/deactivate", data={"confirmed": "yes"})
    db.session.refresh(focal)
    assert not focal.active
