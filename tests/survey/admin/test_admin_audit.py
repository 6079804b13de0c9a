"""The audit trail page: filters, paging and a CSV download no spreadsheet will evaluate."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from survey.audit import record
from survey.extensions import db
from survey.models import AuditEvent, Country, Round, User
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def _admin(client):
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    login_as(client, admin)
    return admin


def _csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_filters_narrow_the_trail_and_the_download_follows_them(client, demo):
    _admin(client)
    thailand = db.session.scalar(select(Country).where(Country.iso3 == "THA"))
    current = db.session.scalar(select(Round).where(Round.name == "2026 capability survey"))
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    expected = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.country_id == thailand.id, AuditEvent.round_id == current.id,
        AuditEvent.user_id == focal.id, AuditEvent.action == "answer.save"))
    assert expected > 0
    query = (f"country={thailand.id}&round={current.id}&user={focal.id}&action=answer.save"
             f"&since={dt.date.today().isoformat()}&until={dt.date.today().isoformat()}")
    page = client.get(f"/admin/audit?{query}").get_data(as_text=True)
    assert f"{expected} events" in page
    rows = _csv(client.get(f"/admin/audit.csv?{query}"))
    assert rows[0][:3] == ["When (UTC)", "User", "Action"]
    assert len(rows) == expected + 1
    assert {(r[1], r[2], r[5], r[6]) for r in rows[1:]} == {
        ("focal.tha@example.org", "answer.save", "2026 capability survey", "THA")}
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert "No event matches these filters." in client.get(
        f"/admin/audit?until={yesterday}").get_data(as_text=True)


def test_the_trail_is_paged(client, demo):
    _admin(client)
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    assert total > 100
    first = client.get("/admin/audit").get_data(as_text=True)
    assert f"{total} events" in first and "page 1 of" in first
    assert first.count("<tr>") == 50 + 1
    last_page = (total + 49) // 50
    last = client.get(f"/admin/audit?page={last_page}").get_data(as_text=True)
    assert last.count("<tr>") == total - 50 * (last_page - 1) + 1


def test_formula_looking_cells_are_neutralised(client, demo):
    admin = _admin(client)
    planted = ["=HYPERLINK(\"http://evil\",\"click\")", "@SUM(A1)", "+1+1", "-5", "-1+2",
               "\t=1+1", "\r=1+1"]
    for detail in planted:
        record("note", "user", user=admin, detail=detail)
    db.session.commit()
    response = client.get("/admin/audit.csv?action=note")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"),
                                       newline="")))
    assert sorted(r[11] for r in rows[1:]) == sorted("'" + text for text in planted)
