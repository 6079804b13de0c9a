"""Profiles over format 2: data gaps, key figures, actions with their trigger, disclosure
rules, the "how scores are computed" description and the v1 <-> v2 crosswalk."""

from __future__ import annotations

from pathlib import Path

import pytest

import questionnaires
from profiles import (
    FEWER_MEMBERS,
    build_profile,
    crosswalk,
    group_reasons,
    public_answers,
    public_count,
    public_profile,
    public_spread,
    region_reasons,
    round_scores,
    scoring_method,
    spread,
)
from questionnaires import UNKNOWN, load_definition
from tests.questionnaires.v2_answers import AUS, THA, strong

from .conftest import frame

DEFINITIONS = Path(questionnaires.__file__).parent / "definitions"
SEA, PAC = "South-East Asia", "Pacific"


@pytest.fixture(scope="module")
def v2():
    return load_definition(DEFINITIONS / "ftm-capability-v2.yaml")


@pytest.fixture(scope="module")
def v1():
    return load_definition(DEFINITIONS / "ftm-capability-v1.yaml")


def rows(iso3, subregion, status, answers, evidence=None):
    return [(iso3, subregion, status, qid, value, (evidence or {}).get(qid))
            for qid, value in answers.items()]


MEMBERS = {"THA": THA, "AUS": AUS, "MYS": dict(THA, iso3="MYS"), "IDN": dict(THA, iso3="IDN")}


def test_a_v2_profile_lists_data_gaps_key_figures_and_actions_with_their_trigger(v2):
    mine = dict(strong(v2, THA), op_tip_investigations=400, op_tip_fin_inv=6,
                op_tip_persons_prosecuted=120, op_tip_persons_convicted=UNKNOWN)
    data = frame(rows("THA", SEA, "approved", mine)
                 + rows("AUS", PAC, "approved", dict(strong(v2, AUS), op_tip_investigations=20,
                                                     op_tip_fin_inv=10)))
    profile = build_profile(data, v2, "THA", "R2", members=MEMBERS)
    figures = {k.question_id: k for k in profile.key_counts}
    assert figures["op_tip_persons_prosecuted"].value == 120
    assert figures["op_tip_persons_convicted"].shown == "Unknown"
    assert figures["op_fin_inv_share"].value == 1.5 and figures["op_fin_inv_share"].shown == "1.5%"
    assert figures["op_fin_inv_share"].region.n == 2  # worked out for every approved response
    assert [g.question_id for g in profile.data_gaps] == ["op_tip_persons_convicted",
                                                          "op_confiscation_share"]
    by_id = {g.action_id: g for g in profile.gaps}
    assert set(by_id) == {"raise_financial_investigation_share", "open_laundering_investigations",
                          "core_figures_missing"}  # 10 laundering cases per 400: 2.5 per 100
    assert by_id["raise_financial_investigation_share"].trigger.startswith(
        "“Share of trafficking investigations with a parallel financial investigation”")
    assert "is at most 25" in by_id["raise_financial_investigation_share"].trigger
    assert profile.score("operational").score < 100


def test_round_scores_read_member_attributes(v2):
    answers = dict(strong(v2, AUS), coop_asset_recovery_network=["none"])
    data = frame(rows("AUS", PAC, "approved", answers))
    with_member = round_scores(data, v2, MEMBERS)
    # ARIN-AP options and actions depend on the member; scores are computed either way.
    assert with_member.loc[0, "overall"] == round_scores(data, v2).loc[0, "overall"]
    profile = build_profile(data, v2, "AUS", "R2", members=MEMBERS)
    assert [g.action_id for g in profile.gaps] == ["join_arin_ap"]
    outside = build_profile(data, v2, "AUS", "R2", members={"AUS": dict(AUS, subregion="americas")})
    assert [g.action_id for g in outside.gaps] == ["join_regional_arin"]


def test_change_from_a_v1_round_compares_only_what_the_mapping_calls_the_same(v1, v2):
    before = {"leg_tip_offence": "partial", "leg_untoc_status": "signed", "op_tip_unit": "no"}
    now = dict(strong(v2, THA))
    profile = build_profile(frame(rows("THA", SEA, "approved", now)), v2, "THA", "R2",
                            previous_frame=frame(rows("THA", SEA, "approved", before), "R1"),
                            previous_definition=v1, members=MEMBERS)
    assert profile.change.method_changed
    improved = {c.question_id for c in profile.change.improved}
    assert {"leg_tip_offence", "op_tip_unit"} <= improved      # same: true
    assert "leg_untoc" not in improved                         # same: false -> not comparable


# -- disclosure ------------------------------------------------------------------------------


def test_no_median_over_fewer_than_three_members():
    for values in ([70.0], [70.0, 30.0]):
        shown, reason = public_spread(spread(values))
        assert reason == FEWER_MEMBERS == "fewer than 3 members"
        assert (shown.median, shown.q1, shown.q3) == (None, None, None)
    shown, reason = public_spread(spread([10, 20, 30]))
    assert reason is None and shown.median == 20.0
    assert (shown.low, shown.high) == (None, None)  # each is one member's own figure


def test_no_figure_is_the_country_alone_or_worked_back_from_two_others():
    region = ["THA", "MYS", "IDN", "AUS", "NZL"]
    reasons = group_reasons({"region": region, "south_east_asia": region[:3],
                             "pacific": region[3:], "americas": ["USA"]})
    assert reasons["americas"] == FEWER_MEMBERS
    assert reasons["pacific"] == FEWER_MEMBERS
    # South-East Asia beside the region would give away the two Pacific members' figures.
    assert reasons["south_east_asia"] == "could be worked back from the figures beside it"
    assert reasons["region"] is None
    assert region_reasons(6, 3) == (None, None)
    assert region_reasons(4, 3) == (None, "could be worked back from the figures beside it")
    assert region_reasons(4, 4) == (None, None)     # the same members: nothing to work back
    assert region_reasons(1, 1) == (FEWER_MEMBERS, FEWER_MEMBERS)


def test_small_counts_are_banded_and_rates_over_few_cases_withheld(v2):
    assert [public_count(n) for n in (0, 1, 4, 5, 120, UNKNOWN)] == [0, "1–4", "1–4", 5, 120, UNKNOWN]
    answers = questionnaires.with_derived(
        v2, dict(strong(v2, THA), op_tip_investigations=4, op_tip_fin_inv=2), THA)
    shown = public_answers(v2, answers)
    assert shown["op_fin_inv_share"] == "based on fewer than 5 cases"
    assert "op_tip_investigations" not in shown and "inst_notes" not in shown
    assert shown["leg_tip_offence"] == "yes" and shown["stat_period"]["end"] == "2025-12"
    many = questionnaires.with_derived(
        v2, dict(strong(v2, THA), op_tip_investigations=40, op_tip_fin_inv=2), THA)
    assert public_answers(v2, many)["op_fin_inv_share"] == 5.0


def test_a_public_profile_shows_public_answers_without_notes_and_withholds_small_groups(v2):
    mine = dict(strong(v2, THA), op_tip_investigations=4, op_tip_fin_inv=2)
    data = frame(rows("THA", SEA, "approved", mine, evidence={"leg_tip_offence": "Case of Mr X"})
                 + rows("AUS", PAC, "approved", strong(v2, AUS)))
    profile = build_profile(data, v2, "THA", "R2", members=MEMBERS)
    public = public_profile(profile, v2, mine)
    shown_ids = {a.question_id for p in public.pillars for a in p.answers}
    assert "leg_tip_offence" in shown_ids and "op_tip_investigations" not in shown_ids
    assert "inst_contact" not in shown_ids
    assert all(a.evidence is None for p in public.pillars for a in p.answers)
    assert all(line.region.median is None and line.subregion.median is None for line in public.scores)
    assert "Regional figures are not shown: fewer than 3 members." in public.notes
    figures = {k.question_id: k.shown for k in public.key_counts}
    assert figures == {"op_fin_inv_share": "based on fewer than 5 cases",
                       "op_confiscation_share": "100%"}
    assert profile.pillars != public.pillars  # the profile itself is unchanged
    # The notes and the withheld-figure wording come in the words of the profile's language.
    marked = public_profile(profile, v2, mine, words=lambda text: f"⟦{text}⟧")
    assert "⟦Regional figures are not shown: ⟦fewer than 3 members⟧.⟧" in marked.notes
    assert {k.question_id: k.shown for k in marked.key_counts}["op_fin_inv_share"] == \
        "⟦based on fewer than 5 cases⟧"


def test_a_public_regional_median_of_counts_is_banded_like_any_public_count(v2):
    """An analyst may make a count public; its regional median then follows the count rule
    ("1–4" below 5) and its quartiles are left out, while internal pages keep the figure."""
    import yaml  # noqa: PLC0415

    from questionnaires import parse_definition  # noqa: PLC0415

    data = yaml.safe_load((DEFINITIONS / "ftm-capability-v2.yaml").read_text(encoding="utf-8"))
    for section in data["sections"]:
        for q in section["questions"]:
            if q["id"] == "op_tip_persons_prosecuted":
                q["visibility"] = "public"
    edited = parse_definition(data, "v2-public-count.yaml")

    def profile_with(counts):
        answers = {iso: dict(strong(edited, MEMBERS[iso]), op_tip_persons_prosecuted=n)
                   for iso, n in counts.items()}
        data = frame([row for iso, a in answers.items()
                      for row in rows(iso, PAC if iso == "AUS" else SEA, "approved", a)])
        built = build_profile(data, edited, "THA", "R2", members=MEMBERS)
        return built, public_profile(built, edited, answers["THA"])

    internal, public = profile_with({"THA": 2, "MYS": 3, "IDN": 4, "AUS": 9})
    inside = {k.question_id: k for k in internal.key_counts}["op_tip_persons_prosecuted"]
    assert inside.region.median == 3.5 and inside.region_shown is None
    shown = {k.question_id: k for k in public.key_counts}["op_tip_persons_prosecuted"]
    assert shown.shown == "1–4" and shown.region_shown == "1–4"
    assert shown.region.median is None and shown.region.q1 is None and shown.region.n == 4

    _internal, public = profile_with({"THA": 12, "MYS": 30, "IDN": 40, "AUS": 90})
    shown = {k.question_id: k for k in public.key_counts}["op_tip_persons_prosecuted"]
    assert shown.region.median == 35.0 and shown.region_shown is None
    assert (shown.region.q1, shown.region.q3, shown.region.low) == (None, None, None)


# -- how scores are computed; crosswalk ----------------------------------------------------------


def test_how_scores_are_computed_comes_from_the_definition(v2, v1):
    method = scoring_method(v2)
    assert [p.section_id for p in method.pillars] == ["legal", "operational", "cooperation"]
    items = {i.question_id: i for p in method.pillars for i in p.items}
    assert len(items) == sum(q.scored for q in v2.questions)
    share = items["op_fin_inv_share"]
    n_fin, n_all = v2.question("op_tip_fin_inv").number, v2.question("op_tip_investigations").number
    assert share.derived_from.startswith(f"question {n_fin} ÷ question {n_all} × 100")
    assert share.terms == ["bands: up to 0 → 0; up to 10 → 0.25; up to 25 → 0.5; up to 50 → 0.75; more → 1"]
    assert share.scored_when.endswith("is not 0")
    topics = [topic for topic, _ in method.rules]
    assert {"unknown", "not applicable", "caseload", "coverage", "rates"} <= set(topics)
    assert "50%" in dict(method.rules)["coverage"]
    # v1 has no caseloads or rates, so its description does not claim them.
    assert "caseload" not in [t for t, _ in scoring_method(v1).rules]


def test_the_crosswalk_accounts_for_every_question_of_both_versions(v2, v1):
    table = crosswalk(v2, v1)
    assert len(table[table["question_id"].notna()]) == len(v2.questions)
    mapped = table["previous_question_id"].dropna()
    assert sorted(mapped) == sorted(q.id for q in v1.questions)
    row = table.set_index("question_id").loc["leg_untoc"]
    assert (row["previous_question_id"], row["status"], bool(row["carried_over"])) == (
        "leg_untoc_status", "changed", False)
    assert "not extended" in row["change"]
    same = table.set_index("question_id").loc["op_tip_investigations"]
    assert (same["status"], bool(same["carried_over"])) == ("same", False)  # a reference-year count
    assert table.set_index("question_id").loc["leg_tip_offence", "carried_over"]
    assert set(table["status"]) == {"same", "changed", "new"}
