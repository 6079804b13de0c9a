"""Country profiles from the database: the frames go in, ``profiles`` does the rest."""

from __future__ import annotations

from sqlalchemy import select

from profiles import Profile, build_profile, round_scores

from ..audit import record
from ..extensions import db
from ..frames import answers_frame
from ..models import Country, Response, ResponseStatus, Round, User
from ..questionnaire_versions import definition_of
from ..rules import NotFound, SurveyError


def response_of(round_: Round, country: Country) -> Response:
    found = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                     Response.country_id == country.id))
    if found is None:
        raise NotFound(f"{country.name} has no response in '{round_.name}'")
    return found


def profile_for(round_: Round, country: Country, language: str | None = None) -> Profile:
    """The profile of a country in a round; regional figures from approved responses only."""
    response = response_of(round_, country)
    definition = definition_of(round_.questionnaire)
    frame = answers_frame([round_.id], language=language)
    previous_frame = previous_definition = None
    previous = round_.previous_round
    if previous is not None:
        previous_frame = answers_frame([previous.id], statuses=[ResponseStatus.APPROVED],
                                       country_ids=[country.id], language=language)
        previous_definition = definition_of(previous.questionnaire)
    return build_profile(frame, definition, country.iso3, round_.name,
                         previous_frame=previous_frame, previous_definition=previous_definition,
                         status=response.status.value, approved_at=response.approved_at,
                         country=country.name, subregion=country.subregion, language=language)


def regional_scores(round_: Round, language: str | None = None):
    """Scores of every approved response of the round (a DataFrame, one row per country)."""
    definition = definition_of(round_.questionnaire)
    frame = answers_frame([round_.id], statuses=[ResponseStatus.APPROVED], language=language)
    return definition, round_scores(frame, definition)


def publishable_profiles() -> list[tuple[Response, Country, Round]]:
    rows = db.session.execute(
        select(Response, Country, Round).join(Country, Response.country_id == Country.id)
        .join(Round, Response.round_id == Round.id)
        .where(Response.publishable.is_(True), Response.status == ResponseStatus.APPROVED)
        .order_by(Round.id.desc(), Country.name))
    return [tuple(r) for r in rows]


def set_publishable(response: Response, user: User, publishable: bool) -> None:
    if publishable and response.status is not ResponseStatus.APPROVED:
        raise SurveyError("only an approved profile can be made public")
    if response.publishable == publishable:
        return
    response.publishable = publishable
    record("response.publishable", "response", user=user, entity_id=response.id,
           response=response, old=not publishable, new=publishable)
    db.session.flush()
