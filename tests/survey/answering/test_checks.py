"""Questionnaire v2 on the answering pages: cross-question checks, warnings to confirm,
exclusive options, derived values, member-aware options, carried-over answers and the
v1 -> v2 prefill (issue 12 §2 and §4), through the real pages."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from questionnaires import load_definition
from questionnaires.definition import DEFINITIONS_DIR
from survey.accounts.users import create_user
from survey.answering.checks import assess
from survey.answering.responses import answers_of, definition_for, save_answer
from survey.extensions import db
from survey.models import (
    Answer,
    AuditEvent,
    Country,
    Response,
    ResponseStatus,
    Round,
    WarningConfirmation,
)
from survey.questionnaire_versions import register_definition
from survey.rounds import open_round
from tests.conftest import login_as
from tests.questionnaires.v2_answers import THA, strong

from .test_answering import answer, browser_form, response_of, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

V2_ROUND = "2027 capability survey (questionnaire v2)"


def open_v2_round() -> Round:
    """Questionnaire v2 stored and a round opened on it after the demo's v1 rounds."""
    register_definition(load_definition(DEFINITIONS_DIR / "ftm-capability-v2.yaml"),
                        filename="ftm-capability-v2.yaml")
    round_ = open_round(V2_ROUND, "ftm-capability:2", opens=dt.date.today())
    db.session.commit()
    return round_


@pytest.fixture
def v2_round(demo):
    return open_v2_round()


@pytest.fixture
def tha2(v2_round, client):
    """Thailand's response in the v2 round, its focal point logged in."""
    login_as(client, user("focal.tha@example.org"))
    return response_of("THA", V2_ROUND)


def section_url(response: Response, section: str) -> str:
    return f"/responses/{response.id}/sections/{section}"


def page(client, response: Response, section: str) -> str:
    reply = client.get(section_url(response, section))
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def post(client, response: Response, section: str, **changes: str):
    """Post the section the way a browser does: every field on the page, some changed."""
    html = page(client, response, section)
    data = browser_form(html, **changes)
    return client.post(section_url(response, section), data=data)


def block(html: str, qid: str) -> str:
    """The HTML of one question's block on the page."""
    start = html.index(f'id="q-{qid}"')
    end = html.find('<div class="question', start + 1)
    return html[start:end if end > 0 else len(html)]


def stored(response: Response, qid: str):
    found = answer(response, qid)
    return found.value if found else None


def audit(response: Response, action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.response_id == response.id, AuditEvent.action == action)
        .order_by(AuditEvent.id)))


# -- every section renders, with member-aware options and skip logic -------------------

def test_every_v2_section_renders_for_the_member(tha2, client):
    definition = definition_for(tha2)
    for section in definition.sections:
        html = page(client, tha2, section.id)
        for q in section.questions:
            assert f'id="q-{q.id}"' in html
    legal = page(client, tha2, "legal")
    # Treaties offer a State's answers to Thailand, not a territory's.
    untoc = block(legal, "leg_untoc")
    assert 'value="party"' in untoc and 'value="not_extended"' not in untoc
    # The skip logic the browser gets holds no member comparison: it is decided here.
    skip = json.loads(re.search(r'data-skip="([^"]*)"', legal).group(1).replace("&#34;", '"')
                      .replace("&quot;", '"'))
    assert "member" not in json.dumps(skip)
    assert skip["conditions"]["leg_actip"] == {"all": []}  # ASEAN: asked


def test_a_territory_sees_and_may_answer_only_its_own_treaty_options(v2_round, client):
    hkg = response_of("HKG", V2_ROUND)
    login_as(client, create_user("focal.hkg@example.org", "focal_point", country="HKG",
                                 password="correct horse battery"))
    db.session.commit()
    legal = page(client, hkg, "legal")
    untoc = block(legal, "leg_untoc")
    assert 'value="not_extended"' in untoc and 'value="party"' not in untoc
    assert 'hidden' in block(legal, "leg_actip").split(">")[0]  # not ASEAN: not asked
    reply = client.post(section_url(hkg, "legal"),
                        data={"leg_untoc": "party", "leg_untoc__evidence": ""})
    assert reply.status_code == 422
    assert "is not offered to" in reply.get_data(as_text=True)
    assert stored(hkg, "leg_untoc") is None
    client.post(section_url(hkg, "legal"),
                data={"leg_untoc": "extended", "leg_untoc__evidence": ""})
    assert stored(hkg, "leg_untoc") == "extended"


# -- hard checks: refused beside the field, naming both questions ------------------------

def test_a_subset_above_its_total_is_refused_and_the_other_answers_are_saved(tha2, client):
    reply = post(client, tha2, "operational", op_tip_investigations="5", op_tip_fin_inv="50",
                 op_tip_persons_prosecuted="12")
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    message = re.search(r'id="err-op_tip_fin_inv"[^>]*>([^<]*)<', html).group(1)
    assert "(50 investigations, question 44)" in message
    assert "(5 investigations, question 43)" in message
    assert "cannot be more than" in message
    # The total and the other answers of the post are saved; the subset is not.
    assert stored(tha2, "op_tip_investigations") == 5
    assert stored(tha2, "op_tip_persons_prosecuted") == 12
    assert stored(tha2, "op_tip_fin_inv") is None
    # The value typed stays in the field to be corrected.
    assert 'value="50"' in block(html, "op_tip_fin_inv")
    # Corrected, it is saved.
    post(client, tha2, "operational", op_tip_fin_inv="4")
    assert stored(tha2, "op_tip_fin_inv") == 4
    # Lowering the total below the subset is refused beside the total, naming both.
    reply = post(client, tha2, "operational", op_tip_investigations="3")
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "question 43" in block(html, "op_tip_investigations") \
        and "question 44" in block(html, "op_tip_investigations")
    assert stored(tha2, "op_tip_investigations") == 5


def test_confiscations_above_convictions_are_refused_by_the_background_save(tha2, client):
    post(client, tha2, "operational", op_tip_persons_convicted="3")
    reply = client.post(f"/responses/{tha2.id}/answers/op_tip_convicted_confiscation",
                        data={"op_tip_convicted_confiscation": "7",
                              "op_tip_convicted_confiscation__evidence": ""},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert "question 49" in error and "question 48" in error
    assert stored(tha2, "op_tip_convicted_confiscation") is None


def test_arin_ap_member_and_observer_together_are_refused(tha2, client):
    data = {"coop_asset_recovery_network": ["arin_ap_member", "arin_ap_observer"],
            "coop_asset_recovery_network__evidence": ""}
    reply = client.post(section_url(tha2, "cooperation"), data=data)
    assert reply.status_code == 422
    assert "either a member or an observer of ARIN-AP" in reply.get_data(as_text=True)
    assert stored(tha2, "coop_asset_recovery_network") is None


def test_none_of_these_is_offered_and_refused_beside_other_options(tha2, client):
    html = page(client, tha2, "legal")
    assert re.search(r'value="none"[^>]*> <label for="[^"]+">None of these</label>',
                     block(html, "leg_ml_predicates"))
    reply = client.post(section_url(tha2, "legal"), data={
        "leg_ml_criminalised": "yes", "leg_ml_criminalised__evidence": "",
        "leg_ml_predicates": ["tip", "none"], "leg_ml_predicates__evidence": ""})
    assert reply.status_code == 422
    assert "“None of these” cannot be ticked together with other answers." in \
        block(reply.get_data(as_text=True), "leg_ml_predicates")
    assert stored(tha2, "leg_ml_predicates") is None
    assert stored(tha2, "leg_ml_criminalised") == "yes"
    client.post(section_url(tha2, "legal"), data={
        "leg_ml_predicates": ["none"], "leg_ml_predicates__evidence": ""})
    assert stored(tha2, "leg_ml_predicates") == ["none"]


def test_a_count_above_its_hard_bound_is_refused(tha2, client):
    reply = post(client, tha2, "operational", op_tip_investigations="1000000000000")
    assert reply.status_code == 422
    assert "no larger than 100000" in block(reply.get_data(as_text=True), "op_tip_investigations")
    assert stored(tha2, "op_tip_investigations") is None


# -- derived values -----------------------------------------------------------------------

def test_a_derived_rate_is_shown_read_only_from_the_two_counts(tha2, client):
    html = page(client, tha2, "operational")
    derived = block(html, "op_fin_inv_share")
    assert "not yet: it needs the answers it is worked out from" in derived
    assert not re.search(r'<(input|textarea|select)(?![^>]*disabled)[^>]*name="op_fin_inv_share"',
                         derived)
    post(client, tha2, "operational", op_tip_investigations="40", op_tip_fin_inv="10")
    derived = block(page(client, tha2, "operational"), "op_fin_inv_share")
    assert "Worked out from your answers:" in derived and "25%" in derived
    assert stored(tha2, "op_fin_inv_share") is None  # worked out, never stored
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "25% <span class=\"muted\">(worked out from your answers)" in summary


# -- warnings: shown beside the field, confirmed, audited, reset by a change ---------------

def _warning_box(html: str, qid: str, warning: str) -> str | None:
    match = re.search(rf'<input type="checkbox" name="{qid}__warn" value="{re.escape(warning)}"'
                      r'[^>]*>', html)
    return match.group(0) if match else None


def test_convictions_above_prosecutions_warn_and_need_a_confirmation(tha2, client):
    reply = post(client, tha2, "operational", op_tip_persons_prosecuted="4",
                 op_tip_persons_convicted="9")
    assert reply.status_code == 302  # saved: a warning is no refusal
    assert stored(tha2, "op_tip_persons_convicted") == 9
    html = page(client, tha2, "operational")
    for qid in ("op_tip_persons_prosecuted", "op_tip_persons_convicted"):
        here = block(html, qid)
        assert "More persons were convicted of trafficking (9 persons, question 48)" in here
        box = _warning_box(here, qid, "tip_convictions_vs_prosecutions")
        assert box and "checked" not in box
    assert "I confirm this figure is correct" in html
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "To confirm" in summary and "More persons were convicted" in summary
    assert f'href="/responses/{tha2.id}/sections/operational#q-op_tip_persons_prosecuted"' in summary

    # Ticked beside one of the two fields: confirmed, and recorded who, which, what value.
    post(client, tha2, "operational", op_tip_persons_convicted__warn="tip_convictions_vs_prosecutions")
    rows = db.session.scalars(select(WarningConfirmation).where(
        WarningConfirmation.response_id == tha2.id)).all()
    assert [(r.warning_id, r.values) for r in rows] == [("tip_convictions_vs_prosecutions", [4, 9])]
    events = audit(tha2, "answer.warning_confirm")
    assert len(events) == 1
    assert events[0].user.email == "focal.tha@example.org"
    assert events[0].new_value["warning"] == "tip_convictions_vs_prosecutions"
    assert events[0].new_value["values"] == [4, 9]
    html = page(client, tha2, "operational")
    assert "checked" in _warning_box(block(html, "op_tip_persons_prosecuted"),
                                     "op_tip_persons_prosecuted", "tip_convictions_vs_prosecutions")
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "More persons were convicted" not in summary.split("All answers")[0]

    # A changed value needs a new confirmation.
    post(client, tha2, "operational", op_tip_persons_convicted="11")
    html = page(client, tha2, "operational")
    assert "(11 persons, question 48)" in html
    assert "checked" not in _warning_box(block(html, "op_tip_persons_convicted"),
                                         "op_tip_persons_convicted",
                                         "tip_convictions_vs_prosecutions")
    # Ticking it while changing the figure again confirms nothing: the new figure is unseen.
    post(client, tha2, "operational", op_tip_persons_convicted="12",
         op_tip_persons_convicted__warn="tip_convictions_vs_prosecutions")
    assert len(audit(tha2, "answer.warning_confirm")) == 1
    post(client, tha2, "operational", op_tip_persons_convicted__warn="tip_convictions_vs_prosecutions")
    assert len(audit(tha2, "answer.warning_confirm")) == 2

    # Unticked (both boxes), the confirmation is withdrawn, and that is recorded too.
    html = page(client, tha2, "operational")
    data = browser_form(html)
    for name in ("op_tip_persons_convicted__warn", "op_tip_persons_prosecuted__warn"):
        data.poplist(name)
    client.post(section_url(tha2, "operational"), data=data)
    assert db.session.scalars(select(WarningConfirmation).where(
        WarningConfirmation.response_id == tha2.id)).all() == []
    withdrawn = audit(tha2, "answer.warning_unconfirm")
    assert len(withdrawn) == 1 and withdrawn[0].old_value["values"] == [4, 12]


def test_an_unusually_high_count_warns_and_the_background_save_shows_it(tha2, client):
    reply = client.post(f"/responses/{tha2.id}/answers/op_tip_investigations",
                        data={"op_tip_investigations": "6000",
                              "op_tip_investigations__evidence": ""},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.get_json()["saved"] is True
    shown = reply.get_json()["checks"]["op_tip_investigations"]
    assert "unusually high" in shown and 'value="plausible_high:op_tip_investigations"' in shown
    # Confirmed by the background save of the tick.
    reply = client.post(f"/responses/{tha2.id}/answers/op_tip_investigations",
                        data={"op_tip_investigations": "6000",
                              "op_tip_investigations__evidence": "",
                              "op_tip_investigations__warn_shown": "plausible_high:op_tip_investigations",
                              "op_tip_investigations__warn": "plausible_high:op_tip_investigations"},
                        headers={"Accept": "application/json"})
    assert "checked" in reply.get_json()["checks"]["op_tip_investigations"]
    assert audit(tha2, "answer.warning_confirm")[0].new_value["values"] == [6000]


def test_a_joint_team_without_a_legal_basis_warns(tha2, client):
    client.post(section_url(tha2, "cooperation"), data={
        "coop_jit_legal_basis": "no", "coop_jit_legal_basis__evidence": "",
        "coop_jit_used": "joint_team", "coop_jit_used__evidence": ""})
    html = page(client, tha2, "cooperation")
    assert "A joint investigation team was used" in block(html, "coop_jit_used")
    assert _warning_box(block(html, "coop_jit_legal_basis"), "coop_jit_legal_basis",
                        "joint_team_without_legal_basis")


def test_a_statistical_year_outside_the_reference_year_warns(tha2, client):
    reference_year = tha2.round.reference_year
    client.post(section_url(tha2, "institutions"), data={
        "stat_period__basis": "calendar", "stat_period__start": f"{reference_year - 2}-01",
        "stat_period__end": f"{reference_year - 2}-12", "stat_period__evidence": ""})
    assert stored(tha2, "stat_period") is not None
    html = page(client, tha2, "institutions")
    assert _warning_box(block(html, "stat_period"), "stat_period", "period_year:stat_period")


# -- submission waits for every warning, check and carried answer --------------------------

def _complete_v2(response: Response) -> None:
    """Every question answered consistently, as a strong member would (no warnings)."""
    focal = user("focal.tha@example.org")
    definition = definition_for(response)
    answers = strong(definition, THA)
    answers["stat_period"] = {"basis": "calendar", "start": f"{response.round.reference_year}-01",
                              "end": f"{response.round.reference_year}-12"}
    for qid, value in answers.items():
        save_answer(response, qid, value, focal)
    db.session.commit()


def test_submission_is_blocked_with_a_clear_message_until_the_warning_is_confirmed(tha2, client):
    _complete_v2(tha2)
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "Ready to submit" in summary and "Submit the response" in summary
    post(client, tha2, "operational", op_tip_persons_convicted="15")  # above 10 prosecuted
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "Not ready to submit" in summary and "Submit the response" not in summary
    reply = client.post(f"/responses/{tha2.id}/submit", follow_redirects=True)
    text = reply.get_data(as_text=True)
    assert "This response cannot be submitted yet: 1 warning(s) are not confirmed yet " \
           "(question 47). The summary page lists each of them." in text
    db.session.expire_all()
    assert db.session.get(Response, tha2.id).status is ResponseStatus.IN_PROGRESS
    post(client, tha2, "operational", op_tip_persons_convicted__warn="tip_convictions_vs_prosecutions")
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "Ready to submit" in summary
    reply = client.post(f"/responses/{tha2.id}/submit")
    assert reply.headers["Location"].endswith(f"/responses/{tha2.id}/submitted")
    db.session.expire_all()
    assert db.session.get(Response, tha2.id).status is ResponseStatus.SUBMITTED


# -- carried-over answers and the v1 -> v2 prefill -----------------------------------------

def _prefilled(client, response: Response):
    html = page(client, response, "institutions")
    assert "Copy the previous round’s answers" in html
    reply = client.post(f"/responses/{response.id}/prefill", follow_redirects=True)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_v2_prefills_from_v1_only_what_means_the_same_and_never_counts(tha2, client):
    v1_answers = answers_of(response_of("THA"))  # the demo's v1 round, the previous one
    definition = definition_for(tha2)
    text = _prefilled(client, tha2)
    carried = answers_of(tha2)
    assert carried and all(a.carried_over for a in carried.values())
    expected = {q.id for q in definition.questions
                if q.previous is not None and q.previous.same and q.carry_over
                and v1_answers.get(q.previous.question) is not None
                and v1_answers[q.previous.question].value is not None}
    assert set(carried) <= expected and len(carried) >= len(expected) - 3
    for qid, a in carried.items():
        q = definition.question(qid)
        assert q.previous.same and q.carry_over
        assert a.value == v1_answers[q.previous.question].value or isinstance(a.value, list)
    # Counts for the reference year are never carried, even where v1 asked the same thing.
    assert v1_answers["op_tip_investigations"].value is not None
    assert "op_tip_investigations" not in carried
    assert not any(definition.question(qid).period == "reference_year" for qid in carried)
    # A question whose meaning changed is not carried either.
    assert "coop_asset_recovery_network" not in carried
    untoc_before = definition.question("leg_untoc").previous
    assert not untoc_before.same and v1_answers[untoc_before.question].value is not None
    assert "leg_untoc" not in carried
    assert "answers were carried over from the previous round" in text
    assert "answers were not carried over: figures for a reference year" in text
    event = audit(tha2, "response.prefill")[0]
    assert event.new_value["from_questionnaire"] == "ftm-capability:1"
    assert event.new_value["answers"] == len(carried)
    assert "op_tip_investigations" in event.new_value["never_carried"]
    assert "leg_untoc" in event.new_value["changed_meaning"]
    assert all(not definition.question(qid).previous.same
               for qid in event.new_value["changed_meaning"])


def test_carried_answers_block_submission_until_confirmed_one_by_one_or_by_section(tha2, client):
    _prefilled(client, tha2)
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "from the previous round are not confirmed" in summary
    assert "Submit the response" not in summary
    reply = client.post(f"/responses/{tha2.id}/submit", follow_redirects=True)
    assert "carried over from the previous round are not confirmed yet" in \
        reply.get_data(as_text=True)

    # One by one: "This answer is still correct" beside the field.
    legal = answers_of(tha2)
    one = next(qid for qid in ("leg_tip_offence", "leg_ml_offence") if qid in legal)
    section = definition_for(tha2).question(one).section_id
    post(client, tha2, section, **{one + "__confirm": "1"})
    assert answer(tha2, one).carried_over is False
    confirm = audit(tha2, "answer.confirm")
    assert [e.question_id for e in confirm] == [one]

    # The rest of a section at once, from the summary page.
    definition = definition_for(tha2)
    left = [q.id for q in assess(tha2, definition, answers_of(tha2)).carried
            if q.section_id == section]
    assert left
    reply = client.post(f"/responses/{tha2.id}/sections/{section}/confirm-carried")
    assert reply.status_code == 302
    db.session.expire_all()
    assert not any(answer(tha2, qid).carried_over for qid in left)
    bulk = audit(tha2, "answer.confirm")[1:]
    assert sorted(e.question_id for e in bulk) == sorted(left)
    assert all(e.detail == "all unchanged answers in the section confirmed" for e in bulk)
    assert all(e.user.email == "focal.tha@example.org" for e in bulk)

    # And from the section page: save, and confirm what is left unchanged there.
    other_section = assess(tha2, definition, answers_of(tha2)).carried[0].section_id
    html = page(client, tha2, other_section)
    assert "from the previous round in this section are still correct" in html \
        or "from the previous round is still correct" in html
    data = browser_form(html)
    data["go"] = "confirm_carried"
    client.post(section_url(tha2, other_section), data=data)
    db.session.expire_all()
    assert not [q for q in assess(tha2, definition, answers_of(tha2)).carried
                if q.section_id == other_section]


def test_carried_answers_no_longer_relevant_do_not_block_and_staff_cannot_confirm(tha2, client):
    _prefilled(client, tha2)
    section = next(iter(definition_for(tha2).sections)).id
    login_as(client, user("reviewer@example.org"))
    reply = client.post(f"/responses/{tha2.id}/sections/{section}/confirm-carried")
    assert reply.status_code == 403
    assert any(a.carried_over for a in answers_of(tha2).values())


def test_v1_to_v1_prefill_still_carries_and_blocks_submission_until_confirmed(demo, client):
    """The demo's v1 rounds: carried answers count as answered but not as confirmed."""
    response = response_of("LKA")
    db.session.query(Answer).filter(Answer.response_id == response.id).delete()
    response.status = ResponseStatus.NOT_STARTED
    db.session.commit()
    login_as(client, create_user("focal.lka@example.org", "focal_point", country="LKA",
                                 password="correct horse battery"))
    db.session.commit()
    client.post(f"/responses/{response.id}/prefill")
    summary = client.get(f"/responses/{response.id}/summary").get_data(as_text=True)
    assert "from the previous round are not confirmed" in summary
    assert "Submit the response" not in summary
    country = db.session.scalar(select(Country).where(Country.iso3 == "LKA"))
    assert response.country_id == country.id
