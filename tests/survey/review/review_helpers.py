"""Small helpers shared by the review and profile request tests."""

from __future__ import annotations

from sqlalchemy import select

from survey.demo import CURRENT_ROUND, PREVIOUS_ROUND
from survey.extensions import db
from survey.models import Country, Response, Round, User


def response_of(iso3: str, round_name: str = CURRENT_ROUND) -> Response:
    return db.session.scalar(select(Response).join(Country, Response.country_id == Country.id)
                             .join(Round, Response.round_id == Round.id)
                             .where(Country.iso3 == iso3, Round.name == round_name))


def round_named(name: str = CURRENT_ROUND) -> Round:
    return db.session.scalar(select(Round).where(Round.name == name))


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


__all__ = ["CURRENT_ROUND", "PREVIOUS_ROUND", "response_of", "round_named", "user"]
