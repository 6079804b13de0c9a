"""Who may do what: one access-control policy, used by every route.

Focal points reach only their own country; reviewers, analysts and admins see all
members. Routes call ``require_*`` helpers, which abort with 403 (or 404 for things
that do not exist) before any work is done.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, true

from .models import Response, ResponseStatus, Role, Round, RoundState, User

STAFF = frozenset({Role.REVIEWER, Role.ANALYST, Role.ADMIN})
REVIEWERS = frozenset({Role.REVIEWER, Role.ADMIN})


def can_see_country(user: User, country_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role in STAFF:
        return True
    return user.role is Role.FOCAL_POINT and user.country_id == country_id


def can_see_response(user: User, response: Response) -> bool:
    return can_see_country(user, response.country_id)


def can_edit_response(user: User, response: Response) -> bool:
    """Only the country's own focal points write its answers."""
    return (user.is_authenticated and user.is_active and user.role is Role.FOCAL_POINT
            and user.country_id == response.country_id)


def can_review(user: User) -> bool:
    return user.is_authenticated and user.role in REVIEWERS


def can_comment(user: User, response: Response) -> bool:
    """Reviewers always; the country's own focal points while the response is returned to them."""
    if can_review(user):
        return True
    return can_edit_response(user, response) and response.status is ResponseStatus.RETURNED


def can_see_profile(user: User, country_id: int) -> bool:
    return can_see_country(user, country_id)


def can_mark_publishable(user: User, response: Response) -> bool:
    """Whether a profile may be made public is the country's own decision."""
    return can_edit_response(user, response)


def can_see_round(user: User, round_: Round) -> bool:
    """A draft round is for administrators only until it opens: pages and API alike."""
    if round_.state is not RoundState.DRAFT:
        return True
    return bool(user.is_authenticated and user.is_active and user.role is Role.ADMIN)


def visible_rounds(user: User) -> ColumnElement[bool]:
    """``can_see_round`` as a condition on ``Round`` for queries that list rounds."""
    if user.is_authenticated and user.is_active and user.role is Role.ADMIN:
        return true()
    return Round.state != RoundState.DRAFT


def require_round(round_: Round | None, user: User | None = None) -> Round:
    """The round, or 404 when it does not exist or is not for this person (a draft)."""
    if round_ is None or not can_see_round(user if user is not None else current_user, round_):
        abort(404)
    return round_


def require_response(response: Response | None, *, edit: bool = False) -> Response:
    if response is None:
        abort(404)
    allowed = can_edit_response if edit else can_see_response
    if not allowed(current_user, response):
        abort(403)
    return response


def roles_required(*roles: Role) -> Callable:
    """Route decorator: logged in, and one of ``roles``."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# -- exports (issue 6) --------------------------------------------------------------
EXPORTERS = frozenset({Role.REVIEWER, Role.ANALYST, Role.ADMIN})


def can_export_regional(user: User) -> bool:
    """Regional workbooks and tidy data cover every member: staff only."""
    return bool(user.is_authenticated and user.is_active and user.role in EXPORTERS)


def can_export_country(user: User, country_id: int) -> bool:
    """A country's own workbook: staff, or that country's focal points."""
    return can_see_country(user, country_id)


def can_see_export_job(user: User, job) -> bool:
    """An export job's file belongs to whoever asked for it."""
    return bool(user.is_authenticated and user.is_active and job.user_id == user.id)
