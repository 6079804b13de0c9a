"""Consent to publish is given per response: a v2 response never inherits the consent its
country gave under v1 (not through the prefill either), and the summary asks for it again
(issue 12 §4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditEvent, ResponseStatus
from tests.conftest import login_as

from .test_answering import response_of, user
from .test_checks import V2_ROUND

# The v2 round here follows the demo's v1 round, whose consent it must not inherit.
pytestmark = pytest.mark.demo_v1


def _summary(client, response) -> str:
    reply = client.get(f"/responses/{response.id}/summary")
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    return page.split('id="consent-h"', 1)[1].split("</section>", 1)[0]


def _v1_published():
    v1 = response_of("THA")  # the demo's v1 round: the v2 round's previous one
    v1.status, v1.publishable = ResponseStatus.APPROVED, True
    db.session.commit()
    return v1


def test_consent_given_under_v1_is_asked_again_under_v2(tha2, client):
    v1 = _v1_published()
    client.post(f"/responses/{tha2.id}/prefill")
    db.session.refresh(tha2)
    assert tha2.prefilled_from_id == v1.id and tha2.publishable is False

    said = " ".join(_summary(client, tha2).split())
    assert (f"Your country agreed to publish its profile for <bdi>{v1.round.name}</bdi>. That consent was "
            "given under questionnaire version 1 and does not carry over: this round uses "
            "version 2") in said
    assert "Once the working group approves this response, your country is asked" in said
    assert "Mark this profile publishable" not in said  # not approved yet: nothing to publish

    tha2.status = ResponseStatus.APPROVED
    db.session.commit()
    said = _summary(client, tha2)
    assert "May it be published?" in said and "Mark this profile publishable" in said
    assert 'name="csrf_token"' in said
    action = said.split('action="', 1)[1].split('"', 1)[0]
    assert action == f"/rounds/{tha2.round_id}/profiles/THA/publishable"
    client.post(action, data={"publishable": "1"})
    db.session.refresh(tha2)
    assert tha2.publishable is True
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.response_id == tha2.id, AuditEvent.action == "response.publishable"))
    assert event.user.email == "focal.tha@example.org" and event.new_value is True
    assert "This round’s profile is public" in _summary(client, tha2)


def test_without_earlier_consent_the_summary_only_says_what_comes(v2_round, client):
    login_as(client, user("focal.tha@example.org"))
    said = _summary(client, response_of("THA", V2_ROUND))
    assert "does not carry over" not in said and "agreed to publish" not in said
    assert "Nothing is published without that consent." in " ".join(said.split())


def test_a_reviewer_reads_the_consent_but_is_offered_no_button(tha2, client):
    _v1_published()
    tha2.status = ResponseStatus.APPROVED
    db.session.commit()
    login_as(client, user("reviewer@example.org"))
    said = _summary(client, tha2)
    assert "May it be published?" in said and "Mark this profile publishable" not in said
