"""The answer workbook in real Chromium: download, edit, upload, preview, settle, apply;
every page of the journey passes axe-core (WCAG 2.1 A and AA)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from survey.answering.responses import definition_for, save_answer
from survey.extensions import db
from tests.survey.answering.test_answering import answer, response_of, user
from tests.workbook_helpers import edit

from .conftest import log_in

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.browser, pytest.mark.demo_v1]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.response["testEngine"]["name"] == "axe-core"  # it ran on this page
    assert results.violations_count == 0, results.generate_report()


def test_upload_preview_settle_and_apply(page, demo, tmp_path):
    tha = response_of("THA")
    definition = definition_for(tha)
    plain = [q for q in definition.questions if q.relevant is None and not q.computed]
    number = next(q for q in plain if q.type == "integer" and answer(tha, q.id) is None)
    text = next(q for q in plain if q.type == "short_text")
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto("/my-country")
    page.get_by_role("link", name="Work offline in Excel").first.click()
    assert_accessible(page)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the workbook").click()
    downloaded = tmp_path / "downloaded.xlsx"
    got.value.save_as(downloaded)
    save_answer(tha, text.id, "Saved meanwhile", user("focal2.tha@example.org"))
    db.session.commit()
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(edit(downloaded.read_bytes(), {(number.id, ""): 77,
                                                       (text.id, ""): "From the workbook"}))
    page.get_by_label("Filled-in workbook (.xlsx)").set_input_files(str(edited))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Changed by a colleague after your download").is_visible()
    assert page.get_by_role("button", name="Save 1 change").is_disabled()
    assert_accessible(page)
    page.get_by_role("button", name=f"Keep mine ({text.id})").click()
    page.wait_for_load_state()
    assert page.get_by_text("You chose to keep your answer.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save 2 changes").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 answer(s) from edited.xlsx were saved.").is_visible()
    assert answer(tha, number.id).value == 77
    assert answer(tha, text.id).value == "From the workbook"


def test_a_kobo_export_whose_agencies_disagree_is_chosen_between_and_applied(page, demo, tmp_path):
    from exports.xlsform import build_xlsform
    from tests.kobo_helpers import kobo_columns, kobo_csv

    tha = response_of("THA")
    definition = definition_for(tha)
    plain = [q for q in definition.questions if q.relevant is None and not q.computed]
    number = next(q for q in plain if q.type == "integer" and answer(tha, q.id) is None)
    choice = next(q for q in plain if q.type == "yes_no_partial")
    saved = answer(tha, choice.id)
    first, second = [c for c in ("yes", "partial", "no") if not saved or c != saved.value][:2]
    columns = kobo_columns(build_xlsform(definition))
    export = tmp_path / "kobo-THA.csv"
    export.write_bytes(kobo_csv(columns, [
        {number.id: "5", choice.id: first, "_submitted_by": "police"},
        {number.id: "5", choice.id: second, "_submitted_by": "fiu"}]))
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{tha.id}/workbook")
    page.get_by_label("KoboToolbox or ODK export").set_input_files(str(export))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Answered differently by the submissions").is_visible()
    assert page.get_by_role("button", name="Save 1 change").is_disabled()
    assert_accessible(page)
    page.get_by_role("button", name=f"Keep this answer ({choice.id}, 2)").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("button", name="Save 2 changes").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 answer(s) from kobo-THA.csv were saved.").is_visible()
    assert answer(tha, number.id).value == 5
    assert answer(tha, choice.id).value == second
