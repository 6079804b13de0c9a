"""Uploading a questionnaire definition: checked completely, stored as a version, previewed."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent, QuestionnaireVersion, User
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

BUNDLED = Path(__file__).resolve().parents[3] / "questionnaires" / "definitions" / "ftm-capability-v1.yaml"


def _admin(client):
    login_as(client, db.session.scalar(select(User).where(User.email == "admin@example.org")))


def _upload(client, content: bytes, filename: str = "survey.yaml"):
    return client.post("/admin/questionnaires", data={"definition": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _versions() -> int:
    return db.session.scalar(select(func.count(QuestionnaireVersion.id)))


def test_a_new_version_is_stored_and_previewed_as_a_focal_point_sees_it(client, demo):
    _admin(client)
    text = BUNDLED.read_text(encoding="utf-8").replace("\nversion: 1\n", "\nversion: 3\n", 1)
    text = text.replace("Which ministry or agency coordinated this response?",
                        "Which ministry or agency led this response?")
    page = _upload(client, text.encode(), "ftm-capability-v3.yaml")
    assert page.status_code == 302
    stored = db.session.scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.version == 3))
    assert stored.source == "uploaded" and stored.filename == "ftm-capability-v3.yaml"
    preview = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "The definition is valid and stored as ftm-capability:3." in preview
    assert "Which ministry or agency led this response?" in preview
    assert 'name="inst_lead_agency"' in preview and "disabled" in preview
    assert "<form" not in preview.split('id="main"', 1)[1].split("</main>")[0]  # nothing to submit
    listing = client.get("/admin/questionnaires").get_data(as_text=True)
    assert "ftm-capability:3" in listing and "Uploaded" in listing
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.upload"))
    assert event.new_value["key"] == "ftm-capability:3"
    # The new version can be chosen for a round.
    assert 'value="ftm-capability:3"' in client.get("/admin/rounds").get_data(as_text=True)


def test_problems_are_listed_by_question_id_and_nothing_is_stored(client, demo):
    _admin(client)
    text = BUNDLED.read_text(encoding="utf-8").replace("\nversion: 1\n", "\nversion: 3\n", 1)
    text = text.replace("type: short_text\n        max_length: 300",
                        "type: shorttext\n        max_length: 300", 1)
    before = _versions()
    page = _upload(client, text.encode())
    body = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "The file was not stored" in body
    assert "inst_lead_agency" in body and "shorttext" in body
    assert _versions() == before


def test_changed_content_under_a_used_version_number_is_refused(client, demo):
    _admin(client)
    text = BUNDLED.read_text(encoding="utf-8").replace("coordinated this response", "ran this", 1)
    page = _upload(client, text.encode())
    assert page.status_code == 400
    assert "already stored with different content" in page.get_data(as_text=True)


def test_identical_content_points_to_the_stored_version(client, demo):
    _admin(client)
    page = _upload(client, BUNDLED.read_bytes(), "copy.yaml")
    assert page.status_code == 302
    assert "already stored as ftm-capability:1" in client.get(page.headers["Location"]).get_data(as_text=True)


def test_malformed_uploads_get_a_clear_message(client, demo):
    _admin(client)
    before = _versions()
    cases = {
        ("not yaml", "bad.yaml"): b"code: [unclosed\n  - x: y",
        ("python tag", "evil.yaml"): b"code: !!python/object/apply:os.system ['true']\n",
        ("not a mapping", "list.yaml"): b"- just\n- a list\n",
        ("wrong type", "survey.docx"): b"PK\x03\x04",
        ("broken xlsx", "survey.xlsx"): b"PK\x03\x04",
        ("empty", "empty.yaml"): b"",
    }
    expected = {"not yaml": "not valid YAML", "python tag": "not valid YAML",
                "not a mapping": "problem", "wrong type": "is not a .yaml or .yml or .xlsx file",
                "broken xlsx": "not a valid .xlsx workbook",
                "empty": "is empty"}
    for (case, filename), content in cases.items():
        page = _upload(client, content, filename)
        assert page.status_code == 400, case
        assert expected[case] in page.get_data(as_text=True), case
    assert _versions() == before
    page = client.post("/admin/questionnaires", data={}, content_type="multipart/form-data")
    assert page.status_code == 400


def test_a_file_over_the_definition_limit_is_refused(client, demo, monkeypatch):
    import survey.admin.version_routes as views

    monkeypatch.setattr(views, "MAX_DEFINITION_UPLOAD", 100 * 1024)  # small: no spooled temp file
    _admin(client)
    page = _upload(client, b"# padding\n" * 20_000)
    assert page.status_code == 400
    assert "larger than the limit" in page.get_data(as_text=True)


def test_a_request_over_the_upload_limit_gets_the_friendly_413_page(app, client, demo):
    _admin(client)
    # (Kept under werkzeug's 500 KB spool threshold, so no temporary file is left open.)
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024
    page = _upload(client, b"x" * (200 * 1024))
    assert page.status_code == 413
    body = page.get_data(as_text=True)
    assert "The file is too large" in body and "100.0 KiB" in body and "Traceback" not in body
