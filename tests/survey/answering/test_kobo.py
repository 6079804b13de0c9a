"""Answers collected with KoboToolbox or ODK Collect: the questionnaire's XLSForm out, a
submission export written the way Kobo and ODK Central write them, and back in through the
answer workbook's upload -> preview -> apply (checks, conflicts, disagreements between
agencies, refusals)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from exports.xlsform import build_xlsform
from survey.answering.responses import answers_of, definition_for, save_answer
from survey.cli import cli
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import AuditEvent, WorkbookUpload
from tests.conftest import login_as
from tests.kobo_helpers import kobo_columns, kobo_csv, kobo_xlsx, sheets

from .test_answering import answer, response_of, user
from .test_workbook import first, upload

# Built on the answer-workbook tests' fixtures, which use the demo's v1 round (the v2 types are
# read in tests/questionnaires/test_submissions.py).
pytestmark = pytest.mark.demo_v1


@pytest.fixture
def tha(demo, client):
    login_as(client, user("focal.tha@example.org"))
    return response_of("THA")


def _multiple(definition):
    return next(q for q in definition.questions if q.type == "multiple_choice"
                and q.relevant is None and len(q.options) >= 3)


def test_kobo_round_trip_xlsform_out_submissions_in_preview_and_apply(tha, client):
    """Export the XLSForm, collect two agencies' submissions in Kobo, import, choose, apply."""
    definition = definition_for(tha)
    xlsform = build_xlsform(definition)
    columns = kobo_columns(xlsform)
    number = first(definition, "integer", answered=False, response=tha)
    other = [q for q in definition.questions if q.type == "integer" and q.relevant is None
             and q.id != number.id][0]
    choice = first(definition, "yes_no_partial", response=tha)
    multi = _multiple(definition)
    codes = [o.code for o in multi.options][:2]
    police = {number.id: "1250", choice.id: "yes", multi.id: " ".join(codes),
              **{f"{multi.id}/{c}": 1 if c in codes else 0 for c in [o.code for o in multi.options]},
              "_submitted_by": "police"}
    fiu = {number.id: "1250", choice.id: "partial", other.id: "7", "_submitted_by": "fiu"}
    got = upload(client, tha, kobo_csv(columns, [police, fiu]), "kobo-THA.csv")
    assert got.status_code == 302, got.get_data(as_text=True)
    page = html.unescape(client.get(got.location).get_data(as_text=True))
    assert "1 question answered differently" in page
    assert "Answered differently by the submissions" in page and "police" in page and "fiu" in page
    assert answer(tha, number.id) is None  # nothing saved before apply
    refused = client.post(got.location + "/apply", data={}, follow_redirects=True)
    assert "answered differently by the submissions" in refused.get_data(as_text=True)
    assert answer(tha, number.id) is None
    offers = [o["value"] for o in db.session.get(WorkbookUpload, int(got.location.rsplit("/", 1)[1])
                                                 ).proposed[choice.id]["offers"]]
    client.post(got.location + "/choose",
                data={"question_id": choice.id, "choice": str(offers.index("partial"))})
    page = html.unescape(client.get(got.location).get_data(as_text=True))
    assert "chosen" in page
    applied = client.post(got.location + "/apply", data={})
    assert applied.status_code == 302, html.unescape(applied.get_data(as_text=True))
    assert answer(tha, number.id).value == 1250
    assert answer(tha, other.id).value == 7
    assert answer(tha, choice.id).value == "partial"
    assert sorted(answer(tha, multi.id).value) == sorted(codes)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "response.workbook_upload"))
    assert event.new_value["file"] == "kobo-THA.csv" and len(event.new_value["sha256"]) == 64
    assert set(event.new_value["changed"]) >= {number.id, other.id, choice.id, multi.id}


@pytest.mark.parametrize("separator,groups", [("/", True), ("-", True), ("/", False)],
                         ids=["kobo-groups", "odk-central-dashes", "no-groups"])
def test_headers_with_or_without_group_prefixes_are_read(tha, client, separator, groups):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition), separator, groups)
    number = first(definition, "integer", answered=False, response=tha)
    multi = _multiple(definition)
    code = multi.options[-1].code
    # Only the 0/1 columns of the multiple choice, as an export that splits them writes it.
    ticks = {f"{multi.id}/{c}": (1 if c == code else 0) for c in [o.code for o in multi.options]}
    content = kobo_csv(columns, [{number.id: "3.0" if separator == "/" else "3", **ticks}],
                       delimiter=",")
    location = upload(client, tha, content, "odk.csv").location
    client.post(location + "/apply", data={})
    assert answer(tha, number.id).value == 3
    assert answer(tha, multi.id).value == [code]


def test_an_xlsx_export_is_read_from_its_first_sheet_and_evidence_is_kept(tha, client):
    definition = definition_for(tha)
    q = next(q for q in definition.questions if q.type == "integer" and q.relevant is None)
    save_answer(tha, q.id, 5, user("focal.tha@example.org"), evidence="Annual report")
    db.session.commit()
    columns = kobo_columns(build_xlsform(definition))
    location = upload(client, tha, kobo_xlsx(columns, [{q.id: 6}]), "kobo.xlsx").location
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert "1 change" in page
    client.post(location + "/apply", data={})
    saved = answer(tha, q.id)
    assert (saved.value, saved.evidence) == (6, "Annual report")


def test_numbers_in_a_csv_are_read_by_the_file_s_format_not_the_person_s_language(
        tha, client):
    """A French focal point's upload: "1.5" is one and a half, "1,500" is refused."""
    definition = definition_for(tha)
    focal = user("focal.tha@example.org")
    focal.language = "fr"
    db.session.commit()
    decimal = first(definition, "decimal", response=tha)
    number = first(definition, "integer", answered=False, response=tha)
    columns = kobo_columns(build_xlsform(definition))
    content = kobo_csv(columns, [{decimal.id: "1.5", number.id: "1,500"}])
    location = upload(client, tha, content, "kobo.csv").location
    client.post(location + "/apply", data={})
    assert answer(tha, decimal.id).value == 1.5
    assert answer(tha, number.id) is None


def test_problems_are_listed_by_row_and_question_and_the_rest_applies(tha, client):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition))
    number = first(definition, "integer", answered=False, response=tha)
    text = first(definition, "short_text", response=tha)
    choice = first(definition, "yes_no_partial", response=tha)
    multi = _multiple(definition)
    columns["mystery"] = "grp/mystery"
    content = kobo_csv(columns, [{number.id: "many", text.id: "Ministry of Justice",
                                  choice.id: "maybe", multi.id: "nonsense",
                                  "mystery": "x"}])
    location = upload(client, tha, content, "kobo.csv").location
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert f"<td>kobo.csv</td><td>2</td><td>{number.id}</td>" in page
    assert f"<td>kobo.csv</td><td>2</td><td>{choice.id}</td>" in page
    assert "“nonsense” is not one of the offered answers" in page
    assert "columns that name no question of this version were left out: “grp/mystery”" in page
    client.post(location + "/apply", data={})
    assert answer(tha, text.id).value == "Ministry of Justice"
    assert answer(tha, number.id) is None


def test_a_colleague_s_change_before_the_apply_is_a_conflict(tha, client):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition))
    q = first(definition, "short_text", response=tha)
    location = upload(client, tha, kobo_csv(columns, [{q.id: "From Kobo"}]), "k.csv").location
    save_answer(tha, q.id, "Typed on the page", user("focal2.tha@example.org"))
    db.session.commit()
    page = html.unescape(client.get(location).get_data(as_text=True))
    assert "1 conflict" in page
    client.post(location + "/apply", data={})
    assert answer(tha, q.id).value == "Typed on the page"
    client.post(location + "/settle", data={"question_id": q.id, "choice": "mine"})
    client.post(location + "/apply", data={})
    assert answer(tha, q.id).value == "From Kobo"


def _refusal(client, response, content, name) -> str:
    got = upload(client, response, content, name)
    assert got.status_code == 400, got.status_code
    return html.unescape(got.get_data(as_text=True)).lower()  # messages start with a capital


def test_exports_of_another_form_or_of_nothing_are_refused(tha, client):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition))
    q = first(definition, "short_text", response=tha)
    page = _refusal(client, tha, kobo_csv(columns, [{q.id: "x"}], form_id="another-form"),
                    "k.csv")
    assert "these submissions are of the form another-form" in page
    page = _refusal(client, tha, b"name;age\r\nAnn;3\r\n", "people.csv")
    assert "no column names a question" in page
    page = _refusal(client, tha, kobo_csv(columns, []), "k.csv")
    assert "a header but no submission" in page
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0


HOSTILE_CSV = [
    (b"\xff\xfe\x00a\x00;\x00b", "not utf-8 text"),
    (b"leg_untoc;x\r\nyes\x00;1\r\n", "nul characters"),
    (b"", "is empty"),
    (b"\r\n\r\n", "the file is empty"),
    (("q;" * 6000 + "\r\n").encode(), "more than 5,000 columns"),
    (b"a\r\n" + b"1\r\n" * 1002, "more than 1,000 submissions"),
    (b'leg_untoc\r\n"unterminated' + b"x" * 200_000 + b"\r\n", "cannot be read"),
]


@pytest.mark.parametrize("content,says", HOSTILE_CSV, ids=[s for _, s in HOSTILE_CSV])
def test_hostile_csv_files_are_refused_and_nothing_is_kept(tha, client, content, says):
    assert says in _refusal(client, tha, content, "hostile.csv")
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0


def test_formula_looking_answers_are_kept_as_text_and_never_evaluated(tha, client):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition))
    q = first(definition, "short_text", response=tha)
    location = upload(client, tha, kobo_csv(columns, [{q.id: "=HYPERLINK(\"http://x\")"}]),
                      "k.csv").location
    client.post(location + "/apply", data={})
    assert answer(tha, q.id).value == '=HYPERLINK("http://x")'


def test_the_command_line_imports_a_kobo_export(tha, runner, tmp_path):
    definition = definition_for(tha)
    columns = kobo_columns(build_xlsform(definition))
    number = first(definition, "integer", answered=False, response=tha)
    choice = first(definition, "yes_no_partial", response=tha)
    path = tmp_path / "kobo.csv"
    path.write_bytes(kobo_csv(columns, [{number.id: "12", choice.id: "yes"},
                                        {number.id: "12", choice.id: "no"}]))
    base = ["--as", "focal.tha@example.org"]
    needs = runner.invoke(cli, ["import", "answers", str(path), *base])
    assert needs.exit_code == 1 and "--country ISO3 --round NAME" in needs.output
    where = ["--country", "THA", "--round", CURRENT_ROUND]
    stuck = runner.invoke(cli, ["import", "kobo", str(path), *where, *base])
    assert stuck.exit_code == 1 and f"undecided: use --pick {choice.id}=N" in stuck.output
    assert re.search(r"1\. Yes -- row\(s\) 2", stuck.output), stuck.output
    assert answer(tha, number.id) is None
    done = runner.invoke(cli, ["import", "answers", str(path), *where, *base,
                               "--pick", f"{choice.id}=2"])
    assert done.exit_code == 0, done.output
    assert answer(tha, number.id).value == 12 and answer(tha, choice.id).value == "no"
    assert {a for a in answers_of(tha)} >= {number.id, choice.id}


def test_the_focal_point_downloads_the_xlsform_to_field(tha, client):
    got = client.get(f"/responses/{tha.id}/xlsform.xlsx")
    assert got.status_code == 200
    assert sheets(got.data) == sheets(build_xlsform(definition_for(tha)))
    assert f"/responses/{tha.id}/xlsform.xlsx" in client.get(
        f"/responses/{tha.id}/workbook").get_data(as_text=True)
    login_as(client, user("focal.phl@example.org"))
    assert client.get(f"/responses/{tha.id}/xlsform.xlsx").status_code in (403, 404)


def test_an_export_into_a_submitted_response_or_by_another_country_is_refused(
        demo, client, make_user):
    idn = response_of("IDN")
    assert idn.status.value == "submitted"
    definition = definition_for(idn)
    q = first(definition, "short_text")
    content = kobo_csv(kobo_columns(build_xlsform(definition)), [{q.id: "x"}])
    focal = make_user("focal_point", "IDN", email="focal.kobo.idn@example.org")
    login_as(client, focal)
    assert "this response is submitted and locked against edits" in _refusal(
        client, idn, content, "k.csv")
    login_as(client, user("focal.tha@example.org"))
    assert upload(client, idn, content, "k.csv").status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(WorkbookUpload)) == 0
