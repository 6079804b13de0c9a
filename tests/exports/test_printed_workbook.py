"""The regional workbook prints readably: LibreOffice turns the demo's into a PDF of a
sane number of A4 pages, each sheet one page wide, its header rows, title and page
numbers on every page.

Skips (with the reason) where LibreOffice is not installed
(apt-get install libreoffice-calc-nogui).
"""

from __future__ import annotations

import io
import subprocess

import openpyxl
import pytest
from sqlalchemy import select

from exports import build_regional_workbook
from exports.workbook import header_footer_text
from survey.demo import CURRENT_ROUND
from survey.downloads.services import export_input
from survey.extensions import db
from survey.models import Round

from .test_libreoffice import soffice  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


def _regional_workbook() -> bytes:
    round_ = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
    return build_regional_workbook(export_input([round_], status_filter="all", generated_by="t"))


def test_every_sheet_has_a_page_setup(demo):
    book = openpyxl.load_workbook(io.BytesIO(_regional_workbook()))
    assert len(book.worksheets) >= 8
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert setup.paperSize in (9, "9"), ws.title                       # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # One page wide (1 is the file format's default, so it may be left out); pages
        # run down as far as the rows go (0).
        assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, ws.title
        assert "Regional summary" in ws.oddHeader.left.text, ws.title
        assert ws.oddHeader.right.text == "&A", ws.title                    # the sheet's name
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
    # A sheet's main table repeats its heading rows on each page. The overview, the changes
    # and the codebook (with how scores are computed under it) hold several long tables
    # with headings of their own: none repeats there, rather than the wrong one.
    several = {"Overview", "Changes", "Codebook"}
    repeated = {ws.title: ws.print_title_rows for ws in book.worksheets}
    for title, rows in repeated.items():
        if title not in several:
            assert rows and rows.startswith("$1:"), f"{title} repeats no heading row"
    assert not any(repeated[title] for title in several)


def test_header_text_cannot_inject_codes_or_overflow():
    assert header_footer_text("Trafficking & smuggling") == "Trafficking && smuggling"
    long = header_footer_text("x" * 400)
    assert len(long) == 120 and long.endswith("…")


def test_libreoffice_prints_the_regional_workbook_on_few_pages(demo, soffice, tmp_path):  # noqa: F811
    from pypdf import PdfReader

    book = tmp_path / "regional.xlsx"
    book.write_bytes(_regional_workbook())
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=180)
    pdf = PdfReader(tmp_path / "regional.pdf")
    # Before page setups, the columns of each sheet were split over 159 portrait pages.
    assert 8 <= len(pdf.pages) <= 40, len(pdf.pages)
    for page in pdf.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width > height and abs(width - 841.9) < 3, (width, height)     # A4 landscape
    texts = [page.extract_text() for page in pdf.pages]
    assert all("Regional summary" in text and "Page " in text for text in texts)
    first = texts[0]
    assert "Page 1 of" in first and "Overview" in first
