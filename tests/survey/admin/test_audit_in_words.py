"""The audit trail names the target of every action and shows changes as old → new in
words: account e-mails, round names, country and round, question texts, option labels."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from survey.accounts.users import change_role, deactivate
from survey.answering.responses import save_answer
from survey.extensions import db
from survey.models import User
from tests.conftest import login_as
from tests.survey.review.review_helpers import CURRENT_ROUND, response_of, round_named, user

QUESTION = "leg_tip_offence"
QUESTION_TEXT = "Is trafficking in persons a criminal offence that covers every form"


def _rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _trail(client, action: str) -> list[str]:
    return _rows(client.get(f"/admin/audit?action={action}").get_data(as_text=True))


def test_account_actions_name_the_account_and_the_change(client, demo):
    admin = user("admin@example.org")
    focal = user("focal.phl@example.org")
    deactivate(focal, admin)
    db.session.commit()
    change_role(focal, "reviewer", None, admin)
    db.session.commit()
    login_as(client, admin)
    [row] = _trail(client, "user.deactivate")
    assert "Account deactivated" in row
    assert "Account focal.phl@example.org" in row
    assert "Active → Deactivated" in row
    [row] = _trail(client, "user.role")
    assert "Account focal.phl@example.org" in row
    assert "Role: Focal point → Reviewer" in row and "Country: Philippines → none" in row
    assert "{" not in row and "focal_point" not in row.replace("user.role", "")


def test_answer_changes_show_the_question_text_and_option_labels(client, demo):
    response = response_of("THA")
    focal = user("focal.tha@example.org")
    save_answer(response, QUESTION, "yes", focal, evidence="Penal Code s. 6")
    db.session.commit()
    save_answer(response, QUESTION, "partial", focal, evidence="Penal Code s. 6 (2019)")
    db.session.commit()
    login_as(client, user("admin@example.org"))
    page = client.get(f"/admin/audit?action=answer.save&user={focal.id}").get_data(as_text=True)
    newest = _rows(page)[0]
    assert f"Thailand · {CURRENT_ROUND} · question" in newest and QUESTION_TEXT in newest
    assert "Answer: Yes → Partly" in newest
    assert "Evidence: “Penal Code s. 6” → “Penal Code s. 6 (2019)”" in newest
    assert '"value"' not in page and "&#34;value&#34;" not in page     # no JSON left


def test_round_and_response_actions_name_the_round_and_the_country(client, demo):
    login_as(client, user("reviewer@example.org"))
    response = response_of("IDN")
    client.post(f"/responses/{response.id}/return",
                data={"reason": "Please check 2.1.", "confirmed": "yes"})
    current = round_named(CURRENT_ROUND)
    login_as(client, user("admin@example.org"))
    client.post(f"/admin/rounds/{current.id}/close", data={"confirmed": "yes"})
    [row] = _trail(client, "round.close")
    assert f"Round {CURRENT_ROUND}" in row and "Open → Closed" in row
    newest = _trail(client, "response.status")[0]
    assert f"Indonesia · {CURRENT_ROUND}" in newest
    assert "Submitted → Returned" in newest and "Please check 2.1." in newest


def test_the_download_carries_the_words_beside_the_codes(client, demo):
    admin = user("admin@example.org")
    deactivate(db.session.scalar(select(User).where(User.email == "focal.fji@example.org")), admin)
    db.session.commit()
    login_as(client, admin)
    text = client.get("/admin/audit.csv?action=user.deactivate").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][-3:] == ["What (in words)", "Target", "Change (in words)"]
    assert rows[1][2] == "user.deactivate"
    assert rows[1][-3:] == ["Account deactivated", "Account focal.fji@example.org",
                            "Active → Deactivated; 0 API token(s) revoked"]


def test_every_action_the_app_records_has_words():
    """A new audit action must be named in words: the trail never shows a bare code."""
    import re
    from pathlib import Path

    from survey.admin.audit_words import ACTION_LABELS

    source = Path(__file__).resolve().parents[3] / "survey"
    recorded = set()
    for path in source.rglob("*.py"):
        recorded |= set(re.findall(r'\brecord\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert len(recorded) > 20  # the search found the calls
    assert recorded - set(ACTION_LABELS) == set()
