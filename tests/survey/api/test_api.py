"""The read-only API: token rules (none, unknown, revoked, wrong role, other country) and data."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import pytest
from sqlalchemy import select

from survey.accounts.api_tokens import create_token, revoke_token
from survey.extensions import db
from survey.models import ApiToken
from tests.conftest import login_as
from tests.exports.helpers import load, table
from tests.exports.world import FORMULA_LAW, NAMES, build_world


@pytest.fixture
def world(seeded):
    return build_world()


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def token_for(user) -> str:
    _token, raw = create_token(user, "test")
    db.session.commit()
    return raw


def test_no_token_is_refused(client, world):
    response = client.get("/api/v1/rounds")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.get_json()["error"]


def test_session_cookie_is_not_api_auth(client, world, make_user):
    login_as(client, make_user("analyst"))
    assert client.get("/exports/").status_code == 200  # the session works on pages...
    assert client.get("/api/v1/rounds").status_code == 401  # ...but never on the API


@pytest.mark.parametrize("header", ["Bearer bpsv_not-a-real-token", "Basic dXNlcjpwYXNz",
                                    "Bearer ", "bpsv_x"])
def test_unknown_or_malformed_token_is_refused(client, world, header):
    assert client.get("/api/v1/rounds", headers={"Authorization": header}).status_code == 401


def test_revoked_token_is_refused(client, world, make_user):
    user = make_user("analyst")
    token, raw = create_token(user, "old laptop")
    db.session.commit()
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 200
    revoke_token(user, token.id)
    db.session.commit()
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 401


def test_token_of_deactivated_user_is_refused(client, world, make_user):
    user = make_user("analyst")
    raw = token_for(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 401


def test_only_the_hash_is_stored(world, make_user):
    raw = token_for(make_user("analyst"))
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (stored.prefix, stored.token_hash, stored.name)
    assert raw.startswith(stored.prefix)


def test_rounds(client, world, make_user):
    raw = token_for(make_user("analyst"))
    rounds = client.get("/api/v1/rounds", headers=bearer(raw)).get_json()["results"]
    assert [r["name"] for r in rounds] == ["R1 previous", "R2 current"]
    assert rounds[1]["previous_round_id"] == rounds[0]["id"]
    assert rounds[1]["questionnaire"] == "test-export:1"


def test_answers_json_paged(client, world, make_user):
    raw = token_for(make_user("analyst"))
    rid = world["current"].id
    first = client.get(f"/api/v1/rounds/{rid}/answers?limit=5", headers=bearer(raw)).get_json()
    assert first["total"] == 21 and len(first["results"]) == 5 and first["offset"] == 0
    assert set(first["results"][0]) == {
        "round", "country", "iso3", "subregion", "pillar", "question_id", "question", "value_code",
        "value_label", "value_number", "evidence", "status", "updated_at", "demo"}
    assert first["demo"] is False and first["notice"] is None  # a real round
    assert {row["demo"] for row in first["results"]} == {False}
    seen = list(first["results"])
    url = first["next"]
    while url:
        page = client.get(url, headers=bearer(raw)).get_json()
        seen += page["results"]
        url = page["next"]
    assert len(seen) == 21
    law = next(r for r in seen if r["iso3"] == "THA" and r["question_id"] == "leg_law")
    assert law["value_label"] == FORMULA_LAW  # JSON is data: given exactly
    cases = next(r for r in seen if r["iso3"] == "THA" and r["question_id"] == "op_cases")
    assert cases["value_number"] == 10
    bad = client.get(f"/api/v1/rounds/{rid}/answers?limit=0", headers=bearer(raw))
    assert bad.status_code == 400 and "limit" in bad.get_json()["error"]
    bad = client.get(f"/api/v1/rounds/{rid}/answers?status=pending", headers=bearer(raw))
    assert bad.status_code == 400 and "unknown status" in bad.get_json()["error"]
    assert client.get("/api/v1/rounds/999/answers", headers=bearer(raw)).status_code == 404


def test_answers_csv_streams_into_pandas(client, world, make_user):
    raw = token_for(make_user("analyst"))
    response = client.get(f"/api/v1/rounds/{world['current'].id}/answers?format=csv&status=submitted",
                          headers=bearer(raw))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    frame = pd.read_csv(io.BytesIO(response.data))
    assert set(frame["iso3"]) == {"THA", "KHM", "ARE", "FJI"}
    assert NAMES["ARE"] in set(frame["country"])
    assert frame.loc[(frame.iso3 == "THA") & (frame.question_id == "op_cases"), "value_number"].item() == 10


def test_scores_with_medians_for_staff(client, world, make_user):
    raw = token_for(make_user("reviewer"))
    body = client.get(f"/api/v1/rounds/{world['current'].id}/scores", headers=bearer(raw)).get_json()
    scores = {r["iso3"]: r for r in body["results"]}
    assert scores["KHM"]["overall"] == 37.5 and scores["ARE"]["legal"] == 50
    region = next(m for m in body["medians"] if m["group"] == "All members (regional)")
    assert region["overall"] == 37.5


def test_regional_workbook_for_staff(client, world, make_user):
    raw = token_for(make_user("analyst"))
    response = client.get(f"/api/v1/rounds/{world['current'].id}/workbook?subregion=Middle East",
                          headers=bearer(raw))
    assert response.status_code == 200
    assert [r["ISO3"] for r in table(load(response.data)["Scores"], "Scores")] == ["ARE"]


def test_focal_point_token_sees_only_own_country(client, world, make_user):
    raw = token_for(make_user("focal_point", "KHM"))
    rid = world["current"].id
    answers = client.get(f"/api/v1/rounds/{rid}/answers", headers=bearer(raw)).get_json()
    assert {r["iso3"] for r in answers["results"]} == {"KHM"}
    scores = client.get(f"/api/v1/rounds/{rid}/scores", headers=bearer(raw)).get_json()
    assert [r["iso3"] for r in scores["results"]] == ["KHM"] and "medians" not in scores
    other = client.get(f"/api/v1/rounds/{rid}/answers?country=THA", headers=bearer(raw))
    assert other.status_code == 403
    assert client.get(f"/api/v1/rounds/{rid}/workbook", headers=bearer(raw)).status_code == 403
    own = client.get(f"/api/v1/rounds/{rid}/countries/KHM/workbook", headers=bearer(raw))
    assert own.status_code == 200
    assert [r["ISO3"] for r in table(load(own.data)["Scores"], "Scores")] == ["KHM"]
    assert client.get(f"/api/v1/rounds/{rid}/countries/THA/workbook",
                      headers=bearer(raw)).status_code == 403


def test_openapi_describes_the_endpoints(client, world):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/rounds", "/rounds/{round_id}/answers", "/rounds/{round_id}/scores",
            "/rounds/{round_id}/workbook"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


# -- the tokens page ---------------------------------------------------------------

def test_tokens_page_shows_a_new_token_once(client, world, make_user):
    user = make_user("analyst")
    login_as(client, user)
    page = client.post("/account/tokens/", data={"name": "notebook"}).get_data(as_text=True)
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    raw = page.split('class="token-value">')[1].split("<")[0]
    assert hashlib.sha256(raw.encode()).hexdigest() == stored.token_hash
    assert "storage_options" in page  # the pandas example
    again = client.get("/account/tokens/").get_data(as_text=True)
    assert raw not in again and stored.prefix in again and "notebook" in again
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 200


def test_tokens_page_revokes(client, world, make_user):
    user = make_user("analyst")
    token, raw = create_token(user, "to revoke")
    db.session.commit()
    login_as(client, user)
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 401
    page = client.get("/account/tokens/").get_data(as_text=True)
    assert "Token “to revoke” is revoked" in page  # the flash message
    assert "<th scope=\"row\">to revoke</th>" not in page  # no longer listed


def test_cannot_revoke_someone_elses_token(client, world, make_user):
    owner = make_user("analyst")
    token, raw = create_token(owner, "mine")
    db.session.commit()
    login_as(client, make_user("analyst"))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/rounds", headers=bearer(raw)).status_code == 200


def test_tokens_page_needs_csrf_and_login(client, world, make_user):
    assert client.get("/account/tokens/").status_code == 302
    login_as(client, make_user("analyst"))
    assert client.post("/account/tokens/", data={"name": "x"}, csrf=False).status_code == 400
    assert db.session.scalar(select(ApiToken)) is None
    response = client.post("/account/tokens/", data={"name": ""})
    assert response.status_code == 400
