"""What analysts download: regional and per-country workbooks, tidy CSV, codebook.

Plain Python over plain data: pandas frames and questionnaire definitions in,
``bytes`` out. No Flask, no database; the app (``survey``) gathers the inputs, and passes
the words of the export's language as ``words`` (:mod:`exports.words`).
"""

from .csvfiles import frame_csv, sheets_zip, tidy_csv, tidy_csv_chunks
from .guard import FORMULA_TRIGGERS, csv_chunks, neutralise, neutralise_frame
from .model import (
    DEMO_NOTICE,
    MEMBER_COLUMNS,
    STATUS_FILTER_LABELS,
    STATUS_FILTERS,
    STATUS_LABELS,
    ExportInput,
    ExportMeta,
    is_unreviewed,
)
from .tables import DATA_COLUMNS, HEADINGS, Table, codebook_frame, median_rows, score_rows, tidy_table
from .words import N_, Words, same
from .workbook import (
    build_country_workbook,
    build_regional_workbook,
    build_table_workbook,
    write_changes,
    write_codebook,
    write_counts,
    write_data,
    write_overview,
    write_pillar,
    write_scores,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = [
    "DEMO_NOTICE",
    "DATA_COLUMNS", "FORMULA_TRIGGERS", "HEADINGS", "N_", "Words", "same", "MEMBER_COLUMNS", "STATUS_FILTERS",
    "STATUS_FILTER_LABELS", "STATUS_LABELS", "XLSX_MIMETYPE", "ExportInput", "ExportMeta",
    "Table", "build_country_workbook", "build_regional_workbook", "build_table_workbook",
    "codebook_frame", "csv_chunks", "frame_csv", "is_unreviewed", "median_rows", "neutralise",
    "neutralise_frame", "score_rows", "sheets_zip", "tidy_csv", "tidy_csv_chunks", "tidy_table",
    "write_changes", "write_codebook", "write_counts", "write_data", "write_overview",
    "write_pillar", "write_scores",
]
