"""Safe reading of uploaded files: sizes, types, zip bombs and XML entities."""

import io
import zipfile

import openpyxl
import pytest
from werkzeug.datastructures import FileStorage

from survey.uploads import UploadError, check_zip_archive, open_workbook, read_upload


def _storage(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_read_upload_checks_type_size_and_emptiness():
    assert read_upload(_storage(b"code: x\n", "a.YAML"), 100, (".yaml", ".yml")) == b"code: x\n"
    with pytest.raises(UploadError, match="is not a .yaml or .yml file"):
        read_upload(_storage(b"x", "a.exe"), 100, (".yaml", ".yml"))
    with pytest.raises(UploadError, match="larger than the limit"):
        read_upload(_storage(b"x" * 101, "a.yaml"), 100, (".yaml",))
    with pytest.raises(UploadError, match="is empty"):
        read_upload(_storage(b"", "a.yaml"), 100, (".yaml",))


def _workbook_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "question_id"
    book.active["B1"] = "value"
    book.active["A2"] = "legal_tip_offence"
    book.active["B2"] = "yes"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_normal_workbook_opens_read_only():
    book = open_workbook(_workbook_bytes())
    rows = list(book.active.iter_rows(values_only=True))
    assert rows == [("question_id", "value"), ("legal_tip_offence", "yes")]
    book.close()


def test_a_zip_bomb_is_refused_before_reading():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100 * 1024
    with pytest.raises(UploadError, match="zip bomb"):
        check_zip_archive(data)
    with pytest.raises(UploadError, match="unpacks to"):
        check_zip_archive(data, max_uncompressed=10 * 1024 * 1024, max_ratio=10**6)


def test_not_a_workbook_is_refused_plainly():
    with pytest.raises(UploadError, match="not a valid .xlsx workbook"):
        open_workbook(b"this is text, not a zip archive")


def test_xml_entity_expansion_is_refused():
    """A 'billion laughs' shared-strings part: defusedxml refuses it instead of expanding."""
    data = io.BytesIO(_workbook_bytes())
    out = io.BytesIO()
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;'
            b"</workbook>")
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = bomb if item.filename == "xl/workbook.xml" else source.read(item.filename)
            target.writestr(item, content)
    with pytest.raises(UploadError, match="XML entity or DTD declarations"):
        open_workbook(out.getvalue())
