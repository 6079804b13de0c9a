"""Survey rounds: opening one creates a response per member country."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..extensions import db
from ..models import Country, Response, ResponseStatus, Round, RoundState, User
from . import NotFound, SurveyError
from .audit import record
from .questionnaires import find_version


def round_by_name(name: str) -> Round:
    found = db.session.scalar(select(Round).where(Round.name == (name or "").strip()))
    if found is None:
        known = ", ".join(db.session.scalars(select(Round.name).order_by(Round.id))) or "none"
        raise NotFound(f"no round named '{name}'; rounds: {known}")
    return found


def open_round(name: str, questionnaire: str, *, closes: dt.date | None = None,
               opens: dt.date | None = None, actor: User | None = None,
               today: dt.date | None = None) -> Round:
    """Create an open round on a questionnaire version, with a response per active member."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise SurveyError("a round needs a name of 1 to 120 characters")
    if db.session.scalar(select(Round.id).where(Round.name == name)) is not None:
        raise SurveyError(f"a round named '{name}' already exists; choose another name")
    version = find_version(questionnaire)
    today = today or dt.date.today()
    opens = opens or today
    if closes is not None and closes < opens:
        raise SurveyError(f"the closing date {closes.isoformat()} is before the opening date "
                          f"{opens.isoformat()}")
    previous = db.session.scalar(
        select(Round).join(Round.questionnaire)
        .where(Round.questionnaire.has(code=version.code))
        .order_by(Round.opens_on.desc().nulls_last(), Round.id.desc()).limit(1))
    new_round = Round(name=name, questionnaire=version, state=RoundState.OPEN,
                      opens_on=opens, closes_on=closes, previous_round=previous,
                      reference_year=opens.year - 1, created_by_id=actor.id if actor else None)
    db.session.add(new_round)
    db.session.flush()
    countries = db.session.scalars(select(Country).where(Country.active.is_(True))).all()
    db.session.add_all(Response(round_id=new_round.id, country_id=c.id,
                                status=ResponseStatus.NOT_STARTED) for c in countries)
    db.session.flush()
    record("round.open", "round", user=actor, entity_id=new_round.id, round_id=new_round.id,
           new={"name": name, "questionnaire": version.key,
                "closes_on": closes.isoformat() if closes else None})
    return new_round


def open_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.state == RoundState.OPEN)
                                   .order_by(Round.opens_on.desc(), Round.id.desc())))


def latest_rounds(limit: int = 10) -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.id.desc()).limit(limit)))
