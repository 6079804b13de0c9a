"""LibreOffice opens the regional workbook and evaluates none of the planted formulas.

Skips (with the reason) where LibreOffice is not installed
(apt-get install libreoffice-calc-nogui).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

import pytest

import exports.workbook
from exports import build_regional_workbook
from survey.downloads.services import export_input

from .world import FORMULA_EVIDENCE, FORMULA_LAW, NAMES, build_world

pytestmark = pytest.mark.slow
# Every sheet to "<name>-<sheet>.csv", UTF-8, quoted text, formulas as their results.
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture
def soffice():
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("SURVEY_REQUIRE_LIBREOFFICE"):
            pytest.fail("SURVEY_REQUIRE_LIBREOFFICE is set but LibreOffice is not installed")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui); "
                    "this test runs in CI")
    return path


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
def test_libreoffice_reads_every_sheet_and_evaluates_nothing(seeded, soffice, tmp_path, streamed,
                                                             monkeypatch):
    if streamed:  # as a very large export is written: filters instead of Excel tables
        monkeypatch.setattr(exports.workbook, "STREAM_FROM_CELLS", 0)
    world = build_world()
    data = export_input([world["current"]], status_filter="all", generated_by="t")
    book = tmp_path / "regional.xlsx"
    book.write_bytes(build_regional_workbook(data))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", ALL_SHEETS_CSV, "--outdir", str(tmp_path), str(book)],
                   check=True, capture_output=True, timeout=120)
    for sheet in ("Overview", "Scores", "Legal", "Operational", "Counts", "Changes", "Data",
                  "Codebook"):
        assert (tmp_path / f"regional-{sheet}.csv").exists(), sheet
    with open(tmp_path / "regional-Data.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = {(r["ISO3"], r["Question id"]): r for r in rows}
    assert labels[("THA", "leg_law")]["Value label"] == FORMULA_LAW
    assert labels[("KHM", "leg_law")]["Value label"] == "-1+2"  # not 1
    assert labels[("THA", "leg_offence")]["Evidence"] == FORMULA_EVIDENCE
    assert labels[("ARE", "leg_confiscation")]["Evidence"] == "=1+1"  # not 2
    assert labels[("FJI", "about_agency")]["Value label"] == "+Fiji Police"
    with open(tmp_path / "regional-Scores.csv", encoding="utf-8", newline="") as handle:
        scores = {r["ISO3"]: r for r in csv.DictReader(handle) if r.get("ISO3")}
    assert scores["KHM"]["Overall"] == "37.5" and scores["THA"]["Country"] == NAMES["THA"]
