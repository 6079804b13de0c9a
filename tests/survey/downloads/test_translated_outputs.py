"""A country profile and the regional workbook in French, from the translation layer.

The pure packages (profiles, exports) receive the language and a definition carrying its
translations; the tidy data keeps language-neutral codes beside the labels, and the
codebook lists every shipped language.
"""

import io

import openpyxl
from sqlalchemy import select

from questionnaires.translations import Row, text_entries
from survey.demo import CURRENT_ROUND
from survey.downloads.services import build_export
from survey.extensions import db
from survey.models import Round, User
from survey.questionnaire_translations import apply, preview
from survey.questionnaire_versions import definition_of
from tests.conftest import catalogue_says, login_as


def _translate(version, texts: dict[str, str]):
    english = {e.key: e.english for e in text_entries(definition_of(version, language="en"))}
    rows = [Row("test", k, t, "draft", english=english[k]) for k, t in texts.items()]
    apply(version, "fr", preview(version, "fr", rows), None, source="test")
    db.session.commit()


def _round():
    return db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))


def _scored_choice(definition):
    return next(q for q in definition.questions if q.options and q.scored)


def test_the_regional_workbook_has_french_labels_codes_and_a_codebook_in_every_language(demo):
    round_ = _round()
    version = round_.questionnaire
    definition = definition_of(version, language="en")
    q = _scored_choice(definition)
    option = q.options[0]
    pillar = q.section_id
    _translate(version, {f"{q.id}|label": "Question en français",
                         f"{q.id}|option:{option.code}": "Choix en français",
                         f"{pillar}|section short title": "Pilier FR",
                         f"{pillar}|section title": "Pilier en français"})
    found = build_export({"kind": "regional", "round": round_.id, "status": "all",
                          "format": "xlsx", "language": "fr"}, "test")
    book = openpyxl.load_workbook(io.BytesIO(found.content), read_only=True)
    # The tidy data keeps its column names in every language (scripts and pivots work
    # whatever the language); its sheet's name and the labels in it are French.
    data = list(book[catalogue_says("fr", "Data")].iter_rows(values_only=True))
    header = data[0] if "Question id" in data[0] else next(r for r in data if "Question id" in r)
    col = {name: i for i, name in enumerate(header)}
    rows = [r for r in data if r[col["Question id"]] == q.id]
    assert rows and {r[col["Question"]] for r in rows} == {"Question en français"}
    chosen = [r for r in rows if r[col["Value code"]] == option.code]
    assert chosen and {r[col["Value label"]] for r in chosen} == {"Choix en français"}
    # The codebook is for people: its headings are French, with English and every
    # language beside.
    fr = {m: catalogue_says("fr", m) for m in ("Question id", "Question", "Options (code → label)")}
    codebook = list(book[catalogue_says("fr", "Codebook")].iter_rows(values_only=True))
    head = next(r for r in codebook if r and fr["Question id"] in r)
    line = next(r for r in codebook if r and r[0] == q.id)
    by = dict(zip(head, line, strict=False))
    in_english = catalogue_says("fr", "Question [%(language)s]", language="en")
    assert by[fr["Question"]] == "Question en français" and by[in_english] == q.label.get("en")
    assert "Choix en français" in by[fr["Options (code → label)"]]
    assert option.label.get("en") in by[catalogue_says("fr", "Options [%(language)s]",
                                                       language="en")]
    # Pillar columns and sheets are named in French too.
    assert any("Pilier FR" in str(c) for name in book.sheetnames
               for row in book[name].iter_rows(max_row=6, values_only=True) for c in row if c)
    # The same export in English knows nothing of the French.
    english = build_export({"kind": "regional", "round": round_.id, "status": "all",
                            "format": "xlsx", "language": "en"}, "test")
    assert b"Question en fran" not in english.content
    book.close()


def test_a_country_profile_in_french_from_the_language_choice(demo, client):
    round_ = _round()
    version = round_.questionnaire
    definition = definition_of(version, language="en")
    pillar = definition.pillars[0]
    q = next(q for q in pillar.questions if q.scored)
    _translate(version, {f"{pillar.id}|section title": "Cadres juridiques (FR)",
                         f"{pillar.id}|section short title": "Juridique (FR)",
                         f"{q.id}|label": "Question du profil en français"})
    login_as(client, db.session.scalar(select(User).where(User.email == "admin@example.org")))
    english = client.get(f"/rounds/{round_.id}/profiles/THA").get_data(as_text=True)
    assert "Cadres juridiques (FR)" not in english and "Juridique (FR)" not in english
    assert f'href="/rounds/{round_.id}/profiles/THA?language=fr"' in english
    french = client.get(f"/rounds/{round_.id}/profiles/THA?language=fr").get_data(as_text=True)
    assert "Cadres juridiques (FR)" in french or "Juridique (FR)" in french
    assert '<div lang="fr">' in french and "the English text is authoritative" in french
    assert 'aria-current="true">Français</strong>' in french
    # A language the survey does not offer falls back to the person's own.
    odd = client.get(f"/rounds/{round_.id}/profiles/THA?language=xx").get_data(as_text=True)
    assert "Cadres juridiques (FR)" not in odd
