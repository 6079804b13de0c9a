"""Downloads page, export jobs, the export CLI: access by role and the files they give."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from survey.cli import cli
from survey.extensions import db
from survey.models import AuditEvent, ExportJob, User
from tests.conftest import catalogue_says, login_as
from tests.exports.helpers import load, table
from tests.exports.world import NAMES, build_world
from tests.survey.answering.test_answering_queries import counted_queries


@pytest.fixture
def world(seeded):
    return build_world()


def wait_for(client, job_id: int, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/exports/jobs/{job_id}/status").get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError("export job did not finish")


# -- pages -----------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/exports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get(f"/exports/country/THA/{world['current'].id}.xlsx").status_code == 302


@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin"])
def test_staff_see_the_export_form(client, world, make_user, role):
    login_as(client, make_user(role))
    page = client.get("/exports/").get_data(as_text=True)
    assert "Prepare the download" in page
    assert "R2 current" in page and "South-East Asia" in page
    assert "includes UNREVIEWED submissions" in page


def test_focal_point_sees_only_own_country_workbook(client, world, make_user):
    login_as(client, make_user("focal_point", "THA"))
    response = client.get("/exports/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Prepare the download" not in page
    assert "/exports/country/THA/" in page and "/exports/country/KHM/" not in page
    before = db.session.scalar(select(func.count(ExportJob.id)))
    assert client.post("/exports/", data={"round_id": world["current"].id, "status": "approved",
                                          "format": "xlsx", "subregion": ""}).status_code == 403
    assert db.session.scalar(select(func.count(ExportJob.id))) == before


def test_focal_point_downloads_own_country_only(client, world, make_user):
    login_as(client, make_user("focal_point", "THA"))
    rid = world["current"].id
    own = client.get(f"/exports/country/THA/{rid}.xlsx")
    assert own.status_code == 200
    assert own.headers["Content-Disposition"].startswith("attachment")
    wb = load(own.data)
    assert [r["ISO3"] for r in table(wb["Scores"], "Scores")] == ["THA"]
    assert client.get(f"/exports/country/KHM/{rid}.xlsx").status_code == 403
    assert client.get(f"/exports/country/XXX/{rid}.xlsx").status_code == 404
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "export.country")) == 1


def test_analyst_exports_in_the_background(client, world, make_user):
    login_as(client, make_user("analyst"))
    response = client.post("/exports/", data={
        "round_id": world["current"].id, "subregion": "South-East Asia", "status": "submitted",
        "format": "xlsx"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = int(job_url.rstrip("/").split("/")[-1])
    page = client.get(job_url).get_data(as_text=True)
    assert "includes unreviewed responses" in page
    assert "<script>" not in page  # no inline scripts: the page works under CSP default-src 'self'
    status = wait_for(client, job_id)
    assert status["state"] == "done" and status["progress"] == 100
    assert status["filename"] == "regional-r2-current-south-east-asia-submitted.xlsx"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    wb = load(download.data)
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == {"THA", "KHM"}
    assert {r["Country"] for r in table(wb["Scores"], "Scores")} == {NAMES["THA"], NAMES["KHM"]}
    # Without JavaScript, reloading the job page shows the link.
    assert "Download regional-r2-current" in client.get(job_url).get_data(as_text=True)


def test_zip_and_csv_formats_through_a_job(client, world, make_user):
    login_as(client, make_user("analyst"))
    for fmt, suffix, magic in (("zip", ".zip", b"PK"), ("csv-bom", ".csv", b"\xef\xbb\xbfRound")):
        response = client.post("/exports/", data={"round_id": world["current"].id, "subregion": "",
                                                  "status": "approved", "format": fmt})
        job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        status = wait_for(client, job_id)
        assert status["filename"].endswith(suffix)
        assert client.get(status["download_url"]).data.startswith(magic)


def test_bad_form_input_is_refused_with_a_message(client, world, make_user):
    login_as(client, make_user("analyst"))
    response = client.post("/exports/", data={"round_id": world["current"].id, "subregion": "Mars",
                                              "status": "everything", "format": "xlsx"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_csrf_is_required_to_start_an_export(client, world, make_user):
    login_as(client, make_user("analyst"))
    response = client.post("/exports/", data={"round_id": world["current"].id, "subregion": "",
                                              "status": "approved", "format": "xlsx"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0


def test_someone_elses_job_is_refused(client, world, make_user):
    analyst = make_user("analyst")
    login_as(client, analyst)
    response = client.post("/exports/", data={"round_id": world["current"].id, "subregion": "",
                                              "status": "approved", "format": "csv"})
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    wait_for(client, job_id)
    login_as(client, make_user("analyst"))
    assert client.get(f"/exports/jobs/{job_id}").status_code == 403
    assert client.get(f"/exports/jobs/{job_id}/status").status_code == 403
    assert client.get(f"/exports/jobs/{job_id}/download").status_code == 403
    assert client.get("/exports/jobs/99999").status_code == 404


# -- command line ----------------------------------------------------------------

def test_cli_regional(runner, world, tmp_path):
    out = tmp_path / "regional.xlsx"
    result = runner.invoke(cli, args=["export", "regional", "--round", "R2 current", "--subregion",
                                 "South-East Asia", "--status", "submitted", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    wb = load(out.read_bytes())
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == {"THA", "KHM"}


def test_cli_country_and_data(runner, world, tmp_path):
    book = tmp_path / "tha.xlsx"
    result = runner.invoke(cli, args=["export", "country", "tha", "--round", "R2 current",
                                      "--out", str(book)])
    assert result.exit_code == 0, result.output
    assert "Answers" in load(book.read_bytes()).sheetnames
    csv = tmp_path / "data.csv"
    result = runner.invoke(cli, args=["export", "data", "--round", "R2 current", "--out", str(csv), "--bom"])
    assert result.exit_code == 0, result.output
    text = csv.read_bytes()
    assert text.startswith(b"\xef\xbb\xbfRound,Country,ISO3")
    assert NAMES["KHM"].encode() in text


@pytest.mark.parametrize("args, message", [
    (["regional", "--round", "No such round"], "no round named 'No such round'"),
    (["regional", "--round", "R2 current", "--status", "pending"], "unknown status 'pending'"),
    (["regional", "--round", "R2 current", "--subregion", "Atlantis"], "unknown sub-region 'Atlantis'"),
    (["country", "ZZZ", "--round", "R2 current"], "unknown country code 'ZZZ'"),
    (["data", "--round", "Nope"], "no round named 'Nope'"),
])
def test_cli_errors_are_one_line(runner, world, tmp_path, args, message):
    out = tmp_path / "out.file"
    result = runner.invoke(cli, args=["export", *args, "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_failing_job_says_why(client, world, make_user):
    from survey.downloads.services import start_job
    from survey.jobs import perform

    analyst = make_user("analyst")
    job = start_job(analyst, {"kind": "regional", "round": "Gone round", "status": "approved",
                              "format": "xlsx"})
    db.session.commit()
    perform("export", job.id)
    login_as(client, analyst)
    status = client.get(f"/exports/jobs/{job.id}/status").get_json()
    assert status["state"] == "failed" and "no round named 'Gone round'" in status["error"]
    assert "The export failed" in client.get(f"/exports/jobs/{job.id}").get_data(as_text=True)


def test_old_finished_jobs_are_dropped(world, make_user):
    import datetime as dt

    from survey.downloads.services import start_job
    from survey.models import utcnow

    analyst = make_user("analyst")
    old = ExportJob(user_id=analyst.id, params={}, state="done", progress=100, content=b"x",
                    finished_at=utcnow() - dt.timedelta(days=8))
    recent = ExportJob(user_id=analyst.id, params={}, state="done", progress=100, content=b"y",
                       finished_at=utcnow() - dt.timedelta(days=1))
    db.session.add_all([old, recent])
    db.session.commit()
    old_id, recent_id = old.id, recent.id
    start_job(analyst, {"kind": "regional", "round": "R2 current"})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ExportJob, old_id) is None
    assert db.session.get(ExportJob, recent_id) is not None


def test_a_workbook_speaks_the_language_of_the_person_who_asks(seeded, make_user, client):
    """The language argument of the frames and builders is set from the person's language
    at the request's edge: a French-speaking focal point gets the French question text."""
    import yaml

    from questionnaires import bundled_definition_paths, parse_definition
    from survey.questionnaire_versions import register_definition
    from survey.rounds import open_round

    raw = yaml.safe_load(bundled_definition_paths()[0].read_text(encoding="utf-8"))
    raw["version"] = 99
    raw["sections"][0]["questions"][0]["label"]["fr"] = "Quel ministère a coordonné la réponse ?"
    version, _created = register_definition(parse_definition(raw, source="test"), source="uploaded")
    round_ = open_round("Bilingual round", version.key)
    db.session.commit()
    question = raw["sections"][0]["questions"][0]["id"]

    def codebook_label(user) -> str:
        login_as(client, user)
        reply = client.get(f"/exports/country/THA/{round_.id}.xlsx")
        assert reply.status_code == 200
        language = user.language or "en"
        # The codebook's sheet and headings are in the person's language too.
        book = load(reply.data)
        sheet = book[catalogue_says(language, "Codebook")]
        rows = table(sheet, "Codebook")
        key, label = catalogue_says(language, "Question id"), catalogue_says(language, "Question")
        return next(r[label] for r in rows if r[key] == question)

    english, french = make_user(), make_user()
    french.language = "fr"
    db.session.commit()
    assert codebook_label(french) == "Quel ministère a coordonné la réponse ?"
    assert codebook_label(english) == raw["sections"][0]["questions"][0]["label"]["en"]


def test_pages_listing_rounds_never_read_questionnaire_definitions(client, demo):
    """Issue 15 §7: /exports/ took ~0.9 s because every round row dragged its questionnaire's
    whole definition JSON along (joined, decoded per row). The column is deferred: pages
    that list rounds, responses or audit events never select it."""
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    login_as(client, admin)
    for url in ("/exports/", "/admin/audit", "/admin/rounds", "/"):
        with counted_queries() as statements:
            assert client.get(url).status_code == 200
        assert not [s for s in statements
                    if re.search(r"questionnaire_versions(_\d+)?\.definition", s)], url
