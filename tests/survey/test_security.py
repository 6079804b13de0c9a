"""Security headers on every response, friendly error pages, production safeguards."""

import re
from pathlib import Path

import pytest

from survey import create_app
from survey.config import ConfigError
from survey.security import CONTENT_SECURITY_POLICY

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

TEMPLATES = Path(__file__).resolve().parents[2] / "survey" / "templates"


def test_every_response_carries_the_security_headers(client, demo):
    for url in ("/login", "/healthz", "/static/app.css", "/no-such-page", "/forgot-password"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        response.close()  # the static file's handle


def test_templates_need_no_inline_script_or_style():
    """The policy forbids inline script and style; no template may rely on them.

    The exception is the self-contained profile file written by `survey profile`: it is
    saved to disk and opened on its own, never served under the policy, so it inlines
    its styles by design.
    """
    standalone = {TEMPLATES / "profile_pages" / "standalone.html"}
    for path in sorted(set(TEMPLATES.rglob("*.html")) - standalone):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text and " style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path  # onclick= and friends


def test_error_pages_are_friendly(client, demo, make_user):
    from tests.conftest import login_as

    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Page not found" in page.get_data(as_text=True)
    login_as(client, make_user("focal_point"))
    page = client.get("/admin/")
    assert page.status_code == 403
    body = page.get_data(as_text=True)
    assert "You do not have access to this page" in body and "Back to the start page" in body


def test_a_server_error_shows_no_stack_trace(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    page = app.test_client().get("/boom-for-test")
    body = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SURVEY_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_uses_secure_cookies_and_refuses_the_debugger(monkeypatch):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("SURVEY_SECURE_COOKIES", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert not app.debug
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="debugger"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_behind_a_proxy_the_forwarded_scheme_and_host_are_trusted(monkeypatch):
    monkeypatch.setenv("SURVEY_PROXY_FIX", "1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})

    @app.get("/where-for-test")
    def where():
        from flask import request

        return f"{request.scheme}://{request.host} {request.remote_addr}"

    body = app.test_client().get("/where-for-test", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "survey.example.org",
        "X-Forwarded-For": "203.0.113.7"}).get_data(as_text=True)
    assert body == "https://survey.example.org 203.0.113.7"
