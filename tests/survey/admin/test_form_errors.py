"""A broken rule shows under the form field it is about, in the page's words."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import User
from tests.conftest import login_as
from tests.survey.review.review_helpers import user


def _errors_under(page: str, field_id: str) -> list[str]:
    block = re.search(rf'<div class="field has-error">\s*<label for="{field_id}".*?</div>\s*</div>',
                      page, re.S)
    return re.findall(r'<p class="error">(.*?)</p>', block.group(0)) if block else []


def test_invitation_without_country_shows_the_rule_under_country(client, demo):
    login_as(client, user("admin@example.org"))
    before = db.session.scalar(select(func.count(User.id)))
    reply = client.post("/admin/users", data={"email": "new.focal@example.org", "name": "",
                                              "role": "focal_point", "country": ""})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert _errors_under(page, "country") == ["A focal point needs a country."]
    assert _errors_under(page, "email") == []
    assert "--country" not in page
    assert 'aria-describedby="country-error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(User.id))) == before


def test_a_taken_email_shows_under_email(client, demo):
    login_as(client, user("admin@example.org"))
    page = client.post("/admin/users", data={"email": "reviewer@example.org", "name": "",
                                             "role": "reviewer", "country": ""}
                       ).get_data(as_text=True)
    assert _errors_under(page, "email") == [
        "A user with the e-mail reviewer@example.org already exists."]


def test_a_duplicate_round_name_shows_under_name(client, demo):
    login_as(client, user("admin@example.org"))
    page = client.post("/admin/rounds", data={"name": "2026 capability survey",
                                              "questionnaire": "ftm-capability:1"}
                       ).get_data(as_text=True)
    assert _errors_under(page, "name") == [
        "A round named &#39;2026 capability survey&#39; already exists; choose another name."]
