"""What is public (issue 12 §5) on every output, over a questionnaire-v2 round.

Public profile and list, the public CSV and workbook: public answers only, no evidence,
counts below 5 as "1–4", rates over too few cases withheld, no median over fewer than 3
members, no sub-regional figure that could be worked back from the region. Internal
outputs (profile page, regional workbook, API) keep exact figures but never a median over
fewer than 3 members. "How scores are computed" from the definition, linked from every
profile; the v1 ↔ v2 crosswalk; change across the version change.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from profiles import scoring_method
from survey.extensions import db
from survey.models import Answer, ResponseStatus, Round, RoundState
from tests.conftest import login_as
from tests.survey.api.test_api import bearer, token_for

from .public_world import (
    EVIDENCE,
    FREE_TEXT,
    PUBLIC_COUNT,
    SECRET,
    V1_ROUND,
    V2_ROUND,
    build_public_world,
)

INTERNAL_COUNT_LABEL = "How many trafficking investigations were opened in the reference year?"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def world(seeded):
    return build_public_world()


def page(client, url: str) -> str:
    reply = client.get(url)
    assert reply.status_code == 200, url
    return reply.get_data(as_text=True)


def rows_of(html: str, heading: str) -> dict[str, list[str]]:
    """The rows of the first table after ``heading``: row header -> cell texts."""
    part = html[html.index(heading):]
    part = part[:part.index("</table>")]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S):
        cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if cells:
            out[cells[0]] = cells[1:]
    return out


def test_public_profile_shows_public_answers_only_banded_and_without_notes(client, world):
    html = page(client, f"/public/profiles/{world['survey'].id}/THA")
    figures = rows_of(html, "Key figures for the reference year")
    prosecuted = next(v for k, v in figures.items() if k.startswith("How many persons were prosecuted"))
    assert prosecuted[0] == "1–4"                     # a count of 3, marked public
    share = next(v for k, v in figures.items() if k.startswith("Share of trafficking investigations"))
    assert share[0] == "based on fewer than 5 cases"  # 2 of 3 investigations
    assert INTERNAL_COUNT_LABEL not in html            # an internal count: not there at all
    assert SECRET not in html and EVIDENCE not in html
    assert ">Evidence<" not in html
    scores = rows_of(html, "<h2 id=\"p-scores\">")
    # Region 5, South-East Asia 4: the sub-region beside the region would give away the
    # fifth member, so it is withheld; the region itself is shown.
    assert scores["Overall"][1].startswith("100 (n=5)")
    assert scores["Overall"][3] == "fewer than 3 members (n=4)"
    assert "Sub-regional figures are not shown: could be worked back" in html


def test_a_member_alone_in_its_subregion_never_sees_its_own_score_as_a_median(client, world,
                                                                                make_user):
    public = rows_of(page(client, f"/public/profiles/{world['survey'].id}/USA"),
                     "<h2 id=\"p-scores\">")
    assert public["Overall"][3] == "fewer than 3 members (n=1)"
    login_as(client, make_user("analyst"))
    internal = rows_of(page(client, f"/rounds/{world['survey'].id}/profiles/USA"),
                       "<h2 id=\"p-scores\">")
    assert internal["Overall"][3] == "fewer than 3 members (n=1)"
    assert internal["Overall"][1].startswith("100 (n=5)")


def test_internal_profile_keeps_exact_figures_and_evidence(client, world, make_user):
    login_as(client, make_user("analyst"))
    html = page(client, f"/rounds/{world['survey'].id}/profiles/THA")
    figures = rows_of(html, "Key figures for the reference year")
    assert figures[next(k for k in figures if k.startswith(INTERNAL_COUNT_LABEL))][0] == \
        "3 investigations"
    share = next(v for k, v in figures.items() if k.startswith("Share of trafficking investigations"))
    assert share[0] == "66.7%"                         # the derived rate, exact
    assert EVIDENCE in html
    scores = rows_of(html, "<h2 id=\"p-scores\">")
    assert scores["Overall"][3].startswith("100 (n=4)")  # internal: 4 members is enough


def test_a_region_of_two_gives_no_median_anywhere(client, world, make_user):
    survey = world["survey"]
    for iso3 in ("MYS", "IDN", "VNM"):
        world["responses"][iso3].status = ResponseStatus.SUBMITTED
    db.session.commit()
    login_as(client, make_user("analyst"))
    internal = rows_of(page(client, f"/rounds/{survey.id}/profiles/THA"), "<h2 id=\"p-scores\">")
    assert internal["Overall"][1] == "fewer than 3 members (n=2)"
    assert internal["Overall"][2] == "–"  # no quartiles either
    client.post("/logout")
    public = rows_of(page(client, f"/public/profiles/{survey.id}/THA"), "<h2 id=\"p-scores\">")
    assert public["Overall"][1] == "fewer than 3 members (n=2)"
    # The API: a reviewer asking for one country gets that country's scores, and no
    # "regional median" that would only be its own score.
    raw = token_for(make_user("reviewer"))
    body = client.get(f"/api/v1/rounds/{survey.id}/scores?country=USA",
                      headers=bearer(raw)).get_json()
    assert [r["overall"] for r in body["results"]] == [100]
    region = next(m for m in body["medians"] if m["group"] == "All members (regional)")
    assert region["members"] == 1 and region["overall"] is None
    assert region["note"] == "medians over fewer than 3 members are not given"


def test_public_list_links_profiles_downloads_and_the_method(client, world):
    html = page(client, "/public/profiles")
    survey = world["survey"]
    assert f"/public/profiles/{survey.id}/THA" in html and f"/public/profiles/{survey.id}/USA" in html
    assert "Malaysia" not in html  # approved, not published
    assert f"/public/profiles/{survey.id}.csv" in html and f"/public/profiles/{survey.id}.xlsx" in html
    assert "/method/ftm-capability/3" in html
    assert SECRET not in html and EVIDENCE not in html


def _give_thailand_a_formula(world):
    answer = db.session.scalar(select(Answer).where(
        Answer.question_id == "leg_tip_offence_ref",
        Answer.response_id == world["responses"]["THA"].id))
    answer.value = dict(answer.value, instrument=FORMULA)
    db.session.commit()


def test_public_csv_holds_public_answers_only_through_the_formula_guard(client, world):
    _give_thailand_a_formula(world)
    reply = client.get(f"/public/profiles/{world['survey'].id}.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    text = reply.get_data(as_text=True)
    assert SECRET not in text and EVIDENCE not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["ISO3"] for r in rows} == {"THA", "USA"}
    tha = {r["Question id"]: r["Answer"] for r in rows if r["ISO3"] == "THA"}
    assert tha[PUBLIC_COUNT] == "1–4"
    assert tha["op_fin_inv_share"] == "based on fewer than 5 cases"
    assert "op_tip_investigations" not in tha and FREE_TEXT not in tha
    assert tha["leg_tip_offence_ref"].startswith("'=HYPERLINK")


def test_public_workbook_withholds_small_and_separable_groups(client, world):
    _give_thailand_a_formula(world)
    reply = client.get(f"/public/profiles/{world['survey'].id}.xlsx")
    assert reply.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(reply.data))
    assert wb.sheetnames == ["About", "Scores", "Answers", "How scores are computed"]
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any(SECRET in str(c) or EVIDENCE in str(c) for c in cells)
    medians = {r[1]: r for r in wb["Scores"].iter_rows(values_only=True) if r[0] == "v2 survey"
               and r[1] in ("All members (regional)", "Americas", "South-East Asia")}
    assert medians["All members (regional)"][3:7] == (100, 100, 100, 100)
    assert medians["Americas"][3:8] == (None, None, None, None, "not given: fewer than 3 members")
    assert medians["South-East Asia"][7] == ("not given: could be worked back from the figures "
                                             "beside it")
    answers = {(r[2], r[5]): r[7] for r in wb["Answers"].iter_rows(values_only=True)}
    assert answers[("THA", PUBLIC_COUNT)] == "1–4"
    assert ("THA", "op_tip_investigations") not in answers
    formula = next(c for c in wb["Answers"]["H"] if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"  # text, not a formula


def test_public_downloads_only_for_a_round_with_a_published_profile(client, world):
    assert client.get(f"/public/profiles/{world['pilot'].id}.csv").status_code == 404
    assert client.get(f"/public/profiles/{world['pilot'].id}.xlsx").status_code == 404


def test_how_scores_are_computed_matches_the_definition_and_is_linked_from_profiles(
        client, world, make_user):
    html = page(client, "/method/ftm-capability/3")  # no login: a round using it is open
    method = scoring_method(world["v2"])
    items = [i for p in method.pillars for i in p.items]
    rows = re.findall(r'<tr data-question="([^"]+)">(.*?)</tr>', html, re.S)
    assert [qid for qid, _ in rows] == [i.question_id for i in items]
    by_id = dict(rows)
    share = next(i for i in items if i.question_id == "op_fin_inv_share")
    assert share.derived_from in by_id["op_fin_inv_share"].replace("&#43;", "+")
    for pillar in method.pillars:
        assert f">{pillar.title}</h2>" in html
    for topic, _rule in method.rules:
        assert f"<dt>{topic.capitalize()}</dt>" in html
    assert "at least 50% of its applicable scored items" in html
    # Linked from the public profile and the internal one.
    assert 'href="http://localhost/method/ftm-capability/3"' in page(
        client, f"/public/profiles/{world['survey'].id}/THA")
    login_as(client, make_user("analyst"))
    assert 'href="http://localhost/method/ftm-capability/3"' in page(
        client, f"/rounds/{world['survey'].id}/profiles/MYS")


def test_method_page_of_an_unpublished_version_is_for_the_working_group(client, world, make_user):
    world["survey"].state = RoundState.DRAFT
    db.session.commit()
    assert client.get("/method/ftm-capability/3").status_code == 404
    assert client.get("/method/ftm-capability/1").status_code == 200  # the pilot is closed
    assert client.get("/method/ftm-capability/9").status_code == 404
    login_as(client, make_user("focal_point"))
    assert client.get("/method/ftm-capability/3").status_code == 404
    login_as(client, make_user("analyst"))
    assert "visible to the working group only" in page(client, "/method/ftm-capability/3")


def test_change_across_the_version_change_compares_same_questions_and_says_so(client, world,
                                                                                make_user):
    from survey.profile_pages.services import profile_for

    survey = world["survey"]
    profile = profile_for(survey, world["responses"]["THA"].country)
    assert profile.change.previous_round == V1_ROUND and profile.change.method_changed
    v2 = world["v2"]
    compared = profile.change.improved + profile.change.declined
    assert compared, "v1 and v2 answers differ on some question called the same"
    assert all(v2.question(c.question_id).previous.same for c in compared)
    login_as(client, make_user("analyst"))
    html = page(client, f"/rounds/{survey.id}/profiles/THA")
    assert "The scoring method changed between these rounds" in html
    assert "version ftm-capability:1" in html


def test_regional_workbook_has_crosswalk_method_derived_values_and_marked_changes(world):
    from survey.downloads.services import build_export

    result = build_export({"kind": "regional", "round": world["survey"].id}, "test")
    wb = openpyxl.load_workbook(io.BytesIO(result.content))
    assert "Crosswalk" in wb.sheetnames
    crosswalk = list(wb["Crosswalk"].iter_rows(values_only=True))
    header = crosswalk[1]
    rows = [dict(zip(header, r)) for r in crosswalk[2:]]
    v2 = world["v2"]
    assert len([r for r in rows if r["Question id"]]) == len(v2.questions)
    by_id = {r["Question id"]: r for r in rows if r["Question id"]}
    assert by_id["leg_tip_offence"]["Status"] == "same"
    assert by_id["leg_tip_offence"]["Previous question"]  # labels from the stored v1
    assert by_id["coop_obstacles_notes"]["Status"] == "changed"
    assert by_id["op_fin_inv_share"]["Status"] == "new"
    codebook = [r for r in wb["Codebook"].iter_rows(values_only=True)]
    titles = [r[0] for r in codebook if r[0] and str(r[0]).startswith("How scores")]
    assert titles == ["How scores are computed (ftm-capability:3)"]
    assert any(r[:1] == ("Caseload",) for r in codebook)  # a rule of the method, in brief
    visibility = {r[0]: r[-1] for r in codebook[1:len(v2.questions) + 1]}
    assert visibility["op_fin_inv_share"] == "public" and visibility[FREE_TEXT] == "internal"
    ops = list(wb["Operational"].iter_rows(values_only=True))
    column = list(ops[0]).index("op_fin_inv_share")
    tha = next(r for r in ops if r[2] == "THA")
    assert tha[column] == pytest.approx(66.7, abs=0.05)  # derived: 2 of 3 investigations
    changes = list(wb["Changes"].iter_rows(values_only=True))
    assert "the scoring method changed" in changes[0][0]
    method_col = list(changes[1]).index("Method")
    assert changes[2][method_col].startswith("scoring method changed (ftm-capability:1 → ")
    # Internal: exact figures and evidence are kept.
    data = [r for r in wb["Data"].iter_rows(values_only=True)]
    assert any(c == EVIDENCE for r in data for c in r)


def test_round_of_v1_has_no_crosswalk(world):
    from survey.downloads.services import build_export

    pilot = db.session.get(Round, world["pilot"].id)
    result = build_export({"kind": "regional", "round": pilot.id}, "test")
    wb = openpyxl.load_workbook(io.BytesIO(result.content))
    assert "Crosswalk" not in wb.sheetnames and "Codebook" in wb.sheetnames
    assert V2_ROUND not in str(list(wb["Overview"].iter_rows(values_only=True)))
