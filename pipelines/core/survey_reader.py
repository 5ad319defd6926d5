"""Read one survey file (CSV or XLSX) into parsed submissions and rejections.

Strict: CSV is read as text with the contract's encoding and delimiter (no type inference);
a UTF-8 or UTF-16 byte-order mark, or text that is valid UTF-8, is read as such with a
warning. XLSX is read with openpyxl's streaming sheet parser (cached values; cells placed
by their reference, whatever the sheet's ``<dimension>`` says; merged ranges over data rows
marked so that their cells are rejected). Columns are mapped by header code.
Every data row of the file ends up either in ``submissions`` (possibly ``row_rejected``)
or in ``empty_rows``: ``n_rows == len(submissions) + len(empty_rows)``.

Nothing is dropped silently: each non-empty cell under an unknown header or without a header
is a rejected cell (a warning per column; the rest of the row loads); a row before the
contract's first data row (the XLSX question-text row) that holds answers is read as the first
data row; hidden rows and columns are read like visible ones, with a warning.

Hostile input: the file name is only data (``source_file``). Files over ``MAX_FILE_BYTES``
are not read; an XLSX zip is checked on its directory (declared sizes, compression ratio,
entry count) and its XML parts for DTD/entity declarations before openpyxl touches it
(openpyxl itself parses through defusedxml); CSV lines, rows, fields and cells are bounded.
Whatever is refused makes the file unusable with the reason, not an exception.

This module is the entry point (``read_survey_file``, ``refused_file``) and re-exports the
result types and the limits. The work is done in ``survey_csv.py`` and ``survey_xlsx.py``
(a file's bytes to a ``RawTable``), ``survey_rows.py`` (the ``RawTable`` interpreted
against the contract: header, rows, cells; the result types) and ``survey_table.py``
(``RawTable``, ``Unusable`` and the limits).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

from pipelines.core.contracts import SURVEY_SUFFIXES, EditionContract
from pipelines.core.survey_csv import read_csv_table
from pipelines.core.survey_rows import FileReadResult, ParsedSubmission, Rejection, interpret
from pipelines.core.survey_table import (
    MAX_FILE_BYTES,
    MAX_XLSX_COMPRESSION_RATIO,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    XML_PRESCAN_BYTES,
    Unusable,
)
from pipelines.core.survey_xlsx import XML_PARSER_IS_DEFUSED, read_xlsx_table

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_XLSX_COMPRESSION_RATIO",
    "MAX_XLSX_ENTRIES",
    "MAX_XLSX_UNCOMPRESSED_BYTES",
    "XML_PARSER_IS_DEFUSED",
    "XML_PRESCAN_BYTES",
    "FileReadResult",
    "ParsedSubmission",
    "Rejection",
    "read_survey_file",
    "refused_file",
]


def read_survey_file(
    path: Path, contract: EditionContract, valid_codes: Collection[str] | None
) -> FileReadResult:
    """Read ``path`` under ``contract``.

    ``valid_codes``: GM codes of the municipalities that existed on 1 January of the
    boekjaar (``None`` = do not check). The file name is only data (``source_file``).
    """
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _unusable_without_rows(name, "", _too_large(name, size))
        with path.open("rb") as handle:
            data = handle.read(size + 1)  # read(n) reserves n bytes up front
            if len(data) > size:  # the file grew while we looked
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as exc:
        return _unusable_without_rows(name, "", f"{name}: cannot be read: {exc.strerror}")
    if len(data) > MAX_FILE_BYTES:  # grew while we looked
        return _unusable_without_rows(name, "", _too_large(name, len(data)))
    sha256 = hashlib.sha256(data).hexdigest()
    mismatch = _format_mismatch(name, contract)
    if mismatch:
        return _unusable_without_rows(name, sha256, mismatch)
    try:
        if contract.file.format == "csv":
            table = read_csv_table(data, name, contract)
        else:
            table = read_xlsx_table(data, name, contract)
    except Unusable as exc:
        return _unusable_without_rows(name, sha256, exc.reason)
    return interpret(table, name, sha256, contract, valid_codes)


def refused_file(name: str, reason: str) -> FileReadResult:
    """An unusable file that was not read at all (e.g. a symbolic link out of the landing
    zone): no rows, no checksum, one file-level rejection. ``unusable_reason`` is
    ``"<name>: <reason>"``, like every reason the reader gives."""
    return _unusable_without_rows(name, "", f"{name}: {reason}")


def _format_mismatch(name: str, contract: EditionContract) -> str | None:
    """A file whose name says another format than its edition's exports is not guessed at
    (an .xlsx read as CSV shows as NUL bytes, a CSV read as a workbook as a broken zip)."""
    suffix = Path(name).suffix.lower()
    expected = f".{contract.file.format}"
    if suffix not in SURVEY_SUFFIXES or suffix == expected:
        return None
    what = "CSV files" if contract.file.format == "csv" else "XLSX workbooks"
    return (
        f"{name}: a {suffix} file, but the exports of edition {contract.edition} are {what} "
        f"(data contract edition_{contract.edition}.yaml); deliver it as {expected}"
    )


def _too_large(name: str, size: int) -> str:
    return f"{name}: file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,}; not read"


def _unusable_without_rows(name: str, sha256: str, reason: str) -> FileReadResult:
    return FileReadResult(
        source_file=name,
        source_sha256=sha256,
        n_rows=0,
        rejections=[Rejection(name, None, None, None, reason)],
        unusable_reason=reason,
    )
