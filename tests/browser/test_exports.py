"""An analyst prepares a regional workbook in the browser and downloads it; a focal point
gets only their own country's workbook."""

import pytest

from tests.exports.helpers import load, table

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]


def test_analyst_downloads_a_regional_workbook(page, demo, tmp_path):
    log_in(page, "analyst@example.org", demo["analyst@example.org"])
    page.get_by_role("link", name="Downloads").click()
    page.get_by_label("Round").select_option(label="2026 capability survey")
    page.get_by_label("Submitted and approved responses").check()
    page.get_by_role("button", name="Prepare the download").click()
    assert page.get_by_role("heading", name="Regional export").is_visible()
    link = page.locator(".job-download")
    link.wait_for(timeout=30_000)  # the page polls the job and shows the link when it is ready
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "regional.xlsx"
    download.value.save_as(path)
    workbook = load(path.read_bytes())
    scores = {row["ISO3"] for row in table(workbook["Scores"], "Scores")}
    assert scores == {"AUS", "NZL", "SGP", "MYS", "LKA", "IDN"}  # approved + submitted
    heading = [str(c.value or "") for c in workbook["Overview"]["A"][:4]]
    assert "DEMONSTRATION DATA" in heading[1]        # the demo's notice first, then the scope
    assert any("UNREVIEWED" in line for line in heading[2:]), heading


def test_focal_point_downloads_own_country_workbook(page, demo, tmp_path):
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.get_by_role("link", name="Downloads").click()
    assert page.get_by_role("button", name="Prepare the download").count() == 0
    links = page.get_by_role("link", name="Workbook (.xlsx)")
    assert links.count() == 2  # Thailand in both demo rounds, nobody else
    with page.expect_download() as download:
        links.first.click()
    path = tmp_path / "tha.xlsx"
    download.value.save_as(path)
    answers = table(load(path.read_bytes())["Answers"], "Answers")
    assert any(row["Evidence"] for row in answers)
