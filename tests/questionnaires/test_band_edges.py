"""Band edges and recommended actions agree (issue 12 §2): a rate is scored by its bands
and an action on that rate is written as "scores below <points>", so the bands are the one
place an edge is written. A rate of exactly 25 % scores like 24 % and is acted on like it."""

from __future__ import annotations

import copy

import pytest
import yaml

from questionnaires import (
    DefinitionError,
    gaps,
    load_definition,
    parse_definition,
    question_points,
    with_derived,
)
from questionnaires.definition import DEFINITIONS_DIR

from .v2_answers import THA

V2 = DEFINITIONS_DIR / "ftm-capability-v2.yaml"


@pytest.fixture(scope="module")
def v2():
    return load_definition(V2)


def _fired(definition, answers) -> set[str]:
    return {a.id for a in gaps(definition, answers, THA)}


# (cases with a parallel financial investigation out of 100, points, action fires)
FIN_INV = [(0, 0.0, True), (10, 0.25, True), (11, 0.5, True), (24, 0.5, True),
           (25, 0.5, True), (26, 0.75, False), (50, 0.75, False), (51, 1.0, False),
           (100, 1.0, False)]


@pytest.mark.parametrize(("with_fin", "points", "fires"), FIN_INV)
def test_the_financial_investigation_share_scores_and_acts_alike_at_every_edge(
        v2, with_fin, points, fires):
    answers = {"op_tip_investigations": 100, "op_tip_fin_inv": with_fin}
    rate = with_derived(v2, answers, THA)["op_fin_inv_share"]
    assert rate == with_fin
    assert question_points(v2.question("op_fin_inv_share"), rate) == points
    assert ("raise_financial_investigation_share" in _fired(v2, answers)) is fires


@pytest.mark.parametrize(("confiscated", "points", "fires"),
                         [(0, 0.0, True), (5, 0.25, True), (25, 0.5, True), (26, 0.75, False)])
def test_the_confiscation_share_scores_and_acts_alike_at_every_edge(v2, confiscated, points,
                                                                     fires):
    answers = {"op_tip_persons_convicted": 100, "op_tip_convicted_confiscation": confiscated}
    rate = with_derived(v2, answers, THA)["op_confiscation_share"]
    assert question_points(v2.question("op_confiscation_share"), rate) == points
    assert ("confiscate_in_trafficking_convictions" in _fired(v2, answers)) is fires


def test_every_action_on_a_banded_rate_fires_exactly_below_its_band(v2):
    """Whatever the edges are, an action written with ``scores_below`` follows them."""
    action = next(a for a in v2.actions if a.id == "raise_financial_investigation_share")
    q = v2.question("op_fin_inv_share")
    for value in [x / 2 for x in range(0, 201)]:
        fires = action.when.holds({"op_fin_inv_share": value}.get, THA)
        assert fires is (question_points(q, value) < 0.75), value


def test_the_gap_text_says_what_triggers_it(v2):
    action = next(a for a in v2.actions if a.id == "raise_financial_investigation_share")
    assert "A quarter or fewer (25 % or less)" in action.gap.get()


def _with_trigger(when) -> dict:
    data = copy.deepcopy(yaml.safe_load(V2.read_text(encoding="utf-8")))
    action = next(a for a in data["actions"] if a["id"] == "raise_financial_investigation_share")
    action["when"] = when
    return data


@pytest.mark.parametrize(("when", "says"), [
    ({"question": "op_fin_inv_share", "lt": 25}, "'lt: 25' on 'op_fin_inv_share' does not follow "
                                                 "its bands"),
    ({"question": "op_fin_inv_share", "lte": 30}, "'lte: 30' on 'op_fin_inv_share' does not "
                                                  "follow its bands"),
    ({"all": [{"question": "op_fin_inv_share", "gte": 25}]}, "does not follow its bands"),
    ({"question": "op_fin_inv_share", "scores_below": 0}, "no band scores below it"),
    ({"question": "op_fin_inv_share", "scores_below": 2}, "every band does"),
    ({"question": "op_tip_investigations", "scores_below": 0.5}, "needs a question scored by "
                                                                "bands"),
])
def test_a_trigger_that_splits_a_band_is_refused_when_the_definition_is_read(when, says):
    with pytest.raises(DefinitionError) as caught:
        parse_definition(_with_trigger(when), "v2-edited.yaml")
    assert says in str(caught.value)


def test_a_trigger_at_an_edge_on_the_band_s_side_is_accepted():
    for when in ({"question": "op_fin_inv_share", "lte": 25},
                 {"not": {"question": "op_fin_inv_share", "gt": 50}},
                 {"question": "op_fin_inv_share", "scores_below": 0.5}):
        definition = parse_definition(_with_trigger(when), "v2-edited.yaml")
        assert definition.key == "ftm-capability:2"


@pytest.mark.parametrize(("laundering", "fires"), [(0, True), (5, True), (6, False), (20, False)])
def test_laundering_investigations_per_100_act_at_the_band_edge(v2, laundering, fires):
    answers = {"op_tip_investigations": 100, "op_ml_investigations": laundering,
               "leg_ml_criminalised": "yes"}
    rate = with_derived(v2, answers, THA)["op_ml_per_100_tip"]
    below = question_points(v2.question("op_ml_per_100_tip"), rate) < 0.75
    assert below is fires
    assert ("open_laundering_investigations" in _fired(v2, answers)) is fires
