"""Country profiles from the database: the frames go in, ``profiles`` does the rest."""

from __future__ import annotations

from sqlalchemy import select

from exports import XLSX_MIMETYPE
from exports.public import build_public_workbook, public_csv
from profiles import (
    Profile,
    ScoringMethod,
    build_profile,
    internal_profile,
    public_profile,
    round_scores,
    scoring_method,
)

from ..audit import record
from ..downloads.services import ExportFile, export_input
from ..extensions import db
from ..frames import answers_frame
from ..members import members_by_iso3
from ..models import (
    Country,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Round,
    RoundState,
    User,
)
from ..questionnaire_versions import definition_of
from ..rules import NotFound, SurveyError
from ..words import words_in


def response_of(round_: Round, country: Country) -> Response:
    found = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                     Response.country_id == country.id))
    if found is None:
        raise NotFound(f"{country.name} has no response in '{round_.name}'")
    return found


def profile_for(round_: Round, country: Country, language: str | None = None, *,
                public: bool = False) -> Profile:
    """The profile of a country in a round; regional figures from approved responses only.

    Every profile withholds medians over fewer than 3 members. ``public`` gives what a
    public output may show (``profiles.public_profile``): public answers only, no evidence,
    small counts banded, small or separable groups withheld.
    """
    response = response_of(round_, country)
    definition = definition_of(round_.questionnaire, language=language or "en")
    frame = answers_frame([round_.id], language=language)
    previous_frame = previous_definition = None
    previous = round_.previous_round
    if previous is not None:
        previous_frame = answers_frame([previous.id], statuses=[ResponseStatus.APPROVED],
                                       country_ids=[country.id], language=language)
        previous_definition = definition_of(previous.questionnaire, language=language or "en")
    profile = build_profile(frame, definition, country.iso3, round_.name,
                            previous_frame=previous_frame, previous_definition=previous_definition,
                            status=response.status.value, approved_at=response.approved_at,
                            country=country.name, subregion=country.subregion, language=language,
                            members=members_by_iso3())
    if public:
        mine = frame[frame["iso3"] == country.iso3]
        answers = dict(zip(mine["question_id"].tolist(), mine["value"].tolist(), strict=True))
        return public_profile(profile, definition, answers, words=words_in(language))
    return internal_profile(profile, words=words_in(language))


def published_version(version: QuestionnaireVersion) -> bool:
    """A questionnaire version is published once a round that uses it has opened: from then
    on anyone may read how its scores are computed."""
    return db.session.scalar(select(Round.id).where(
        Round.questionnaire_version_id == version.id,
        Round.state != RoundState.DRAFT).limit(1)) is not None


def method_of(version: QuestionnaireVersion, language: str | None = None) -> ScoringMethod:
    """"How scores are computed" for a stored questionnaire version, from its definition."""
    return scoring_method(definition_of(version, language=language or "en"), language,
                          words_in(language))


def version_by_key(code: str, number: int) -> QuestionnaireVersion:
    found = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.code == code, QuestionnaireVersion.version == number))
    if found is None:
        raise NotFound(f"no questionnaire {code}:{number}")
    return found


def regional_scores(round_: Round, language: str | None = None):
    """Scores of every approved response of the round (a DataFrame, one row per country)."""
    definition = definition_of(round_.questionnaire, language=language or "en")
    frame = answers_frame([round_.id], statuses=[ResponseStatus.APPROVED], language=language)
    return definition, round_scores(frame, definition, members_by_iso3())


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


def published_responses(round_: Round) -> list[int]:
    return list(db.session.scalars(select(Response.id).where(
        Response.round_id == round_.id, Response.publishable.is_(True),
        Response.status == ResponseStatus.APPROVED)))


def public_download(round_: Round, fmt: str, language: str | None = None) -> ExportFile | None:
    """The public file of a round (``exports.public``), or None while nobody has published."""
    published = published_responses(round_)
    if not published:
        return None
    data = export_input([round_], status_filter="approved", generated_by="public download",
                        language=language)
    stem = f"published-profiles-round-{round_.id}"
    words = words_in(language)  # the file's language, not necessarily the page's
    if fmt == "csv":
        return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8",
                          public_csv(data, published, words=words))
    return ExportFile(f"{stem}.xlsx", XLSX_MIMETYPE,
                      build_public_workbook(data, published, words=words))
