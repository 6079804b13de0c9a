"""XLSForm on the administration page: download any stored version, upload a workbook as a
new version (problems listed by sheet, row and column), used by no round until chosen."""

from __future__ import annotations

import html
import io

import openpyxl
from sqlalchemy import func, select

from exports.xlsform import build_xlsform
from survey.extensions import db
from survey.models import AuditEvent, QuestionnaireVersion, Round
from survey.questionnaire_versions import definition_of
from tests.kobo_helpers import sheets

from .test_admin_questionnaires import _admin, _versions


def _upload(client, content: bytes, filename: str = "kobo-form.xlsx", code: str = ""):
    return client.post("/admin/questionnaires",
                       data={"definition": (io.BytesIO(content), filename), "code": code},
                       content_type="multipart/form-data")


def _first_version():
    return db.session.scalar(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id))


def _edit(content: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_stored_version_downloads_as_an_xlsform(client, demo):
    _admin(client)
    version = _first_version()
    listing = client.get("/admin/questionnaires").get_data(as_text=True)
    url = f"/admin/questionnaires/{version.id}/xlsform.xlsx"
    assert url in listing and url in client.get(f"/admin/questionnaires/{version.id}").get_data(
        as_text=True)
    got = client.get(url)
    assert got.status_code == 200 and got.mimetype.endswith("spreadsheetml.sheet")
    assert f"{version.code}-v{version.version}-xlsform.xlsx" in got.headers["Content-Disposition"]
    assert sheets(got.data) == sheets(build_xlsform(definition_of(version)))
    assert client.get("/admin/questionnaires/99999/xlsform.xlsx").status_code == 404


def test_a_changed_xlsform_is_stored_as_the_next_version_used_by_no_round(client, demo):
    _admin(client)
    version = _first_version()
    rounds_before = {r.id: r.questionnaire_version_id for r in db.session.scalars(select(Round))}
    highest = db.session.scalar(select(func.max(QuestionnaireVersion.version))
                                .where(QuestionnaireVersion.code == version.code))

    def relabel(book):
        sheet = book["survey"]
        header = [c.value for c in sheet[1]]
        label, name = header.index("label::English (en)"), header.index("name")
        for row in sheet.iter_rows(min_row=2):
            if row[name].value == "inst_lead_agency":
                row[label].value = "Which agency led the response?"

    content = _edit(build_xlsform(definition_of(version)), relabel)
    page = _upload(client, content)
    assert page.status_code == 302, html.unescape(page.get_data(as_text=True))[-3000:]
    newest = db.session.scalar(select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.version.desc()).where(QuestionnaireVersion.code == version.code))
    assert newest.version == highest + 1 and newest.filename == "kobo-form.xlsx"
    assert definition_of(newest).question("inst_lead_agency").label.get() == \
        "Which agency led the response?"
    assert {r.id: r.questionnaire_version_id for r in db.session.scalars(select(Round))} == \
        rounds_before
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.upload"))
    assert event.new_value["format"] == "xlsform" and event.new_value["key"] == newest.key
    # The same workbook again points to the stored version; nothing new.
    count = _versions()
    again = _upload(client, build_xlsform(definition_of(newest)))
    assert again.status_code == 302 and _versions() == count


def _kobo_form(rows, choices=None) -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in rows:
        survey.append(row)
    sheet = book.create_sheet("choices")
    for row in choices or [["list_name", "name", "label"]]:
        sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Agency survey", "agency-survey"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_kobo_users_form_is_stored_under_its_form_id(client, demo):
    _admin(client)
    content = _kobo_form([["type", "name", "label", "required"],
                          ["begin_group", "agency", "The agency", None],
                          ["text", "agency_name", "Name of the agency", "yes"],
                          ["integer", "staff", "How many staff work on trafficking?", None],
                          ["select_one yn", "has_unit", "Is there a specialised unit?", None],
                          ["end_group", None, None, None]],
                         [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]])
    page = _upload(client, content, "agency.xlsx")
    assert page.status_code == 302
    stored = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.code == "agency-survey"))
    assert stored.version == 1 and len(definition_of(stored).questions) == 3


def test_unsupported_parts_are_listed_one_line_each_with_sheet_row_and_column(client, demo):
    _admin(client)
    before = _versions()
    content = _kobo_form([["type", "name", "label", "calculation"],
                          ["geopoint", "where", "Where are you?", None],
                          ["begin_repeat", "cases", "Cases", None],
                          ["text", "case_name", "Case", None],
                          ["end_repeat", None, None, None],
                          ["calculate", "total", None, "1 + 1"]])
    page = _upload(client, content, "form.xlsx", code="agency-survey")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and "The file was not stored" in body
    items = body.split('<ul class="problems">', 1)[1].split("</ul>", 1)[0]
    assert "sheet 'survey', row 2, column A" in items and "geopoint" in items
    assert "sheet 'survey', row 3" in items and "repeats" in items
    assert "Traceback" not in body and _versions() == before


def test_a_hostile_or_unreadable_workbook_is_refused_cleanly(client, demo):
    _admin(client)
    before = _versions()
    old_xls = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512
    for content, says in ((old_xls, "old Excel 97-2003"), (b"PK\x03\x04junk", "not a valid .xlsx"),
                          (_kobo_form([["type", "name", "label"]]), "no question")):
        page = _upload(client, content, "form.xlsx", code="agency-survey")
        assert page.status_code == 400 and says in html.unescape(page.get_data(as_text=True))
    page = _upload(client, _kobo_form([["type", "name", "label"], ["text", "a1", "A"]]),
                   "form.xlsx", code="Not A Code!")
    assert "must be lower-case" in html.unescape(page.get_data(as_text=True))
    assert _versions() == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "questionnaire.upload")) == 0
