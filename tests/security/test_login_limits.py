"""Logins and password resets: limits that cannot be raced, and no side channels (issue 10, item 11)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from survey.extensions import db
from survey.models import OutboxMessage, utcnow

from .helpers import browser, log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

REVIEWER = "reviewer@example.org"
ANALYST = "analyst@example.org"
NOT_CORRECT = "The e-mail or password is not correct."
UNTIL = re.compile(r"Try again after (\d{2}:\d{2}) UTC on (\d{2} [A-Z][a-z]{2} \d{4})")


def _until(html: str) -> dt.datetime:
    match = UNTIL.search(html)
    assert match, html
    return dt.datetime.strptime(f"{match.group(2)} {match.group(1)}", "%d %b %Y %H:%M")


def test_forty_parallel_wrong_passwords_get_no_more_than_the_limit_checked(app, demo):
    def attempt(i):
        # Forty addresses at once, so that only the account's limit is in play.
        client = app.test_client()
        reply = log_in(client, REVIEWER, "wrong password!",
                       environ_base={"REMOTE_ADDR": f"198.51.100.{i}"})
        return reply.status_code, reply.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(attempt, range(40)))
    checked = [body for status, body in replies if status == 401]
    refused = [body for status, body in replies if status == 429]
    assert len(checked) + len(refused) == 40
    assert len(checked) <= 5 and all(NOT_CORRECT in body for body in checked)
    assert all("This account is locked for now" in body for body in refused)


def test_a_locked_account_says_so_and_until_when_even_for_the_right_password(app, demo):
    client = app.test_client()
    for _ in range(5):
        assert log_in(client, REVIEWER, "wrong password!").status_code == 401
    reply = log_in(client, REVIEWER, demo[REVIEWER])
    html = reply.get_data(as_text=True)
    assert reply.status_code == 429
    assert "This account is locked for now" in html
    until = _until(html)
    assert utcnow() < until <= utcnow() + dt.timedelta(minutes=15)
    assert client.get("/account").status_code == 302  # not logged in
    # An address with no account is told exactly the same, so locks reveal no accounts.
    for _ in range(5):
        log_in(client, "nobody@example.org", "x")
    other = log_in(client, "nobody@example.org", "x").get_data(as_text=True)
    assert "This account is locked for now" in other and _until(other) == until


def test_a_successful_login_clears_the_account_count(app, demo):
    client = app.test_client()
    for _ in range(4):
        log_in(client, ANALYST, "wrong password!")
    assert log_in(client, ANALYST, demo[ANALYST]).status_code == 302
    client.post("/logout")
    for _ in range(5):
        assert log_in(client, ANALYST, "wrong password!").status_code == 401


def test_failures_from_a_shared_address_never_lock_out_browsers_that_logged_in_before(app, demo):
    regular = browser(app, ANALYST, demo[ANALYST])   # has logged in from this browser before
    regular.post("/logout")
    guesser = app.test_client()                       # same address: the office's proxy
    for i in range(20):
        log_in(guesser, f"guess{i}@example.org", "x")
    blocked = log_in(app.test_client(), REVIEWER, demo[REVIEWER])
    assert blocked.status_code == 429
    assert "from your network" in blocked.get_data(as_text=True)
    # The analyst's own browser is not held back by other people's failures...
    assert log_in(regular, ANALYST, demo[ANALYST]).status_code == 302
    regular.post("/logout")
    # ...but its device cookie speaks for the analyst's account only.
    assert log_in(regular, REVIEWER, demo[REVIEWER]).status_code == 429
    # A forged device cookie is worth nothing.
    forger = app.test_client()
    forger.set_cookie("survey_device", regular.get_cookie("survey_device").value + "x")
    assert log_in(forger, ANALYST, demo[ANALYST]).status_code == 429
    # Another address is not affected at all.
    elsewhere = app.test_client()
    assert log_in(elsewhere, REVIEWER, demo[REVIEWER],
                  environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302


def test_a_device_cookie_has_its_own_small_limit(app, demo):
    regular = browser(app, ANALYST, demo[ANALYST])
    regular.post("/logout")
    for _ in range(5):
        assert log_in(regular, ANALYST, "wrong password!").status_code == 401
    reply = log_in(regular, ANALYST, demo[ANALYST])
    assert reply.status_code == 429 and "locked for now" in reply.get_data(as_text=True)


def test_forwarded_header_without_proxy_fix_is_logged(app, demo, caplog):
    assert not app.config["SURVEY_PROXY_FIX"]
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        log_in(app.test_client(), REVIEWER, "wrong password!",
               headers={"X-Forwarded-For": "203.0.113.9"})
    assert any("X-Forwarded-For" in r.getMessage() and "SURVEY_PROXY_FIX" in r.getMessage()
               for r in caplog.records)


def test_password_reset_requests_are_limited_per_e_mail_and_per_address(app, demo):
    client = app.test_client()
    for email in ("focal.phl@example.org", "nobody@example.org"):
        for _ in range(3):
            assert client.post("/forgot-password", data={"email": email}).status_code == 302
        reply = client.post("/forgot-password", data={"email": email})
        assert reply.status_code == 429
        assert "Too many links were asked for this e-mail address" in reply.get_data(as_text=True)
        _until(reply.get_data(as_text=True))
    for i in range(4):
        client.post("/forgot-password", data={"email": f"someone{i}@example.org"})
    reply = client.post("/forgot-password", data={"email": "another@example.org"})
    assert reply.status_code == 429
    assert "from your network" in reply.get_data(as_text=True)
    other = app.test_client().post("/forgot-password", data={"email": "another@example.org"},
                                   environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_forgot_password_does_the_same_work_for_known_and_unknown_accounts(app, demo):
    """Timing cannot differ when the request runs the same statements either way.

    The account's own work (token, mail) happens after the answer has gone out; the
    benchmark benchmarks/forgot_password_timing.py measures the times.
    """
    def statements_for(email: str) -> tuple[list[str], object]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(re.sub(r"\s+", " ", statement))

        client = app.test_client()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            reply = client.post("/forgot-password", data={"email": email})
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen, reply

    already = db.session.scalar(select(func.max(OutboxMessage.id))) or 0  # the demo's mail
    known, known_reply = statements_for("focal.tha@example.org")
    unknown, unknown_reply = statements_for("nobody-at-all@example.org")
    assert known == unknown
    assert known_reply.status_code == unknown_reply.status_code == 302
    assert known_reply.headers["Location"] == unknown_reply.headers["Location"]
    # Once the answers are closed (the server has sent them), the known account gets its mail.
    known_reply.close()
    unknown_reply.close()
    db.session.expire_all()
    sent = db.session.scalars(select(OutboxMessage.to_addr).where(OutboxMessage.id > already)).all()
    assert sent == ["focal.tha@example.org"]
