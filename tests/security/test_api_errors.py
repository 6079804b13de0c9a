"""Issue 10, item 12: every error under /api/ is JSON of one shape; /healthz names no class.

Scripts reading the API got HTML pages for some errors and differently shaped JSON for
others. Every error under /api/ is now ``{"error": "<what went wrong>", "status": <code>}``
with ``Content-Type: application/json``, whoever raised it: the API's own checks, the
router (404, 405) before any view runs, a failure inside a view (500), a database that
does not answer (503), or another part of the app (429, CSRF).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import TooManyRequests

from survey.accounts.api_tokens import create_token
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import User
from survey.rounds import round_by_name

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def _bearer(email: str) -> dict:
    user = db.session.scalar(select(User).where(User.email == email))
    _token, raw = create_token(user, "errors")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def assert_json_error(reply, status: int) -> dict:
    assert reply.status_code == status, (reply.status_code, reply.get_data(as_text=True)[:200])
    assert reply.mimetype == "application/json", reply.get_data(as_text=True)[:200]
    body = reply.get_json()
    assert set(body) == {"error", "status"}, body
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"].strip()
    assert "<html" not in body["error"].lower() and "Traceback" not in body["error"]
    return body


def test_authentication_and_permission_errors(client, demo):
    body = assert_json_error(client.get("/api/v1/rounds"), 401)
    assert "token" in body["error"]
    assert_json_error(client.get("/api/v1/rounds",
                                 headers={"Authorization": "Bearer bpsv_unknown"}), 401)
    current = round_by_name(CURRENT_ROUND)
    assert_json_error(client.get(f"/api/v1/rounds/{current.id}/workbook",
                                 headers=_bearer("focal.tha@example.org")), 403)


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/v1/rounds/99999/answers", 404),
    ("GET", "/api/v1/rounds/99999/countries/XXX/workbook", 404),
    ("GET", "/api/v1/nothing-here", 404),
    ("GET", "/api/nothing-here", 404),
    ("GET", "/api/v1/rounds/abc/answers", 404),
    ("GET", "/api/v1/rounds/%00", 400),  # a NUL byte: refused at the door
    ("POST", "/api/v1/rounds", 405),
    ("DELETE", "/api/v1/rounds", 405),
    ("PUT", "/api/v1/openapi.json", 405),
    ("POST", "/api/v1/nothing-here", 404),
    ("GET", "/api/v1/rounds/1/answers?limit=lots", 400),
    ("GET", "/api/v1/rounds/1/answers?format=pdf", 400),
])
def test_routing_and_parameter_errors(client, demo, method, path, status):
    reply = client.open(path, method=method, headers=_bearer("analyst@example.org"))
    body = assert_json_error(reply, status)
    if status == 405:
        assert "GET" in reply.headers["Allow"]
    if status == 404 and path.startswith("/api/v1/rounds/99999"):
        assert "99999" in body["error"] or "XXX" in body["error"]


def test_a_failure_inside_a_view_is_a_json_500_without_details(app, client, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    current = round_by_name(CURRENT_ROUND)
    headers = _bearer("analyst@example.org")
    # A damaged questionnaire in the database: reading the round's scores fails.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE questionnaire_versions SET checksum = :c, definition = :d"),
                     {"c": "0" * 64, "d": '{"code": "broken"}'})
    body = assert_json_error(client.get(f"/api/v1/rounds/{current.id}/scores?status=all",
                                        headers=headers), 500)
    assert "DefinitionError" not in body["error"] and "broken" not in body["error"]
    # Pages keep their friendly HTML page.
    page = client.get("/public/profiles")
    assert page.mimetype == "text/html"


def test_errors_from_outside_the_api_blueprint_are_json_too(app, client, demo):
    """429 from a limit, a CSRF refusal, a crash: under /api/ the answer is still JSON."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def probe(kind: str):
        if kind == "limit":
            raise TooManyRequests("slow down", retry_after=60)
        if kind == "csrf":
            raise CSRFError("The CSRF token is missing.")
        if kind == "teapot":
            abort(418)
        raise RuntimeError("boom with a secret detail")

    app.add_url_rule("/api/v1/_probe/<kind>", "api_probe", probe)
    limited = client.get("/api/v1/_probe/limit")
    assert_json_error(limited, 429)
    assert limited.headers["Retry-After"] == "60"
    assert_json_error(client.get("/api/v1/_probe/csrf"), 400)
    assert_json_error(client.get("/api/v1/_probe/teapot"), 418)
    crashed = assert_json_error(client.get("/api/v1/_probe/crash"), 500)
    assert "boom" not in crashed["error"] and "RuntimeError" not in crashed["error"]


def test_healthz_does_not_name_the_exception(tmp_path):
    from survey import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    reply = app.test_client().get("/healthz")
    assert reply.status_code == 503
    assert reply.get_json() == {"status": "error", "database": "unreachable"}
