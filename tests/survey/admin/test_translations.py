"""Translating a questionnaire version without code: download, upload -> preview -> apply,
coverage, the audit trail, and pages that show the translation with English beside it."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po as babel_write_po
from sqlalchemy import func, select

from questionnaires import load_definition
from questionnaires.translations import Row, text_entries
from survey.cli import cli
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import (
    AuditEvent,
    Country,
    QuestionnaireTranslation,
    QuestionnaireVersion,
    Response,
    Round,
    TranslationUpload,
    User,
)
from survey.questionnaire_translations import apply, load_bundled, preview
from survey.questionnaire_versions import definition_of, register_definition
from tests.conftest import login_as, translated_in

V2_FILE = (Path(__file__).resolve().parents[3] / "questionnaires" / "definitions"
           / "ftm-capability-v2.yaml")


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def _version() -> QuestionnaireVersion:
    return db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND)).questionnaire


@pytest.fixture
def admin(demo, client):
    login_as(client, _user("admin@example.org"))
    return _version()


def _download(client, version, language="fr", kind="po"):
    page = client.get(f"/admin/questionnaires/{version.id}/translations/file",
                      query_string={"language": language, "kind": kind})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return page


def _upload(client, version, content: bytes, filename: str, language="fr"):
    return client.post(f"/admin/questionnaires/{version.id}/translations",
                       data={"translations": (io.BytesIO(content), filename),
                             "language": language},
                       content_type="multipart/form-data")


def _po_with(data: bytes, texts: dict[str, str], fuzzy: bool = True,
             english: dict[str, str] | None = None) -> bytes:
    catalog = babel_read_po(io.BytesIO(data))
    for message in list(catalog):
        if message.context in texts:
            message.string = texts[message.context]
            message.flags = {"fuzzy"} if fuzzy else set()
        if english and message.context in english:  # a file made from other English
            catalog.delete(message.id, context=message.context)
            catalog.add(english[message.context], message.string, context=message.context)
    out = io.BytesIO()
    babel_write_po(out, catalog)
    return out.getvalue()


def _first_question():
    return definition_of(_version(), language="en").questions[0]


def test_a_po_file_goes_out_and_back_through_a_preview_and_is_audited(admin, client):
    version = admin
    q = _first_question()
    page = _download(client, version, "fr", "po")
    assert page.headers["Content-Disposition"].endswith('.fr.po"')
    original = page.get_data()
    assert f'msgctxt "{q.id}|label"'.encode() in original
    edited = _po_with(original, {f"{q.id}|label": "La loi incrimine-t-elle la traite ?",
                                 f"{q.id}|help": "Aide en français."})
    answer = _upload(client, version, edited, "fr.po", "fr")
    assert answer.status_code == 302
    preview = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "La loi incrimine-t-elle la traite ?" in preview
    assert "2 texts change" in preview and "Missing" in preview
    assert db.session.scalar(select(func.count(QuestionnaireTranslation.id))) == 0  # not yet
    upload_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    applied = client.post(f"/admin/questionnaires/{version.id}/translations/uploads/"
                          f"{upload_id}/apply", follow_redirects=True)
    html = applied.get_data(as_text=True)
    assert "2 translated text(s) from fr.po were saved." in html
    stored = db.session.scalars(select(QuestionnaireTranslation)).all()
    assert {(t.language, t.subject, t.field, t.status) for t in stored} == {
        ("fr", q.id, "label", "draft"), ("fr", q.id, "help", "draft")}
    assert all(t.updated_by_id == _user("admin@example.org").id for t in stored)
    # The stored version never changed.
    assert db.session.get(QuestionnaireVersion, version.id).checksum == version.checksum
    # Who changed which text, in words.
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "questionnaire.translation")).all()
    assert {e.question_id for e in events} == {q.id}
    assert {e.new_value["text"] for e in events} >= {"La loi incrimine-t-elle la traite ?"}
    trail = client.get("/admin/audit").get_data(as_text=True)
    assert "Questionnaire text translated or corrected" in trail and f"{q.id} · " in trail
    # Applied once: the upload cannot be applied again.
    again = client.post(f"/admin/questionnaires/{version.id}/translations/uploads/"
                        f"{upload_id}/apply", follow_redirects=True)
    assert "is not waiting to be applied" in again.get_data(as_text=True)
    # Coverage per language on the admin page.
    listing = client.get(f"/admin/questionnaires/{version.id}/translations").get_data(
        as_text=True)
    assert re.search(r"Français.*?\d+ %.*?\(2 of \d+\)", listing, re.S)


def test_the_preview_lists_missing_extra_since_changed_and_placeholder_problems(admin, client):
    version = admin
    q, other = definition_of(version, language="en").questions[:2]
    original = _download(client, version, "fr", "po").get_data()
    edited = _po_with(original, {f"{q.id}|label": "Traduit",
                                 f"{q.id}|help": "Aide avec {n} en trop",
                                 f"{other.id}|label": "Traduit depuis un ancien texte"},
                      english={f"{other.id}|label": "An older English wording"})
    edited += '\nmsgctxt "ghost_question|label"\nmsgid "Ghost"\nmsgstr "Fantôme"\n'.encode()
    answer = _upload(client, version, edited, "fr.po")
    html = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "English changed since the translation was made" in html and other.id in html
    assert "Not texts of this questionnaire version" in html and "ghost_question|label" in html
    assert "placeholders do not match the English" in html and "it adds {n}" in html
    assert "1 text changes" in html
    assert "Missing" in html


def test_a_translation_workbook_round_trips_through_the_pages(admin, client):
    version = admin
    q = _first_question()
    page = _download(client, version, "fr", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(page.get_data()))
    ws = book["Translations"]
    for row in ws.iter_rows(min_row=5):
        if row[5].value == f"{q.id}|label":
            row[3].value, row[4].value = "=1+1 n'est pas une formule", "checked"
            row[3].data_type = "s"  # typed as text (Excel's quote prefix), not as a formula
    out = io.BytesIO()
    book.save(out)
    answer = _upload(client, version, out.getvalue(), "fr.xlsx")
    assert answer.status_code == 302
    upload_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/admin/questionnaires/{version.id}/translations/uploads/{upload_id}/apply")
    stored = db.session.scalar(select(QuestionnaireTranslation))
    assert (stored.text, stored.status) == ("=1+1 n'est pas une formule", "checked")
    # Downloaded again, the formula-like text is a text cell, never a formula.
    again = openpyxl.load_workbook(io.BytesIO(_download(client, version, "fr", "xlsx").get_data()))
    cell = next(r[3] for r in again["Translations"].iter_rows(min_row=5)
                if r[5].value == f"{q.id}|label")
    assert cell.value == "=1+1 n'est pas une formule" and cell.data_type == "s"


def test_bad_uploads_are_refused_in_plain_words_and_store_nothing(admin, client):
    version = admin
    cases = [(b"not a workbook", "fr.xlsx", "not a valid .xlsx workbook"),
             (b"key: value", "fr.yaml", "is not a .xlsx or .po file"),
             (b'msgid "x\n', "fr.po", "cannot be read"),
             ("\ufeffmsgid \"\"\nmsgstr \"\"\n".encode("utf-16"), "fr.po", "not UTF-8")]
    for content, name, words in cases:
        page = _upload(client, version, content, name)
        assert page.status_code == 400
        assert words in page.get_data(as_text=True), name
    other = _po_with(_download(client, version, "fr", "po").get_data(), {})
    wrong = other.replace(b"Language: fr", b"Language: th")
    page = _upload(client, version, wrong, "th.po", "fr")
    assert page.status_code == 400
    assert "The file th.po is a translation into &#39;th&#39;, not &#39;fr&#39;" in page.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count(TranslationUpload.id))) == 0
    assert db.session.scalar(select(func.count(QuestionnaireTranslation.id))) == 0


def test_only_administrators_reach_translations(demo, client):
    version = _version()
    login_as(client, _user("reviewer@example.org"))
    assert client.get(f"/admin/questionnaires/{version.id}/translations").status_code == 403
    assert client.get(f"/admin/questionnaires/{version.id}/translations/file",
                      query_string={"language": "fr", "kind": "po"}).status_code == 403


def _translate(version, key: str, text: str, status="draft"):
    english = {e.key: e.english for e in text_entries(definition_of(version, language="en"))}
    comparison = preview(version, "fr", [Row("test", key, text, status, english=english[key])])
    apply(version, "fr", comparison, None, source="test")
    db.session.commit()


def test_a_french_focal_point_reads_the_translation_with_english_one_click_away(demo, client):
    version = _version()
    definition = definition_of(version, language="en")
    q = next(q for q in definition.questions if q.options)
    _translate(version, f"{q.id}|label", "Question traduite en français")
    _translate(version, f"{q.id}|option:{q.options[0].code}", "Option traduite", "checked")
    section = next(s for s in definition.sections if q in s.questions)
    _translate(version, f"{section.id}|section title", "Section traduite")
    focal = _user("focal.tha@example.org")
    focal.language = "fr"
    db.session.commit()
    login_as(client, focal)
    response = db.session.scalar(select(Response).join(Country).where(
        Country.iso3 == "THA", Response.round_id == db.session.scalar(
            select(Round.id).where(Round.name == CURRENT_ROUND))))
    html = client.get(f"/responses/{response.id}/sections/{section.id}").get_data(as_text=True)
    assert "Question traduite en français" in html and "Option traduite" in html
    assert "<h1>Section traduite</h1>" in html
    assert translated_in("fr", "The questionnaire was translated from English; the English text is "
                    "authoritative. “English” beside each question shows it.") in html
    block = html.split(f'id="q-{q.id}"', 1)[1].split('class="question', 1)[0]
    assert '<details class="english-original">' in block and q.label.get("en") in block
    assert translated_in("fr", "draft translation") in block
    # Other questions (no translation) fall back to English, still with English beside.
    other = next(o for o in section.questions if o.id != q.id and not o.computed)
    assert other.label.get("en") in html
    # An English reader sees the English only, with no mark.
    focal.language = "en"
    db.session.commit()
    login_as(client, focal)
    english = client.get(f"/responses/{response.id}/sections/{section.id}").get_data(
        as_text=True)
    assert "Question traduite" not in english and "english-original" not in english
    # A reviewer reading in French sees the translated question with the typed answer.
    reviewer = _user("reviewer@example.org")
    reviewer.language = "fr"
    db.session.commit()
    login_as(client, reviewer)
    review = client.get(f"/responses/{response.id}/review").get_data(as_text=True)
    assert "Question traduite en français" in review and "Section traduite" in review


def test_seed_loads_the_bundled_drafts_without_overwriting_corrections(seeded, runner):
    version, _ = register_definition(load_definition(V2_FILE))
    db.session.commit()
    _translate(version, "institutions|section title", "Corrigé par un humain", "checked")
    result = runner.invoke(cli, ["seed"])
    assert result.exit_code == 0, result.output
    assert "Translations of ftm-capability:2 into fr:" in result.output
    kept = db.session.scalar(select(QuestionnaireTranslation).where(
        QuestionnaireTranslation.subject == "institutions",
        QuestionnaireTranslation.field == "section title"))
    assert (kept.text, kept.status) == ("Corrigé par un humain", "checked")
    loaded = db.session.scalar(select(func.count(QuestionnaireTranslation.id)).where(
        QuestionnaireTranslation.questionnaire_version_id == version.id,
        QuestionnaireTranslation.status == "draft"))
    assert loaded > 100
    # Idempotent: a second load adds nothing in any shipped language.
    assert load_bundled([version]) == [(version.key, lang, 0)
                                       for lang in ("ar", "fr", "id", "th", "vi", "zh_Hans")]


def test_the_command_line_exports_and_imports(demo, runner, tmp_path):
    version = _version()
    q = _first_question()
    out = tmp_path / "fr.po"
    result = runner.invoke(cli, ["translations", "export", version.key, "--lang", "fr",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    out.write_bytes(_po_with(out.read_bytes(), {f"{q.id}|label": "Par la ligne de commande"}))
    result = runner.invoke(cli, ["translations", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 text(s) changed" in result.output and "Saved 1 text(s)." in result.output
    assert definition_of(version, language="fr").question(q.id).label.get("fr") == \
        "Par la ligne de commande"
    bad = tmp_path / "bad.po"
    bad.write_bytes(_po_with(out.read_bytes(), {f"{q.id}|help": "Avec %(x)s en trop"}))
    result = runner.invoke(cli, ["translations", "import", str(bad)])
    assert result.exit_code == 1 and "refused" in result.output
    xlsx = tmp_path / "fr.xlsx"
    result = runner.invoke(cli, ["translations", "export", version.key, "--lang", "fr",
                                 "--out", str(xlsx)])
    assert result.exit_code == 0 and xlsx.stat().st_size > 1000
