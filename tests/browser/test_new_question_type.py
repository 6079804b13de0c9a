"""The page's script works a type it has never heard of, from the attributes the type writes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from questionnaires import REGISTRY, parse_definition
from survey.extensions import db
from survey.models import Answer, Country, Response
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round

from ..survey.test_new_question_type import DEFINITION, Rating
from .conftest import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def rating_page(page, make_user, monkeypatch):
    monkeypatch.setitem(REGISTRY, Rating.name, Rating)
    version, _ = register_definition(parse_definition(DEFINITION, source="test"))
    open_round("Browser ratings", version.key)
    db.session.commit()
    user = make_user("focal_point", "THA", email="rater@example.org")
    response = db.session.scalar(select(Response).join(Country).where(Country.iso3 == "THA")
                                 .where(Response.round.has(name="Browser ratings")))
    log_in(page, user.email, "correct horse battery")
    page.goto(f"/responses/{response.id}/sections/capacity")
    return page, response


def test_skip_logic_and_autosave_of_a_new_type(rating_page):
    page, response = rating_page
    strengths = page.locator("#q-cap_strengths")
    expect(strengths).to_be_hidden()
    rating = page.locator("#q-cap_training")
    rating.get_by_label("4", exact=True).check()
    expect(strengths).to_be_visible()                     # 4 >= 4, compared as a number
    expect(rating.locator(".q-status")).to_have_text("Saved")
    db.session.expire_all()
    assert db.session.scalar(select(Answer.value).where(
        Answer.response_id == response.id, Answer.question_id == "cap_training")) == 4
    rating.get_by_label("2", exact=True).check()
    expect(strengths).to_be_hidden()

    note = page.locator("#q-cap_law_note")
    expect(note).to_be_hidden()
    page.locator("#q-cap_law").get_by_label("Article or section").fill("s. 4")
    expect(note).to_be_hidden()                           # a citation needs the law's name
    page.locator("#q-cap_law").get_by_label("Law or instrument").fill("Police Act")
    expect(note).to_be_visible()

    cases = page.locator("#q-cap_interpol_cases")
    expect(cases).to_be_hidden()
    page.locator("#q-cap_channels").get_by_label("Egmont Group").check()
    expect(cases).to_be_hidden()
    page.locator("#q-cap_channels").get_by_label("INTERPOL").check()
    expect(cases).to_be_visible()
