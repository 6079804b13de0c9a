"""Each person in their language (issue 13): the choice is unset until made, the browser's
languages decide till then, a switcher on every page (logged out too), e-mails in the
recipient's language, Arabic right to left, dates and figures written the language's way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import refresh
from sqlalchemy import select

from questionnaires.numbers import Understood, parse_number
from survey.accounts.invitations import request_password_reset
from survey.audit import record
from survey.extensions import db
from survey.i18n import browser_language
from survey.models import AuditEvent, OutboxMessage, User
from tests.conftest import login_as

SHIPPED = ["en", "fr", "id", "th", "vi", "zh_Hans", "ar"]


@pytest.mark.parametrize("accepted, expected", [
    ([], "en"),
    ([("de-DE", 1), ("de", 0.9)], "en"),
    ([("th-TH", 1), ("en", 0.5)], "th"),
    ([("fr-CA", 1)], "fr"),
    ([("zh-CN", 1)], "zh_Hans"),
    ([("zh-Hans-SG", 1)], "zh_Hans"),
    ([("zh-TW", 1), ("en", 0.4)], "en"),      # Traditional Chinese is not shipped: not Simplified
    ([("ar-EG", 1)], "ar"),
    ([("vi", 0), ("id", 0.8)], "id"),          # q=0 means "not this one"
    ([("*", 1)], "en"),
])
def test_the_browser_language_picks_a_shipped_language(accepted, expected):
    assert browser_language(accepted, SHIPPED) == expected


def test_every_shipped_language_has_a_catalogue_and_a_status(app):
    from survey.catalogues import catalogue_files, draft_languages

    shipped = set(app.config["SURVEY_LANGUAGES"])
    assert shipped == set(SHIPPED)
    assert {po.parent.parent.name for po in catalogue_files()} == shipped - {"en"}
    assert draft_languages() == shipped - {"en"}  # nobody has checked them yet


def test_a_fresh_clone_compiles_its_catalogues_when_the_app_starts(app, tmp_path, monkeypatch):
    from survey import catalogues

    po = next(p for p in catalogues.catalogue_files() if p.parent.parent.name == "th")
    copy = tmp_path / "th" / "LC_MESSAGES" / "messages.po"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(po.read_bytes())
    monkeypatch.setattr(catalogues, "TRANSLATIONS", tmp_path)
    catalogues.ensure_compiled()
    mo = copy.with_suffix(".mo")
    assert mo.exists() and not catalogues.stale(copy)
    from babel.support import Translations

    with mo.open("rb") as handle:
        assert Translations(handle).gettext("Log out") == "ออกจากระบบ"


def test_without_a_choice_the_browser_language_decides(app, demo, client):
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    assert focal.language is None
    login_as(client, focal)
    page = client.get("/", headers={"Accept-Language": "th-TH,th;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="th" dir="ltr">' in page and "ออกจากระบบ" in page
    assert "ฉบับแปลร่าง" in page                              # the draft notice, in Thai
    page = client.get("/").get_data(as_text=True)          # no Accept-Language: English
    assert '<html lang="en" dir="ltr">' in page and "Log out" in page
    assert "Draft translation" not in page


def test_the_switcher_saves_a_logged_in_choice_with_an_audit_event(app, demo, client):
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    login_as(client, focal)
    reply = client.post("/language", data={"language": "ar", "next": "/account"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/account")
    db.session.expire_all()
    assert db.session.get(User, focal.id).language == "ar"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.language")
                              .order_by(AuditEvent.id.desc()))
    assert (event.user_id, event.old_value, event.new_value) == (focal.id, None, "ar")
    page = client.get("/account", headers={"Accept-Language": "th"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page                 # the choice beats the browser


def test_the_switcher_works_logged_out_and_refuses_what_is_not_shipped(app, client):
    reply = client.post("/language", data={"language": "vi", "next": "/login"})
    assert reply.status_code == 302
    assert '<html lang="vi" dir="ltr">' in client.get("/login").get_data(as_text=True)
    reply = client.post("/language", data={"language": "xx", "next": "https://evil.example/"},
                        follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert reply.request.path == "/" or reply.request.path == "/login"  # never off the site
    assert "Ngôn ngữ đó không được cung cấp." in page                   # said in Vietnamese
    assert '<html lang="vi"' in page                                   # nothing changed
    assert client.post("/language", data={"language": "fr"}, csrf=False).status_code == 400


def test_every_page_has_the_switcher_logged_out(app, client):
    for path in ("/login", "/profiles", "/forgot-password"):
        page = client.get(path)
        if page.status_code == 404:
            continue
        assert 'action="/language"' in page.get_data(as_text=True), path


def test_emails_go_out_in_the_recipient_language(app, demo):
    focal = db.session.scalar(select(User).where(User.email == "focal.tha@example.org"))
    focal.language = "fr"
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "th"}):  # the sender's is Thai
        request_password_reset(focal.email, lambda purpose, raw: f"http://localhost/{raw}")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == focal.email)
                             .order_by(OutboxMessage.id.desc()))
    assert mail.subject == ("Réinitialisez votre mot de passe pour l’enquête sur les capacités "
                            "du Processus de Bali")
    assert mail.body.startswith(f"Bonjour {focal.display_name},")


def test_dates_and_figures_are_written_the_page_language_way_and_read_back(app):
    when = app.jinja_env.filters["when"]
    number = app.jinja_env.filters["number"]
    moment = dt.datetime(2026, 3, 5, 14, 7)
    with app.test_request_context("/"):
        refresh()
        assert when(moment) == "05 Mar 2026 14:07 UTC"      # English as before
        assert number(1500000.5) == "1,500,000.5" and number(12.345, 1) == "12.3"
    for code in ("fr", "th", "ar", "zh_Hans", "vi", "id"):
        with app.test_request_context("/", headers={"Accept-Language": code.replace("_", "-")}):
            refresh()
            shown = number(1500000.5)
            read = parse_number(shown, code)
            assert isinstance(read, Understood) and read.value == Decimal("1500000.5"), (code, shown)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        refresh()
        assert when(moment) == "5 mars 2026 14:07 UTC"
        assert number(1500000.5) == "1\u202f500\u202f000,5"
        assert number(40, 0, percent=True) == "40\u00a0%"
    with app.test_request_context("/", headers={"Accept-Language": "th"}):
        refresh()
        assert when(moment.date()) == "5 มี.ค. 2026"


def test_the_migration_keeps_english_only_where_someone_chose_it(app, demo):
    from flask_migrate import downgrade, upgrade

    users = {u.email: u.id for u in db.session.scalars(select(User))}
    chose_en, chose_fr, never = (users["focal.tha@example.org"], users["reviewer@example.org"],
                                 users["admin@example.org"])
    record("user.language", "user", user=db.session.get(User, chose_en), entity_id=chose_en,
           old="fr", new="en")
    db.session.commit()
    db.session.remove()
    downgrade(revision="0010_questionnaire_translations")
    with db.engine.begin() as conn:       # what the old schema held: 'en' everywhere by default
        conn.execute(sa.text("UPDATE users SET language = 'en'"))
        conn.execute(sa.text("UPDATE users SET language = 'fr' WHERE id = :id"), {"id": chose_fr})
    upgrade()
    languages = dict(db.session.execute(select(User.id, User.language)).all())
    assert languages[chose_en] == "en"      # the audit trail shows the choice
    assert languages[chose_fr] == "fr"      # only a choice writes another language
    assert languages[never] is None         # the old default: the browser decides now
    assert sum(1 for v in languages.values() if v is None) == len(languages) - 2
