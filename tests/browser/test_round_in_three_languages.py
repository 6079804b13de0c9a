"""Issue 13's whole story in real Chromium, each person in their own language:

a Thai focal point goes through every section of the round in Thai, answers the last
questions and submits; an Arabic-speaking reviewer returns the response with a comment in
Arabic on a right-to-left page; the focal point reads that comment on a Thai page and submits
again; the reviewer approves; a French-speaking analyst downloads the regional workbook with
French labels. Every page says its language (``lang``, ``dir``) and passes axe-core.

The expected words come from the shipped catalogues (``translated_in``: gettext in that language),
each checked to differ from the English, so the test fails if a page falls back to English.
"""

from __future__ import annotations

import io
import random

import openpyxl
import pytest
from playwright.sync_api import expect

from survey.answering.checks import assess, confirm_warning, member_of
from survey.answering.responses import answers_of, save_answer
from survey.demo import demo_answers_v2, demo_value, verified_facts
from survey.extensions import db
from survey.models import ResponseStatus, ReviewComment
from survey.questionnaire_translations import load_bundled
from survey.questionnaire_versions import definition_of
from tests.conftest import translated_in
from tests.survey.answering.test_answering import response_of
from tests.survey.review.review_helpers import user

from .test_languages import axe_violations, fits, tab

pytestmark = pytest.mark.browser

# Answered in the browser: three treaty questions with no follow-up questions.
IN_THE_BROWSER = ("leg_som_protocol", "leg_uncac", "leg_vienna")
ARABIC_COMMENT = "يرجى تأكيد حالة الانضمام إلى اتفاقية الأمم المتحدة لمكافحة الفساد."
THAI_NOTE = "ตรวจสอบกับกระทรวงการต่างประเทศแล้ว"


def _all_but_the_treaties(response) -> None:
    """Colleagues have answered everything else (as the demo's focal points do)."""
    definition = definition_of(response.round.questionnaire)
    author = user("focal2.tha@example.org")
    values = demo_answers_v2(definition, "THA", 0.72, member_of(response),
                             response.round.reference_year, verified_facts().get("THA", {}),
                             random.Random("cur-THA"))
    existing = answers_of(response)
    for q in definition.questions:
        if q.id in values and q.id not in IN_THE_BROWSER:
            save_answer(response, q.id, values[q.id], author, existing=existing.get(q.id))
    # Not evaluated yet (the evaluation's follow-up questions stay closed); a member of the
    # Asia-Pacific asset recovery network (member or observer, not both).
    for qid, value in (("me_body", "not_evaluated"), ("coop_asset_recovery_network",
                                                      ["arin_ap_member"])):
        save_answer(response, qid, value, author, existing=answers_of(response).get(qid))
    rng = random.Random(7)
    for _ in range(6):  # public-record gaps and the follow-ups their answers open
        left = [q for q in assess(response, definition, answers_of(response)).missing
                if q.id not in IN_THE_BROWSER]
        if not left:
            break
        existing = answers_of(response)
        for q in left:
            save_answer(response, q.id, demo_value(q, 0.72, rng, "THA"), author,
                        existing=existing.get(q.id))
    state = assess(response, definition, answers_of(response))
    for warning in state.unconfirmed:
        confirm_warning(response, warning, author)
    state = assess(response, definition, answers_of(response))
    assert {q.id for q in state.missing} == set(IN_THE_BROWSER), state.reason()
    assert not state.errors and not state.unconfirmed
    db.session.commit()


def _log_in(page, language: str, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label(translated_in(language, "E-mail")).fill(email)
    page.get_by_label(translated_in(language, "Password")).fill(password)
    page.get_by_role("button", name=translated_in(language, "Log in")).click()
    page.wait_for_load_state()


def _says(page, language: str, direction: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language.replace("_", "-"))
    expect(page.locator("html")).to_have_attribute("dir", direction)
    assert axe_violations(page) == []


def test_thai_focal_point_arabic_reviewer_and_french_analyst_do_the_round(
        app, browser, live_server, demo):
    tha = response_of("THA")
    assert tha.status is ResponseStatus.IN_PROGRESS
    load_bundled([tha.round.questionnaire])   # the shipped drafts, as `survey seed` loads them
    db.session.commit()
    _all_but_the_treaties(tha)
    thai = definition_of(tha.round.questionnaire, language="th")

    # -- the Thai focal point: every section in Thai, the last answers, submit ----------
    focal, page = tab(browser, live_server, "th-TH")
    _log_in(page, "th", "focal.tha@example.org", demo["focal.tha@example.org"])
    _says(page, "th", "ltr")
    expect(page.get_by_role("heading", name=translated_in("th", "your questionnaires"))).to_be_visible()
    for section in thai.sections:
        page.goto(f"/responses/{tha.id}/sections/{section.id}")
        title = section.title.get("th")
        assert title != section.title.get("en"), f"section {section.id} is not in Thai"
        expect(page.get_by_role("heading", name=title, exact=False).first).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "th")
    page.goto(f"/responses/{tha.id}/sections/legal")
    for qid in IN_THE_BROWSER:
        question = thai.question(qid)
        party = next(o for o in question.options if o.code == "party")
        label = party.label.get("th")
        assert label != party.label.get("en")
        page.locator(f"#q-{qid}").get_by_label(label, exact=True).check()
    page.locator("textarea[name='leg_uncac__evidence']").fill(THAI_NOTE)
    with page.expect_navigation():
        page.get_by_role("button", name=translated_in("th", "Save"), exact=True).click()
    expect(page.get_by_text(translated_in("th", "Your answers are saved."))).to_be_visible()
    _says(page, "th", "ltr")

    page.goto(f"/responses/{tha.id}/summary")
    expect(page.get_by_role("heading", name=translated_in(
        "th", "Every required question is answered"))).to_be_visible()
    _says(page, "th", "ltr")
    page.get_by_role("button", name=translated_in("th", "Submit the response")).click()
    expect(page.get_by_role("heading", name=translated_in("th", "Response submitted"))
           ).to_be_visible()
    _says(page, "th", "ltr")
    db.session.expire_all()
    assert response_of("THA").status is ResponseStatus.SUBMITTED
    assert answers_of(response_of("THA"))["leg_uncac"].evidence == THAI_NOTE

    # -- the Arabic-speaking reviewer returns it with a comment in Arabic (390 px) -------
    reviewer, rpage = tab(browser, live_server, "ar", 390)
    _log_in(rpage, "ar", "reviewer@example.org", demo["reviewer@example.org"])
    rpage.goto(f"/responses/{tha.id}/review")
    _says(rpage, "ar", "rtl")
    assert fits(rpage, 390)
    # The Thai note reads as typed, in its own direction, on the Arabic page.
    expect(rpage.locator("bdi", has_text=THAI_NOTE)).to_be_visible()
    rpage.get_by_label(translated_in("ar", "Return to the country with this comment")).fill(
        ARABIC_COMMENT)
    rpage.get_by_role("button", name=translated_in("ar", "Return to country")).click()
    rpage.get_by_role("button", name=translated_in("ar", "Yes, return to the country")).click()
    expect(rpage.locator("table.history")).to_contain_text(ARABIC_COMMENT)
    _says(rpage, "ar", "rtl")
    assert fits(rpage, 390)
    db.session.expire_all()
    assert response_of("THA").status is ResponseStatus.RETURNED

    # -- the Thai focal point reads the Arabic comment on a Thai page, submits again ----
    page.goto(f"/responses/{tha.id}/comments")
    _says(page, "th", "ltr")
    comment = page.locator(".comment-body p", has_text=ARABIC_COMMENT)
    expect(comment).to_be_visible()
    # Arabic typed by the reviewer keeps its right-to-left direction inside the Thai page.
    assert page.evaluate("el => getComputedStyle(el).direction",
                         comment.element_handle()) == "rtl"
    page.goto(f"/responses/{tha.id}/summary")
    page.get_by_role("button", name=translated_in("th", "Submit the response")).click()
    expect(page.get_by_role("heading", name=translated_in("th", "Response submitted"))
           ).to_be_visible()
    focal.close()

    # -- the reviewer approves, in Arabic ------------------------------------------------
    rpage.goto(f"/responses/{tha.id}/review")
    rpage.get_by_role("button", name=translated_in("ar", "Approve")).click()
    rpage.get_by_role("button", name=translated_in("ar", "Yes, approve")).click()
    expect(rpage.locator(".meta .badge-approved")).to_be_visible()
    _says(rpage, "ar", "rtl")
    reviewer.close()
    db.session.expire_all()
    assert response_of("THA").status is ResponseStatus.APPROVED
    assert db.session.query(ReviewComment).filter_by(
        response_id=tha.id, body=ARABIC_COMMENT).count() == 1

    # -- the French-speaking analyst downloads the regional workbook in French ----------
    analyst, apage = tab(browser, live_server, "fr-FR")
    _log_in(apage, "fr", "analyst@example.org", demo["analyst@example.org"])
    apage.goto("/exports/")
    _says(apage, "fr", "ltr")
    apage.get_by_label(translated_in("fr", "Round")).select_option(label=tha.round.name)
    apage.get_by_label(translated_in("fr", "Language of the labels")).select_option("fr")
    apage.get_by_role("button", name=translated_in("fr", "Prepare the download")).click()
    link = apage.locator(".job-download")
    link.wait_for(timeout=60_000)
    _says(apage, "fr", "ltr")
    with apage.expect_download() as download:
        link.click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    analyst.close()

    french = definition_of(tha.round.questionnaire, language="fr")
    pillar_title = french.pillars[0].short_title.get("fr")
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(max_row=60, values_only=True)
             for c in row if c is not None]
    # Question labels and pillar names in French, the workbook's own words too.
    assert any(french.questions[0].label.get("fr") in c for c in cells)
    assert any(pillar_title in c for c in cells) or pillar_title in book.sheetnames
    # The workbook's own words are French too: sheet names, headings, status values.
    assert book.sheetnames[0] == translated_in("fr", "Overview")
    assert any(c.startswith(translated_in("fr", "Regional summary — %(rounds)s — %(where)s").split("—")[0])
               for c in cells)
    approved = translated_in("fr", "Approved")
    scores = next(ws for ws in book.worksheets
                  if any(row and "THA" in row for row in ws.iter_rows(max_row=60, values_only=True)))
    tha_row = next(row for row in scores.iter_rows(values_only=True) if row and "THA" in row)
    assert approved in tha_row, tha_row
    heading = next(row for row in scores.iter_rows(values_only=True) if row and "ISO3" in row)
    assert translated_in("fr", "Country") in heading and translated_in("fr", "Status") in heading
