"""The answer workbook asks for the same warning confirmations as the pages (issue 12 §2):
the preview lists each unusual figure, applying waits for the tick, and the apply records
the confirmation under the person's name in the audit trail, as a page save does."""

from __future__ import annotations

from sqlalchemy import select

from survey.answering.responses import definition_for
from survey.extensions import db
from survey.models import WarningConfirmation
from tests.workbook_helpers import edit

from .test_checks import audit, stored
from .test_workbook import download, upload

HIGH = "plausible_high:op_tip_investigations"


def _confirmations(response):
    db.session.expire_all()
    return db.session.scalars(select(WarningConfirmation).where(
        WarningConfirmation.response_id == response.id)).all()


def test_the_preview_lists_warnings_and_the_apply_records_the_confirmation(tha2, client):
    number = definition_for(tha2).question("op_tip_investigations").number
    content = edit(download(client, tha2), {("op_tip_investigations", ""): 6000})
    location = upload(client, tha2, content).location
    page = client.get(location).get_data(as_text=True)
    assert "Figures to confirm" in page
    assert f"Question {number}: " in page and "unusually high" in page
    assert 'name="confirm"' in page and "I confirm this figure is correct" in page

    # Not ticked: nothing is saved, and the page says why.
    refused = client.post(location + "/apply", data={}, follow_redirects=True)
    assert "confirm each warning first" in refused.get_data(as_text=True).lower()
    assert stored(tha2, "op_tip_investigations") is None and not _confirmations(tha2)

    page = client.get(location).get_data(as_text=True)
    key = page.split('name="confirm" value="', 1)[1].split('"', 1)[0]
    applied = client.post(location + "/apply", data={"confirm": key})
    assert applied.status_code == 302
    assert stored(tha2, "op_tip_investigations") == 6000
    rows = _confirmations(tha2)
    assert [(r.warning_id, r.values, r.confirmed_by.email) for r in rows] == [
        (HIGH, [6000], "focal.tha@example.org")]
    events = audit(tha2, "answer.warning_confirm")
    assert len(events) == 1 and events[0].user.email == "focal.tha@example.org"
    assert events[0].new_value["values"] == [6000]
    upload_event = audit(tha2, "response.workbook_upload")[-1]
    assert upload_event.new_value["warnings_confirmed"] == [HIGH]
    # The summary no longer asks for it: the workbook's tick is the pages' tick.
    summary = client.get(f"/responses/{tha2.id}/summary").get_data(as_text=True)
    assert "unusually high" not in summary.split("All answers")[0]


def test_a_figure_already_confirmed_is_shown_as_confirmed_not_asked_again(tha2, client):
    for ticked in ({}, {"op_tip_investigations__warn_shown": HIGH,
                        "op_tip_investigations__warn": HIGH}):  # saved, then confirmed
        client.post(f"/responses/{tha2.id}/answers/op_tip_investigations",
                    data={"op_tip_investigations": "6000", "op_tip_investigations__evidence": "",
                          **ticked}, headers={"Accept": "application/json"})
    assert len(_confirmations(tha2)) == 1
    # The workbook changes the evidence and a figure the warning compares with stays: the
    # warning is raised on the same 6000, already confirmed.
    content = edit(download(client, tha2), {("op_tip_investigations", ""): 6000},
                   evidence={"op_tip_investigations": "Police annual report"})
    location = upload(client, tha2, content).location
    page = client.get(location).get_data(as_text=True)
    assert "Confirmed" in page and "confirmed by" in page
    assert 'name="confirm"' not in page
    assert client.post(location + "/apply", data={}).status_code == 302
    assert len(audit(tha2, "answer.warning_confirm")) == 1  # not recorded twice
