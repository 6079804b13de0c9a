"""Every role against every route of the answering pages: who may read, who may write.

Focal points of another country get 403 and nothing changes; staff (reviewer,
analyst, admin) may read but not write; the country's own focal points do both;
anonymous visitors are sent to the login page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AuditEvent, Response, User
from tests.conftest import login_as
from tests.survey.answering.test_answering import response_of

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

READ = [
    "/responses/{id}",
    "/responses/{id}/sections/legal",
    "/responses/{id}/questions/leg_tip_offence/history",
    "/responses/{id}/summary",
    "/responses/{id}/submitted",
]
WRITE = [
    ("/responses/{id}/sections/cooperation", {"coop_treaties": "4", "coop_treaties__version": "0"}),
    ("/responses/{id}/answers/coop_mla_sent", {"coop_mla_sent": "4", "coop_mla_sent__version": "0"}),
    ("/responses/{id}/prefill", {}),
    ("/responses/{id}/submit", {}),
]

# role -> (my-country status, read status, write allowed)
EXPECTED = {
    "anonymous": (302, 302, False),
    "focal_own": (200, 200, True),
    "focal_other": (200, 403, False),
    "reviewer": (403, 200, False),
    "analyst": (403, 200, False),
    "admin": (403, 200, False),
}
ACCOUNTS = {"focal_own": "focal.tha@example.org", "focal_other": "focal.fji@example.org",
            "reviewer": "reviewer@example.org", "analyst": "analyst@example.org",
            "admin": "admin@example.org"}


def snapshot(response: Response) -> tuple:
    db.session.expire_all()
    answers = db.session.scalar(select(func.count(Answer.id))
                                .where(Answer.response_id == response.id))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    fresh = db.session.get(Response, response.id)
    return answers, events, fresh.status, fresh.version


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_role_against_every_answering_route(role, demo, client):
    if role != "anonymous":
        login_as(client, db.session.scalar(select(User).where(User.email == ACCOUNTS[role])))
    tha = response_of("THA")
    home_status, read_status, may_write = EXPECTED[role]

    assert client.get("/my-country").status_code == home_status
    for url in READ:
        status = client.get(url.format(id=tha.id)).status_code
        expected = read_status
        if read_status == 200 and url.endswith(("/submitted", "/responses/{id}")):
            expected = 302  # redirects onwards (to review / to the first section)
        assert status == expected, (role, url, status)

    for url, data in WRITE:
        before = snapshot(tha)
        reply = client.post(url.format(id=tha.id), data=data)
        after = snapshot(tha)
        if may_write:
            assert reply.status_code in (200, 302), (url, reply.status_code)
        else:
            # Anonymous visitors are sent to log in, except that a section form without a
            # resume token of its page is refused outright (nothing kept: issue 10).
            refused_outright = role != "anonymous" or "/sections/" in url
            expected = 403 if refused_outright else 302
            assert reply.status_code == expected, (role, url, reply.status_code)
            assert after == before, (role, url)  # nothing changed
            if not refused_outright:
                assert "/login" in reply.headers["Location"]

    if may_write:
        db.session.expire_all()
        answer = db.session.scalar(select(Answer).where(Answer.response_id == tha.id,
                                                        Answer.question_id == "coop_treaties"))
        assert answer.value == 4


@pytest.mark.parametrize("role", ["reviewer", "analyst", "admin"])
def test_staff_read_the_section_page_without_editing(role, demo, client):
    login_as(client, db.session.scalar(select(User).where(User.email == ACCOUNTS[role])))
    html = client.get(f"/responses/{response_of('THA').id}/sections/legal").get_data(as_text=True)
    assert "only the country’s focal points can change it" in html
    assert "disabled" in html and ">Save</button>" not in html


def test_account_pages_need_a_login(demo, client):
    assert "/login" in client.get("/account").headers["Location"]
    assert "/login" in client.post("/account/password", data={}).headers["Location"]
    assert "/login" in client.post("/account/language", data={}).headers["Location"]
