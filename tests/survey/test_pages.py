"""Log in and out, and the first page: the open round and the members' status."""

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditEvent
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def test_pages_need_a_login(client, seeded):
    for url in ("/", "/rounds/1/questionnaire"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_login_and_logout_with_the_form(client, make_user):
    user = make_user("reviewer", password="correct horse battery")
    response = client.post("/login", data={"email": user.email.upper(),
                                           "password": "correct horse battery"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page and "Survey rounds" in page
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "user.login"))
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_failed_login_does_not_say_whether_the_account_exists(client, make_user):
    user = make_user("analyst")
    wrong = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert "The e-mail or password is not correct." in response.get_data(as_text=True)


def test_inactive_account_cannot_log_in(client, make_user):
    user = make_user("analyst", password="correct horse battery")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    # The right password learns the account is deactivated (nobody else does) ...
    assert response.status_code == 403
    assert "This account is deactivated" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302                       # ... and is not logged in
    # A wrong password gets the words every wrong password gets: no account enumeration.
    wrong = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert wrong.status_code == 401
    text = wrong.get_data(as_text=True)
    assert "The e-mail or password is not correct." in text and "deactivated" not in text


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user("admin", password="correct horse battery")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        client.post("/logout")
        response = client.post(f"/login?next={target}",
                               data={"email": user.email, "password": "correct horse battery"})
        assert response.headers["Location"] == "/"


def test_forms_refuse_posts_without_a_csrf_token(client, make_user):
    user = make_user("admin", password="correct horse battery")
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"},
                           csrf=False)
    assert response.status_code == 400
    login_as(client, user)
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_staff_see_every_member_with_its_status(client, demo, make_user):
    login_as(client, make_user("reviewer"))
    page = client.get("/").get_data(as_text=True)
    assert "2026 capability survey" in page and "2025 capability survey (pilot)" in page
    assert page.count("<th scope=\"row\">") == 90  # 45 members in each of the two rounds
    assert "Timor-Leste" in page and "Approved" in page and "Returned" in page


def test_focal_point_sees_only_their_own_country(client, demo, make_user):
    login_as(client, make_user("focal_point", country="FJI"))
    page = client.get("/", follow_redirects=True).get_data(as_text=True)  # to their own page
    assert "Fiji" in page and "In progress" in page
    assert "Thailand" not in page and "Australia" not in page


def test_questionnaire_of_the_round_is_shown_with_help(client, demo, make_user):
    login_as(client, make_user("focal_point", country="THA"))
    from survey.rounds import round_by_name

    round_ = round_by_name("2026 capability survey")
    page = client.get(f"/rounds/{round_.id}/questionnaire").get_data(as_text=True)
    assert "Legislative and policy frameworks" in page
    assert "ARIN-AP" in page
    assert page.count('class="q-label"') == 69
    assert client.get("/rounds/999/questionnaire").status_code == 404


def test_language_follows_the_user_setting_then_the_browser(client, make_user):
    page = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page
    user = make_user("admin")
    login_as(client, user)
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page  # no choice made yet: the browser's
    user.language = "en"
    db.session.commit()
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page  # the account's own choice (English) wins


def test_a_draft_round_questionnaire_is_for_administrators_only(client, seeded, make_user):
    from survey.models import RoundState
    from survey.rounds import open_round

    draft = open_round("Draft round", "ftm-capability")
    draft.state = RoundState.DRAFT
    db.session.commit()
    login_as(client, make_user("focal_point", country="THA"))
    assert client.get(f"/rounds/{draft.id}/questionnaire").status_code == 404
    login_as(client, make_user("admin"))
    assert client.get(f"/rounds/{draft.id}/questionnaire").status_code == 200


def test_a_broken_rule_reads_the_same_on_every_page(app):
    """One helper turns a broken business rule into the page's message: the rule's line with
    a capital and a full stop, nothing written, and beside the field when one is named."""
    from flask_wtf import FlaskForm
    from wtforms import StringField

    from survey.models import OutboxMessage
    from survey.rules import SurveyError, commit_or_explain, rule_message

    assert rule_message(SurveyError("a round needs a name")) == "A round needs a name."
    assert rule_message(SurveyError("Done already.")) == "Done already."

    with app.test_request_context("/", method="POST"):
        with commit_or_explain() as outcome:
            db.session.add(OutboxMessage(to_addr="a@example.org", subject="s", body="b"))
            db.session.flush()
            raise SurveyError("the round is closed; it cannot close now")
        assert outcome.message == "The round is closed; it cannot close now."
        from flask import get_flashed_messages, session

        assert get_flashed_messages(with_categories=True) == [
            ("error", "The round is closed; it cannot close now.")]
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0  # rolled back

        class NameForm(FlaskForm):
            class Meta:
                csrf = False

            name = StringField()

        form = NameForm()
        form.validate()
        with commit_or_explain(field=form.name) as outcome:
            raise SurveyError("a round named 'x' already exists")
        assert form.name.errors == ["A round named 'x' already exists."]
        assert "_flashes" not in session  # beside the field, not flashed as well

        with commit_or_explain() as outcome:
            db.session.add(OutboxMessage(to_addr="a@example.org", subject="s", body="b"))
        assert outcome.broken is None
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1  # committed
