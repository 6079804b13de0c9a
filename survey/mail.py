"""Outgoing e-mail: every message is kept in the outbox; SMTP delivers it when configured
(through the job queue when there is one, see ``survey.jobs``).

Nothing depends on a mail server: without ``SURVEY_MAIL_SERVER`` a message simply
waits in the outbox, where administrators can read it (and copy an invitation link).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import Select, select

from .extensions import db
from .jobs import enqueue_after_commit, queue_configured
from .models import OutboxMessage, utcnow


def send_mail(to: str, subject: str, body: str) -> OutboxMessage:
    """Record the message, then deliver it: on the job queue once the request commits when
    Redis is configured, otherwise right away. A delivery failure is kept, not raised."""
    message = OutboxMessage(to_addr=to, subject=subject, body=body, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    config = current_app.config
    if config.get("SURVEY_MAIL_SERVER"):
        if queue_configured():
            enqueue_after_commit("mail", message.id)
        else:
            _deliver_and_record(message, config)
    return message


def deliver_queued(message_id: int) -> None:
    """The worker's task: deliver one kept message that has not gone yet."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.sent_at is not None:
        return
    config = current_app.config
    if not config.get("SURVEY_MAIL_SERVER"):
        message.error = "the worker has no SURVEY_MAIL_SERVER; the message waits in the outbox"
        return
    _deliver_and_record(message, config)


def delivery_failed(message_id: int, exc: Exception) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is not None and message.sent_at is None:
        message.error = f"{type(exc).__name__}: {exc}"[:2000]


def _deliver_and_record(message: OutboxMessage, config) -> None:
    try:
        _deliver(message, config)
        message.sent_at = utcnow()
        message.error = None
    except (OSError, smtplib.SMTPException) as exc:
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
        current_app.logger.warning("mail to %s not delivered: %s", message.to_addr, message.error)


def _deliver(message: OutboxMessage, config) -> None:
    email = EmailMessage()
    email["From"] = config["SURVEY_MAIL_SENDER"]
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["SURVEY_MAIL_SERVER"], config["SURVEY_MAIL_PORT"],
                      timeout=config.get("SURVEY_MAIL_TIMEOUT", 10)) as smtp:
        if config.get("SURVEY_MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("SURVEY_MAIL_USERNAME"):
            smtp.login(config["SURVEY_MAIL_USERNAME"], config.get("SURVEY_MAIL_PASSWORD") or "")
        smtp.send_message(email)


def outbox_messages() -> Select:
    """Every kept message, newest first (to page)."""
    return select(OutboxMessage).order_by(OutboxMessage.id.desc())
