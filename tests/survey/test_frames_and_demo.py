"""The tidy answers frame, and the demo data it is built from."""

from sqlalchemy import func, select

from questionnaires import relevance
from survey.answering.checks import assess
from survey.answering.responses import answers_of
from survey.demo import (
    ACCOUNTS,
    CURRENT_ROUND,
    DEMO_EVIDENCE,
    PLACEHOLDER_LAW,
    PREVIOUS_ROUND,
    PUBLIC_RECORD,
    PUBLIC_RECORD_V1,
    SCRIPTED_WARNINGS,
    v1_public_record,
    verified_facts,
)
from survey.extensions import db
from survey.frames import COLUMNS, answers_frame
from survey.models import Answer, AuditEvent, Response, ResponseStatus, RoundState, StatusChange, User
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
    # The current round asks questionnaire v2; the closed pilot round stays on v1, so
    # "change since the last round" and the v1 <-> v2 crosswalk show in the demo.
    assert round_.questionnaire.key == "ftm-capability:2"
    assert round_.previous_round.questionnaire.key == "ftm-capability:1"
    assert round_.previous_round.state is RoundState.CLOSED
    assert round_.is_demo and round_.previous_round.is_demo
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


# -- the demo's answers pass every rule and check, and state no unverified fact ----------

def _demo_responses(round_name):
    round_ = round_by_name(round_name)
    definition = definition_of(round_.questionnaire)
    responses = db.session.scalars(select(Response).where(
        Response.round_id == round_.id, Response.status != ResponseStatus.NOT_STARTED)).all()
    assert responses
    return definition, responses


def test_every_demo_response_passes_the_checks_the_pages_run(demo):
    """The same assessment the summary page and the submission run (survey.answering.checks)."""
    for name in (CURRENT_ROUND, PREVIOUS_ROUND):
        definition, responses = _demo_responses(name)
        for response in responses:
            answers = answers_of(response)
            found = assess(response, definition, answers)
            iso3 = response.country.iso3
            assert found.errors == [], (iso3, [r.message for r in found.errors])
            assert found.unconfirmed == [], (iso3, [r.message for r in found.unconfirmed])
            # The only warnings are the scripted ones, each confirmed by the focal point.
            scripted = name == CURRENT_ROUND and iso3 in SCRIPTED_WARNINGS
            expected = {SCRIPTED_WARNINGS[iso3]} if scripted else set()
            assert {r.id for r in found.warnings} == expected == found.confirmed, iso3
            assert found.carried == []
            if response.status is not ResponseStatus.IN_PROGRESS:
                # Nothing is missing but public-record facts nobody has verified yet.
                assert {q.id for q in found.missing} <= PUBLIC_RECORD | PUBLIC_RECORD_V1, iso3
            for qid, answer in answers.items():
                q = definition.question(qid)
                assert found.visible[qid], (iso3, qid)   # only relevant questions are answered
                assert q.normalise(answer.value) == answer.value or answer.value is None
                if q.type == "multiple_choice" and answer.value not in (None, "unknown"):
                    exclusive = {o.code for o in q.options if o.exclusive}
                    assert not (exclusive & set(answer.value)) or len(answer.value) == 1, (iso3, qid)
                    offered = q.kind.offered(q, found_member(response))
                    assert set(answer.value) <= set(offered), (iso3, qid)
                if q.kind.numeric and isinstance(answer.value, (int, float)):
                    assert q.max is None or answer.value <= q.max


def found_member(response):
    from survey.answering.checks import member_of
    return member_of(response)


def test_demo_states_only_verified_facts_and_neutral_notes(demo):
    definition, responses = _demo_responses(CURRENT_ROUND)
    facts = verified_facts()
    for response in responses:
        iso3 = response.country.iso3
        for qid, answer in answers_of(response).items():
            q = definition.question(qid)
            if qid in PUBLIC_RECORD:
                assert answer.value == facts[iso3][qid], (iso3, qid)
            if q.type == "legal_reference":
                assert answer.value["instrument"] == PLACEHOLDER_LAW
            assert answer.evidence in (None, DEMO_EVIDENCE)
            if qid == "inst_notes":
                assert answer.value == ("Demonstration response generated for testing. These "
                                        f"are not the answers of {response.country.name}.")
        answered = {qid for qid in answers_of(response)}
        assert not {"leg_tip_offence", "leg_ml_criminalised"} - answered
        assert answers_of(response)["leg_tip_offence"].value != "no"
        assert answers_of(response)["leg_ml_criminalised"].value != "no"
    # No demo member is said to have no FIU, and Thailand is a party to the Protocol.
    values = {(r.country.iso3, qid): a.value for r in responses for qid, a in answers_of(r).items()}
    assert "no_fiu" not in {v for (_, qid), v in values.items() if qid == "op_fiu"}
    assert values[("THA", "leg_tip_protocol")] == "party"
    assert values[("FJI", "op_fiu")] == "administrative"


def test_every_public_record_answer_in_both_demo_rounds_is_a_verified_fact_or_blank(demo):
    """Issue 12: the demo states no false fact about a real member, in the current v2
    round or in the closed v1 pilot (whose statuses stay: closed, responses approved)."""
    facts = verified_facts()
    pilot = round_by_name(PREVIOUS_ROUND)
    stated = {}
    for name, public_record in ((CURRENT_ROUND, PUBLIC_RECORD),
                                (PREVIOUS_ROUND, PUBLIC_RECORD_V1)):
        definition, responses = _demo_responses(name)
        for response in responses:
            iso3 = response.country.iso3
            # v2 answers are the facts themselves; v1 answers the facts' same-meaning values.
            expected = (facts.get(iso3, {}) if name == CURRENT_ROUND
                        else v1_public_record(facts.get(iso3, {})))
            for qid, answer in answers_of(response).items():
                stated[name, iso3, qid] = answer.value
                if qid in public_record and answer.value is not None:
                    assert answer.value == expected.get(qid), (name, iso3, qid, answer.value)
                    assert expected.get(qid) is not None, (name, iso3, qid)
                if definition.question(qid).type == "legal_reference":
                    assert answer.value["instrument"] == PLACEHOLDER_LAW, (name, iso3, qid)
                    assert answer.value["article"] is None and answer.value["year"] is None
            if name == PREVIOUS_ROUND:
                assert response.status is ResponseStatus.APPROVED, iso3
    assert pilot.state is RoundState.CLOSED
    # Never "no FIU" for a demo member, in either round; facts the v1 pilot can state are
    # stated (Thailand is a party to the Trafficking Protocol; Sri Lanka to UNTOC).
    assert "no_fiu" not in {v for (_, _, qid), v in stated.items() if qid == "op_fiu"}
    assert stated[PREVIOUS_ROUND, "THA", "leg_tip_protocol_status"] == "party"
    assert stated[PREVIOUS_ROUND, "LKA", "leg_untoc_status"] == "party"
    # No verified fact: blank, not a value drawn from the member's capacity.
    assert (PREVIOUS_ROUND, "AUS", "leg_untoc_status") not in stated
    assert (PREVIOUS_ROUND, "AUS", "leg_me_year") not in stated
    assert not any(qid.startswith("leg_rating_") for (n, _, qid) in stated if n == PREVIOUS_ROUND)


def test_v1_pilot_maps_only_facts_of_the_same_meaning():
    assert v1_public_record({}) == dict.fromkeys(PUBLIC_RECORD_V1)
    mapped = v1_public_record({
        "leg_untoc": "party", "leg_tip_protocol": "not_extended", "op_fiu": "no_fiu",
        "coop_fiu_egmont": "member", "coop_asset_recovery_network": ["arin_ap_observer"],
        "leg_me_year": 2017,
        "me_rating_r3": {"rating": "largely_compliant", "methodology": "2013"},
        "me_rating_r4": {"rating": "compliant", "methodology": "2004"},
        "me_rating_io7": {"rating": "not_rated", "methodology": "2013"},
        "me_rating_io8": {"rating": "low", "methodology": "2022"}})
    assert mapped == {
        "leg_untoc_status": "party", "leg_tip_protocol_status": None, "op_fiu": None,
        "coop_fiu_egmont": "member", "coop_arinap_member": None, "leg_me_year": 2017,
        "leg_rating_r3": "largely_compliant", "leg_rating_r4": None, "leg_rating_io7": None,
        "leg_rating_io8": "low"}
    assert v1_public_record({"coop_asset_recovery_network": ["arin_ap_member"]})[
        "coop_arinap_member"] == "yes"
    assert v1_public_record({"coop_asset_recovery_network": ["carin"]})[
        "coop_arinap_member"] == "no"


def test_demo_counts_follow_the_scripted_scenarios(demo):
    _, responses = _demo_responses(CURRENT_ROUND)
    value = {(r.country.iso3, qid): a.value for r in responses for qid, a in answers_of(r).items()}
    assert (value["IDN", "op_tip_investigations"], value["IDN", "op_tip_fin_inv"]) == (400, 6)
    assert (value["LKA", "op_tip_investigations"], value["LKA", "op_tip_fin_inv"]) == (2, 2)
    assert value["FJI", "op_tip_investigations"] == 0 and ("FJI", "op_tip_fin_inv") not in value
    assert value["KHM", "op_tip_investigations"] == "unknown"
    assert value["KHM", "op_fin_inv_share_direct"] == 20
    assert value["THA", "op_fin_inv_share_direct"] == "unknown"
    assert value["PHL", "op_tip_persons_convicted"] > value["PHL", "op_tip_persons_prosecuted"]
    # Both scripted warnings were confirmed by a person, in the audit trail.
    confirmed = db.session.execute(select(Response.id, AuditEvent.question_id).join(
        AuditEvent, AuditEvent.response_id == Response.id)
        .where(AuditEvent.action == "answer.warning_confirm")).all()
    by_id = {r.id: r.country.iso3 for r in responses}
    assert sorted((by_id[rid], qid) for rid, qid in confirmed if rid in by_id) == [
        ("AUS", "op_value_frozen"), ("PHL", "op_tip_persons_prosecuted")]


def test_demo_accounts_say_they_are_demo_accounts(demo):
    for account in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        assert user.display_name.endswith("(demo)")
