"""Uploaded files: size limits and safe parsing before anything trusts the content.

Definition files are YAML read with ``yaml.safe_load`` (in ``questionnaires``).
Answer workbooks (.xlsx) are zip archives of XML: before openpyxl reads one we check
the archive's declared sizes and compression ratio (zip bombs), and openpyxl uses
defusedxml when it is installed (it is a dependency), so XML entity expansion is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO

from questionnaires import safe_workbook

from .rules import SurveyError

MAX_DEFINITION_UPLOAD = 2 * 1024 * 1024
DEFINITION_EXTENSIONS = (".yaml", ".yml")
MAX_WORKBOOK_UPLOAD = 5 * 1024 * 1024
MAX_WORKBOOK_UNCOMPRESSED = safe_workbook.MAX_WORKBOOK_UNCOMPRESSED
MAX_COMPRESSION_RATIO = safe_workbook.MAX_COMPRESSION_RATIO
MAX_ZIP_MEMBERS = safe_workbook.MAX_ZIP_MEMBERS


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
        return safe_workbook.check_zip_archive(data, max_uncompressed, max_ratio, max_members)
    except safe_workbook.WorkbookError as exc:
        raise UploadError(str(exc)) from None


def open_workbook(data: bytes, max_bytes: int = MAX_WORKBOOK_UPLOAD):
    """A read-only openpyxl workbook from uploaded bytes, after the size and zip checks
    (the pure reader in :mod:`questionnaires.safe_workbook`)."""
    try:
        return safe_workbook.open_workbook(data, max_bytes)
    except safe_workbook.WorkbookError as exc:
        raise UploadError(str(exc)) from None
