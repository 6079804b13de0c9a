"""Uploaded files: size limits and safe parsing before anything trusts the content.

Definition files are YAML read with ``yaml.safe_load`` (in ``questionnaires``).
Answer workbooks (.xlsx) are zip archives of XML: before openpyxl reads one we check
the archive's declared sizes and compression ratio (zip bombs), and openpyxl uses
defusedxml when it is installed (it is a dependency), so XML entity expansion is refused.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO

from .rules import SurveyError

MAX_DEFINITION_UPLOAD = 2 * 1024 * 1024
DEFINITION_EXTENSIONS = (".yaml", ".yml")
MAX_WORKBOOK_UPLOAD = 5 * 1024 * 1024
MAX_WORKBOOK_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2_000


class UploadError(SurveyError):
    """An uploaded file that is refused, with the reason in plain words."""


def read_upload(storage, max_bytes: int, extensions: Iterable[str]) -> bytes:
    """The bytes of an uploaded file (werkzeug FileStorage), refusing wrong types and sizes."""
    name = (getattr(storage, "filename", None) or "").strip()
    suffix = PurePath(name).suffix.lower()
    allowed = tuple(extensions)
    if suffix not in allowed:
        raise UploadError(f"'{name or 'the file'}' is not a {' or '.join(allowed)} file")
    data = _read_limited(storage.stream, max_bytes)
    if not data:
        raise UploadError(f"'{name}' is empty")
    return data


def _read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(f"the file is larger than the limit of {max_bytes // 1024:,} KB")
    return data


def check_zip_archive(data: bytes, max_uncompressed: int = MAX_WORKBOOK_UNCOMPRESSED,
                      max_ratio: int = MAX_COMPRESSION_RATIO,
                      max_members: int = MAX_ZIP_MEMBERS) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive after checking it cannot explode when read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError("the file is not a valid .xlsx workbook (not a zip archive)") from None
    members = archive.infolist()
    if len(members) > max_members:
        raise UploadError(f"the workbook holds {len(members):,} parts; the limit is {max_members:,}")
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise UploadError(f"the workbook unpacks to {total // (1024 * 1024):,} MB; the limit is "
                          f"{max_uncompressed // (1024 * 1024):,} MB")
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > max_ratio:
            raise UploadError(f"the workbook part '{m.filename}' is compressed suspiciously "
                              "well (a possible zip bomb); it was not read")
    return archive


def open_workbook(data: bytes, max_bytes: int = MAX_WORKBOOK_UPLOAD):
    """A read-only openpyxl workbook from uploaded bytes, after the size and zip checks."""
    import openpyxl
    from defusedxml import DefusedXmlException  # openpyxl parses with defusedxml when importable
    from openpyxl.xml import DEFUSEDXML

    if len(data) > max_bytes:
        raise UploadError(f"the file is larger than the limit of {max_bytes // 1024:,} KB")
    check_zip_archive(data)
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise UploadError("workbook uploads need the defusedxml package")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        causes = (exc, exc.__cause__, exc.__context__)
        if any(isinstance(c, DefusedXmlException) for c in causes):
            raise UploadError("the workbook contains XML entity or DTD declarations; they are "
                              "refused for safety") from None
        raise UploadError(f"the workbook cannot be read: {type(exc).__name__}") from None
