"""Country profiles in the app: who sees them, what they say, the heat map, publication, CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey.cli import cli
from survey.extensions import db
from survey.models import AuditEvent, ResponseStatus
from tests.conftest import login_as
from tests.survey.review.review_helpers import CURRENT_ROUND, response_of, round_named, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def as_user(client, email):
    login_as(client, user(email))
    return client


@pytest.mark.parametrize("email, iso3, code", [
    (None, "THA", 302),
    ("focal.tha@example.org", "THA", 200),
    ("focal.tha@example.org", "MYS", 403),
    ("focal.fji@example.org", "THA", 403),
    ("reviewer@example.org", "THA", 200),
    ("analyst@example.org", "MYS", 200),
    ("admin@example.org", "FJI", 200),
])
def test_profile_access_by_role(client, demo, email, iso3, code):
    if email:
        as_user(client, email)
    assert client.get(f"/rounds/{round_named().id}/profiles/{iso3}").status_code == code


def test_unknown_country_or_round_is_404(client, demo):
    as_user(client, "reviewer@example.org")
    assert client.get(f"/rounds/{round_named().id}/profiles/XXX").status_code == 404
    assert client.get("/rounds/999/profiles/THA").status_code == 404


def test_profile_numbers_come_from_approved_answers(client, demo):
    from survey.profile_pages.services import profile_for

    as_user(client, "reviewer@example.org")
    rnd = round_named()
    page = client.get(f"/rounds/{rnd.id}/profiles/mys").get_data(as_text=True)
    assert "Malaysia" in page and "Approved" in page
    assert "computed over the 5 approved responses of this round (2 in South-East Asia)" in page
    assert "<svg" in page and "Sub-regional median" in page
    assert "Gaps and recommended actions" in page
    assert "Compared with 2025 capability survey (pilot)." in page
    profile = profile_for(rnd, response_of("MYS").country)
    overall = profile.overall
    shown = re.search(r'<tr class="overall">.*?<strong>([\d.]+)</strong>', page, re.S).group(1)
    assert float(shown) == overall.score
    # the unapproved countries of the round do not change the regional figures
    idn = response_of("IDN")
    before = overall.region
    from survey.review.services import return_response

    return_response(idn, user("reviewer@example.org"), "x")
    db.session.commit()
    assert profile_for(rnd, response_of("MYS").country).overall.region == before


def test_profile_of_an_unapproved_response_says_so(client, demo):
    as_user(client, "focal.tha@example.org")
    page = client.get(f"/rounds/{round_named().id}/profiles/THA").get_data(as_text=True)
    assert "not approved yet" in page
    assert "Once the working group approves your response" in page
    assert "Mark this profile publishable" not in page


def test_focal_point_marks_approved_profile_publishable_and_it_goes_public(client, demo, make_user):
    rnd = round_named()
    focal = make_user("focal_point", "MYS", email="focal.mys@example.org")
    assert "Malaysia" not in client.get("/public/profiles").get_data(as_text=True)
    assert client.get(f"/public/profiles/{rnd.id}/MYS").status_code == 404

    as_user(client, "reviewer@example.org")     # staff cannot decide for the country
    assert client.post(f"/rounds/{rnd.id}/profiles/MYS/publishable",
                       data={"publishable": "1"}).status_code == 403
    as_user(client, "focal.tha@example.org")    # nor another country
    assert client.post(f"/rounds/{rnd.id}/profiles/MYS/publishable",
                       data={"publishable": "1"}).status_code == 403
    assert client.post(f"/rounds/{rnd.id}/profiles/THA/publishable", data={"publishable": "1"},
                       follow_redirects=True).get_data(as_text=True).count(
        "Only an approved profile can be made public") == 1
    assert not response_of("THA").publishable

    login_as(client, focal)
    page = client.post(f"/rounds/{rnd.id}/profiles/MYS/publishable", data={"publishable": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "The profile is now public." in page
    assert response_of("MYS").publishable
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.publishable"))

    client.post("/logout")
    public = client.get("/public/profiles").get_data(as_text=True)
    assert f"Malaysia — <bdi>{CURRENT_ROUND}</bdi>" in public
    shown = client.get(f"/public/profiles/{rnd.id}/MYS")
    assert shown.status_code == 200 and "Country profile" in shown.get_data(as_text=True)
    assert client.get(f"/public/profiles/{rnd.id}/AUS").status_code == 404   # not publishable


def test_reopening_withdraws_publication(client, demo, make_user):
    from survey.profile_pages.services import set_publishable
    from survey.review.services import reopen_response

    response = response_of("MYS")
    set_publishable(response, user("admin@example.org"), True)
    reopen_response(response, user("reviewer@example.org"), "Figures corrected")
    db.session.commit()
    assert response.status is ResponseStatus.RETURNED and not response.publishable
    assert "Malaysia" not in client.get("/public/profiles").get_data(as_text=True)


def test_regional_heat_map_sorts_without_javascript(client, demo):
    as_user(client, "analyst@example.org")
    rnd = round_named()
    page = client.get(f"/rounds/{rnd.id}/overview?sort=overall&dir=desc").get_data(as_text=True)
    names = re.findall(r'<th scope="row"><a href="/rounds/\d+/profiles/(\w{3})">', page)
    assert sorted(names) == ["AUS", "LKA", "MYS", "NZL", "SGP"]          # approved only
    assert names[0] == "AUS" and names[-1] == "LKA"                       # capacity 0.92 ... 0.45
    ascending = client.get(f"/rounds/{rnd.id}/overview?sort=overall&dir=asc").get_data(as_text=True)
    assert re.findall(r'/profiles/(\w{3})">', ascending) == names[::-1]
    by_name = client.get(f"/rounds/{rnd.id}/overview?sort=bogus").get_data(as_text=True)
    assert re.findall(r'/profiles/(\w{3})">', by_name)[0] == "AUS"        # Australia first by name
    assert 'class="heat heat-' in page


@pytest.mark.parametrize("email, code", [(None, 302), ("focal.tha@example.org", 403),
                                         ("reviewer@example.org", 200), ("admin@example.org", 200)])
def test_overview_access_by_role(client, demo, email, code):
    if email:
        as_user(client, email)
    assert client.get(f"/rounds/{round_named().id}/overview").status_code == code


def test_cli_writes_one_self_contained_profile(runner, demo, tmp_path):
    out = tmp_path / "mys.html"
    result = runner.invoke(cli, args=["profile", "mys", "--round", CURRENT_ROUND, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote the profile of Malaysia" in result.output
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and "<svg" in html and "@page" in html
    assert "<link" not in html and "<script" not in html and 'src="' not in html
    bad = runner.invoke(cli, args=["profile", "XXX", "--round", CURRENT_ROUND, "--out", str(out)])
    assert bad.exit_code == 1 and "unknown country code 'XXX'" in bad.output
    bad = runner.invoke(cli, args=["profile", "MYS", "--round", "nope", "--out", str(out)])
    assert bad.exit_code == 1 and "no round named 'nope'" in bad.output


def test_country_without_a_response_in_the_round_is_404(client, demo):
    from survey.models import Country

    db.session.add(Country(iso3="XKX", name="Newcomer", subregion="Pacific"))
    db.session.commit()
    as_user(client, "reviewer@example.org")
    assert client.get(f"/rounds/{round_named().id}/profiles/XKX").status_code == 404


def test_public_list_is_linked_for_logged_out_visitors(client, demo):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/public/profiles"' in page
    assert "No country has published its profile yet." in client.get("/public/profiles").get_data(
        as_text=True)
