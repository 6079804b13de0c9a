"""CSV files: the tidy long table, and a zip of one CSV per workbook sheet.

Every text cell goes through the formula guard (:mod:`exports.guard`), so an answer
like ``=HYPERLINK(...)`` reaches the spreadsheet that opens the file as text.

Column names are the same in every language (scripts rely on them); the texts in cells
and the README are in the export's language (``words``, :mod:`exports.words`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pandas as pd

from .guard import BOM, neutralise_frame
from .model import DEMO_NOTICE, ExportInput, Progress
from .tables import (
    changes_tables,
    codebook_table,
    counts_tables,
    crosswalk_table,
    data_table,
    method_tables,
    overview_tables,
    pillar_tables,
    pillar_title,
    scores_tables,
    tidy_table,
)
from .words import N_, Words
from .workbook import regional_title, with_words


def frame_csv(frame: pd.DataFrame, *, bom: bool = False) -> bytes:
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n",
                                          date_format="%Y-%m-%dT%H:%M:%S")
    return ((BOM if bom else "") + text).encode("utf-8")


def tidy_csv(data: ExportInput, *, bom: bool = False, words: Words | None = None) -> bytes:
    """The tidy long table as UTF-8 CSV (a BOM helps Excel pick UTF-8)."""
    return frame_csv(tidy_table(with_words(data, words)), bom=bom)


def tidy_csv_chunks(frame: pd.DataFrame, *, chunk_rows: int = 2000, bom: bool = False
                    ) -> Iterator[bytes]:
    """The same CSV, in pieces, for streaming a large answer set over HTTP."""
    if bom:
        yield BOM.encode("utf-8")
    safe = neutralise_frame(frame)
    for start in range(0, max(len(safe), 1), chunk_rows):
        part = safe.iloc[start:start + chunk_rows]
        yield part.to_csv(index=False, header=start == 0, lineterminator="\r\n",
                          date_format="%Y-%m-%dT%H:%M:%S").encode("utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "sheet"


README_NAME = "00-README-DEMONSTRATION-DATA.txt"


def readme(data: ExportInput) -> str:
    """The zip's README, in the export's language."""
    w = data.words
    lines = []
    if data.meta.demo:
        lines += [f"{w(DEMO_NOTICE)}.",
                  w(N_("Round(s): %(rounds)s.")) % {"rounds": ", ".join(data.meta.demo_rounds)},
                  w(N_("The 'Demo data' column of 06-data.csv marks each row."))]
    lines.append(w(N_("Column names are the same in every language (in English), so scripts "
                      "work whatever language the export was made in; codes (ISO3, question "
                      "id, value code, status code) stand beside the labels.")))
    return "\r\n".join(lines) + "\r\n"


def sheets_zip(data: ExportInput, *, bom: bool = True, progress: Progress | None = None,
               words: Words | None = None) -> bytes:
    """A zip holding one CSV per sheet (and per table where a sheet has several)."""
    data = with_words(data, words)
    w = data.words
    files: list[tuple[str, pd.DataFrame]] = []
    title = regional_title(data)
    for table in overview_tables(data, title):
        files.append((f"01-overview-{_slug(table.name)}", table.frame))
    scores, medians = scores_tables(data)
    files += [("02-scores", scores.frame), ("02-scores-medians", medians.frame)]
    for n, (section, table) in enumerate(pillar_tables(data), start=1):
        files.append((f"03-pillar{n}-{_slug(pillar_title(section, data.meta.language))}", table.frame))
    counts, totals = counts_tables(data)
    files += [("04-counts", counts.frame), ("04-counts-totals", totals.frame)]
    for table in changes_tables(data):
        files.append((f"05-changes-{_slug(table.name)}", table.frame))
    files.append(("06-data", data_table(data).frame))
    files.append(("07-codebook", codebook_table(data.definition, data.meta.language,
                                                words=w).frame))
    for table in method_tables(data.definition, data.meta.language, w):
        files.append((f"07-codebook-{_slug(table.name)}", table.frame))
    crosswalk = crosswalk_table(data.definition, data.mapped_definition, data.meta.language, w)
    if crosswalk is not None:
        files.append(("08-crosswalk", crosswalk.frame))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The README's name stays English (a file name scripts may look for).
        archive.writestr(README_NAME if data.meta.demo else "00-README.txt", readme(data))
        for i, (name, frame) in enumerate(files, start=1):
            archive.writestr(f"{name}.csv", frame_csv(frame, bom=bom))
            if progress:
                progress(int(100 * i / len(files)))
    return buffer.getvalue()
