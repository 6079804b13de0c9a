"""Integrity lives in the database: constraints hold on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from survey.extensions import db
from survey.models import Answer, AuditEvent, Country, QuestionnaireVersion, Response, Role, Round, User
from survey.rounds import open_round


@pytest.fixture
def round_(seeded):
    r = open_round("Round A", "ftm-capability")
    db.session.commit()
    return r


def _fails(statement_or_callable, error=IntegrityError):
    with pytest.raises(error):
        if callable(statement_or_callable):
            statement_or_callable()
        else:
            db.session.execute(text(statement_or_callable))
        db.session.flush()
    db.session.rollback()


def test_one_response_per_round_and_country(round_):
    thailand = db.session.scalar(select(Country).where(Country.iso3 == "THA"))
    assert db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                    Response.country_id == thailand.id))
    _fails(lambda: db.session.add(Response(round_id=round_.id, country_id=thailand.id)))


def test_one_answer_per_response_and_question(round_):
    response = db.session.scalars(select(Response)).first()
    db.session.add(Answer(response_id=response.id, question_id="leg_tip_offence", value="yes"))
    db.session.commit()
    _fails(lambda: db.session.add(Answer(response_id=response.id, question_id="leg_tip_offence",
                                         value="no")))


def test_enumerations_are_checked_by_the_database(round_):
    _fails("UPDATE responses SET status = 'lost' WHERE id = 1")
    _fails("UPDATE rounds SET state = 'paused'")
    _fails("INSERT INTO users (email, display_name, role, active, language, session_version, "
           "created_at) VALUES ('x@example.org', 'X', 'superuser', true, 'en', 1, CURRENT_TIMESTAMP)")


def test_focal_points_need_a_country_and_others_have_none(seeded):
    _fails(lambda: db.session.add(User(email="fp@example.org", display_name="FP",
                                       role=Role.FOCAL_POINT)))
    thailand = db.session.scalar(select(Country).where(Country.iso3 == "THA"))
    _fails(lambda: db.session.add(User(email="rv@example.org", display_name="RV",
                                       role=Role.REVIEWER, country_id=thailand.id)))


def test_country_codes_are_three_capitals(seeded):
    _fails(lambda: db.session.add(Country(iso3="th", name="Bad", subregion="X")))


def test_foreign_keys_are_enforced(round_):
    _fails("INSERT INTO answers (response_id, question_id, carried_over, version, created_at, "
           "updated_at) VALUES (99999, 'q', false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def test_closing_date_cannot_precede_opening(round_):
    _fails("UPDATE rounds SET closes_on = '2000-01-01', opens_on = '2001-01-01'")


def test_audit_trail_is_append_only_in_the_database(round_):
    event = db.session.scalars(select(AuditEvent)).first()
    assert event.action == "round.create"
    _fails("UPDATE audit_events SET action = 'forged'", error=(DBAPIError, StatementError))
    _fails("DELETE FROM audit_events", error=(DBAPIError, StatementError))
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.id == event.id)) == "round.create"


def test_questionnaire_version_cannot_change_once_a_round_uses_it(round_):
    version = db.session.get(QuestionnaireVersion, round_.questionnaire_version_id)
    version.definition = {**version.definition, "title": {"en": "Rewritten"}}
    with pytest.raises(ValueError, match="used by a round and cannot change"):
        db.session.flush()
    db.session.rollback()


def test_unused_questionnaire_version_may_still_be_corrected(seeded):
    version = db.session.scalar(select(QuestionnaireVersion))
    version.title = "Corrected title"
    db.session.commit()
    assert db.session.scalar(select(Round.id)) is None


def test_optimistic_locking_counts_versions(round_):
    response = db.session.scalars(select(Response)).first()
    assert response.version == 1
    response.publishable = True
    db.session.commit()
    assert response.version == 2
