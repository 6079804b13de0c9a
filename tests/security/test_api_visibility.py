"""Issue 10, item 10: a draft round is for administrators only, in the API as on the pages.

The pages hid draft rounds from everyone but administrators, while ``/api/v1/rounds``
listed them (and the round routes answered for them) to any token. One rule,
``access.can_see_round`` / ``access.visible_rounds``, now serves both.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.accounts.api_tokens import create_token
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import User
from survey.rounds import create_draft_round, round_by_name
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

DRAFT = "2027 capability survey (draft)"


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def draft(demo):
    round_ = create_draft_round(DRAFT, "ftm-capability")
    db.session.commit()
    return round_


def _bearer(email: str) -> dict:
    _token, raw = create_token(_user(email), "visibility")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


ROUND_ROUTES = ["/api/v1/rounds/{id}/answers?status=all", "/api/v1/rounds/{id}/scores",
                "/api/v1/rounds/{id}/workbook", "/api/v1/rounds/{id}/countries/THA/workbook"]


@pytest.mark.parametrize("email", ["focal.tha@example.org", "reviewer@example.org",
                                   "analyst@example.org"])
def test_a_draft_round_is_not_in_the_api_for_anyone_but_administrators(client, draft, email):
    headers = _bearer(email)
    listed = client.get("/api/v1/rounds", headers=headers)
    assert listed.status_code == 200
    names = [r["name"] for r in listed.get_json()["results"]]
    assert DRAFT not in names and CURRENT_ROUND in names
    for route in ROUND_ROUTES:
        reply = client.get(route.format(id=draft.id), headers=headers)
        assert reply.status_code == 404, (email, route, reply.status_code)
        assert reply.is_json and str(draft.id) in reply.get_json()["error"]
    # The same answer as for a round that does not exist: nothing tells that it does.
    missing = client.get(ROUND_ROUTES[0].format(id=99999), headers=headers)
    assert missing.status_code == 404


def test_administrators_see_a_draft_round_in_the_api(client, draft):
    headers = _bearer("admin@example.org")
    names = [r["name"] for r in client.get("/api/v1/rounds", headers=headers).get_json()["results"]]
    assert DRAFT in names
    assert client.get(f"/api/v1/rounds/{draft.id}/scores", headers=headers).status_code == 200


def test_opened_rounds_stay_visible(client, draft):
    current = round_by_name(CURRENT_ROUND)
    headers = _bearer("focal.tha@example.org")
    assert client.get(f"/api/v1/rounds/{current.id}/scores", headers=headers).status_code == 200


@pytest.mark.parametrize("email", ["focal.tha@example.org", "reviewer@example.org"])
def test_pages_taking_a_round_id_hide_a_draft_the_same_way(client, draft, email):
    login_as(client, _user(email))
    pages = [f"/rounds/{draft.id}/questionnaire", f"/rounds/{draft.id}/profiles/THA"]
    if email == "reviewer@example.org":
        pages += [f"/rounds/{draft.id}/tracker", f"/rounds/{draft.id}/tracker.xlsx",
                  f"/rounds/{draft.id}/overview"]
    for page in pages:
        assert client.get(page).status_code == 404, page
    assert DRAFT not in client.get("/exports/").get_data(as_text=True)
    login_as(client, _user("admin@example.org"))
    assert client.get(f"/rounds/{draft.id}/questionnaire").status_code == 200
