"""Who is told what, by e-mail (the outbox) and in the app; reminders, digests, preferences."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import func, select

from survey.cli import cli
from survey.config import ConfigError
from survey.demo import _fill
from survey.extensions import db
from survey.models import (
    AuditEvent,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    Response,
    ResponseStatus,
    Round,
    RoundState,
)
from survey.notifications.reminders import NOT_SUBMITTED, due_reminder, send_due
from survey.notifications.services import claim
from survey.questionnaire_versions import definition_of
from tests.conftest import login_as
from tests.survey.review.review_helpers import response_of, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

BASE = "https://survey.example.org"
ADMIN, REVIEWER = "admin@example.org", "reviewer@example.org"
FOCAL_THA, FOCAL2_THA = "focal.tha@example.org", "focal2.tha@example.org"
FOCAL_FJI, FOCAL_PHL = "focal.fji@example.org", "focal.phl@example.org"
PREFERENCE_LINK = re.compile(re.escape(BASE) + r"(/email-preferences/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def mail_app(app):
    app.config["SURVEY_BASE_URL"] = BASE
    return app


def mails(to: str, since: int = 0) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_addr == to, OutboxMessage.id > since).order_by(OutboxMessage.id)))


def last_mail_id() -> int:
    return db.session.scalar(select(func.max(OutboxMessage.id))) or 0


def notes(email: str, since: int = 0) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user(email).id, Notification.id > since).order_by(Notification.id)))


def last_note_id() -> int:
    return db.session.scalar(select(func.max(Notification.id))) or 0


def complete(response, author) -> None:
    """Answer every question so the response can be submitted."""
    _fill(response, definition_of(response.round.questionnaire), 0.7, author,
          rng=random.Random(response.id), share=1.0)
    db.session.commit()


# ---------------------------------------------------------------- events

def test_opening_a_round_tells_each_focal_point_the_link_and_closing_date(mail_app, client, demo):
    admin, french = user(ADMIN), user(FOCAL_FJI)
    french.language = "fr"
    user(FOCAL2_THA).active = False
    db.session.commit()
    login_as(client, admin)
    client.post("/admin/rounds", data={"name": "2027 round", "questionnaire": "ftm-capability:1",
                                       "closes_on": "2027-03-31"})
    new = db.session.scalar(select(Round).where(Round.name == "2027 round"))
    before = last_mail_id()
    client.post(f"/admin/rounds/{new.id}/open", data={"confirmed": "yes"})
    db.session.refresh(new)
    assert new.state is RoundState.OPEN

    tha = response_of("THA", "2027 round")
    [mail] = mails(FOCAL_THA, before)
    assert mail.subject == "The round “2027 round” is open"
    assert f"{BASE}/responses/{tha.id}\n" in mail.body
    assert "closes on March 31, 2027" in mail.body
    [note] = notes(FOCAL_THA, 0)[-1:]
    assert note.link == f"/responses/{tha.id}" and "March 31, 2027" in note.message
    # in the recipient's language (dates at least, until the catalogues come)
    assert "31 mars 2027" in mails(FOCAL_FJI, before)[0].body
    assert mails(FOCAL2_THA, before) == []              # deactivated
    assert mails(ADMIN, before) == [] and mails(REVIEWER, before) == []
    assert {m.to_addr for m in mails_since(before)} == {FOCAL_THA, FOCAL_FJI, FOCAL_PHL}


def mails_since(since: int) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > since)))


def test_a_return_tells_the_focal_points_reason_open_threads_and_link(mail_app, client, demo,
                                                                       make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org")
    response = response_of("IDN")
    before, notes_before = last_mail_id(), last_note_id()
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{response.id}/return", data={"reason": "Cite the 2019 law.",
                                                         "confirmed": "yes"})

    [mail] = mails(focal.email, before)
    assert mail.subject == "Your response to “2026 capability survey” was returned for changes"
    assert "Reason: Cite the 2019 law." in mail.body
    assert "Open comment threads: 1." in mail.body
    assert f"{BASE}/responses/{response.id}/comments\n" in mail.body
    assert PREFERENCE_LINK.search(mail.body)
    [note] = notes(focal.email, notes_before)
    assert "Cite the 2019 law." in note.message and note.link == f"/responses/{response.id}/comments"
    assert mails(REVIEWER, before) == []              # the actor is not told


def test_an_approval_tells_the_focal_points(mail_app, client, demo, make_user):
    focal = make_user("focal_point", "IDN", email="focal.idn@example.org")
    response = response_of("IDN")
    before = last_mail_id()
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{response.id}/approve", data={"confirmed": "yes"})
    [mail] = mails(focal.email, before)
    assert mail.subject == "Your response to “2026 capability survey” was approved"
    assert f"{BASE}/responses/{response.id}/summary" in mail.body
    assert notes(focal.email)[-1].kind == NotificationKind.APPROVED.value


def test_a_submission_goes_to_the_assigned_reviewers_else_to_all(mail_app, client, demo, make_user):
    second = make_user("reviewer", email="reviewer2@example.org")
    login_as(client, user(ADMIN))
    page = client.get(f"/admin/users/{second.id}").get_data(as_text=True)
    assert "Members assigned to this reviewer" in page
    tha = response_of("THA")
    client.post(f"/admin/users/{second.id}/countries", data={"countries": [tha.country_id]})
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.reviewer_countries")).new_value == [tha.country_id]

    complete(tha, user(FOCAL_THA))
    before = last_mail_id()
    login_as(client, user(FOCAL_THA))
    client.post(f"/responses/{tha.id}/submit")
    db.session.refresh(tha)
    assert tha.status is ResponseStatus.SUBMITTED
    assert [m.to_addr for m in mails_since(before)] == ["reviewer2@example.org"]
    mail = mails_since(before)[0]
    assert mail.subject == "Thailand submitted its response to “2026 capability survey”"
    assert f"{BASE}/responses/{tha.id}/review" in mail.body

    fji = response_of("FJI")                            # nobody is assigned to Fiji
    complete(fji, user(FOCAL_FJI))
    before = last_mail_id()
    login_as(client, user(FOCAL_FJI))
    client.post(f"/responses/{fji.id}/submit")
    assert sorted(m.to_addr for m in mails_since(before)) == ["reviewer2@example.org", REVIEWER]
    client.post(f"/responses/{fji.id}/submit")          # a double submit tells nobody again
    assert len(mails_since(before)) == 2


def test_assigning_countries_is_for_reviewers_only(client, demo):
    login_as(client, user(ADMIN))
    focal = user(FOCAL_THA)
    assert "Members assigned" not in client.get(f"/admin/users/{focal.id}").get_data(as_text=True)
    reply = client.post(f"/admin/users/{focal.id}/countries", data={"countries": [1]},
                        follow_redirects=True)
    assert "Only reviewers can be assigned to members" in reply.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.reviewer_countries")) is None


def test_comments_and_replies_tell_the_other_side(mail_app, client, demo):
    phl = response_of("PHL")                            # returned: both sides may comment
    before = last_mail_id()
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{phl.id}/comments", data={"body": "Which year was the law passed?"})
    [mail] = mails(FOCAL_PHL, before)
    root = notes(FOCAL_PHL)[-1]
    assert "Which year was the law passed?" in mail.body
    assert mail.subject == "New comment on Philippines's response to “2026 capability survey”"
    assert root.link.startswith(f"/responses/{phl.id}/comments?thread=")
    assert mails(REVIEWER, before) == []

    thread = int(root.link.rsplit("=", 1)[1])
    before = last_mail_id()
    login_as(client, user(FOCAL_PHL))
    client.post(f"/responses/{phl.id}/comments", data={"body": "In 2019.", "parent_id": thread})
    [reply] = mails(REVIEWER, before)
    assert "replied" in reply.body and "In 2019." in reply.body
    assert mails(FOCAL_PHL, before) == []


# ---------------------------------------------------------------- preferences and digests

def test_preferences_none_and_digest_are_respected(mail_app, client, demo):
    phl, focal = response_of("PHL"), user(FOCAL_PHL)
    login_as(client, focal)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "A new comment or reply" in page and "In a daily digest" in page
    assert "A response is submitted" not in page       # not something a focal point receives
    client.post("/account/notifications", data={
        "round_opened": "immediate", "returned": "immediate", "approved": "immediate",
        "comment": "none", "reminder": "digest"})
    saved = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                    .where(NotificationPreference.user_id == focal.id)).all())
    assert saved == {NotificationKind.COMMENT: Delivery.NONE,
                     NotificationKind.REMINDER: Delivery.DIGEST}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications.preferences"))
    assert event.new_value == {"comment": "none", "reminder": "digest"} and event.detail == "account page"

    before, notes_before = last_mail_id(), last_note_id()
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{phl.id}/comments", data={"body": "A new question."})
    assert mails(FOCAL_PHL, before) == []               # no e-mail ...
    assert "A new question." in notes(FOCAL_PHL, notes_before)[0].message   # ... the app still tells

    close = round_named().closes_on
    morning = dt.datetime.combine(close - dt.timedelta(days=7), dt.time(7))
    summary = send_due(morning)
    db.session.commit()
    assert summary.digests >= 1
    [digest] = mails(FOCAL_PHL, before)                 # the reminder came in the digest only
    assert digest.subject == "Your daily summary: 1 notification"
    assert "Reminder: “2026 capability survey” closes in 7 days" in digest.body
    assert f"{BASE}/responses/{phl.id}" in digest.body
    assert not notes(FOCAL_PHL, notes_before)[-1].digest_pending
    send_due(morning + dt.timedelta(hours=1))           # run again: nothing twice
    db.session.commit()
    assert len(mails(FOCAL_PHL, before)) == 1


def test_the_one_click_link_opens_a_page_and_changes_only_on_its_button(mail_app, client, demo):
    phl = response_of("PHL")
    before = last_mail_id()
    login_as(client, user(REVIEWER))
    client.post(f"/responses/{phl.id}/comments", data={"body": "Please check."})
    link = PREFERENCE_LINK.search(mails(FOCAL_PHL, before)[0].body).group(1)

    stranger = mail_app.test_client()                   # not logged in
    page = stranger.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "The e-mail that brought you here was about" in text
    assert "A new comment or reply" in text and 'name="csrf_token"' in text
    focal = user(FOCAL_PHL)
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0  # GET changes nothing

    form = {"round_opened": "immediate", "returned": "immediate", "approved": "immediate",
            "comment": "none", "reminder": "immediate"}
    refused = stranger.post(link, data=form, csrf=False)  # another site cannot post it
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0
    done = stranger.post(link, data=form, follow_redirects=True)
    assert "Your e-mail choices are saved." in done.get_data(as_text=True)
    pref = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == focal.id))
    assert (pref.kind, pref.delivery) == (NotificationKind.COMMENT, Delivery.NONE)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications.preferences"))
    assert event.user_id == focal.id and event.detail == "link in an e-mail"

    assert stranger.get(link[:-3] + "xyz").status_code == 404       # a tampered token
    assert stranger.get("/email-preferences/nothing").status_code == 404


# ---------------------------------------------------------------- reminders

def _reminded_days(round_: Round, days: range) -> dict[dt.date, list[str]]:
    close = round_.closes_on
    out = {}
    for offset in days:
        day = close + dt.timedelta(days=offset)
        before = last_mail_id()
        for hour in (7, 19):                             # twice a day: still once
            send_due(dt.datetime.combine(day, dt.time(hour)))
            db.session.commit()
        sent = sorted(m.to_addr for m in mails_since(before) if m.subject.startswith("Reminder"))
        if sent:
            out[offset] = sent
    return out


def test_reminders_go_on_the_round_days_once_to_members_that_have_not_submitted(mail_app, demo):
    current = round_named()
    reminded = _reminded_days(current, range(-20, 12))
    waiting = sorted([FOCAL_THA, FOCAL2_THA, FOCAL_FJI, FOCAL_PHL])   # IDN: submitted, others approved
    assert reminded == {-14: waiting, -7: waiting, -1: waiting, 1: waiting, 7: waiting}
    body = mails(FOCAL_FJI)[-1].body
    assert "closed 7 days ago" in body and f"{BASE}/responses/{response_of('FJI').id}" in body
    assert sum(n.kind == "reminder" for n in notes(FOCAL_FJI)) == 5


def test_reminder_days_per_round_on_the_round_page(mail_app, client, demo):
    current = round_named()
    login_as(client, user(ADMIN))
    page = client.get(f"/admin/rounds/{current.id}").get_data(as_text=True)
    assert 'value="14,7,1"' in page and 'value="1,7"' in page
    refused = client.post(f"/admin/rounds/{current.id}/reminder-days",
                          data={"remind_before": "ten", "remind_after": ""})
    assert refused.status_code == 400 and "“ten” is not one" in refused.get_data(as_text=True)
    client.post(f"/admin/rounds/{current.id}/reminder-days",
                data={"remind_before": "3", "remind_after": ""})
    db.session.refresh(current)
    assert (current.remind_before, current.remind_after) == ("3", "")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.reminder_days"))
    assert event.new_value == {"before": "3", "after": ""}
    assert list(_reminded_days(current, range(-20, 12))) == [-3]


def test_a_missed_reminder_is_sent_late_but_not_stale():
    round_ = Round(state=RoundState.OPEN, opens_on=dt.date(2027, 1, 1),
                   closes_on=dt.date(2027, 3, 31), remind_before="14,7,1", remind_after="1,7")
    close = round_.closes_on
    assert due_reminder(round_, close - dt.timedelta(days=14)) == -14
    assert due_reminder(round_, close - dt.timedelta(days=12)) == -14     # the timer missed a day
    assert due_reminder(round_, close - dt.timedelta(days=10)) is None    # too late, wait for -7
    assert due_reminder(round_, close - dt.timedelta(days=1)) == -1
    assert due_reminder(round_, close) == -1                              # late by a day
    assert due_reminder(round_, close + dt.timedelta(days=1)) == 1
    assert due_reminder(round_, close + dt.timedelta(days=30)) is None
    late_start = Round(state=RoundState.OPEN, opens_on=close - dt.timedelta(days=3),
                       closes_on=close, remind_before="14,7,1", remind_after="")
    assert due_reminder(late_start, close - dt.timedelta(days=3)) is None  # before opening: skipped
    assert due_reminder(late_start, close - dt.timedelta(days=1)) == -1
    round_.state = RoundState.CLOSED
    assert due_reminder(round_, close - dt.timedelta(days=1)) is None


def test_administrators_send_reminders_after_a_confirmation_page(mail_app, client, demo):
    current = round_named()
    login_as(client, user(ADMIN))
    assert "Send reminders now" in client.get(f"/admin/rounds/{current.id}").get_data(as_text=True)
    before = last_mail_id()
    page = client.get(f"/admin/rounds/{current.id}/send-reminders").get_data(as_text=True)
    waiting = db.session.scalar(select(func.count(Response.id)).where(
        Response.round_id == current.id, Response.status.in_(NOT_SUBMITTED)))
    assert f"{waiting} members have not submitted yet" in page and "Their 4 focal points" in page
    assert "Yes, send the reminders" in page
    assert mails_since(before) == []                    # the page itself sends nothing
    done = client.post(f"/admin/rounds/{current.id}/send-reminders", follow_redirects=True)
    assert "Reminders went to 4 focal points." in done.get_data(as_text=True)
    assert sorted(m.to_addr for m in mails_since(before)) == sorted(
        [FOCAL_THA, FOCAL2_THA, FOCAL_FJI, FOCAL_PHL])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.remind"))
    assert event.user_id == user(ADMIN).id and event.new_value == {"reminded": 4}
    again = client.post(f"/admin/rounds/{current.id}/send-reminders", follow_redirects=True)
    assert "Nobody was reminded" in again.get_data(as_text=True)
    assert len(mails_since(before)) == 4
    assert client.post(f"/admin/rounds/{current.id}/send-reminders", csrf=False).status_code == 400


def test_the_command_sends_due_reminders_once(mail_app, demo):
    runner = mail_app.test_cli_runner()
    close = round_named().closes_on
    moment = f"{close - dt.timedelta(days=7)}T07:00"
    first = runner.invoke(cli, ["send-reminders", "--now", moment], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Reminders: 4 focal point(s) reminded. Digests: 0 sent." in first.output
    again = runner.invoke(cli, ["send-reminders", "--now", moment], catch_exceptions=False)
    assert "Reminders: 0 focal point(s) reminded." in again.output
    assert len([m for m in mails(FOCAL_THA) if m.subject.startswith("Reminder")]) == 1
    wrong = runner.invoke(cli, ["send-reminders", "--now", "next tuesday"])
    assert wrong.exit_code != 0 and "is not a date and time" in wrong.output


def test_the_sent_log_claims_a_key_once(app, seeded):
    assert claim("digest:1:2027-01-01", None) is True
    assert claim("digest:1:2027-01-01", None) is False
    db.session.commit()
    assert claim("digest:1:2027-01-01", None) is False


def test_production_refuses_mail_without_a_base_url(monkeypatch):
    from survey import create_app

    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("SURVEY_MAIL_SERVER", "smtp.example.org")
    monkeypatch.delenv("SURVEY_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SURVEY_BASE_URL is not"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SURVEY_BASE_URL", "survey.example.org")
    with pytest.raises(ConfigError, match="must be an address"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SURVEY_BASE_URL", BASE)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SURVEY_BASE_URL"] == BASE


def test_two_runs_at_once_send_each_reminder_once(mail_app, demo):
    """Two senders at the same moment (two machines' timers): whichever commits first sends,
    the other waits on the sent log's key and skips. On SQLite the database lock serialises
    them; on PostgreSQL the second run's claims wait for the first run's commit."""
    import threading

    close = round_named().closes_on
    moment = dt.datetime.combine(close - dt.timedelta(days=1), dt.time(7))
    before = last_mail_id()
    claimed = threading.Event()
    results: dict[str, object] = {}

    def run(name: str, hold: bool) -> None:
        with mail_app.app_context():
            try:
                results[name] = send_due(moment).reminded
                if hold:
                    claimed.set()
                    threading.Event().wait(0.3)  # keep the claims uncommitted a moment
                db.session.commit()
            except Exception as exc:  # reported below
                db.session.rollback()
                results[name] = exc
            finally:
                claimed.set()
                db.session.remove()

    first = threading.Thread(target=run, args=("first", True))
    first.start()
    claimed.wait(30)
    second = threading.Thread(target=run, args=("second", False))
    second.start()
    first.join(60)
    second.join(60)
    sent = sorted(m.to_addr for m in mails_since(before))
    assert sent == sorted([FOCAL_THA, FOCAL2_THA, FOCAL_FJI, FOCAL_PHL])   # each exactly once
    assert results["first"] == 4
    # the second run either skipped everything or, on SQLite, gave up on the lock
    assert results["second"] == 0 or "locked" in str(results["second"])
