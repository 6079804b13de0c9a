"""Every administration page is for administrators only: proved by walking the URL map."""

import re

import pytest

from survey.models import Role
from tests.conftest import login_as

SAMPLE_IDS = {"round_id": 1, "version_id": 1, "user_id": 1, "message_id": 1, "upload_id": 1,
              "action": None}


def _admin_urls(app):
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = rule.rule
        if "<any(" in url:
            choice = re.search(r"<any\(([^)]*)\):action>", url).group(1).split(",")[0].strip()
            url = re.sub(r"<any\([^)]*\):action>", choice, url)
        url = re.sub(r"<int:(\w+)>", lambda m: str(SAMPLE_IDS[m.group(1)]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_the_map_has_the_admin_pages(app):
    urls = {url for _m, url in _admin_urls(app)}
    assert {"/admin/", "/admin/rounds", "/admin/users", "/admin/questionnaires", "/admin/outbox",
            "/admin/audit", "/admin/audit.csv"} <= urls


@pytest.mark.parametrize("role", [Role.FOCAL_POINT, Role.REVIEWER, Role.ANALYST])
def test_other_roles_are_refused_everywhere_and_nothing_changes(app, demo, make_user, role):
    from sqlalchemy import func, select

    from survey.extensions import db
    from survey.models import AuditEvent, Round, User

    client = app.test_client()
    login_as(client, make_user(role.value))
    before = (db.session.scalar(select(func.count(AuditEvent.id))),
              [r.state for r in db.session.scalars(select(Round).order_by(Round.id))])
    for method, url in _admin_urls(app):
        response = client.open(url, method=method, data={"name": "x", "role": "admin"})
        assert response.status_code == 403, (method, url)
        assert b"You do not have access to this page" in response.data
    db.session.expire_all()
    after = (db.session.scalar(select(func.count(AuditEvent.id))),
             [r.state for r in db.session.scalars(select(Round).order_by(Round.id))])
    assert before == after
    assert db.session.scalar(select(User).where(User.email == "admin@example.org")).active


def test_anonymous_visitors_are_sent_to_log_in(client, demo, app):
    for method, url in _admin_urls(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"]


def test_admin_sees_every_page(client, demo, app):
    from sqlalchemy import select

    from survey.extensions import db
    from survey.models import User

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    login_as(client, admin)
    for url in ("/admin/", "/admin/rounds", "/admin/rounds/1", "/admin/questionnaires",
                "/admin/questionnaires/1", "/admin/users", f"/admin/users/{admin.id}",
                "/admin/outbox", "/admin/audit", "/admin/audit.csv", "/admin/rounds/2/reminders.csv"):
        assert client.get(url).status_code == 200, url
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in home
