"""The outbox: every e-mail the app wrote, for administrators to read (and copy a link from)."""

from __future__ import annotations

from flask import render_template

from ..extensions import db
from ..mail import outbox_messages
from ..models import OutboxMessage
from ..paging import paginate
from .routes import admin_only, bp

PER_PAGE = 50


@bp.get("/outbox")
@admin_only
def outbox():
    return render_template("admin/outbox.html", messages=paginate(outbox_messages(), PER_PAGE))


@bp.get("/outbox/<int:message_id>")
@admin_only
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)
