"""Profiles over hand-built frames: scores, regional spread, key counts, gaps, change."""

from __future__ import annotations

import re

import pytest

from profiles import OVERALL, ProfileError, build_profile, round_scores, score_chart_svg, spread

from .conftest import answers, frame

SEA, PAC = "South-East Asia", "Pacific"


def full(iso3, subregion, status, offence, ncb, unit, cases, **extra):
    return answers(iso3, subregion, status, offence=offence, ncb=ncb, unit=unit, cases=cases,
                   **extra)


def test_spread_median_and_quartiles_interpolate_like_a_spreadsheet():
    s = spread([10, 20, 30, 40])
    assert (s.n, s.median, s.q1, s.q3, s.low, s.high) == (4, 25.0, 17.5, 32.5, 10.0, 40.0)
    assert spread([50, 50, 50]).median == 50.0          # ties
    one = spread([None, 70.0, float("nan")])            # missing values are left out
    assert (one.n, one.median, one.q1, one.q3) == (1, 70.0, 70.0, 70.0)
    assert spread([]).empty and spread([None]).median is None


def test_scores_beside_region_count_only_approved_responses(definition):
    rows = (full("AAA", SEA, "approved", "yes", "yes", "yes", 20)       # legal 100, ops 100
            + full("BBB", SEA, "approved", "partial", "no", "no", 5)    # legal 25, ops 25
            + full("CCC", PAC, "approved", "no", "no", "yes", 0)        # legal 0, ops 50
            + full("DDD", SEA, "submitted", "yes", "yes", "yes", 99))   # not approved: left out
    profile = build_profile(frame(rows), definition, "BBB", "R2")
    legal = profile.score("legal")
    assert legal.score == 25.0
    assert (legal.region.n, legal.region.median, legal.region.q1, legal.region.q3) == (3, 25.0, 12.5, 62.5)
    assert (legal.subregion.n, legal.subregion.median) == (2, 62.5)
    assert profile.score("ops").score == 25.0
    assert profile.overall.score == 25.0
    # overall: AAA 100, BBB 25, CCC 25 (legal 0, ops 50): a tie at the median
    assert (profile.overall.region.median, profile.overall.region.q1, profile.overall.region.q3) == (
        25.0, 25.0, 62.5)
    assert profile.approved_countries == 3 and profile.subregion_countries == 2
    assert profile.status == "approved" and profile.completeness == 100


def test_a_submitted_country_gets_its_profile_but_stays_out_of_the_region(definition):
    rows = (full("AAA", SEA, "approved", "yes", "yes", "yes", 20)
            + full("DDD", SEA, "submitted", "no", "no", "no", 0))
    profile = build_profile(frame(rows), definition, "DDD", "R2")
    assert profile.status == "submitted" and not profile.approved
    assert profile.overall.score == 0.0
    assert profile.overall.region.n == 1 and profile.overall.region.median == 100.0


def test_single_country_region_has_no_spread(definition):
    profile = build_profile(frame(full("AAA", SEA, "approved", "yes", "partial", "yes", 3)),
                            definition, "AAA", "R2")
    legal = profile.score("legal")
    assert legal.score == 75.0
    assert (legal.region.n, legal.region.median, legal.region.q1, legal.region.q3) == (1, 75.0, 75.0, 75.0)


def test_not_applicable_leaves_the_denominator(definition):
    profile = build_profile(frame(full("AAA", SEA, "approved", "yes", "not_applicable", "no", 20)),
                            definition, "AAA", "R2")
    legal = profile.score("legal")
    assert legal.score == 100.0 and legal.applicable == 1
    ncb = next(a for p in profile.pillars for a in p.answers if a.question_id == "ncb")
    assert ncb.shown == "Not applicable" and ncb.points is None


def test_too_few_answers_is_insufficient_data_not_zero(definition):
    rows = answers("AAA", SEA, "approved", offence="yes") + full("BBB", SEA, "approved", "yes", "yes",
                                                                  "yes", 20)
    profile = build_profile(frame(rows), definition, "AAA", "R2")
    # 1 of 2 answered = coverage 0.5, enough; the unanswered item scores zero (definition says so)
    assert profile.score("legal").score == 50.0
    ops = profile.score("ops")
    assert ops.score is None and ops.insufficient
    assert profile.overall.score is None
    # the missing score is not counted as a zero in the region either
    assert profile.score("ops").region.n == 1 and profile.score("ops").region.median == 100.0
    svg = score_chart_svg(profile)
    assert "insufficient data" in svg
    # The chart's own words come from ``words`` (the app passes the profile language's).
    marked = score_chart_svg(profile, words=lambda text: f"⟦{text}⟧")
    texts = re.findall(r"<(?:text|title|desc)[^>]*>([^<]*)</", marked)
    legend_and_notes = [t for t in texts if t not in {profile.country, "0", "25", "50", "75", "100"}
                        and not t.replace(".", "").isdigit()
                        and t not in {line.short_title for line in profile.scores}]
    assert legend_and_notes and all("⟦" in t for t in legend_and_notes), legend_and_notes
    assert "⟦insufficient data⟧" in marked and "insufficient data" not in marked.replace(
        "⟦insufficient data⟧", "")


def test_key_counts_beside_regional_median_with_unknown(definition):
    rows = (full("AAA", SEA, "approved", "yes", "yes", "yes", 10)
            + full("BBB", SEA, "approved", "yes", "yes", "yes", 30)
            + full("CCC", SEA, "approved", "yes", "yes", "yes", "unknown")
            + full("DDD", SEA, "returned", "yes", "yes", "yes", 1000))
    profile = build_profile(frame(rows), definition, "CCC", "R2")
    (cases,) = profile.key_counts
    assert cases.value is None and cases.shown == "Unknown"
    assert cases.region.n == 2 and cases.region.median == 20.0 and cases.unit == "cases"


def test_gaps_with_recommended_actions_high_priority_first(definition):
    profile = build_profile(frame(full("AAA", SEA, "approved", "partial", "yes", "no", 2)),
                            definition, "AAA", "R2")
    assert [(g.action_id, g.priority, g.section_title) for g in profile.gaps] == [
        ("fix_offence", "high", "Legal frameworks"), ("set_up_unit", "low", "Operations")]
    assert profile.gaps[0].action == "Reform the law"
    clean = build_profile(frame(full("BBB", SEA, "approved", "yes", "yes", "yes", 2)),
                          definition, "BBB", "R2")
    assert clean.gaps == []


def test_answers_per_pillar_carry_evidence_and_citations(definition):
    rows = full("AAA", SEA, "approved", "yes", "yes", "yes", 2) + [
        ("AAA", SEA, "approved", "offence_ref",
         {"instrument": "Anti-Trafficking Act", "article": "s. 6", "year": 2008, "url": None},
         "Checked with the AG")]
    profile = build_profile(frame(rows), definition, "AAA", "R2")
    legal = next(p for p in profile.pillars if p.section_id == "legal")
    assert [a.question_id for a in legal.answers] == ["offence", "offence_ref", "ncb"]
    (citation,) = legal.citations
    assert "Anti-Trafficking Act" in citation.shown and citation.evidence == "Checked with the AG"
    assert legal.answers[0].standard == "FATF R.3"


def test_change_since_previous_round(definition):
    now = frame(full("AAA", SEA, "approved", "yes", "partial", "no", 20))
    then = frame(full("AAA", SEA, "approved", "partial", "partial", "yes", 20), round_name="R1")
    profile = build_profile(now, definition, "AAA", "R2", previous_frame=then)
    change = profile.change
    assert change.previous_round == "R1"
    assert change.score_deltas["legal"] == 25.0        # 50 -> 75
    assert change.score_deltas["ops"] == -50.0         # 100 -> 50
    assert change.previous_scores[OVERALL] == 75.0 and change.score_deltas[OVERALL] == -12.5
    assert [(c.question_id, c.after) for c in change.improved] == [("offence", "Yes")]
    assert [c.question_id for c in change.declined] == ["unit"]
    assert change.declined[0].delta == -1.0


def test_no_previous_round_means_no_change(definition):
    now = frame(full("AAA", SEA, "approved", "yes", "yes", "yes", 2))
    assert build_profile(now, definition, "AAA", "R2").change is None
    other = frame(full("ZZZ", SEA, "approved", "yes", "yes", "yes", 2), round_name="R1")
    assert build_profile(now, definition, "AAA", "R2", previous_frame=other).change is None


def test_country_without_answers_needs_a_name(definition):
    rows = frame(full("AAA", SEA, "approved", "yes", "yes", "yes", 2))
    with pytest.raises(ProfileError):
        build_profile(rows, definition, "BBB", "R2")
    empty = build_profile(rows, definition, "BBB", "R2", country="Country BBB", subregion=SEA,
                          status="not_started")
    assert empty.completeness == 0 and empty.overall.score is None and empty.approved_countries == 1


def test_round_scores_table_one_row_per_response(definition):
    rows = (full("BBB", SEA, "approved", "no", "no", "no", 0)
            + full("AAA", PAC, "approved", "yes", "yes", "yes", 20))
    table = round_scores(frame(rows), definition)
    assert list(table["iso3"]) == ["AAA", "BBB"]
    assert list(table["overall"]) == [100.0, 0.0]


def test_chart_is_escaped_svg(definition):
    rows = full("AAA", SEA, "approved", "yes", "yes", "yes", 20)
    f = frame(rows)
    f["country"] = "<script>alert(1)</script> & Co"
    svg = score_chart_svg(build_profile(f, definition, "AAA", "R2"))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; Co" in svg
    assert svg.count("<circle") == 1 + 3            # legend + legal, ops, overall
    import xml.dom.minidom

    xml.dom.minidom.parseString(svg)                 # well-formed
