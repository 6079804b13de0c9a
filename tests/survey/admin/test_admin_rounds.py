"""Administrators run a round from the browser: draft, dates, open, close, reopen, archive."""

import csv
import datetime as dt
import io

from sqlalchemy import func, select

from survey.answering.responses import save_answer
from survey.extensions import db
from survey.models import AuditEvent, Response, Round, RoundState, User
from survey.rules import SurveyError
from tests.conftest import login_as

YES = {"confirmed": "yes"}  # the confirmation page's answer (see survey/confirmation.py)


def _admin(client):
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    login_as(client, admin)
    return admin


def test_a_round_goes_from_draft_to_archive(client, demo):
    _admin(client)
    page = client.post("/admin/rounds", data={
        "name": "2027 capability survey", "questionnaire": "ftm-capability:1",
        "opens_on": "2027-02-01", "closes_on": "2027-04-30"}, follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Draft round “2027 capability survey” created" in text
    new = db.session.scalar(select(Round).where(Round.name == "2027 capability survey"))
    assert new.state is RoundState.DRAFT
    assert db.session.scalar(select(func.count(Response.id)).where(Response.round_id == new.id)) == 0
    # Drafts stay with the administrators: not among the rounds on the home page, only in
    # the administrator's next step.
    home = client.get("/").get_data(as_text=True)
    assert f'id="round-{new.id}"' not in home
    assert "The draft round “\u20682027 capability survey\u2069” is not open yet." in home

    page = client.post(f"/admin/rounds/{new.id}/open", data=YES, follow_redirects=True)
    assert "The round is open" in page.get_data(as_text=True)
    db.session.expire_all()
    assert new.state is RoundState.OPEN
    assert new.opens_on == dt.date(2027, 2, 1)
    assert new.previous_round.name == "2026 capability survey"
    assert db.session.scalar(select(func.count(Response.id)).where(Response.round_id == new.id)) == 45
    assert "2027 capability survey" in client.get("/").get_data(as_text=True)

    client.post(f"/admin/rounds/{new.id}/close", data=YES)
    db.session.expire_all()
    assert new.state is RoundState.CLOSED
    client.post(f"/admin/rounds/{new.id}/reopen", data=YES)
    db.session.expire_all()
    assert new.state is RoundState.OPEN
    # Archiving an open round is refused with a message; it must be closed first.
    page = client.post(f"/admin/rounds/{new.id}/archive", follow_redirects=True)
    assert "cannot archive now" in page.get_data(as_text=True)
    client.post(f"/admin/rounds/{new.id}/close", data=YES)
    client.post(f"/admin/rounds/{new.id}/archive", data=YES)
    db.session.expire_all()
    assert new.state is RoundState.ARCHIVED
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.round_id == new.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["round.create", "round.open", "round.close", "round.reopen",
                       "round.close", "round.archive"]


def test_closing_locks_answers_and_reopening_allows_late_edits(client, demo):
    _admin(client)
    current = db.session.scalar(select(Round).where(Round.name == "2026 capability survey"))
    thailand = db.session.scalar(select(Response).where(
        Response.round_id == current.id, Response.country.has(iso3="THA")))
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    client.post(f"/admin/rounds/{current.id}/close", data=YES)
    db.session.expire_all()
    try:
        save_answer(thailand, "inst_lead_agency", "Ministry of Justice", focal)
        raise AssertionError("a closed round accepted an answer")
    except SurveyError as exc:
        assert "can no longer change" in str(exc)
    db.session.rollback()
    client.post(f"/admin/rounds/{current.id}/reopen", data=YES)
    db.session.expire_all()
    outcome = save_answer(thailand, "inst_lead_agency", "Ministry of Justice", focal)
    assert outcome.changed


def test_dates_are_checked_and_audited(client, demo):
    _admin(client)
    current = db.session.scalar(select(Round).where(Round.name == "2026 capability survey"))
    page = client.post(f"/admin/rounds/{current.id}/dates",
                       data={"opens_on": "2026-03-01", "closes_on": "2026-02-01"})
    assert page.status_code == 400
    assert "The closing date must be on or after the opening date." in page.get_data(as_text=True)
    page = client.post(f"/admin/rounds/{current.id}/dates",
                       data={"opens_on": "2026-03-01", "closes_on": "2026-06-30"},
                       follow_redirects=True)
    assert "Dates saved." in page.get_data(as_text=True)
    db.session.expire_all()
    assert current.closes_on == dt.date(2026, 6, 30)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.dates"))
    assert event.new_value == {"opens_on": "2026-03-01", "closes_on": "2026-06-30"}


def test_duplicate_round_names_are_refused_with_the_form_kept(client, demo):
    _admin(client)
    page = client.post("/admin/rounds", data={"name": "2026 capability survey",
                                              "questionnaire": "ftm-capability:1"})
    assert page.status_code == 400
    assert "already exists" in page.get_data(as_text=True)


def test_reminder_list_names_members_not_yet_submitted_with_focal_points(client, demo):
    _admin(client)
    current = db.session.scalar(select(Round).where(Round.name == "2026 capability survey"))
    page = client.get(f"/admin/rounds/{current.id}").get_data(as_text=True)
    assert "39 members have not submitted yet." in page
    assert ("focal.fji@example.org, focal.phl@example.org, focal.tha@example.org, "
            "focal2.tha@example.org") in page
    assert 'href="mailto:?bcc=focal.fji%40example.org,focal.phl%40example.org,' in page
    download = client.get(f"/admin/rounds/{current.id}/reminders.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["ISO3", "Member", "Sub-region", "Status", "Focal point e-mails"]
    by_iso = {r[0]: r for r in rows[1:]}
    assert len(by_iso) == 39
    assert by_iso["THA"][3:] == ["In progress", "focal.tha@example.org; focal2.tha@example.org"]
    assert by_iso["PHL"][3] == "Returned"
    assert "IDN" not in by_iso and "AUS" not in by_iso  # submitted and approved
    statuses = {r[3] for r in rows[1:]}
    assert statuses == {"Not started", "In progress", "Returned"}
