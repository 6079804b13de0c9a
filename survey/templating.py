"""Template helpers: filters and values every page needs, the page header's among them."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select

from .access import visible_rounds
from .extensions import db
from .models import STATUS_LABELS, Notification, Response, ResponseStatus, Role, Round


def register_template_helpers(app: Flask) -> None:
    @app.template_filter("status_label")
    def status_label(status: ResponseStatus | str) -> str:
        return STATUS_LABELS[ResponseStatus(status)]

    @app.template_filter("when")
    def when(value: dt.datetime | dt.date | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, dt.datetime):
            return value.strftime("%d %b %Y %H:%M") + " UTC"
        return value.strftime("%d %b %Y")

    @app.template_filter("paragraphs")
    def paragraphs(text: str | None) -> Markup:
        if not text:
            return Markup("")
        parts = [p.strip() for p in str(text).split("\n\n") if p.strip()]
        return Markup("".join(f"<p>{escape(p)}</p>" for p in parts))  # noqa: S704 - parts escaped

    @app.context_processor
    def common() -> dict:
        return {"today": dt.date.today(), "ResponseStatus": ResponseStatus,
                "get_locale": get_locale, "header": Header()}


class Header:
    """What the page header shows a logged-in person: unread notifications, and the round
    (and, for a focal point, their country's response) the navigation links point at.

    One query, made only when a page's header reads it (never for a visitor who is not
    logged in, nor for a fragment rendered without the layout). The round is the one in
    the page's URL when the person may see it, else the newest round they may see.
    """

    @cached_property
    def _values(self) -> tuple[int, int | None, int | None]:
        user = current_user
        if not user.is_authenticated:
            return 0, None, None
        visible = visible_rounds(user)
        newest = (select(Round.id).where(visible)
                  .order_by(Round.opens_on.desc().nulls_last(), Round.id.desc())
                  .limit(1).scalar_subquery())
        asked = (request.view_args or {}).get("round_id")
        round_id = newest if not isinstance(asked, int) else func.coalesce(
            select(Round.id).where(Round.id == asked, visible).scalar_subquery(), newest)
        unread = (select(func.count(Notification.id))
                  .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                  .scalar_subquery())
        response_id = None
        if user.role is Role.FOCAL_POINT:
            response_id = (select(Response.id)
                           .where(Response.round_id == round_id,
                                  Response.country_id == user.country_id)
                           .limit(1).scalar_subquery())
        columns = [unread, round_id] + ([response_id] if response_id is not None else [])
        row = db.session.execute(select(*columns)).one()
        return row[0] or 0, row[1], (row[2] if len(row) > 2 else None)

    @property
    def unread_notifications(self) -> int:
        return self._values[0]

    @property
    def round_id(self) -> int | None:
        return self._values[1]

    @property
    def response_id(self) -> int | None:
        return self._values[2]
