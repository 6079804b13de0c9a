"""Template helpers: filters and values every page needs."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup, escape

from .models import STATUS_LABELS, ResponseStatus


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
                "get_locale": get_locale}
