"""Accounts: failed-login limits, own password and language, sessions that expire."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AuditEvent, User
from tests.conftest import login_as
from tests.survey.answering.test_answering import browser_form, response_of

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

NEUTRAL = "The e-mail or password is not correct."
LIMITED = "This account is locked for now: too many failed attempts to log in."
# What a browser sends with a form posted from one of the app's pages.
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def log_in(client, email, password, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_failed_logins_are_limited_per_account_without_revealing_the_account(demo, client):
    password = demo["reviewer@example.org"]
    for _ in range(5):
        reply = log_in(client, "reviewer@example.org", "wrong password!")
        assert reply.status_code == 401 and NEUTRAL in reply.get_data(as_text=True)
    # The sixth try is refused even with the right password.
    reply = log_in(client, "reviewer@example.org", password)
    assert reply.status_code == 429 and LIMITED in reply.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    # An e-mail that has no account behaves exactly the same.
    for _ in range(5):
        assert NEUTRAL in log_in(client, "nobody@example.org", "x").get_data(as_text=True)
    reply = log_in(client, "nobody@example.org", "x")
    assert reply.status_code == 429 and LIMITED in reply.get_data(as_text=True)
    # Another account from the same address still logs in.
    reply = log_in(client, "analyst@example.org", demo["analyst@example.org"])
    assert reply.status_code == 302
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "user.login")) == 1


def test_failed_logins_are_limited_per_address(demo, app, client):
    for i in range(20):
        log_in(client, f"guess{i}@example.org", "x")
    reply = log_in(client, "analyst@example.org", demo["analyst@example.org"])
    assert reply.status_code == 429
    other = app.test_client()
    reply = log_in(other, "analyst@example.org", demo["analyst@example.org"],
                   environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert reply.status_code == 302


def test_change_own_password(demo, app, client):
    email = "focal.fji@example.org"
    old = demo[email]
    log_in(client, email, old)
    elsewhere = app.test_client()
    log_in(elsewhere, email, old)
    page = client.get("/account").get_data(as_text=True)
    assert "Change your password" in page and 'autocomplete="new-password"' in page

    reply = client.post("/account/password", data={"pw-current": "not it", "pw-new": "a new password 1",
                                                   "pw-confirm": "a new password 1"})
    assert reply.status_code == 422 and "This is not your current password." in reply.get_data(as_text=True)
    reply = client.post("/account/password", data={"pw-current": old, "pw-new": "a new password 1",
                                                   "pw-confirm": "something else"})
    assert "The two new passwords differ." in reply.get_data(as_text=True)
    reply = client.post("/account/password", data={"pw-current": old, "pw-new": "short",
                                                   "pw-confirm": "short"})
    assert reply.status_code == 422

    reply = client.post("/account/password", data={"pw-current": old, "pw-new": "a new password 1",
                                                   "pw-confirm": "a new password 1"},
                        follow_redirects=True)
    assert "Your password is changed." in reply.get_data(as_text=True)
    assert client.get("/my-country").status_code == 200        # this session goes on
    assert elsewhere.get("/my-country").status_code == 302     # the other one has ended
    assert log_in(app.test_client(), email, "a new password 1").status_code == 302
    assert log_in(app.test_client(), email, old).status_code == 401


def test_choose_language_shows_questionnaire_labels_in_it(demo, client):
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    login_as(client, focal)
    reply = client.post("/account/language", data={"lang-language": "fr"}, follow_redirects=True)
    assert reply.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, focal.id).language == "fr"
    html = client.get(f"/responses/{response_of('THA').id}/sections/legal").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert ">Oui</label>" in html and ">En partie</label>" in html   # built-in answer labels
    # Labels without a French text fall back to English.
    assert "Is trafficking in persons" in html or "trafficking" in html
    assert client.post("/account/language", data={"lang-language": "xx"}).status_code == 422


def test_form_posted_after_the_session_expired_is_saved_after_login(demo, client):
    tha = response_of("THA")
    assert log_in(client, "focal.tha@example.org", demo["focal.tha@example.org"]).status_code == 302
    url = f"/responses/{tha.id}/sections/cooperation"
    data = browser_form(client.get(url).get_data(as_text=True), coop_treaties="17",
                        coop_mla_sent="3")
    client.delete_cookie("session")  # the session expired while the person was typing
    # The page's resume token comes along with the form: it proves where the form began.
    reply = client.post(url, data=data, headers=SAME_ORIGIN)
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Log in again and what you typed will be saved." in page
    assert db.session.scalar(select(Answer).where(Answer.response_id == tha.id,
                                                  Answer.question_id == "coop_treaties")) is None

    reply = log_in(client, "focal.tha@example.org", demo["focal.tha@example.org"],
                   follow_redirects=True)
    html = reply.get_data(as_text=True)
    assert reply.request.path == url
    assert "What you typed before your session expired has been saved" in html
    db.session.expire_all()
    saved = {a.question_id: a.value for a in db.session.scalars(
        select(Answer).where(Answer.response_id == tha.id))}
    assert saved["coop_treaties"] == 17 and saved["coop_mla_sent"] == 3


def test_stashed_form_is_not_saved_for_someone_without_rights(demo, client):
    tha = response_of("THA")
    log_in(client, "focal.tha@example.org", demo["focal.tha@example.org"])
    url = f"/responses/{tha.id}/sections/cooperation"
    data = browser_form(client.get(url).get_data(as_text=True), coop_treaties="17")
    client.delete_cookie("session")
    client.post(url, data=data, headers=SAME_ORIGIN)
    reply = log_in(client, "focal.fji@example.org", demo["focal.fji@example.org"])
    assert reply.status_code == 302 and url not in reply.headers["Location"]
    assert db.session.scalar(select(Answer).where(Answer.response_id == tha.id,
                                                  Answer.question_id == "coop_treaties")) is None


def test_background_save_after_expiry_asks_to_log_in(demo, client):
    tha = response_of("THA")
    reply = client.post(f"/responses/{tha.id}/answers/coop_treaties", csrf=False,
                        data={"coop_treaties": "4"}, headers={"Accept": "application/json"})
    assert reply.status_code == 401 and "session has expired" in reply.json["error"]


def test_wrong_csrf_token_while_logged_in_is_refused_plainly(demo, client):
    login_as(client, db.session.scalar(select(User).where(User.email == "focal.tha@example.org")))
    tha = response_of("THA")
    reply = client.post(f"/responses/{tha.id}/sections/cooperation", csrf=False,
                        data={"csrf_token": "forged", "coop_treaties": "4"})
    assert reply.status_code == 400
    assert "This page is out of date" in reply.get_data(as_text=True)
