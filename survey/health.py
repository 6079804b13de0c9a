"""``GET /healthz``: is the app up and the database reachable?"""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import csrf, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        current_app.logger.warning("health check: the database is unreachable: %s",
                                   str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503  # the log says why
    return jsonify(status="ok", database="reachable")
