"""Translating a questionnaire in real Chromium: an administrator downloads the PO file,
uploads it translated, previews and applies it; a French focal point then reads the
question in French with English one click away. Every page passes axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po, write_po

from survey.answering.responses import definition_for
from survey.extensions import db
from tests.conftest import translated_in
from tests.survey.answering.test_answering import response_of, user

from .conftest import log_in

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.response["testEngine"]["name"] == "axe-core"
    assert results.violations_count == 0, results.generate_report()


def test_translate_a_question_through_the_pages_and_read_it_in_french(page, demo, tmp_path):
    tha = response_of("THA")
    definition = definition_for(tha, language="en")
    section = definition.sections[1]
    q = next(q for q in section.questions if not q.computed)
    version = tha.round.questionnaire
    log_in(page, "admin@example.org", demo["admin@example.org"])
    page.goto(f"/admin/questionnaires/{version.id}")
    page.get_by_role("link", name="Translations").click()
    assert page.get_by_role("heading", name="Coverage per language").is_visible()
    assert_accessible(page)
    page.get_by_label("File", exact=True).select_option("po")
    with page.expect_download() as got:
        page.get_by_role("button", name="Download").click()
    catalog = read_po(io.BytesIO(got.value.path().read_bytes()))
    for message in catalog:
        if message.context == f"{q.id}|label":
            message.string = "Question traduite pour le navigateur"
            message.flags = {"fuzzy"}
    out = io.BytesIO()
    write_po(out, catalog)
    translated = tmp_path / "fr.po"
    translated.write_bytes(out.getvalue())
    page.get_by_label("Translation file (.xlsx or .po)").set_input_files(str(translated))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    assert page.get_by_text("Question traduite pour le navigateur").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save 1 text").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 translated text(s) from fr.po were saved.").is_visible()
    assert_accessible(page)

    focal = user("focal.tha@example.org")
    focal.language = "fr"
    db.session.commit()
    page.context.clear_cookies()
    log_in(page, "focal.tha@example.org", demo["focal.tha@example.org"])
    page.goto(f"/responses/{tha.id}/sections/{section.id}")
    block = page.locator(f"#q-{q.id}")
    assert block.get_by_text("Question traduite pour le navigateur").is_visible()
    english = block.locator("details.english-original")
    assert not english.get_by_text(q.label.get("en")).is_visible()
    english.locator("summary").click()
    assert english.get_by_text(q.label.get("en")).is_visible()
    assert english.get_by_text(translated_in("fr", "draft translation")).is_visible()
    assert_accessible(page)
