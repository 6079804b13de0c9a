"""What the security tests share: logging in through the form, browser headers, state checks."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, AuditEvent, Response

# What a browser sends with a form posted from a page of this app, and from another site.
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def log_in(client: FlaskClient, email: str, password: str, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def browser(app: Flask, email: str | None = None, password: str | None = None) -> FlaskClient:
    """A fresh browser, logged in through the login form when given an account."""
    client = app.test_client()
    if email:
        reply = log_in(client, email, password)
        assert reply.status_code == 302, reply.get_data(as_text=True)
    return client


def answer_of(response: Response, qid: str) -> tuple[object, str | None, int] | None:
    """(value, evidence, version) of one stored answer, read afresh."""
    db.session.expire_all()
    found = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                   Answer.question_id == qid))
    return None if found is None else (found.value, found.evidence, found.version)


def answer_saves(response: Response) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.response_id == response.id, AuditEvent.action == "answer.save")) or 0


def files_under(app: Flask) -> list[Path]:
    """Every file the app has written into its instance folder."""
    root = Path(app.instance_path)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sets_cookie(reply) -> bool:
    return any(name.lower() == "set-cookie" for name, _value in reply.headers.items())
