"""Hostile translation files: nothing is stored, the refusal is plain, nothing runs.

The upload routes of the translation layer (admin.translation_upload -> preview -> apply)
read workbooks through the safe reader and PO files through Babel: zip bombs, XML entities,
old binary workbooks, files too large, hostile text in a translation (markup, formulas,
control characters, placeholders) and uploads that are not one's own.
"""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.models import QuestionnaireTranslation, Round, TranslationUpload, User
from survey.questionnaire_versions import definition_of
from tests.conftest import login_as


def _version():
    return db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND)).questionnaire


def _admin(client, email="admin@example.org"):
    login_as(client, db.session.scalar(select(User).where(User.email == email)))


def _upload(client, version, content: bytes, name: str):
    return client.post(f"/admin/questionnaires/{version.id}/translations",
                       data={"translations": (io.BytesIO(content), name), "language": "fr"},
                       content_type="multipart/form-data")


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<a/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return out.getvalue()


def _entity_workbook() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    plain = io.BytesIO()
    book.save(plain)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;'
            b"</workbook>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, bomb if item.filename == "xl/workbook.xml"
                            else source.read(item.filename))
    return out.getvalue()


@pytest.mark.parametrize("content, name, says", [
    (None, "bomb.xlsx", "zip bomb"),
    ("entities", "laughs.xlsx", "XML entity or DTD declarations"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, "old.xlsx", "Excel 97-2003"),
    (b"PK not really", "a.xlsx", "not a valid .xlsx workbook"),
    (b'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgctxt "a|b"\nmsgid "x"\nmsgstr "\xff\xfe"\n',
     "latin.po", "not UTF-8"),
    (b"\x00\x01\x02 binary", "nul.po", "the PO file cannot be read"),
    (b"msgid \"a\"\nmsgstr \"b\"\n", "../../etc/passwd.po", "is a text of ftm-capability:"),
    (b"<script>alert(1)</script>", "x.html", "is not a .xlsx or .po file"),
], ids=["zip bomb", "xml entities", "xls", "not a zip", "not utf-8", "binary", "traversal name",
        "html"])
def test_hostile_files_are_refused_and_nothing_is_kept(demo, client, content, name, says):
    _admin(client)
    version = _version()
    kept = db.session.scalar(select(func.count(QuestionnaireTranslation.id)))
    if content is None:
        content = _zip_bomb()
    elif content == "entities":
        content = _entity_workbook()
    page = _upload(client, version, content, name)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert says in html, html[-3000:]
    assert "<script>alert(1)</script>" not in html and "Traceback" not in html
    assert db.session.scalar(select(func.count(TranslationUpload.id))) == 0
    assert db.session.scalar(select(func.count(QuestionnaireTranslation.id))) == kept


def test_hostile_text_in_a_translation_is_shown_as_text_and_never_runs(demo, client):
    _admin(client)
    version = _version()
    q = definition_of(version, language="en").questions[0]
    hostile = '<img src=x onerror=alert(1)>=HYPERLINK("http://x","y")\u202e'
    po = (f'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgctxt "{q.id}|label"\n'
          f'msgid "{q.label.get("en")}"\nmsgstr "{hostile}"\n').encode()
    page = _upload(client, version, po, "hostile.po")
    assert page.status_code == 302
    preview = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "<img src=x" not in preview and "&lt;img src=x onerror=alert(1)&gt;" in preview
    upload_id = int(page.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/admin/questionnaires/{version.id}/translations/uploads/{upload_id}/apply")
    stored = db.session.scalar(select(QuestionnaireTranslation))
    assert stored is not None and stored.text.startswith("<img")
    # Downloaded again as a workbook, the text is a text cell, never a formula.
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/admin/questionnaires/{version.id}/translations/file",
        query_string={"language": "fr", "kind": "xlsx"}).get_data()))
    cells = [c for row in book["Translations"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("<img")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_upload_is_its_uploader_s_and_expires(demo, client):
    _admin(client)
    version = _version()
    q = definition_of(version, language="en").questions[0]
    po = (f'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\nmsgctxt "{q.id}|label"\n'
          f'msgid "{q.label.get("en")}"\nmsgstr "Traduit"\n').encode()
    location = _upload(client, version, po, "fr.po").headers["Location"]
    from survey.accounts.users import create_user

    other = create_user("admin2@example.org", "admin", password="correct horse battery")
    db.session.commit()
    login_as(client, other)
    upload_id = int(location.rsplit("/", 1)[1])
    assert "is not waiting to be applied" in client.get(location, follow_redirects=True) \
        .get_data(as_text=True)
    client.post(f"/admin/questionnaires/{version.id}/translations/uploads/{upload_id}/apply")
    assert db.session.scalar(select(func.count(QuestionnaireTranslation.id))) == 0
    # Without the CSRF token, nothing is applied either.
    _admin(client)
    client.post(f"/admin/questionnaires/{version.id}/translations/uploads/{upload_id}/apply",
                csrf=False, data={})
    assert db.session.scalar(select(func.count(QuestionnaireTranslation.id))) == 0
