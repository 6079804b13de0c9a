"""Every page, profile, workbook, CSV and API response made from demo data says so
(issue 12 §6), and nothing made from a real round does."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from survey.accounts.api_tokens import create_token
from survey.answering.workbooks import answer_workbook
from survey.demo import CURRENT_ROUND, DEMO_BANNER, PREVIOUS_ROUND
from survey.downloads.services import build_export
from survey.extensions import db
from survey.members import country_by_iso3
from survey.models import Response, User
from survey.profile_pages.rendering import standalone_profile_html
from survey.review.services import tracker
from survey.review.tracker_workbook import tracker_workbook
from survey.rounds import open_round, round_by_name
from tests.conftest import login_as
from tests.exports.helpers import load

NOTICE = "Demonstration data – not the answers of any member"


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def response_of(iso3: str, round_name: str = CURRENT_ROUND) -> Response:
    round_ = round_by_name(round_name)
    return db.session.scalar(select(Response).where(
        Response.round_id == round_.id, Response.country_id == country_by_iso3(iso3).id))


def notices(html: str) -> int:
    return html.count(f'<p class="demo-notice" role="note">{NOTICE}</p>')


def test_the_notice_text_is_the_one_the_demo_uses():
    assert DEMO_BANNER == NOTICE


def test_every_staff_page_showing_demo_round_data_says_so_once(app, demo, client):
    login_as(client, user("reviewer@example.org"))
    current = round_by_name(CURRENT_ROUND)
    previous = round_by_name(PREVIOUS_ROUND)
    idn = response_of("IDN")
    pages = ["/", f"/rounds/{current.id}/tracker", f"/rounds/{previous.id}/tracker",
             f"/responses/{idn.id}/review", f"/responses/{idn.id}/comments",
             f"/rounds/{current.id}/overview", f"/rounds/{current.id}/profiles/AUS",
             f"/rounds/{previous.id}/profiles/AUS", "/exports/"]
    for url in pages:
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert notices(reply.get_data(as_text=True)) == 1, url


def test_every_page_a_focal_point_answers_on_says_so(app, demo, client):
    login_as(client, user("focal.fji@example.org"))
    fji = response_of("FJI")
    for url in ["/", f"/responses/{fji.id}/sections/institutions",
                f"/responses/{fji.id}/sections/operational", f"/responses/{fji.id}/summary",
                f"/responses/{fji.id}/workbook"]:
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert notices(reply.get_data(as_text=True)) == 1, url


def test_pages_of_a_real_round_carry_no_notice(app, demo, client):
    real = open_round("2027 capability survey", "ftm-capability:2")
    db.session.commit()
    assert not real.is_demo
    login_as(client, user("reviewer@example.org"))
    html = client.get(f"/rounds/{real.id}/tracker").get_data(as_text=True)
    assert notices(html) == 0 and "2027 capability survey" in html
    assert notices(client.get("/account").get_data(as_text=True)) == 0  # no round data


def test_the_saved_or_printed_profile_says_so(app, demo):
    round_ = round_by_name(CURRENT_ROUND)
    with app.test_request_context("/"):
        html = standalone_profile_html(round_, country_by_iso3("AUS"))
    assert notices(html) == 1
    # The print styles hide the header and the navigation, never the notice.
    assert ".demo-notice" not in html.split("@media print", 1)[1].split("}", 1)[0]


def _header(ws) -> str:
    return ws.oddHeader.center.text or ""


@pytest.mark.parametrize("params", [
    {"kind": "regional", "format": "xlsx"},
    {"kind": "country", "country": "AUS"},
])
def test_every_sheet_of_an_export_workbook_says_so(app, demo, params):
    round_ = round_by_name(CURRENT_ROUND)
    result = build_export({**params, "round": round_.id}, "test")
    book = load(result.content)
    overview = book["Overview"]
    cells = [str(c.value) for row in overview.iter_rows(max_row=6) for c in row if c.value]
    assert NOTICE.upper() in cells
    assert any(NOTICE in c for c in cells)  # the About table names the rounds too
    for ws in book.worksheets:
        assert NOTICE in _header(ws), ws.title
    assert NOTICE.upper() in (book.properties.subject or "")


def test_the_tidy_csv_marks_every_row_in_a_column(app, demo):
    round_ = round_by_name(CURRENT_ROUND)
    result = build_export({"kind": "regional", "round": round_.id, "format": "csv"}, "test")
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig"))))
    assert rows and {r["Demo data"] for r in rows} == {"True"}
    # A tidy file: the first line is the header, no comment line before it.
    assert result.content.decode("utf-8-sig").startswith("Round,Country,ISO3")


def test_the_csv_zip_has_a_readme_and_the_column(app, demo):
    round_ = round_by_name(CURRENT_ROUND)
    result = build_export({"kind": "regional", "round": round_.id, "format": "zip"}, "test")
    archive = zipfile.ZipFile(io.BytesIO(result.content))
    readme = archive.read("00-README-DEMONSTRATION-DATA.txt").decode()
    assert NOTICE in readme and CURRENT_ROUND in readme
    data = archive.read("06-data.csv").decode("utf-8-sig")
    assert data.splitlines()[0].endswith(",Demo data")


def test_the_tracker_and_answer_workbooks_say_so(app, demo):
    round_ = round_by_name(CURRENT_ROUND)
    with app.test_request_context():  # both are downloads, made within a request
        book = load(tracker_workbook(tracker(round_)))
        content, _name = answer_workbook(response_of("FJI"))
    ws = book.worksheets[0]
    assert NOTICE in _header(ws) and ws["A2"].value == NOTICE
    for ws in load(content).worksheets:
        assert NOTICE in _header(ws), ws.title


def test_a_real_round_export_has_no_notice_and_a_false_column(app, demo):
    real = open_round("2027 capability survey", "ftm-capability:2")
    db.session.commit()
    result = build_export({"kind": "regional", "round": real.id, "format": "xlsx"}, "test")
    book = load(result.content)
    assert all(NOTICE not in _header(ws) for ws in book.worksheets)
    cells = [str(c.value) for row in book["Overview"].iter_rows() for c in row if c.value]
    assert not any(NOTICE.lower() in c.lower() for c in cells)


def test_api_responses_carry_a_demo_field(app, demo, client):
    _token, raw = create_token(user("analyst@example.org"), "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    rounds = client.get("/api/v1/rounds", headers=headers).get_json()["results"]
    by_name = {r["name"]: r for r in rounds}
    assert by_name[CURRENT_ROUND]["demo"] is True and by_name[CURRENT_ROUND]["notice"] == NOTICE
    assert by_name[PREVIOUS_ROUND]["demo"] is True
    round_id = by_name[CURRENT_ROUND]["id"]
    answers = client.get(f"/api/v1/rounds/{round_id}/answers?limit=5", headers=headers).get_json()
    assert answers["demo"] is True and answers["notice"] == NOTICE
    assert answers["results"] and all(row["demo"] is True for row in answers["results"])
    scores = client.get(f"/api/v1/rounds/{round_id}/scores", headers=headers).get_json()
    assert scores["demo"] is True and scores["notice"] == NOTICE
    streamed = client.get(f"/api/v1/rounds/{round_id}/answers?format=csv", headers=headers)
    header = streamed.get_data(as_text=True).splitlines()[0]
    assert header.split(",")[-1] == "demo"
    real = open_round("2027 capability survey", "ftm-capability:2")
    db.session.commit()
    body = client.get(f"/api/v1/rounds/{real.id}/scores", headers=headers).get_json()
    assert body["demo"] is False and body["notice"] is None
