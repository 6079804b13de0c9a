"""Where to report a problem: /.well-known/security.txt (RFC 9116) from SURVEY_SECURITY_CONTACT."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.security


def test_security_txt_names_the_contact_when_one_is_set(app, client):
    assert client.get("/.well-known/security.txt").status_code == 404
    app.config["SURVEY_SECURITY_CONTACT"] = "security@bali-survey.example"
    reply = client.get("/.well-known/security.txt")
    assert reply.status_code == 200 and reply.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in reply.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@bali-survey.example"
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert dt.timedelta(days=300) < expires - dt.datetime.now(dt.UTC) < dt.timedelta(days=400)
    app.config["SURVEY_SECURITY_CONTACT"] = "https://example.org/report"
    assert "Contact: https://example.org/report" in client.get("/.well-known/security.txt").get_data(
        as_text=True)
