"""Items asked of some members only (ACTIP for ASEAN members; the ARIN-AP actions for
members in Asia and the Pacific) work in profiles, the regional workbook and the API:
every output knows who the member is (issue 12 §1, "cooperation that fits every member")."""

from __future__ import annotations

import io

import openpyxl

from questionnaires import score_response
from survey.accounts.api_tokens import create_token
from survey.answering.responses import save_answer
from survey.extensions import db
from survey.members import country_by_iso3
from survey.models import ResponseStatus
from survey.profile_pages.services import profile_for
from survey.questionnaire_versions import definition_of
from tests.conftest import login_as
from tests.questionnaires.v2_answers import THA, strong
from tests.survey.answering.test_checks import V2_ROUND
from tests.survey.review.review_helpers import response_of, round_named, user


def _answer(iso3: str, **answers):
    response = response_of(iso3, V2_ROUND)
    who = user("admin@example.org")
    for qid, value in answers.items():
        save_answer(response, qid, value, who)
    response.status = ResponseStatus.APPROVED
    db.session.commit()
    return response


def _profile(client, iso3: str) -> str:
    reply = client.get(f"/rounds/{round_named(V2_ROUND).id}/profiles/{iso3}")
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_an_asean_member_s_actip_answer_and_action_appear_in_its_profile(v2_round, client):
    _answer("THA", leg_actip="signed")
    login_as(client, user("reviewer@example.org"))
    page = _profile(client, "THA")
    assert "ASEAN Convention Against Trafficking in Persons" in page
    assert "Signed but not yet ratified" in page
    assert "Ratify ACTIP and use its cooperation provisions" in page


def test_the_arin_ap_action_is_for_asia_pacific_members_only(v2_round, client):
    _answer("THA", coop_asset_recovery_network=["none"])
    _answer("USA", coop_asset_recovery_network=["none"])
    login_as(client, user("reviewer@example.org"))
    assert "apply to join ARIN-AP" in " ".join(_profile(client, "THA").split())
    assert "apply to join ARIN-AP" not in " ".join(_profile(client, "USA").split())


def test_the_api_scores_member_items_as_the_profile_does_and_lists_the_answers(
        v2_round, client):
    definition = definition_of(round_named(V2_ROUND).questionnaire)
    answers = strong(definition, THA)
    answers["leg_actip"] = "not_party"  # 0 points: counted only if ACTIP is asked of THA
    _answer("THA", **answers)
    with_member = score_response(definition, answers, THA).pillars["legal"].score
    assert with_member != score_response(definition, answers, None).pillars["legal"].score

    round_ = round_named(V2_ROUND)
    profile = profile_for(round_, country_by_iso3("THA"))
    assert next(s.score for s in profile.scores if s.key == "legal") == with_member
    _token, raw = create_token(user("analyst@example.org"), "scores")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {raw}"}
    body = client.get(f"/api/v1/rounds/{round_.id}/scores", headers=bearer).get_json()
    assert {r["iso3"]: r for r in body["results"]}["THA"]["legal"] == with_member
    rows = client.get(f"/api/v1/rounds/{round_.id}/answers?limit=1000", headers=bearer
                      ).get_json()["results"]
    actip = [r for r in rows if r["iso3"] == "THA" and r["question_id"] == "leg_actip"]
    assert [r["value_label"] for r in actip] == ["Neither signed nor a party"]

    # The regional workbook's scores agree.
    workbook = client.get(f"/api/v1/rounds/{round_.id}/workbook", headers=bearer)
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    sheet = book["Scores"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and "ISO3" in r)
    tha = next(r for r in rows if r and "THA" in r)
    legal = definition.section("legal")
    column = next(i for i, h in enumerate(header) if h and str(h).startswith(
        (legal.short_title or legal.title).get()))
    assert tha[column] == with_member
