"""The tidy answers frame, and the demo data it is built from."""

from sqlalchemy import func, select

from questionnaires import relevance
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.frames import COLUMNS, answers_frame
from survey.models import Answer, Response, ResponseStatus, StatusChange
from survey.questionnaire_versions import definition_of
from survey.rounds import round_by_name


def test_demo_round_has_countries_in_every_state(demo):
    round_ = round_by_name(CURRENT_ROUND)
    statuses = dict(db.session.execute(
        select(Response.status, func.count()).where(Response.round_id == round_.id)
        .group_by(Response.status)).all())
    assert statuses[ResponseStatus.APPROVED] == 5
    assert statuses[ResponseStatus.SUBMITTED] == 1
    assert statuses[ResponseStatus.RETURNED] == 1
    assert statuses[ResponseStatus.IN_PROGRESS] == 3
    assert statuses[ResponseStatus.NOT_STARTED] == 35
    assert round_.previous_round.name == "2025 capability survey (pilot)"
    history = db.session.scalar(select(func.count(StatusChange.id)))
    assert history > 20  # every demo transition is recorded


def test_tidy_frame_has_one_row_per_relevant_answer(demo):
    round_ = round_by_name(CURRENT_ROUND)
    frame = answers_frame(round_ids=[round_.id], statuses=[ResponseStatus.APPROVED])
    assert list(frame.columns) == COLUMNS
    assert set(frame["status"]) == {"approved"}
    assert frame["iso3"].nunique() == 5
    assert not frame.duplicated(["response_id", "question_id"]).any()
    definition = definition_of(round_.questionnaire)
    for _, rows in frame.groupby("response_id"):
        visible = relevance(definition, dict(zip(rows["question_id"], rows["value"], strict=True)))
        assert all(visible[q] for q in rows["question_id"])
    counts = frame[frame["type"] == "integer"]
    assert counts["value_number"].notna().any()
    assert (counts.loc[counts["value_code"] == "unknown", "value_number"].isna()).all()


def test_answers_hidden_by_skip_logic_are_left_out(demo):
    round_ = round_by_name(CURRENT_ROUND)
    definition = definition_of(round_.questionnaire)
    question = next(q for q in definition.questions if q.relevant is not None)
    response = db.session.scalars(select(Response).where(
        Response.round_id == round_.id, Response.status == ResponseStatus.APPROVED)).first()
    stored = {a.question_id: a for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id))}
    # Force the controlling answers so that the question becomes irrelevant.
    controlling = sorted(question.relevant.questions())
    for qid in controlling:
        stored[qid].value = None
    stored.setdefault(question.id, Answer(response_id=response.id, question_id=question.id))
    stored[question.id].value = stored[question.id].value or "yes"
    db.session.add(stored[question.id])
    db.session.flush()
    frame = answers_frame(round_ids=[round_.id])
    mine = frame[frame["response_id"] == response.id]
    assert question.id not in set(mine["question_id"])


def test_members_frame_lists_every_member_response_from_the_same_seam(demo):
    from exports import MEMBER_COLUMNS
    from survey.frames import members_frame

    round_ = round_by_name(CURRENT_ROUND)
    frame = members_frame([round_.id])
    assert list(frame.columns) == MEMBER_COLUMNS
    assert len(frame) == 45 and frame["iso3"].is_unique
    assert (frame["status"] == "approved").sum() == 5
    pacific = members_frame([round_.id], subregion="Pacific")
    assert 0 < len(pacific) < 45 and set(pacific["subregion"]) == {"Pacific"}
