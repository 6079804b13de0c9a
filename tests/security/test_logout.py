"""Logging out ends the session on the server, not only in the browser (issue 10, item 3)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from survey.extensions import db
from survey.models import User

from .helpers import browser, log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

FOCAL = "focal.fji@example.org"


def _copy_of_session(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_copied_cookie_stops_working_after_logout(app, demo):
    client = browser(app, FOCAL, demo[FOCAL])
    assert client.get("/account").status_code == 200
    copied = _copy_of_session(client)
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", copied)
    reply = thief.get("/account")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]
    assert thief.get("/my-country").status_code == 302


def test_logout_ends_only_this_session(app, demo):
    laptop = browser(app, FOCAL, demo[FOCAL])
    phone = browser(app, FOCAL, demo[FOCAL])
    laptop.post("/logout")
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200


def test_deactivation_and_password_change_end_the_other_sessions(app, demo):
    from survey.models import UserSession

    kept = browser(app, FOCAL, demo[FOCAL])
    other = browser(app, FOCAL, demo[FOCAL])
    copied = _copy_of_session(other)
    reply = kept.post("/account/password", data={"pw-current": demo[FOCAL],
                                                 "pw-new": "a brand new phrase",
                                                 "pw-confirm": "a brand new phrase"})
    assert reply.status_code == 302
    assert kept.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    user = db.session.scalar(select(User).where(User.email == FOCAL))
    assert db.session.scalar(select(UserSession.id).where(UserSession.user_id == user.id)) is not None

    admin = browser(app, "admin@example.org", demo["admin@example.org"])
    admin.post(f"/admin/users/{user.id}/deactivate", data={"confirmed": "yes"})
    assert kept.get("/account").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.id).where(UserSession.user_id == user.id)) is None
    admin.post(f"/admin/users/{user.id}/reactivate")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302  # reactivation revives no old session
    assert log_in(app.test_client(), FOCAL, "a brand new phrase").status_code == 302


def test_a_logged_in_request_checks_its_session_with_one_query(app, demo):
    client = browser(app, FOCAL, demo[FOCAL])
    client.get("/account")  # warm up
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/account").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    touching_sessions = [s for s in statements if "user_sessions" in s]
    assert len(touching_sessions) == 1, statements
    assert "users" in touching_sessions[0]  # the user comes with it, in the same query


def test_opening_a_one_time_link_ends_the_session_it_interrupts(app, demo):
    client = browser(app, FOCAL, demo[FOCAL])
    copied = _copy_of_session(client)
    assert client.get("/reset-password/not-a-valid-token").status_code == 410
    assert client.get("/account").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302
