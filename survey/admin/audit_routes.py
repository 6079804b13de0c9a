"""The audit trail: filter by user, country, round, action and dates; page; download as CSV."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from sqlalchemy import select

from ..downloads.csv_download import csv_response
from ..extensions import db
from ..members import all_countries
from ..models import Round, User
from ..paging import paginate
from ..request_guard import record_id
from .audit_trail import CSV_HEADER, AuditFilter, audit_actions, audit_csv_rows, audit_events
from .audit_words import action_label, describe
from .routes import admin_only, bp

PER_PAGE = 50


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> AuditFilter:
    return AuditFilter(user_id=record_id(request.args.get("user")),
                       country_id=record_id(request.args.get("country")),
                       round_id=record_id(request.args.get("round")),
                       action=request.args.get("action") or None,
                       since=_date("since"), until=_date("until"))


@bp.get("/audit")
@admin_only
def audit():
    filters = _filters()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    events = paginate(audit_events(filters), PER_PAGE)
    return render_template(
        "admin/audit.html", events=events, filters=filters, words=describe(events.items),
        action_label=action_label, args=args, actions=audit_actions(),
        users=db.session.scalars(select(User).order_by(User.email)).all(),
        countries=all_countries(),
        rounds=db.session.scalars(select(Round).order_by(Round.id.desc())).all())


@bp.get("/audit.csv")
@admin_only
def audit_csv():
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    return csv_response(f"audit-trail-{stamp}.csv", CSV_HEADER, audit_csv_rows(_filters()))
