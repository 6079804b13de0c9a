"""Reading a workbook somebody else made, safely: sizes, zip bombs and XML entities.

An .xlsx file is a zip archive of XML. Before openpyxl reads one, the archive's
declared sizes and compression ratios are checked (a zip bomb is refused unread),
and openpyxl parses with defusedxml (a dependency), so entity expansion and DTDs are
refused. Old binary .xls files and anything that is not a zip archive are refused
with a plain message. Pure: the app's upload service (``survey.uploads``)
and the XLSForm reader (``questionnaires.xlsform``) both call it.
"""

from __future__ import annotations

import io
import zipfile

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
MAX_WORKBOOK_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2_000
# An old Excel 97-2003 workbook (and any OLE2 compound file) begins with these bytes.
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


class WorkbookError(ValueError):
    """A workbook that is refused, with the reason in plain words."""


def check_zip_archive(data: bytes, max_uncompressed: int = MAX_WORKBOOK_UNCOMPRESSED,
                      max_ratio: int = MAX_COMPRESSION_RATIO,
                      max_members: int = MAX_ZIP_MEMBERS) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive after checking it cannot explode when read."""
    if data[:8] == OLE2_SIGNATURE:
        raise WorkbookError("the file is an old Excel 97-2003 (.xls) workbook; open it and "
                            "save it as an Excel workbook (.xlsx), then try again")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise WorkbookError("the file is not a valid .xlsx workbook (not a zip archive)") from None
    members = archive.infolist()
    if len(members) > max_members:
        raise WorkbookError(f"the workbook holds {len(members):,} parts; the limit is {max_members:,}")
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise WorkbookError(f"the workbook unpacks to {total // (1024 * 1024):,} MB; the limit is "
                            f"{max_uncompressed // (1024 * 1024):,} MB")
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > max_ratio:
            raise WorkbookError(f"the workbook part '{m.filename}' is compressed suspiciously "
                                "well (a possible zip bomb); it was not read")
    return archive


def open_workbook(data: bytes, max_bytes: int = MAX_WORKBOOK_BYTES,
                  max_uncompressed: int = MAX_WORKBOOK_UNCOMPRESSED):
    """A read-only openpyxl workbook (values, not formulas) from untrusted bytes."""
    import openpyxl
    from defusedxml import DefusedXmlException  # openpyxl parses with defusedxml when importable
    from openpyxl.xml import DEFUSEDXML

    if len(data) > max_bytes:
        raise WorkbookError(f"the file is larger than the limit of {max_bytes // 1024:,} KB")
    check_zip_archive(data, max_uncompressed=max_uncompressed)
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise WorkbookError("reading workbooks needs the defusedxml package")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        causes = (exc, exc.__cause__, exc.__context__)
        if any(isinstance(c, DefusedXmlException) for c in causes):
            raise WorkbookError("the workbook contains XML entity or DTD declarations; they are "
                                "refused for safety") from None
        raise WorkbookError(f"the workbook cannot be read: {type(exc).__name__}") from None
