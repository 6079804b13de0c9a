"""The reviewer sees the figures the questionnaire found unusual, and whether and by whom
each was confirmed (issue 12 §2: "unusually high – confirmed by X on date")."""

from __future__ import annotations

from sqlalchemy import select

from survey.answering.responses import save_answer
from survey.extensions import db
from survey.models import WarningConfirmation
from tests.conftest import login_as
from tests.survey.answering.test_checks import V2_ROUND

from .review_helpers import response_of, user

HIGH = "plausible_high:op_tip_investigations"


def _save(client, response, **data):
    fields = {"op_tip_investigations__evidence": "", **data}
    reply = client.post(f"/responses/{response.id}/answers/op_tip_investigations", data=fields,
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200


def _block(html: str, qid: str) -> str:
    start = html.index(f'id="q-{qid}"')
    return html[start:html.index("</tr>", start)]


def test_the_reviewer_sees_each_warning_and_who_confirmed_it(v2_round, client):
    tha = response_of("THA", V2_ROUND)
    focal = user("focal.tha@example.org")
    login_as(client, focal)
    _save(client, tha, op_tip_investigations="6000")

    login_as(client, user("reviewer@example.org"))
    page = client.get(f"/responses/{tha.id}/review").get_data(as_text=True)
    assert "1 figure the questionnaire finds unusual" in page
    here = _block(page, "op_tip_investigations")
    assert "unusually high" in here and "Not confirmed" in here

    login_as(client, focal)
    _save(client, tha, op_tip_investigations="6000", op_tip_investigations__warn_shown=HIGH,
          op_tip_investigations__warn=HIGH)
    row = db.session.scalar(select(WarningConfirmation).where(
        WarningConfirmation.response_id == tha.id))
    when = row.confirmed_at.strftime("%d %b %Y")

    login_as(client, user("reviewer@example.org"))
    page = client.get(f"/responses/{tha.id}/review").get_data(as_text=True)
    here = _block(page, "op_tip_investigations")
    assert "unusually high" in here and "Not confirmed" not in here
    assert f"Confirmed by {focal.display_name} on {when}" in here
    summary = page.split('id="checks-h"', 1)[1].split("</section>", 1)[0]
    assert f"Confirmed by {focal.display_name} on {when}" in summary
    assert 'href="#q-op_tip_investigations"' in summary


def test_a_response_without_warnings_shows_no_warning_list(v2_round, client):
    login_as(client, user("reviewer@example.org"))
    page = client.get(f"/responses/{response_of('IDN', V2_ROUND).id}/review").get_data(as_text=True)
    assert 'id="checks-h"' not in page


def test_the_reviewer_sees_derived_rates_worked_out(v2_round, client):
    tha = response_of("THA", V2_ROUND)
    focal = user("focal.tha@example.org")
    save_answer(tha, "op_tip_investigations", 50, focal)
    save_answer(tha, "op_tip_fin_inv", 10, focal)
    db.session.commit()
    login_as(client, user("reviewer@example.org"))
    page = client.get(f"/responses/{tha.id}/review").get_data(as_text=True)
    here = " ".join(_block(page, "op_fin_inv_share").split())
    assert ("<strong><bdi>20%</bdi></strong> <span class=\"muted\">(worked out from the answers)</span>"
            in here)
    assert "Not yet worked out" in _block(page, "op_confiscation_share")
