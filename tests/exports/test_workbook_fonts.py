"""Workbooks name a font that covers the language of their labels (issue 13)."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from exports import Table, build_table_workbook
from exports.workbook import font_for


@pytest.mark.parametrize("language, font", [
    (None, "Calibri"), ("en", "Calibri"), ("fr", "Calibri"), ("vi", "Calibri"), ("id", "Calibri"),
    ("th", "Leelawadee UI"), ("ar", "Arial"), ("zh_Hans", "Microsoft YaHei"),
    ("zh-Hans-CN", "Microsoft YaHei"), ("km", "Khmer UI"),
])
def test_each_language_names_a_font_covering_its_script(language, font):
    assert font_for(language) == font


def _styles(book: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return z.read("xl/styles.xml").decode()


def test_a_thai_workbook_names_the_thai_font_in_every_cell_style():
    frame = pd.DataFrame({"สมาชิก": ["ไทย"], "สถานะ": ["ส่งแล้ว"]})
    styles = _styles(build_table_workbook("ติดตาม", [Table("t", frame)], title="ติดตามรอบ",
                                          language="th"))
    fonts = [part.split('"')[0] for part in styles.split('<name val="')[1:]]
    assert fonts and set(fonts) == {"Leelawadee UI"}


def test_an_english_workbook_keeps_calibri():
    frame = pd.DataFrame({"Member": ["Thailand"]})
    styles = _styles(build_table_workbook("Tracker", [Table("t", frame)], title="Tracker"))
    assert "Leelawadee" not in styles and 'name val="Calibri"' in styles


def _sheet_views(book: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return [z.read(n).decode().split("<sheetView ", 1)[1].split(">", 1)[0]
                for n in sorted(z.namelist()) if n.startswith("xl/worksheets/sheet")]


@pytest.mark.parametrize("language, mirrored", [("ar", True), ("ar-EG", True), ("fr", False),
                                                 ("th", False), (None, False)])
def test_an_arabic_workbook_reads_from_the_right(language, mirrored):
    """In Arabic, every sheet opens right to left (column A at the right), as Excel and
    LibreOffice show a workbook written in Arabic; other languages stay left to right."""
    frame = pd.DataFrame({"العضو": ["تايلاند"], "الحالة": ["مُرسل"]})
    views = _sheet_views(build_table_workbook("المتابعة", [Table("t", frame)], title="المتابعة",
                                              language=language))
    assert views and all(('rightToLeft="1"' in v) is mirrored for v in views), views
