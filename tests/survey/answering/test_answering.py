"""Focal points answer their country's questionnaire: request tests of every route."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey.answering.responses import answers_of
from survey.answering.services import digest, prefill_from_previous
from survey.demo import CURRENT_ROUND, PREVIOUS_ROUND
from survey.extensions import db
from survey.models import Answer, AuditEvent, Country, Response, ResponseStatus, Round, User
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def response_of(iso3: str, round_name: str = CURRENT_ROUND) -> Response:
    return db.session.scalar(
        select(Response).join(Round, Response.round_id == Round.id)
        .join(Country, Response.country_id == Country.id)
        .where(Round.name == round_name, Country.iso3 == iso3))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def answer(response: Response, qid: str) -> Answer | None:
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                  Answer.question_id == qid))


def section_url(response: Response, section: str) -> str:
    return f"/responses/{response.id}/sections/{section}"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


class _FormReader(HTMLParser):
    """Reads the section form the way a browser would post it (ticked boxes only)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "section-form":
            self._in_form = True
        if not self._in_form or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "form":
            self._in_form = False


def browser_form(html: str, **changes: str) -> MultiDict:
    reader = _FormReader()
    reader.feed(html)
    data = MultiDict(reader.fields)  # the page's own CSRF token comes along
    for name, value in changes.items():
        data.setlist(name, [value])
    return data


@pytest.fixture
def tha(demo, client):
    login_as(client, user("focal.tha@example.org"))
    return response_of("THA")


# -- home ------------------------------------------------------------------------

def test_focal_point_home_lists_own_rounds_with_progress_and_closing_date(tha, client):
    page = client.get("/", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.request.path == "/"
    assert "Thailand: your questionnaires" in client.get("/my-country").get_data(as_text=True)
    assert "Thailand: your questionnaires" in html
    assert "2026 capability survey" in html and "2025 capability survey (pilot)" in html
    assert "Closes" in html and "days left" in html
    assert "Last change:" in html and "Somchai, Thailand (demo)" in html
    # Progress per pillar, answered of required.
    assert re.search(r"Legislative and policy frameworks</a>.*?\d+ of \d+", html, re.S)
    assert "Fiji" not in html


def test_staff_home_is_not_redirected(demo, client):
    login_as(client, user("reviewer@example.org"))
    assert client.get("/").status_code == 200
    assert client.get("/my-country").status_code == 403


# -- the section page ------------------------------------------------------------

def test_section_page_shows_questions_help_units_and_navigator(tha, client):
    html = client.get(section_url(tha, "operational")).get_data(as_text=True)
    assert "Do law-enforcement agencies have a unit dedicated to financial investigation?" in html
    assert 'class="help"' in html
    assert "At least 0." in html                      # bounds on count fields
    assert "Evidence or notes" in html
    assert 'aria-label="Sections of the questionnaire"' in html
    assert re.search(r'aria-current="page">\s*<span class="nav-title">Operational', html)
    assert "of 15 required" in html                    # cooperation progress in the navigator
    assert "answering.js" in html and "<script>" not in html and 'style="' not in html


def test_legal_reference_fields_have_their_own_labels(tha, client):
    html = client.get(section_url(tha, "legal")).get_data(as_text=True)
    for part in ("Law or instrument", "Article or section", "Year"):
        assert f">{part}</label>" in html


def test_unknown_section_and_response_are_404(tha, client):
    assert client.get(section_url(tha, "nope")).status_code == 404
    assert client.get("/responses/99999/sections/legal").status_code == 404


def test_saving_a_page_keeps_valid_answers_and_shows_invalid_ones_with_their_value(tha, client):
    page = client.get(section_url(tha, "cooperation")).get_data(as_text=True)
    data = {
        "coop_mla_authority": "yes",
        "coop_mla_authority__version": hidden(page, "coop_mla_authority__version"),
        "coop_mla_sent": "twelve",
        "coop_mla_sent__version": hidden(page, "coop_mla_sent__version"),
        "coop_treaties": "-3",
        "coop_treaties__version": "0",
    }
    reply = client.post(section_url(tha, "cooperation"), data=data)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "Type the number in digits only, without words or letters" in html
    assert "Enter a number of at least 0." in html
    assert 'value="twelve"' in html and 'value="-3"' in html   # typed values kept
    assert answer(tha, "coop_mla_authority").value == "yes"  # the valid one is saved
    assert answer(tha, "coop_mla_sent") is None


def test_saving_a_page_redirects_and_records_the_audit_trail(tha, client):
    reply = client.post(section_url(tha, "cooperation"),
                        data={"coop_mla_sent": "12", "coop_mla_sent__version": "0",
                              "coop_mla_sent__evidence": "Central authority statistics"})
    assert reply.status_code == 302
    assert answer(tha, "coop_mla_sent").value == 12
    assert answer(tha, "coop_mla_sent").evidence == "Central authority statistics"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.question_id == "coop_mla_sent",
                                                       AuditEvent.response_id == tha.id))
    assert event.new_value["value"] == 12 and event.user.email == "focal.tha@example.org"
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Your answers are saved." in page


def test_save_and_go_next_moves_to_the_next_section_then_review(tha, client):
    reply = client.post(section_url(tha, "legal"), data={"go": "next"})
    assert reply.headers["Location"].endswith(section_url(tha, "operational"))
    reply = client.post(section_url(tha, "cooperation"), data={"go": "next"})
    assert reply.headers["Location"].endswith(f"/responses/{tha.id}/summary")


def test_required_answers_are_not_enforced_on_save(tha, client):
    reply = client.post(section_url(tha, "cooperation"), data={"coop_mla_sent": "",
                                                                  "coop_mla_sent__version": "0"})
    assert reply.status_code == 302


def test_skip_logic_conditions_are_embedded_for_the_browser(tha, client):
    html = client.get(section_url(tha, "operational")).get_data(as_text=True)
    match = re.search(r'data-skip="([^"]+)"', html)
    import html as html_lib
    import json

    skip = json.loads(html_lib.unescape(match.group(1)))
    assert skip["conditions"]["op_tip_fin_inv"] == {"question": "op_tip_investigations", "gt": 0}
    # Conditions on earlier sections' answers come with those answers.
    assert "leg_ml_offence" in skip["outside"]


def test_irrelevant_questions_are_hidden_by_the_server_too(tha, client):
    client.post(section_url(tha, "cooperation"), data={"coop_arinap_member": "no",
                                                        "coop_arinap_member__version": "0"})
    html = client.get(section_url(tha, "cooperation")).get_data(as_text=True)
    assert re.search(r'id="q-coop_arinap_requests" data-question="coop_arinap_requests" '
                     r'data-type="integer" hidden', html)


# -- background save of one answer -----------------------------------------------

def test_autosave_one_answer_with_the_csrf_header(tha, client):
    token = client.csrf_token()
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent", csrf=False,
                        data={"coop_mla_sent": "7", "coop_mla_sent__version": "0"},
                        headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.json["saved"] is True and reply.json["version"] == 1
    assert reply.json["seen"] == digest(7, None)
    assert "of 15 required" in reply.json["progress"]
    assert answer(tha, "coop_mla_sent").value == 7


def test_autosave_without_csrf_token_is_refused(tha, client):
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent", csrf=False,
                        data={"coop_mla_sent": "7"}, headers={"Accept": "application/json"})
    assert reply.status_code == 400
    assert answer(tha, "coop_mla_sent") is None


def test_autosave_invalid_value_is_explained(tha, client):
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                        data={"coop_mla_sent": "lots", "coop_mla_sent__version": "0"},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 422
    assert reply.json["error"].startswith("Type the number in digits only")


def test_autosave_unknown_question_is_404(tha, client):
    assert client.post(f"/responses/{tha.id}/answers/nope", data={}).status_code == 404


# -- concurrent edits -------------------------------------------------------------

def _two_writers(tha, client, app):
    """Malee saves an answer after Somchai opened the page: Somchai's version is stale."""
    other = app.test_client()
    login_as(other, user("focal2.tha@example.org"))
    page = client.get(section_url(tha, "cooperation")).get_data(as_text=True)
    seen_version = hidden(page, "coop_mla_sent__version")
    reply = other.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                       data={"coop_mla_sent": "5", "coop_mla_sent__version": "0"})
    assert reply.status_code == 200
    return page, seen_version


def test_second_writer_sees_both_values_and_nothing_is_overwritten(tha, client, app):
    page, seen = _two_writers(tha, client, app)
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                        data={"coop_mla_sent": "9", "coop_mla_sent__version": seen,
                              "coop_mla_sent__seen": hidden(page, "coop_mla_sent__seen")},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 409
    box = reply.json["html"]
    assert "Malee, Thailand (demo)" in box
    assert "<dd>5" in box and "<dd>9" in box
    assert answer(tha, "coop_mla_sent").value == 5

    # Somchai keeps his answer: it replaces the version he has now seen.
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                        data={"coop_mla_sent": "9", "coop_mla_sent__version": seen,
                              "resolve": "mine:coop_mla_sent", "coop_mla_sent__saved_version": "1"},
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.json["version"] == 2
    assert answer(tha, "coop_mla_sent").value == 9


def test_page_save_conflict_offers_a_choice_and_taking_theirs_keeps_it(tha, client, app):
    page, seen = _two_writers(tha, client, app)
    data = {"coop_mla_sent": "9", "coop_mla_sent__version": seen,
            "coop_mla_sent__seen": hidden(page, "coop_mla_sent__seen"),
            "coop_mla_authority": "yes", "coop_mla_authority__version": "0"}
    reply = client.post(section_url(tha, "cooperation"), data=data)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert "Someone else saved this answer while you were editing it." in html
    assert "Keep my answer" in html and "Use the saved answer" in html
    assert answer(tha, "coop_mla_sent").value == 5
    assert answer(tha, "coop_mla_authority").value == "yes"  # the rest of the page is saved

    reply = client.post(section_url(tha, "cooperation"),
                        data={**data, "resolve": "theirs:coop_mla_sent"})
    assert reply.status_code == 302
    assert answer(tha, "coop_mla_sent").value == 5


def test_answers_left_alone_do_not_conflict_with_a_newer_save(tha, client, app):
    page, seen = _two_writers(tha, client, app)
    # Somchai saves the page without touching the MLA count: Malee's 5 stays, no conflict.
    reply = client.post(section_url(tha, "cooperation"),
                        data={"coop_mla_sent": "", "coop_mla_sent__version": seen,
                              "coop_mla_sent__seen": hidden(page, "coop_mla_sent__seen"),
                              "coop_treaties": "3", "coop_treaties__version": "0"})
    assert reply.status_code == 302
    assert answer(tha, "coop_mla_sent").value == 5
    assert answer(tha, "coop_treaties").value == 3


# -- history ---------------------------------------------------------------------

def test_question_history_shows_who_when_old_and_new(tha, client):
    client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                data={"coop_mla_sent": "4", "coop_mla_sent__version": "0"})
    client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                data={"coop_mla_sent": "6", "coop_mla_sent__version": "1"})
    html = client.get(f"/responses/{tha.id}/questions/coop_mla_sent/history").get_data(as_text=True)
    assert html.count("<td>Somchai, Thailand (demo)") == 2
    assert re.search(r"<td>4 requests</td>\s*<td>6 requests</td>", html)
    assert re.search(r"<td>—</td>\s*<td>4 requests</td>", html)
    assert client.get(f"/responses/{tha.id}/questions/nope/history").status_code == 404


# -- prefill from the previous round ---------------------------------------------

@pytest.fixture
def khm_fresh(demo, client):
    """A member that answered last round and has not started this one (Sri Lanka)."""
    response = response_of("LKA")
    db.session.query(Answer).filter(Answer.response_id == response.id).delete()
    response.status = ResponseStatus.NOT_STARTED
    db.session.commit()
    from survey.accounts.users import create_user

    focal = create_user("focal.lka@example.org", "focal_point", country="LKA",
                        password="correct horse battery")
    db.session.commit()
    login_as(client, focal)
    return response


def test_prefill_is_offered_and_marks_carried_answers(khm_fresh, client):
    html = client.get(section_url(khm_fresh, "legal")).get_data(as_text=True)
    assert "Start from last round’s answers?" in html
    reply = client.post(f"/responses/{khm_fresh.id}/prefill")
    assert reply.status_code == 302
    previous = answers_of(response_of("LKA", PREVIOUS_ROUND))
    current = answers_of(khm_fresh)
    assert set(current) == set(previous)
    assert all(a.carried_over for a in current.values())
    html = client.get(section_url(khm_fresh, "legal")).get_data(as_text=True)
    assert "From the previous round" in html and "This answer is still correct" in html
    assert "Start from last round’s answers?" not in html
    # A second prefill is refused, nothing doubled.
    client.post(f"/responses/{khm_fresh.id}/prefill")
    assert len(answers_of(khm_fresh)) == len(previous)


def test_carried_answer_is_confirmed_or_changed(khm_fresh, client):
    client.post(f"/responses/{khm_fresh.id}/prefill")
    old = answer(khm_fresh, "leg_tip_offence")
    other = "no" if old.value != "no" else "yes"
    # Saving the page without confirming leaves carried answers marked.
    client.post(section_url(khm_fresh, "legal"),
                data={"leg_tip_offence": old.value, "leg_tip_offence__version": str(old.version),
                      "leg_ml_offence": answer(khm_fresh, "leg_ml_offence").value,
                      "leg_ml_offence__version": "1", "leg_ml_offence__confirm": "1"})
    assert answer(khm_fresh, "leg_tip_offence").carried_over is True
    assert answer(khm_fresh, "leg_ml_offence").carried_over is False
    client.post(section_url(khm_fresh, "legal"),
                data={"leg_tip_offence": other, "leg_tip_offence__version": str(old.version)})
    assert answer(khm_fresh, "leg_tip_offence").carried_over is False
    assert answer(khm_fresh, "leg_tip_offence").value == other


def test_prefill_service_refuses_a_started_response(tha):
    from survey.rules import SurveyError

    with pytest.raises(SurveyError, match="already been started"):
        prefill_from_previous(tha, user("focal.tha@example.org"))


# -- review and submit -----------------------------------------------------------

def test_review_lists_missing_required_answers_with_links(tha, client):
    html = client.get(f"/responses/{tha.id}/summary").get_data(as_text=True)
    assert "required answers are missing" in html
    assert f'href="/responses/{tha.id}/sections/cooperation#q-coop_mla_authority"' in html
    assert "All answers" in html
    assert "Submit the response" not in html
    reply = client.post(f"/responses/{tha.id}/submit")
    assert reply.status_code == 302
    assert "required question(s) still need an answer" in client.get(
        reply.headers["Location"]).get_data(as_text=True)
    assert response_of("THA").status is ResponseStatus.IN_PROGRESS


def _complete(response: Response, focal: User) -> None:
    from questionnaires import missing_required
    from survey.answering.responses import definition_for, save_answer, values_of
    from survey.demo import demo_value

    definition = definition_for(response)
    import random

    rng = random.Random(1)
    for _ in range(5):
        missing = missing_required(definition, values_of(answers_of(response)))
        if not missing:
            break
        for q in missing:
            save_answer(response, q.id, demo_value(q, 0.7, rng, "Thailand"), focal)
    db.session.commit()


def test_submit_locks_confirms_and_double_submit_is_harmless(tha, client):
    focal = user("focal.tha@example.org")
    _complete(tha, focal)
    html = client.get(f"/responses/{tha.id}/summary").get_data(as_text=True)
    assert "Every required question is answered" in html
    reply = client.post(f"/responses/{tha.id}/submit")
    assert reply.headers["Location"].endswith(f"/responses/{tha.id}/submitted")
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Response submitted" in page and "Somchai, Thailand (demo)" in page
    db.session.expire_all()
    assert response_of("THA").status is ResponseStatus.SUBMITTED
    changes = len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "response.status", AuditEvent.response_id == tha.id)).all())
    # Double submit: same confirmation, nothing more recorded.
    reply = client.post(f"/responses/{tha.id}/submit")
    assert reply.headers["Location"].endswith(f"/responses/{tha.id}/submitted")
    assert len(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "response.status", AuditEvent.response_id == tha.id)).all()) == changes
    # Locked: a save changes nothing and says so; the page is read-only.
    before = answer(tha, "coop_mla_sent").value
    reply = client.post(section_url(tha, "cooperation"),
                        data={"coop_mla_sent": "999", "coop_mla_sent__version": "1"},
                        follow_redirects=True)
    assert "locked against edits" in reply.get_data(as_text=True)
    assert answer(tha, "coop_mla_sent").value == before
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                        data={"coop_mla_sent": "999"}, headers={"Accept": "application/json"})
    assert reply.status_code == 409
    html = client.get(section_url(tha, "cooperation")).get_data(as_text=True)
    assert "submitted and locked" in html and "disabled" in html


def test_returned_response_is_editable_again(demo, client):
    phl = response_of("PHL")
    login_as(client, user("focal.phl@example.org"))
    html = client.get(section_url(phl, "cooperation")).get_data(as_text=True)
    assert "returned this response" in html
    reply = client.post(section_url(phl, "cooperation"),
                        data=browser_form(html, coop_treaties="12"))
    assert reply.status_code == 302
    assert answer(phl, "coop_treaties").value == 12
    reply = client.post(f"/responses/{phl.id}/submit", follow_redirects=True)
    assert "Response submitted" in reply.get_data(as_text=True), reply.get_data(as_text=True)
    db.session.expire_all()
    assert response_of("PHL").status is ResponseStatus.SUBMITTED


def test_submitted_page_of_unsubmitted_response_goes_to_review(tha, client):
    reply = client.get(f"/responses/{tha.id}/submitted")
    assert reply.headers["Location"].endswith(f"/responses/{tha.id}/summary")


def test_continue_skips_sections_with_nothing_left_to_do(tha, client):
    # Thailand's first section is complete in the demo; the second is not (see
    # tests/survey/answering/test_next_step.py for the whole rule).
    reply = client.get(f"/responses/{tha.id}")
    assert reply.headers["Location"].endswith(section_url(tha, "operational"))


def test_closed_round_cannot_be_changed(demo, client):
    old = response_of("THA", PREVIOUS_ROUND)
    login_as(client, user("focal.tha@example.org"))
    before = answer(old, "leg_tip_offence").value
    html = client.get(section_url(old, "legal")).get_data(as_text=True)
    assert "disabled" in html and "Save</button>" not in html
    changed = "no" if before != "no" else "yes"
    reply = client.post(section_url(old, "legal"), data={"leg_tip_offence": changed},
                        follow_redirects=True)
    assert "locked against edits" in reply.get_data(as_text=True)
    assert answer(old, "leg_tip_offence").value == before
