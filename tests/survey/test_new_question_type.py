"""A question type added as one class, and nothing else: the app, the exports and the
page's script all take it from the type.

``Rating`` below exists only in this module. It is registered for the test, put in
a questionnaire, shown on the section page, answered through the page's form (and
the background save), scored, and exported to the regional workbook and the tidy
CSV, with no change anywhere else.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select
from wtforms import fields
from wtforms.fields.choices import SelectChoice

from questionnaires import REGISTRY, AnswerError, parse_definition
from questionnaires.types import Note, QuestionType
from survey.downloads.services import build_export
from survey.extensions import db
from survey.models import Answer, Country, Response
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round
from tests.conftest import login_as
from tests.exports.helpers import load, table
from tests.survey.answering.test_answering import browser_form, hidden


class Rating(QuestionType):
    """A rating from 1 (weak) to 5 (strong), ticked as one of five buttons."""

    name = "rating_1_to_5"
    scored = True
    numeric = True     # compared as a number by skip logic, here and in the browser
    quantity = True    # on the Counts sheet with medians...
    summable = False   # ...but a total of ratings means nothing
    cell_format = '0" of 5"'  # an Excel number format: the cell holds 4 and shows "4 of 5"

    def _main_field(self, question, label, language):
        return fields.RadioField(label, choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
                                 validate_choice=False)

    def _normalise(self, question, value):
        text = str(value).strip()
        if isinstance(value, bool) or text not in {"1", "2", "3", "4", "5"}:
            raise AnswerError("Choose a rating from 1 to 5.")
        return int(text)

    def _display(self, question, value, language):
        return f"{value} of 5"

    def number(self, question, value):
        return value if isinstance(value, int) else None

    def points(self, question, value):
        return (value - 1) / 4

    def scoring_terms(self, question):
        return ["1 → 0 up to 5 → 1 in even steps"]

    def notes(self, question, language=None):
        return [Note("From 1 (weak) to 5 (strong).", {})]


# Skip logic on every shape of answer the page's script reads: a number ticked as a button
# (the new type), a citation in parts, and a list of ticked boxes.
DEFINITION = """
code: rating-test
version: 1
title: Capacity ratings
sections:
  - id: capacity
    title: Capacity
    questions:
      - id: cap_training
        type: rating_1_to_5
        label: How well trained are financial investigators?
        allow_unknown: true
      - id: cap_strengths
        type: short_text
        label: What works best?
        required: false
        relevant: {question: cap_training, gte: 4}
      - id: cap_unit
        type: yes_no
        label: Is there a dedicated financial investigation unit?
      - {id: cap_law, type: legal_reference, label: "Which law sets up the unit?", required: false}
      - id: cap_law_note
        type: short_text
        label: Anything to add about that law?
        required: false
        relevant: {question: cap_law, answered: true}
      - id: cap_channels
        type: multiple_choice
        label: Which channels are used?
        required: false
        options: [{code: interpol, label: INTERPOL}, {code: egmont, label: Egmont Group}]
      - id: cap_interpol_cases
        type: integer
        label: How many cases went through INTERPOL?
        required: false
        relevant: {question: cap_channels, includes: interpol}
"""
ROUND = "Ratings round"


@pytest.fixture
def rating_round(make_user, client, monkeypatch):
    """The type registered for this test only; a round on a questionnaire that uses it."""
    monkeypatch.setitem(REGISTRY, Rating.name, Rating)
    version, _ = register_definition(parse_definition(DEFINITION, source="test"))
    open_round(ROUND, version.key)
    db.session.commit()
    login_as(client, make_user("focal_point", "THA"))
    return db.session.scalar(
        select(Response).join(Country).where(Country.iso3 == "THA")
        .where(Response.round.has(name=ROUND)))


def _block(html: str, qid: str) -> str:
    match = re.search(rf'<div class="question[^"]*" id="q-{qid}".*?</fieldset>', html, re.S)
    assert match, qid
    return match.group(0)


def _value(response: Response, qid: str):
    db.session.expire_all()
    return db.session.scalar(select(Answer.value).where(Answer.response_id == response.id,
                                                        Answer.question_id == qid))


def test_a_new_type_is_rendered_saved_scored_and_exported(rating_round, client):
    url = f"/responses/{rating_round.id}/sections/capacity"
    page = client.get(url).get_data(as_text=True)
    block = _block(page, "cap_training")
    # The page's script reads how to take the answer from what the type wrote.
    assert 'data-value-kind="number"' in block
    assert 'data-value-kind="parts" data-answer-field="cap_law__instrument"' in page
    assert 'data-value-kind="choices"' in _block(page, "cap_channels")
    assert re.findall(r'type="radio" id="cap_training-\d" name="cap_training" value="(\d)"',
                      block) == ["1", "2", "3", "4", "5"]
    assert "From 1 (weak) to 5 (strong)." in block
    assert 'name="cap_training__special" value="unknown"' in block
    assert re.search(r'id="q-cap_strengths"[^>]* hidden', page)  # relevant from 4 up only

    # A wrong value gets the type's own message, and nothing is saved.
    reply = client.post(url, data=browser_form(page, cap_training="9"))
    assert reply.status_code == 422
    assert "Choose a rating from 1 to 5." in reply.get_data(as_text=True)
    assert _value(rating_round, "cap_training") is None

    # Saved through the page's form, as a browser posts it.
    reply = client.post(url, data=browser_form(page, cap_training="4", cap_unit="yes"))
    assert reply.status_code == 302
    assert _value(rating_round, "cap_training") == 4
    page = client.get(url).get_data(as_text=True)
    assert 'value="4" checked' in _block(page, "cap_training")
    assert not re.search(r'id="q-cap_strengths"[^>]* hidden', page)  # 4 >= 4: now asked

    # The background save takes the same value through the same door.
    reply = client.post(f"/responses/{rating_round.id}/answers/cap_strengths",
                        data={"cap_strengths": "Joint training with the FIU",
                              "cap_strengths__version": hidden(page, "cap_strengths__version")},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.json["saved"] is True

    # Scored: rating 4 earns 0.75, "yes" earns 1; the pillar is (0.75 + 1) / 2.
    result = build_export({"kind": "regional", "round": ROUND, "status": "all"}, "Test")
    wb = load(result.content)
    scores = {r["ISO3"]: r for r in table(wb["Scores"], "Scores")}
    assert scores["THA"]["Capacity"] == 87.5 and scores["THA"]["Overall"] == 87.5

    # The pillar sheet holds the number, in the type's own number format.
    header = "How well trained are financial investigators?"
    ws = wb["Capacity"]
    rows = {r["ISO3"]: r for r in table(ws, "Pillar1_capacity")}
    assert rows["THA"][header] == 4
    column = [c.value for c in ws[2]].index(header)
    tha_row = next(row for row in ws.iter_rows(min_row=3) if row[2].value == "THA")
    assert tha_row[column].data_type == "n" and tha_row[column].number_format == '0" of 5"'

    # An amount: on the Counts sheet, with no total (and, over one member, no median).
    counts = {r["ISO3"]: r for r in table(wb["Counts"], "Counts")}
    assert counts["THA"][header] == 4
    totals = {(r["Group"], r["Statistic"]): r for r in table(wb["Counts"], "CountTotals")}
    assert totals[("All members (regional)", "Members reporting")][header] == 1
    assert totals[("All members (regional)", "Median")][header] is None
    assert totals[("All members (regional)", "Total")][header] is None

    codebook = {r["Question id"]: r for r in table(wb["Codebook"], "Codebook")}
    assert codebook["cap_training"]["Type"] == "rating_1_to_5"
    assert codebook["cap_training"]["Scoring"].startswith(
        "weight 1; 1 → 0 up to 5 → 1 in even steps")
    assert codebook["cap_training"]["Options (code → label)"] == "unknown → Unknown / no data"
    data = {(r["ISO3"], r["Question id"]): r for r in table(wb["Data"], "Data")}
    assert data[("THA", "cap_training")]["Value label"] == "4 of 5"
    assert data[("THA", "cap_training")]["Numeric value"] == 4

    # The tidy CSV says the same.
    result = build_export({"kind": "regional", "round": ROUND, "status": "all",
                           "format": "csv"}, "Test")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8"))))
    tidy = {(r["ISO3"], r["Question id"]): r for r in rows}
    assert tidy[("THA", "cap_training")]["Value label"] == "4 of 5"
    assert float(tidy[("THA", "cap_training")]["Numeric value"]) == 4
    assert tidy[("THA", "cap_strengths")]["Value label"] == "Joint training with the FIU"
