"""Evidence notes say how much room is left and are never cut: a note over the limit is
refused, in words, under its question, and kept on the page as typed."""

from __future__ import annotations

import re

import pytest

from questionnaires.forms import EVIDENCE_MAX
from tests.conftest import login_as
from tests.survey.answering.test_answering import answer, response_of, section_url, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def _textarea(html: str, name: str) -> str:
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>', html).group(0)


def test_the_note_counts_its_room_and_the_browser_cuts_nothing(client, demo):
    login_as(client, user("focal.tha@example.org"))
    tha = response_of("THA")
    client.post(section_url(tha, "cooperation"),
                data={"coop_mla_sent": "12", "coop_mla_sent__version": "0",
                      "coop_mla_sent__evidence": "x" * 1200})
    page = client.get(section_url(tha, "cooperation")).get_data(as_text=True)
    area = _textarea(page, "coop_mla_sent__evidence")
    assert "maxlength" not in area                       # no silent cut of a long paste
    assert 'aria-describedby="count-coop_mla_sent"' in area
    assert 'id="count-coop_mla_sent">3,800 characters left of 5,000</p>' in page


def test_a_note_over_the_limit_is_refused_under_its_question_and_kept(client, demo):
    login_as(client, user("focal.tha@example.org"))
    tha = response_of("THA")
    long_note = "See https://example.org/" + "a" * (EVIDENCE_MAX + 186 - 24)
    assert len(long_note) == EVIDENCE_MAX + 186
    reply = client.post(section_url(tha, "cooperation"),
                        data={"coop_mla_sent": "12", "coop_mla_sent__version": "0",
                              "coop_mla_sent__evidence": long_note})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    error = re.search(r'<p class="error" id="err-coop_mla_sent"[^>]*>(.*?)</p>', html).group(1)
    assert error == ("The evidence has 5,186 characters, 186 more than the 5,000 it can hold: "
                     "shorten it; nothing of it was saved.")
    assert long_note in html                             # every character kept to shorten
    assert "186 characters too many" in html
    assert answer(tha, "coop_mla_sent") is None or answer(tha, "coop_mla_sent").evidence != \
        long_note[:EVIDENCE_MAX]


def test_background_save_refuses_too_long_a_note_in_words(client, demo):
    login_as(client, user("focal.tha@example.org"))
    tha = response_of("THA")
    reply = client.post(f"/responses/{tha.id}/answers/coop_mla_sent",
                        data={"coop_mla_sent": "12", "coop_mla_sent__version": "0",
                              "coop_mla_sent__evidence": "n" * (EVIDENCE_MAX + 1)})
    assert reply.status_code == 422
    assert "1 more than the 5,000 it can hold" in reply.get_json()["error"]


def test_a_short_text_states_its_limit_and_a_longer_one_is_refused_and_kept(client, demo):
    # Issue 15: no maxlength on a short text either (a paste would be cut silently).
    login_as(client, user("focal.tha@example.org"))
    tha = response_of("THA")
    page = client.get(section_url(tha, "institutions")).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="inst_lead_agency"[^>]*>', page).group(0)
    assert "maxlength" not in field and 'data-max-chars="300"' in field
    assert "Up to 300 characters." in page
    pasted = "Financial Intelligence Unit https://example.org/" + "u" * 280
    reply = client.post(section_url(tha, "institutions"),
                        data={"inst_lead_agency": pasted, "inst_lead_agency__version": "0",
                              "inst_lead_agency__evidence": ""})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f"Shorten this answer to 300 characters (it has {len(pasted):,})." in html
    assert pasted in html                                 # kept on the page to shorten
