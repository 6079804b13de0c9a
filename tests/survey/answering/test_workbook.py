"""The answer workbook through the app: download, edit, upload, preview, settle, apply."""

from __future__ import annotations

import html
import io
import subprocess
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from survey.answering.responses import answers_of, definition_for, save_answer
from survey.cli import cli
from survey.demo import CURRENT_ROUND, PREVIOUS_ROUND
from survey.extensions import db
from survey.models import AuditEvent, Response, ResponseStatus, WorkbookUpload
from tests.conftest import login_as
from tests.exports import test_libreoffice
from tests.workbook_helpers import cell_rows, edit

from .test_answering import answer, response_of, user

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

soffice = test_libreoffice.soffice  # the fixture: LibreOffice's path, or a skip with the reason


def first(definition, kind, answered=None, response=None):
    stored = answers_of(response) if response is not None else {}
    for q in definition.questions:
        if q.type != kind or q.relevant is not None or q.computed:
            continue
        if answered is None or (q.id in stored and stored[q.id].value is not None) == answered:
            return q
    raise LookupError(kind)


def download(client, response, **params) -> bytes:
    got = client.get(f"/responses/{response.id}/workbook.xlsx", query_string=params)
    assert got.status_code == 200, got.status_code
    assert got.mimetype.endswith("spreadsheetml.sheet")
    return got.data


def upload(client, response, content: bytes, name="answers.xlsx"):
    return client.post(f"/responses/{response.id}/workbook",
                       data={"workbook": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def preview_url(response) -> str:
    upload_id = db.session.scalar(select(func.max(WorkbookUpload.id)))
    return f"/responses/{response.id}/workbook/uploads/{upload_id}"


@pytest.fixture
def tha(demo, client):
    login_as(client, user("focal.tha@example.org"))
    return response_of("THA")


def test_download_edit_upload_preview_apply(tha, client):
    definition = definition_for(tha)
    assert client.get(f"/responses/{tha.id}/workbook").status_code == 200
    number = first(definition, "integer", answered=False, response=tha)
    choice = first(definition, "yes_no_partial", answered=True, response=tha)
    old_choice = answer(tha, choice.id).value
    new_choice = "no" if old_choice != "no" else "yes"
    label = {"no": "No", "yes": "Yes"}[new_choice]
    content = edit(download(client, tha), {(number.id, ""): 42, (choice.id, ""): label},
                   evidence={number.id: "Annual report 2025, table 3"})
    got = upload(client, tha, content, "tha-answers.xlsx")
    assert got.status_code == 302 and "/workbook/uploads/" in got.location
    page = client.get(got.location).get_data(as_text=True)
    assert "2 changes" in page and "42" in page and "Annual report 2025, table 3" in page
    assert answer(tha, number.id) is None  # nothing saved before apply
    applied = client.post(got.location + "/apply", data={})
    assert applied.status_code == 302 and applied.location.endswith("/summary")
    assert answer(tha, number.id).value == 42
    assert answer(tha, number.id).evidence == "Annual report 2025, table 3"
    assert answer(tha, choice.id).value == new_choice
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "response.workbook_upload"))
    assert event.new_value["file"] == "tha-answers.xlsx"
    assert len(event.new_value["sha256"]) == 64 and event.response_id == tha.id
    assert sorted(event.new_value["changed"]) == sorted([number.id, choice.id])
    saves = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "answer.save", AuditEvent.response_id == tha.id,
        AuditEvent.question_id.in_([number.id, choice.id]), AuditEvent.id > event.id - 3))
    assert saves == 2
    again = client.post(got.location + "/apply", data={}, follow_redirects=True)
    assert "already applied" in again.get_data(as_text=True)


def test_errors_are_listed_by_sheet_row_and_question_and_the_rest_applies(tha, client):
    definition = definition_for(tha)
    number = first(definition, "integer", answered=False, response=tha)
    text = first(definition, "short_text", response=tha)
    content = edit(download(client, tha), {(number.id, ""): "lots", (text.id, ""): "Ministry"})
    sheet, row = cell_rows(openpyxl.load_workbook(io.BytesIO(content)))[(number.id, "")]
    location = upload(client, tha, content).location
    page = client.get(location).get_data(as_text=True)
    assert f"<td>{sheet}</td><td>{row}</td><td>{number.id}</td>" in page
    client.post(location + "/apply", data={})
    assert answer(tha, text.id).value == "Ministry" and answer(tha, number.id) is None


def test_a_colleague_s_later_change_is_a_conflict_settled_one_by_one(tha, client):
    definition = definition_for(tha)
    a = first(definition, "short_text", response=tha)
    numbers = [q for q in definition.questions if q.type == "integer" and q.relevant is None]
    b, c = numbers[0], numbers[1]
    content = download(client, tha)
    colleague = user("focal2.tha@example.org")
    for q, value in ((a, "Their office"), (b, 7), (c, 9)):
        save_answer(tha, q.id, value, colleague)
    db.session.commit()
    # The file changes a and b; c it leaves as downloaded, so the colleague's 9 stays.
    content = edit(content, {(a.id, ""): "My office", (b.id, ""): 70})
    location = upload(client, tha, content).location
    page = client.get(location).get_data(as_text=True)
    assert "Changed by a colleague after your download" in page
    assert "Their office" in page and "My office" in page
    refused = client.post(location + "/apply", data={}, follow_redirects=True)
    assert "choose which to keep" in refused.get_data(as_text=True)
    assert answer(tha, a.id).value == "Their office"
    client.post(location + "/settle", data={"question_id": a.id, "choice": "theirs"})
    client.post(location + "/settle", data={"question_id": b.id, "choice": "mine"})
    done = client.post(location + "/apply", data={}, follow_redirects=True)
    assert "1 answer(s) from answers.xlsx were saved" in done.get_data(as_text=True), \
        done.get_data(as_text=True)[-3000:]
    assert answer(tha, a.id).value == "Their office"
    assert answer(tha, b.id).value == 70
    assert answer(tha, c.id).value == 9


def test_a_one_section_workbook_merges_into_the_response(tha, client):
    definition = definition_for(tha)
    section = next(s for s in definition.sections
                   if any(q.type == "integer" and q.relevant is None for q in s.questions))
    q = next(q for q in section.questions if q.type == "integer" and q.relevant is None)
    before = {qid: (a.value, a.version) for qid, a in answers_of(tha).items()}
    content = download(client, tha, section=section.id)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert {k[0] for k in cell_rows(book)} <= {x.id for x in section.questions}
    client.post(upload(client, tha, edit(content, {(q.id, ""): 1234})).location + "/apply",
                data={})
    after = {qid: (a.value, a.version) for qid, a in answers_of(tha).items()}
    assert after.pop(q.id)[0] == 1234
    before.pop(q.id, None)
    assert after == before


def refusal(client, response, content, name="answers.xlsx") -> str:
    got = upload(client, response, content, name)
    assert got.status_code == 400
    return html.unescape(got.get_data(as_text=True))


def test_workbooks_for_another_country_round_or_version_are_refused(tha, client):
    phl = response_of("PHL")
    login_as(client, user("focal.phl@example.org"))
    other_country = download(client, phl)
    login_as(client, user("focal.tha@example.org"))
    assert "This workbook is for Philippines (PHL), not Thailand (THA)." in refusal(
        client, tha, other_country)
    mine = download(client, tha)
    page = refusal(client, tha, edit(mine, meta={"round": PREVIOUS_ROUND}))
    assert f"This workbook is for the round '{PREVIOUS_ROUND}', not '{CURRENT_ROUND}'." in page
    page = refusal(client, tha, edit(mine, meta={"questionnaire": "ftm-capability:99"}))
    assert "This workbook was made for questionnaire ftm-capability:99; the round uses" in page
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0


def test_uploads_into_a_submitted_or_approved_response_are_refused(demo, client, make_user):
    for iso3, status in (("IDN", "submitted"), ("AUS", "approved")):
        response = response_of(iso3)
        assert response.status.value == status
        focal = make_user("focal_point", iso3, email=f"focal.wb.{iso3.lower()}@example.org")
        login_as(client, focal)
        content = download(client, response)
        assert f"This response is {status} and locked against edits." in refusal(
            client, response, content)


def test_an_upload_that_became_locked_is_not_applied(tha, client):
    definition = definition_for(tha)
    q = first(definition, "short_text", response=tha)
    location = upload(client, tha, edit(download(client, tha), {(q.id, ""): "New"})).location
    response = db.session.get(Response, tha.id)
    response.status = ResponseStatus.SUBMITTED
    db.session.commit()
    page = client.post(location + "/apply", data={}, follow_redirects=True).get_data(as_text=True)
    assert "locked against edits" in page
    saved = answer(tha, q.id)
    assert saved is None or saved.value != "New"


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<a/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize("content, name, says", [
    (b"PK not really", "a.xlsx", "The file is not a valid .xlsx workbook"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, "old.xlsx", "Excel 97-2003"),
    (b"a,b\n1,2\n", "answers.txt", "'answers.txt' is not a .xlsx or .csv file"),
    (b"a,b\n1,2\n", "answers.csv", "No column names a question"),
    (None, "bomb.xlsx", "zip bomb"),
], ids=["not a zip", "xls", "txt", "csv of no question", "zip bomb"])
def test_hostile_files_are_refused_and_nothing_is_kept(tha, client, content, name, says):
    content = _zip_bomb() if content is None else content
    assert says in refusal(client, tha, content, name)
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0


def test_a_huge_file_is_refused_before_it_is_read(tha, client):
    # The body is built here: the test client would spool a large file to a temporary file
    # that a refused request never closes.
    boundary = "wbboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{client.csrf_token()}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"workbook\"; filename=\"huge.xlsx\"\r\n\r\n").encode() + \
        b"0" * (5 * 1024 * 1024 + 1) + f"\r\n--{boundary}--\r\n".encode()
    got = client.post(f"/responses/{tha.id}/workbook", data=body, csrf=False,
                      content_type=f"multipart/form-data; boundary={boundary}")
    assert got.status_code == 413
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0


def test_only_the_country_s_focal_points_reach_the_workbook_pages(tha, client):
    content = download(client, tha)
    location = upload(client, tha, content).location
    login_as(client, user("focal.phl@example.org"))
    assert client.get(f"/responses/{tha.id}/workbook").status_code == 403
    assert client.get(f"/responses/{tha.id}/workbook.xlsx").status_code == 403
    assert client.get(location).status_code == 403
    assert upload(client, tha, content).status_code == 403
    login_as(client, user("reviewer@example.org"))
    assert client.get(f"/responses/{tha.id}/workbook.xlsx").status_code == 403
    assert client.post(location + "/apply", data={}).status_code == 403
    # A colleague of the same country cannot open somebody else's upload.
    login_as(client, user("focal2.tha@example.org"))
    got = client.get(location, follow_redirects=True)
    assert "No such upload" in got.get_data(as_text=True)


def test_the_preview_lives_on_the_server_and_expires(tha, client):
    import datetime as dt

    q = first(definition_for(tha), "short_text", response=tha)
    location = upload(client, tha, edit(download(client, tha), {(q.id, ""): "Later"})).location
    with client.session_transaction() as session:
        assert "Later" not in str(dict(session))
    kept = db.session.scalar(select(WorkbookUpload))
    assert kept.proposed[q.id]["value"] == "Later"
    kept.expires_at = kept.created_at - dt.timedelta(minutes=1)
    db.session.commit()
    got = client.post(location + "/apply", data={}, follow_redirects=True)
    assert "expired" in got.get_data(as_text=True) and answer(tha, q.id).value != "Later"


def test_the_command_line_exports_and_imports(tha, runner, tmp_path):
    definition = definition_for(tha)
    q = first(definition, "integer", answered=False, response=tha)
    out = tmp_path / "tha.xlsx"
    got = runner.invoke(cli, ["export", "answers", "THA", "--round", CURRENT_ROUND,
                              "--lang", "fr", "--out", str(out)])
    assert got.exit_code == 0, got.output
    edited = tmp_path / "tha-edited.xlsx"
    edited.write_bytes(edit(out.read_bytes(), {(q.id, ""): 314}))
    dry = runner.invoke(cli, ["import", "answers", str(edited), "--as", "focal.tha@example.org",
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"change {q.id}" in dry.output and "-> 314" in dry.output
    assert "Dry run: nothing was saved." in dry.output and answer(tha, q.id) is None
    done = runner.invoke(cli, ["import", "answers", str(edited), "--as", "focal.tha@example.org"])
    assert done.exit_code == 0, done.output
    assert answer(tha, q.id).value == 314
    refused = runner.invoke(cli, ["import", "answers", str(edited), "--as",
                                  "focal.phl@example.org"])
    assert refused.exit_code == 1 and "may not change the answers of Thailand" in refused.output
    section = runner.invoke(cli, ["export", "answers", "THA", "--round", CURRENT_ROUND,
                                  "--section", "nope", "--out", str(out)])
    assert section.exit_code == 1 and "no section 'nope'" in section.output


def test_the_command_line_settles_conflicts_only_when_told(tha, runner, tmp_path):
    definition = definition_for(tha)
    q = first(definition, "short_text", response=tha)
    out = tmp_path / "tha.xlsx"
    runner.invoke(cli, ["export", "answers", "THA", "--round", CURRENT_ROUND, "--out", str(out)])
    save_answer(tha, q.id, "Theirs", user("focal2.tha@example.org"))
    db.session.commit()
    out.write_bytes(edit(out.read_bytes(), {(q.id, ""): "Mine"}))
    args = ["import", "answers", str(out), "--as", "focal.tha@example.org"]
    stuck = runner.invoke(cli, args)
    assert stuck.exit_code == 1 and "choose which to keep" in stuck.output
    assert "unsettled: use --keep-mine or --keep-theirs" in stuck.output
    done = runner.invoke(cli, args + ["--keep-mine", q.id])
    assert done.exit_code == 0, done.output
    assert answer(tha, q.id).value == "Mine"



@pytest.mark.slow
def test_a_workbook_saved_again_by_libreoffice_is_accepted(tha, client, soffice, tmp_path):
    definition = definition_for(tha)
    number = first(definition, "integer", answered=False, response=tha)
    multiple = first(definition, "multiple_choice", response=tha)
    code = multiple.kind.option_codes(multiple)[-1]
    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(edit(download(client, tha), {(number.id, ""): 2048,
                                                     (multiple.id, code): "x"}))
    out = tmp_path / "resaved"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(edited)],
                   check=True, capture_output=True, timeout=120)
    resaved = (out / "edited.xlsx").read_bytes()
    assert resaved != edited.read_bytes()
    location = upload(client, tha, resaved, "resaved.xlsx").location
    page = client.get(location).get_data(as_text=True)
    assert "0 problems" in page and "0 conflicts" in page
    client.post(location + "/apply", data={})
    assert answer(tha, number.id).value == 2048
    assert code in answer(tha, multiple.id).value


def test_a_french_workbook_shows_and_reads_back_the_translation_layer(tha, client):
    """A choice's label from the translation layer is what the French workbook offers, and
    what it reads back as that choice's code."""
    from questionnaires.translations import Row, text_entries
    from survey.questionnaire_translations import apply, preview

    version = tha.round.questionnaire
    definition = definition_for(tha, language="en")
    q = first(definition, "single_choice")
    target = q.options[-1]
    english = {e.key: e.english for e in text_entries(definition)}
    key = f"{q.id}|option:{target.code}"
    apply(version, "fr", preview(version, "fr", [Row("t", key, "Choix traduit", english=english[key])]),
          None, source="test")
    db.session.commit()
    content = download(client, tha, lang="fr")
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert any(c.value == "Choix traduit" for ws in book.worksheets
               for row in ws.iter_rows() for c in row)
    fr_user = user("focal.tha@example.org")
    fr_user.language = "fr"
    db.session.commit()
    login_as(client, fr_user)
    got = upload(client, tha, edit(content, {(q.id, ""): "Choix traduit"}))
    assert got.status_code == 302
    upload_row = db.session.scalar(select(WorkbookUpload).order_by(WorkbookUpload.id.desc()))
    assert upload_row.proposed[q.id]["value"] == target.code, upload_row.problems
