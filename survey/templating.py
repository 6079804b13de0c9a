"""Template helpers: filters and values every page needs, the page header's among them."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from flask import Flask, request
from flask_babel import get_locale, gettext, pgettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import case, func, select

from exports.words import subregion_name
from questionnaires.numbers import format_number

from .access import visible_rounds
from .catalogues import draft_languages
from .extensions import db
from .i18n import N_, format_when, number_locale, text_direction
from .models import (
    STATUS_LABELS,
    Notification,
    Response,
    ResponseStatus,
    Role,
    Round,
    RoundState,
)

ROLE_NAMES = {Role.FOCAL_POINT: N_("focal point"), Role.REVIEWER: N_("reviewer"),
              Role.ANALYST: N_("analyst"), Role.ADMIN: N_("admin")}


def register_template_helpers(app: Flask) -> None:
    @app.template_global()
    def answer_text(question, value, language: str | None = None) -> str:
        """An answer as pages show it, numbers written the reader's way (the rules their
        typed numbers are read by: ``survey.i18n.number_locale``)."""
        return question.display(value, language, number_locale())

    @app.template_filter("status_label")
    def status_label(status: ResponseStatus | str) -> str:
        return gettext(STATUS_LABELS[ResponseStatus(status)])

    @app.template_filter("round_state")
    def round_state(state: RoundState | str) -> str:
        """A round's state as the pages name it, in the page's language ("Open", "Ouverte").
        Its own context: "Open" on a round is not the "Open" of a button or a comment."""
        return {RoundState.DRAFT: pgettext("round state", "Draft"),
                RoundState.OPEN: pgettext("round state", "Open"),
                RoundState.CLOSED: pgettext("round state", "Closed"),
                RoundState.ARCHIVED: pgettext("round state", "Archived")}[RoundState(state)]

    @app.template_filter("subregion")
    def subregion(name: str | None) -> str:
        """A sub-region as the pages name it ("Asie du Sud-Est"); the data keeps the English."""
        return subregion_name(name, gettext) or ""

    @app.template_global("questionnaire_title")
    def questionnaire_title(version) -> str:
        """A stored version's title in the page's language (its translation layer), else as
        stored."""
        from .questionnaire_versions import definition_of

        language = str(get_locale() or "en")
        if language == "en":
            return version.title
        return definition_of(version, language=language).title.get(language) or version.title

    @app.template_global("page_direction")
    def page_direction() -> str:
        """"ltr" or "rtl": the page's direction, for macros (imported without the context)."""
        return text_direction()

    @app.template_filter("bdi")
    def bdi(value: object) -> Markup:
        """A name typed by people (a round's name, say) isolated from the text around it, so
        that "2026 capability survey" inside an Arabic sentence keeps its own order."""
        return Markup("<bdi>%s</bdi>") % value

    @app.template_filter("role_name")
    def role_name(role: Role | str) -> str:
        """A role as the pages name it, in the page's language ("focal point", "point focal")."""
        return gettext(ROLE_NAMES[Role(role)])

    @app.template_filter("when")
    def when(value: dt.datetime | dt.date | None, seconds: bool = False) -> str:
        """A date or a time (UTC) in the page's language (survey.i18n.format_when)."""
        return format_when(value, seconds)

    @app.template_filter("number")
    def number(value: float | int | Decimal | None, places: int | None = None,
               percent: bool = False) -> str:
        """A figure written the way the page's language writes numbers, as typed numbers
        are read back (questionnaires.numbers): "1,500.5", "1 500,5", "١٬٥٠٠٫٥"."""
        if value is None or value != value:  # None or NaN
            return "–"
        figure = Decimal(str(value))
        if places is not None:
            figure = figure.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return format_number(figure, number_locale(), percent=percent)

    @app.template_filter("paragraphs")
    def paragraphs(text: str | None) -> Markup:
        if not text:
            return Markup("")
        parts = [p.strip() for p in str(text).split("\n\n") if p.strip()]
        return Markup("".join(f'<p dir="auto">{escape(p)}</p>' for p in parts))  # noqa: S704 - parts escaped

    from .review.services import MAX_COMMENT  # here: the review package imports the app's parts

    # The limit of a comment or a return reason, stated beside every box that takes one.
    app.jinja_env.globals["MAX_COMMENT"] = MAX_COMMENT

    @app.template_global("shows_demo_data")
    @pass_context
    def shows_demo_data(context) -> bool:
        """Does the page show data of a demo round (survey.demo)? Read from what the view
        passed: a response, a round, rounds, a tracker or (response, country, round) rows;
        a view may also say so itself with ``demo_data``."""
        if context.get("demo_data") is not None:
            return bool(context["demo_data"])
        return any(r.is_demo for r in _rounds_in(context))

    @app.context_processor
    def common() -> dict:
        locale = str(get_locale() or "en")
        return {"today": dt.date.today(), "ResponseStatus": ResponseStatus,
                "get_locale": get_locale, "header": Header(),
                "text_direction": text_direction(locale),
                "page_language": locale,  # questionnaire texts: q.label.get(page_language)
                "languages": app.config["SURVEY_LANGUAGES"],
                "draft_translation": locale in draft_languages()}


def _rounds_in(context) -> list[Round]:
    found: list[Round] = []
    for name in ("round", "response", "tracker", "job_round"):
        value = context.get(name)
        if isinstance(value, Round):
            found.append(value)
        elif isinstance(getattr(value, "round", None), Round):
            found.append(value.round)
    for name in ("rounds", "items", "rows"):
        for item in context.get(name) or ():
            if isinstance(item, Round):
                found.append(item)
            elif isinstance(getattr(item, "round", None), Round):
                found.append(item.round)
            elif isinstance(getattr(item, "response", None), Response):
                found.append(item.response.round)
            elif isinstance(item, tuple):
                found.extend(x for x in item if isinstance(x, Round))
    return found


def rounds_newest_open_first():
    """An ORDER BY for rounds as people look for them: open ones first, then closed, then
    archived (drafts, for administrators, last); the newest first within each."""
    state_rank = case({RoundState.OPEN: 0, RoundState.CLOSED: 1, RoundState.ARCHIVED: 2},
                      value=Round.state, else_=3)
    return (state_rank, Round.opens_on.desc().nulls_last(), Round.id.desc())


class Header:
    """What the page header shows a logged-in person: unread notifications, and the round
    (and, for a focal point, their country's response) the navigation links point at.

    One query, made only when a page's header reads it (never for a visitor who is not
    logged in, nor for a fragment rendered without the layout). The round is the one in
    the page's URL (or the round of the response in it) when the person may see it, else
    the newest open round they may see, else the newest closed one.
    """

    @cached_property
    def _values(self) -> tuple[int, int | None, str | None, int | None]:
        user = current_user
        if not user.is_authenticated:
            return 0, None, None, None
        visible = visible_rounds(user)
        newest = (select(Round.id).where(visible).order_by(*rounds_newest_open_first())
                  .limit(1).scalar_subquery())
        args = request.view_args or {}
        asked = args.get("round_id") if isinstance(args.get("round_id"), int) else None
        if asked is None and isinstance(args.get("response_id"), int):
            asked = select(Response.round_id).where(
                Response.id == args["response_id"]).scalar_subquery()
        round_id = newest if asked is None else func.coalesce(
            select(Round.id).where(Round.id == asked, visible).scalar_subquery(), newest)
        name = select(Round.name).where(Round.id == round_id).scalar_subquery()
        unread = (select(func.count(Notification.id))
                  .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                  .scalar_subquery())
        columns = [unread, round_id, name]
        if user.role is Role.FOCAL_POINT:
            columns.append(select(Response.id)
                           .where(Response.round_id == round_id,
                                  Response.country_id == user.country_id)
                           .limit(1).scalar_subquery())
        row = db.session.execute(select(*columns)).one()
        return row[0] or 0, row[1], row[2], (row[3] if len(row) > 3 else None)

    @cached_property
    def rounds(self) -> list[Round]:
        """Every round that has responses (not a draft), open ones first: the round
        switcher's list."""
        if not current_user.is_authenticated:
            return []
        return list(db.session.scalars(select(Round).where(Round.state != RoundState.DRAFT)
                                       .order_by(*rounds_newest_open_first())))

    @property
    def round_name(self) -> str | None:
        return self._values[2]

    @property
    def unread_notifications(self) -> int:
        return self._values[0]

    @property
    def round_id(self) -> int | None:
        return self._values[1]

    @property
    def response_id(self) -> int | None:
        return self._values[3]
