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
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

import openpyxl
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from pipelines.core.cell_values import CellValue, RawCell, check_impossible, parse_cell
from pipelines.core.contracts import (
    BOEKJAAR,
    INGEDIEND_OP,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    SURVEY_SUFFIXES,
    ColumnSpec,
    EditionContract,
)
from pipelines.core.dutch_values import ParseError, clean_text

UTF8_BOM = b"\xef\xbb\xbf"
_MOJIBAKE_FOLLOWERS = frozenset(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore"))


@dataclass(frozen=True)
class Rejection:
    """One problem with a file, a row or a cell (a ``rejected_rows`` entry)."""

    source_file: str
    source_row: int | None
    column_name: str | None
    raw_value: str | None
    reason: str

    def describe(self) -> str:
        """``<file>, row <n>, column <c>: <reason> (value '<raw>')``, as the CLI shows it."""
        where = f"row {self.source_row}" if self.source_row is not None else "whole file"
        column = f", column {self.column_name}" if self.column_name else ""
        raw = f" (value {self.raw_value!r})" if self.raw_value is not None else ""
        return f"{self.source_file}, {where}{column}: {self.reason}{raw}"


@dataclass
class ParsedSubmission:
    """One non-empty data row, parsed. ``answers`` holds every numeric question of the
    contract (canonical code -> value in canonical unit, ``None`` = no answer or rejected
    cell); ``raw_values`` the raw text of every non-empty mapped cell, keyed by header code
    (use ``contract.question_header(question)``)."""

    source_file: str
    source_sha256: str
    source_row: int
    municipality_code: str | None
    municipality_name: str | None
    boekjaar: int | None
    ingediend_op: datetime | None
    answers: dict[str, float | None]
    raw_values: dict[str, str]
    row_rejected: bool = False

    @property
    def key(self) -> str:
        """``<file>:<row>``, the form used in ``superseded_by``."""
        return f"{self.source_file}:{self.source_row}"


@dataclass
class FileReadResult:
    source_file: str
    source_sha256: str
    n_rows: int
    submissions: list[ParsedSubmission] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)
    unusable_reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.unusable_reason is None


class _Unusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _RawTable:
    """Header cells and data rows (with their spreadsheet row numbers) of one file.

    ``header`` holds the codes as mapped (trimmed, lower-case), ``header_text`` the same
    cells as written (trimmed). ``hidden_rows``/``hidden_columns`` (XLSX, 1-based) are read
    like visible ones; they are only reported."""

    header: list[str]
    rows: list[tuple[int, list[RawCell]]]
    warnings: list[str]
    pre_data_rows: list[tuple[int, list[RawCell]]] = field(default_factory=list)
    unusable_reason: str | None = None
    check_row_width: bool = False
    header_unreadable: bool = False  # the header cannot be mapped at all (wrong separator)
    header_text: list[str] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()


# --------------------------------------------------------------------------- limits

# A survey export is a few hundred rows by a few dozen columns. Anything far larger is not
# a survey export; it is refused (file unusable, with the reason) before it can cost much
# time or memory.
MAX_FILE_BYTES: Final = 200 * 1024 * 1024  # refused before reading
MAX_DATA_ROWS: Final = 50_000  # data rows up to the last non-empty one
MAX_COLUMNS: Final = 1_000  # fields of a CSV record / last used column of an XLSX row
MAX_CELLS: Final = 2_000_000  # cells held in memory for one file
MAX_CSV_LINE_CHARS: Final = 1_000_000  # one physical CSV line
# XLSX is a zip of XML parts; these are checked on the zip directory before any part is
# inflated (zipfile never inflates an entry beyond its declared size).
MAX_XLSX_ENTRIES: Final = 1_000
MAX_XLSX_UNCOMPRESSED_BYTES: Final = 100 * 1024 * 1024  # sum of declared sizes
MAX_XLSX_COMPRESSION_RATIO: Final = 100  # per entry of at least XLSX_RATIO_MIN_BYTES
XLSX_RATIO_MIN_BYTES: Final = 1024 * 1024
XML_PRESCAN_BYTES: Final = 64 * 1024  # head of each XML part searched for a DTD
# openpyxl parses XML through defusedxml when it is installed (it is a dependency);
# entity declarations are refused by the pre-scan as well, whatever this says.
XML_PARSER_IS_DEFUSED: Final[bool] = bool(openpyxl.DEFUSEDXML)

_DTD_MARKERS: Final = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS: Final = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_OTHER_SEPARATORS: Final = (",", "\t", "|", ";")


# --------------------------------------------------------------------------- entry point


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
            table = _read_csv_table(data, name, contract)
        else:
            table = _read_xlsx_table(data, name, contract)
    except _Unusable as exc:
        return _unusable_without_rows(name, sha256, exc.reason)
    return _interpret(table, name, sha256, contract, valid_codes)


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


# --------------------------------------------------------------------------- CSV


def _decode_csv(data: bytes, name: str, encoding: str) -> tuple[str, list[str], str | None]:
    """Text, warnings and an unusable reason (undecodable bytes; text still returned)."""
    if data.startswith(UTF8_BOM):
        try:
            text = data[len(UTF8_BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unusable(
                f"{name}: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte 0x{data[len(UTF8_BOM) + exc.start]:02x} at offset "
                f"{len(UTF8_BOM) + exc.start})"
            ) from exc
        return text, [_bom_warning(name, "UTF-8", encoding)], None
    for bom, codec in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise _Unusable(
                    f"{name}: starts with a UTF-16 byte-order mark but is not valid UTF-16 "
                    f"(at offset {len(bom) + exc.start})"
                ) from exc
            return text, [_bom_warning(name, "UTF-16", encoding)], None
    if not _is_unicode_codec(encoding) and not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            # Valid UTF-8 with non-ASCII characters is practically never cp1252 text;
            # reading it as cp1252 would load 'Ã©' for 'é'.
            sample = next(ch for ch in text if not ch.isascii())
            return (
                text,
                [
                    f"{name}: text looks like UTF-8 (valid UTF-8 with non-ASCII characters such "
                    f"as {sample!r}), not {encoding}; read as UTF-8. Check the file's encoding"
                ],
                None,
            )
    warnings: list[str] = []
    unusable: str | None = None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        unusable = (
            f"{name}: not readable as {encoding}: byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start} (line {line}) cannot be decoded"
        )
        text = data.decode(encoding, errors="replace")
    hint = _mojibake_hint(text)
    if hint:
        warnings.append(
            f"{name}: text looks like UTF-8 read as {encoding} ({hint!r}); "
            "check the file's encoding"
        )
    return text, warnings, unusable


def _bom_warning(name: str, unicode_name: str, encoding: str) -> str:
    return (
        f"{name}: file starts with a {unicode_name} byte-order mark; read as {unicode_name} "
        f"instead of {encoding}"
    )


def _is_unicode_codec(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


_LINE_END: Final = re.compile(r"\r\n|\r|\n")


def _csv_lines(text: str, name: str) -> Iterator[str]:
    """Physical lines with their line ends (CRLF, LF or CR), each at most
    ``MAX_CSV_LINE_CHARS`` long; no copy of the whole text is made."""
    start = 0
    line_number = 0
    for match in _LINE_END.finditer(text):
        line_number += 1
        _check_line_length(match.end() - start, line_number, name)
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        _check_line_length(len(text) - start, line_number + 1, name)
        yield text[start:]


def _check_line_length(length: int, line_number: int, name: str) -> None:
    if length > MAX_CSV_LINE_CHARS:
        raise _Unusable(
            f"{name}: line {line_number} is {length:,} characters long (limit "
            f"{MAX_CSV_LINE_CHARS:,}); not a survey export"
        )


def _read_csv_table(data: bytes, name: str, contract: EditionContract) -> _RawTable:
    options = contract.file.csv
    assert options is not None
    text, warnings, unusable = _decode_csv(data, name, options.encoding)
    if "\x00" in text:
        raise _Unusable(
            f"{name}: contains NUL bytes; not a text CSV file (UTF-16 without a byte-order mark?)"
        )
    fmt = contract.file
    reader = csv.reader(
        _csv_lines(text, name),
        delimiter=options.delimiter,
        quotechar=options.quotechar,
        strict=True,
    )
    records: list[list[str]] = []
    n_cells = 0
    try:
        for record in reader:
            records.append(record)
            n_cells += len(record)
            if len(records) >= fmt.first_data_row + MAX_DATA_ROWS:
                raise _Unusable(
                    f"{name}: more than {MAX_DATA_ROWS:,} data rows; not a survey export"
                )
            if len(record) > MAX_COLUMNS:
                raise _Unusable(
                    f"{name}: row {len(records)} has {len(record):,} fields (limit "
                    f"{MAX_COLUMNS:,}); not a survey export"
                )
            if n_cells > MAX_CELLS:
                raise _Unusable(f"{name}: more than {MAX_CELLS:,} cells; not a survey export")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _Unusable(
                f"{name}: a field near line {reader.line_num} is longer than "
                f"{csv.field_size_limit():,} characters; not a survey export"
            ) from exc
        raise _Unusable(f"{name}: malformed CSV near line {reader.line_num}: {exc}") from exc
    if len(records) < fmt.header_row:
        raise _Unusable(f"{name}: no header row (the file has {len(records)} rows)")
    header_text = [clean_text(h) for h in records[fmt.header_row - 1]]
    header = [h.lower() for h in header_text]
    separator_hint = _separator_hint(header, options.delimiter, contract)
    if separator_hint:
        unusable = "; ".join(r for r in (unusable, f"{name}: {separator_hint}") if r)
    pre = [
        (i, [RawCell(v) for v in records[i - 1]])
        for i in range(fmt.header_row + 1, min(fmt.first_data_row, len(records) + 1))
    ]
    rows = [
        (i, [RawCell(v) for v in records[i - 1]])
        for i in range(fmt.first_data_row, len(records) + 1)
    ]
    return _RawTable(
        header,
        rows,
        warnings,
        pre,
        unusable,
        check_row_width=True,
        header_unreadable=separator_hint is not None,
        header_text=header_text,
    )


def _separator_hint(header: Sequence[str], delimiter: str, contract: EditionContract) -> str | None:
    """When the header is one field that splits into known codes on another separator."""
    fields = [h for h in header if h]
    if len(fields) != 1:
        return None
    for separator in _OTHER_SEPARATORS:
        if separator == delimiter or separator not in fields[0]:
            continue
        codes = [clean_text(p).lower() for p in fields[0].split(separator)]
        known = [c for c in codes if contract.column_by_header(c) is not None]
        if len(known) >= 2:
            return (
                f"the header row is separated by {separator!r} instead of {delimiter!r} "
                f"(found {', '.join(known[:3])}, ... in one field); export the file "
                f"again as {delimiter!r}-separated CSV"
            )
    return None


_MOJIBAKE: Final = re.compile("[ÃÂ][" + re.escape("".join(sorted(_MOJIBAKE_FOLLOWERS))) + "]")


def _mojibake_hint(text: str) -> str | None:
    match = _MOJIBAKE.search(text)
    return match.group(0) if match else None


# --------------------------------------------------------------------------- XLSX


def _check_xlsx_container(data: bytes, name: str) -> None:
    """Refuse what is not a zip, a possible zip bomb and XML with a DTD, before openpyxl
    inflates or parses anything."""
    if data.startswith(_OLE_MAGIC):
        raise _Unusable(
            f"{name}: not a readable XLSX workbook (an old .xls file or a password-protected "
            "workbook; save it as an unprotected .xlsx)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, and struct/value errors of a mangled directory
        raise _Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_XLSX_ENTRIES:
            raise _Unusable(
                f"{name}: the XLSX zip holds {len(entries):,} parts (limit "
                f"{MAX_XLSX_ENTRIES:,}); refused"
            )
        total = sum(entry.file_size for entry in entries)
        if total > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise _Unusable(
                f"{name}: the XLSX parts declare {total:,} bytes uncompressed (limit "
                f"{MAX_XLSX_UNCOMPRESSED_BYTES:,}); refused as a possible zip bomb"
            )
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size >= XLSX_RATIO_MIN_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
                raise _Unusable(
                    f"{name}: XLSX part {entry.filename!r} inflates {ratio:,.0f} times "
                    f"(limit {MAX_XLSX_COMPRESSION_RATIO}); refused as a possible zip bomb"
                )
        for entry in entries:
            if not entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(entry) as part:
                    head = part.read(XML_PRESCAN_BYTES)
            except Exception as exc:  # bad CRC, zlib.error, encryption, unknown method
                raise _Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
            if any(marker in head for marker in _DTD_MARKERS):
                raise _Unusable(_dtd_reason(name, entry.filename))


def _dtd_reason(name: str, part: str | None) -> str:
    where = f"XML part {part!r}" if part else "an XML part"
    return (
        f"{name}: {where} declares a DTD or entities (<!DOCTYPE/<!ENTITY); refused "
        "(XML entity expansion risk; the survey tool never writes one)"
    )


def _is_defused_refusal(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _read_xlsx_table(data: bytes, name: str, contract: EditionContract) -> _RawTable:
    options = contract.file.xlsx
    assert options is not None
    _check_xlsx_container(data, name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        if _is_defused_refusal(exc):
            raise _Unusable(_dtd_reason(name, None)) from exc
        raise _Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if options.sheet not in workbook.sheetnames:
            raise _Unusable(
                f"{name}: sheet {options.sheet!r} not found "
                f"(sheets: {', '.join(map(repr, workbook.sheetnames))})"
            )
        worksheet = workbook[options.sheet]
        assert isinstance(worksheet, ReadOnlyWorksheet)
        warnings = []
        if worksheet.sheet_state != "visible":
            warnings.append(
                f"{name}: sheet {options.sheet!r} is {worksheet.sheet_state}; read anyway"
            )
        try:
            sheet_rows, hidden_rows, hidden_columns = _read_sheet(worksheet, name, contract)
        except _Unusable:
            raise
        except Exception as exc:  # corrupt sheet XML, bad style index, ...
            if _is_defused_refusal(exc):
                raise _Unusable(_dtd_reason(name, None)) from exc
            raise _Unusable(
                f"{name}: not a readable XLSX workbook (sheet {options.sheet!r}: {exc})"
            ) from exc
    finally:
        workbook.close()
    fmt = contract.file
    if len(sheet_rows) < fmt.header_row:
        raise _Unusable(f"{name}: sheet {options.sheet!r} has no header row")
    header_text = [clean_text(c.as_text()) for c in sheet_rows[fmt.header_row - 1]]
    header = [h.lower() for h in header_text]
    pre = [
        (i, sheet_rows[i - 1])
        for i in range(fmt.header_row + 1, min(fmt.first_data_row, len(sheet_rows) + 1))
    ]
    rows = [(i, sheet_rows[i - 1]) for i in range(fmt.first_data_row, len(sheet_rows) + 1)]
    return _RawTable(
        header,
        rows,
        warnings,
        pre,
        header_text=header_text,
        hidden_rows=hidden_rows,
        hidden_columns=hidden_columns,
    )


_EMPTY_CELL: Final = RawCell(None)


def _sheet_parser(worksheet: ReadOnlyWorksheet, source: IO[bytes], *, data_only: bool) -> Any:
    # openpyxl's own streaming sheet parser (what ReadOnlyWorksheet uses internally). Used
    # directly because ReadOnlyWorksheet trusts the sheet's <dimension> (a too-small one
    # silently drops rows and columns) and drops cells written out of column order.
    workbook = worksheet.parent
    return WorkSheetParser(
        source,
        worksheet._shared_strings,
        data_only=data_only,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _read_sheet(
    worksheet: ReadOnlyWorksheet, name: str, contract: EditionContract
) -> tuple[list[list[RawCell]], frozenset[int], frozenset[int]]:
    """Every row up to the last one holding a value or a formula, each up to its last such
    cell, as RawCells (merged ranges over data rows marked); and the hidden rows and columns
    among them (1-based)."""
    last_row = contract.file.first_data_row - 1 + MAX_DATA_ROWS
    cells: dict[tuple[int, int], RawCell] = {}
    formats: dict[int, str] = {}

    def check_position(row: int, column: int) -> None:
        coordinate = f"{get_column_letter(min(column, 16384))}{row}"
        if row > last_row:
            raise _Unusable(
                f"{name}: a value in cell {coordinate}, beyond {MAX_DATA_ROWS:,} data rows; "
                "not a survey export"
            )
        if column > MAX_COLUMNS:
            raise _Unusable(
                f"{name}: a value in cell {coordinate}, beyond column "
                f"{get_column_letter(MAX_COLUMNS)}; not a survey export"
            )
        if len(cells) > MAX_CELLS:
            raise _Unusable(f"{name}: more than {MAX_CELLS:,} cells; not a survey export")

    with worksheet._get_source() as source:
        values_parser = _sheet_parser(worksheet, source, data_only=True)
        for _, row_cells in values_parser.parse():
            for cell in row_cells:
                value, row, column = cell["value"], cell["row"], cell["column"]
                if value is None:
                    continue
                check_position(row, column)
                if (row, column) in cells:
                    raise _Unusable(
                        f"{name}: cell {get_column_letter(column)}{row} appears twice in the "
                        "sheet; the workbook is corrupt"
                    )
                style_id = cell["style_id"] or 0
                if style_id not in formats:
                    formats[style_id] = ReadOnlyCell(
                        worksheet, 1, 1, None, "n", style_id
                    ).number_format
                cells[(row, column)] = RawCell(
                    value=value,
                    number_format=formats[style_id],
                    is_error=cell["data_type"] == "e",
                )
    with worksheet._get_source() as source:
        parser = _sheet_parser(worksheet, source, data_only=False)
        for _, row_cells in parser.parse():
            for cell in row_cells:
                if cell["data_type"] != "f":
                    continue
                row, column = cell["row"], cell["column"]
                check_position(row, column)
                if (row, column) not in cells:
                    cells[(row, column)] = RawCell(None, is_uncached_formula=True)
        merged = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []

    n_rows = max((row for row, _ in cells), default=0)
    widths = [0] * (n_rows + 1)
    for row, column in cells:
        widths[row] = max(widths[row], column)
    sheet_rows = [
        [cells.get((row, column), _EMPTY_CELL) for column in range(1, widths[row] + 1)]
        for row in range(1, n_rows + 1)
    ]
    _mark_merged(sheet_rows, merged, contract, name)
    width = max(widths, default=0)
    hidden_rows = frozenset(
        row
        for key, attrs in values_parser.row_dimensions.items()
        if _is_hidden(attrs) and 1 <= (row := int(key)) <= n_rows
    )
    hidden_columns: set[int] = set()
    for attrs in values_parser.column_dimensions.values():
        if _is_hidden(attrs):
            first, last = int(attrs.get("min", 0)), int(attrs.get("max", attrs.get("min", 0)))
            hidden_columns.update(range(max(first, 1), min(last, width) + 1))
    return sheet_rows, hidden_rows, frozenset(hidden_columns)


def _is_hidden(attrs: dict[str, str]) -> bool:
    return str(attrs.get("hidden", "")).lower() in ("1", "true")


def _mark_merged(
    sheet_rows: list[list[RawCell]], merged: Sequence[str], contract: EditionContract, name: str
) -> None:
    """Mark the cells of merged ranges that reach into the data rows (within the header's
    width): the value of a merged range is only in its top-left cell, so the other rows or
    questions it visually answers would silently be empty."""
    fmt = contract.file
    first_row = fmt.header_row + 1  # the question-text row may turn out to be a data row
    if len(sheet_rows) < first_row:
        return
    width = len(sheet_rows[fmt.header_row - 1])
    marked = 0
    for ref in merged:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        top, bottom = max(min_row, first_row), min(max_row, len(sheet_rows))
        left, right = min_col, min(max_col, width)
        if top > bottom or left > right:
            continue
        marked += (bottom - top + 1) * (right - left + 1)
        if marked > MAX_CELLS:
            raise _Unusable(f"{name}: more than {MAX_CELLS:,} merged cells; not a survey export")
        for row in range(top, bottom + 1):
            cells = sheet_rows[row - 1]
            if len(cells) < right:
                cells.extend([_EMPTY_CELL] * (right - len(cells)))
            for column in range(left, right + 1):
                cells[column - 1] = replace(
                    cells[column - 1],
                    merged_range=ref,
                    merged_anchor=(row, column) == (min_row, min_col),
                )


# --------------------------------------------------------------------------- interpretation


@dataclass(frozen=True)
class _Mapping:
    columns: dict[int, ColumnSpec]  # file column index -> contract column
    unusable_reason: str | None
    warnings: list[str]
    unknown: dict[int, str] = field(default_factory=dict)  # index -> header as written


def _map_header(
    header: Sequence[str], header_text: Sequence[str], name: str, contract: EditionContract
) -> _Mapping:
    warnings: list[str] = []
    positions: dict[str, list[int]] = {}
    for index, code in enumerate(header):
        if code:
            positions.setdefault(code, []).append(index)
    problems: list[str] = []
    duplicates = {c: idx for c, idx in positions.items() if len(idx) > 1}
    unknown = [c for c in positions if contract.column_by_header(c) is None]
    for code, indexes in sorted(duplicates.items()):
        if code not in unknown:  # which one would we read? (a duplicated unknown is rejected)
            letters = " and ".join(get_column_letter(i + 1) for i in indexes)
            problems.append(f"duplicate column header {code!r} (columns {letters})")
    missing_required = [h for h in contract.required_headers if h not in positions]
    if missing_required:
        hint = f" (unknown columns present: {', '.join(unknown)})" if unknown else ""
        problems.append(
            f"missing required column{'s' if len(missing_required) > 1 else ''} "
            f"{', '.join(missing_required)}{hint}"
        )
    for column in contract.columns:
        if not column.required and column.header not in positions:
            warnings.append(
                f"{name}: optional column {column.header!r} is missing; "
                "its answers are treated as not given"
            )
    columns = {
        idx[0]: spec
        for code, idx in positions.items()
        if code not in duplicates and (spec := contract.column_by_header(code)) is not None
    }
    texts = {i: header_text[i] if i < len(header_text) else header[i] for i in range(len(header))}
    unknown_at = {i: texts[i] for code in unknown for i in positions[code]}
    reason = f"{name}: " + "; ".join(problems) if problems else None
    return _Mapping(columns, reason, warnings, unknown_at)


def _unknown_column_reason(text: str, contract: EditionContract, index: int | None = None) -> str:
    """``unknown column 'x'[ in column M] (not in the 2023 contract; did you mean 'y'?)``."""
    close = difflib.get_close_matches(text.lower(), contract.headers, n=1, cutoff=0.8)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = "" if index is None else f" in column {get_column_letter(index + 1)}"
    return f"unknown column {text!r}{where} (not in the {contract.edition} contract{hint})"


def _extra_columns(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[RawCell]]],
    mapping: _Mapping,
    check_width: bool,
) -> dict[int, str | None]:
    """Columns whose cells are read by no question: unknown headers (index -> header as
    written) and columns without a header that hold a value (index -> ``None``). In a CSV a
    field beyond the header's width is a row problem (shifted values), not a column."""
    extra: dict[int, str | None] = dict(mapping.unknown)
    for _, cells in rows:
        for index, cell in enumerate(cells):
            if index in extra or cell.is_empty:
                continue
            if index < len(header) and header[index]:
                continue
            if check_width and index >= len(header):
                continue
            extra[index] = None
    return dict(sorted(extra.items()))


def _extra_column_rejections(
    rows: Sequence[tuple[int, Sequence[RawCell]]],
    extra: dict[int, str | None],
    name: str,
    contract: EditionContract,
) -> tuple[dict[int, list[Rejection]], list[str]]:
    """Every non-empty cell of an extra column is a rejected cell (nothing is dropped
    silently); one warning per column says so. Rejections by row number."""
    by_row: dict[int, list[Rejection]] = {}
    counts = dict.fromkeys(extra, 0)
    for row_number, cells in rows:
        for index, text in extra.items():
            if index >= len(cells) or cells[index].is_empty:
                continue
            letter = get_column_letter(index + 1)
            if text is None:
                column_name = f"(column {letter}, no header)"
                reason = f"value in column {letter}, which has no header"
            else:
                column_name, reason = text, _unknown_column_reason(text, contract)
            rejection = Rejection(name, row_number, column_name, cells[index].as_text(), reason)
            by_row.setdefault(row_number, []).append(rejection)
            counts[index] += 1
    warnings = []
    for index, text in extra.items():
        letter = get_column_letter(index + 1)
        n = counts[index]
        fate = (
            f"its {n} non-empty cell{'s are' if n != 1 else ' is'} rejected"
            if n
            else "it holds no values"
        )
        if text is None:
            warnings.append(f"{name}: column {letter} has values but no header; {fate}")
        else:
            warnings.append(f"{name}: {_unknown_column_reason(text, contract, index)}; {fate}")
    return by_row, warnings


def _answer_rows_before_data(
    table: _RawTable, mapping: _Mapping, name: str, contract: EditionContract
) -> tuple[list[tuple[int, list[RawCell]]], list[str]]:
    """The rows between the header and the contract's first data row (the XLSX question-text
    row) that hold answers, with a warning: from the first such row on they are data rows.
    A row holds answers when its code column holds a municipality code, or a numeric or
    date question holds a number or a date (question texts are text)."""
    for position, (row_number, cells) in enumerate(table.pre_data_rows):
        evidence = _answer_evidence(cells, mapping, contract)
        if evidence:
            rows = table.pre_data_rows[position:]
            return rows, [
                f"{name}: row {row_number} holds answers ({evidence}), not question texts: "
                "read as the first data row"
            ]
    return [], []


def _answer_evidence(
    cells: Sequence[RawCell], mapping: _Mapping, contract: EditionContract
) -> str | None:
    numeric: list[str] = []
    for index, column in mapping.columns.items():
        if index >= len(cells) or cells[index].is_empty:
            continue
        cell = cells[index]
        if column.question == MUNICIPALITY_CODE:
            try:
                code = parse_cell(cell, column, contract)
            except ParseError:
                continue
            if code:
                return f"municipality code {code}"
        elif (column.is_numeric or column.kind == "timestamp") and not isinstance(
            cell.value, str | bool
        ):
            numeric.append(column.header)
    if numeric:
        return f"numbers or dates in {', '.join(numeric[:3])}{', ...' if len(numeric) > 3 else ''}"
    return None


def _hidden_warnings(
    table: _RawTable, rows: Sequence[tuple[int, Sequence[RawCell]]], name: str, header_row: int
) -> list[str]:
    """Hidden (or filtered) rows holding values among the header and data rows, and hidden
    columns with a header or a value: read like visible ones, reported."""
    hidden_rows = [header_row] if header_row in table.hidden_rows else []
    hidden_rows += [
        number
        for number, cells in rows
        if number in table.hidden_rows and not all(c.is_empty for c in cells)
    ]
    width = max((len(cells) for _, cells in rows), default=0)
    header = dict(enumerate(table.header, start=1))
    hidden_columns = [
        get_column_letter(c) + (f" ({header[c]})" if header.get(c) else "")
        for c in sorted(table.hidden_columns)
        if header.get(c) or c <= width
    ]
    warnings = []
    for kind, items in (("row", [str(r) for r in hidden_rows]), ("column", hidden_columns)):
        if items:
            many = len(items) > 1
            shown = ", ".join(items[:10]) + (
                f", ... ({len(items)} in all)" if len(items) > 10 else ""
            )
            warnings.append(
                f"{name}: {kind}{'s' if many else ''} {shown} {'are' if many else 'is'} hidden "
                f"in the sheet; read like visible {kind}s"
            )
    return warnings


def _interpret(
    table: _RawTable,
    name: str,
    sha256: str,
    contract: EditionContract,
    valid_codes: Collection[str] | None,
) -> FileReadResult:
    if table.header_unreadable:  # the reason says why; per-column findings would be noise
        mapping = _Mapping({}, None, [])
        promoted: list[tuple[int, list[RawCell]]] = []
        promotion_warnings: list[str] = []
    else:
        mapping = _map_header(table.header, table.header_text, name, contract)
        promoted, promotion_warnings = _answer_rows_before_data(table, mapping, name, contract)
    rows = [*promoted, *table.rows]
    extra = (
        {}
        if table.header_unreadable
        else _extra_columns(table.header, rows, mapping, table.check_row_width)
    )
    result = FileReadResult(
        source_file=name,
        source_sha256=sha256,
        n_rows=len(rows),
        warnings=[*table.warnings, *mapping.warnings, *promotion_warnings],
    )
    reasons = [r for r in (table.unusable_reason, mapping.unusable_reason) if r]
    if reasons:
        reason = "; ".join(reasons)
        result.unusable_reason = reason
        result.warnings.extend(
            f"{name}: {_unknown_column_reason(text, contract, index)}"
            for index, text in extra.items()
            if text is not None
        )
        result.rejections.append(Rejection(name, None, None, None, reason))
        for row_number, cells in rows:
            submission = _best_effort_identity(row_number, cells, mapping, name, sha256, contract)
            result.submissions.append(submission)
            result.rejections.append(
                Rejection(name, row_number, None, None, f"file unusable: {reason}")
            )
        return result

    extra_rejections, extra_warnings = _extra_column_rejections(rows, extra, name, contract)
    result.warnings.extend(extra_warnings)
    result.warnings.extend(_hidden_warnings(table, rows, name, contract.file.header_row))
    if not rows:
        result.warnings.append(f"{name}: no data rows (header only)")
    codes = set(valid_codes) if valid_codes is not None else None
    for row_number, cells in rows:
        if all(cell.is_empty for cell in cells):
            result.empty_rows.append(row_number)
            continue
        submission, rejections = _parse_row(
            row_number,
            cells,
            len(table.header),
            table.check_row_width,
            mapping,
            name,
            sha256,
            contract,
            codes,
        )
        result.submissions.append(submission)
        result.rejections.extend(rejections)
        result.rejections.extend(extra_rejections.get(row_number, []))
    return result


def _cells_by_column(
    cells: Sequence[RawCell], mapping: _Mapping
) -> Iterator[tuple[ColumnSpec, RawCell]]:
    for index, column in mapping.columns.items():
        yield column, cells[index] if index < len(cells) else RawCell(None)


def _best_effort_identity(
    row_number: int,
    cells: Sequence[RawCell],
    mapping: _Mapping,
    name: str,
    sha256: str,
    contract: EditionContract,
) -> ParsedSubmission:
    """Identity fields of a row of an unusable file, where they can be read (for display)."""
    identity: dict[str, CellValue] = {}
    raw_values: dict[str, str] = {}
    for column, cell in _cells_by_column(cells, mapping):
        if not cell.is_empty:
            raw_values[column.header] = cell.as_text()
        if column.question in (MUNICIPALITY_CODE, MUNICIPALITY_NAME, BOEKJAAR, INGEDIEND_OP):
            try:
                value = parse_cell(cell, column, contract)
            except ParseError:
                value = None
            if isinstance(value, int) and check_impossible(value, column, cell.as_text()):
                value = None  # e.g. a boekjaar that is no year: never shown, never stored
            identity[column.question] = value
    return ParsedSubmission(
        source_file=name,
        source_sha256=sha256,
        source_row=row_number,
        municipality_code=_as_str(identity.get(MUNICIPALITY_CODE)),
        municipality_name=_as_str(identity.get(MUNICIPALITY_NAME)),
        boekjaar=_as_int(identity.get(BOEKJAAR)),
        ingediend_op=_as_datetime(identity.get(INGEDIEND_OP)),
        answers=dict.fromkeys(contract.numeric_questions),
        raw_values=raw_values,
        row_rejected=True,
    )


def _parse_row(
    row_number: int,
    cells: Sequence[RawCell],
    header_width: int,
    check_width: bool,
    mapping: _Mapping,
    name: str,
    sha256: str,
    contract: EditionContract,
    valid_codes: set[str] | None,
) -> tuple[ParsedSubmission, list[Rejection]]:
    rejections: list[Rejection] = []
    row_rejected = False
    values: dict[str, CellValue] = {}
    raw_values: dict[str, str] = {}
    answers: dict[str, float | None] = dict.fromkeys(contract.numeric_questions)

    def reject(column: ColumnSpec | None, raw: str | None, reason: str) -> None:
        nonlocal row_rejected
        rejections.append(
            Rejection(name, row_number, column.header if column else None, raw, reason)
        )
        if column is None or column.required:
            row_rejected = True

    if check_width and len(cells) > header_width:
        extra = [c.as_text() for c in cells[header_width:] if not c.is_empty]
        if extra:
            reject(
                None,
                ";".join(extra),
                f"row has {len(cells)} fields but the header has {header_width}: "
                "values may be shifted (an unquoted separator in a cell?)",
            )

    for column, cell in _cells_by_column(cells, mapping):
        raw = cell.as_text()
        if not cell.is_empty:
            raw_values[column.header] = raw
        try:
            value = parse_cell(cell, column, contract)
        except ParseError as exc:
            reject(column, raw, exc.reason)
            continue
        if value is None:
            if column.required:
                shown = clean_text(raw)
                reject(
                    column,
                    raw if shown else None,
                    f"required field {column.header} has no answer ({shown!r})"
                    if shown
                    else f"required field {column.header} is empty",
                )
            continue
        if column.is_numeric and isinstance(value, int | float):
            problem = check_impossible(value, column, raw)
            if problem:
                reject(column, raw, problem)
                continue
        values[column.question] = value
        if column.is_answer and isinstance(value, int | float):
            answers[column.question] = float(value)

    code = _as_str(values.get(MUNICIPALITY_CODE))
    if code is not None and valid_codes is not None and code not in valid_codes:
        reject(
            contract.column_by_question(MUNICIPALITY_CODE),
            raw_values.get(contract.question_header(MUNICIPALITY_CODE)),
            f"{code} is not a municipality on 1 January {contract.boekjaar}",
        )
    boekjaar = _as_int(values.get(BOEKJAAR))
    if boekjaar is not None and boekjaar != contract.boekjaar:
        reject(
            contract.column_by_question(BOEKJAAR),
            raw_values.get(contract.question_header(BOEKJAAR)),
            f"boekjaar {boekjaar} does not match edition {contract.edition} "
            f"(expected {contract.boekjaar})",
        )
    submission = ParsedSubmission(
        source_file=name,
        source_sha256=sha256,
        source_row=row_number,
        municipality_code=code,
        municipality_name=_as_str(values.get(MUNICIPALITY_NAME)),
        boekjaar=boekjaar,
        ingediend_op=_as_datetime(values.get(INGEDIEND_OP)),
        answers=answers,
        raw_values=raw_values,
        row_rejected=row_rejected,
    )
    return submission, rejections


def _as_str(value: CellValue) -> str | None:
    return value if isinstance(value, str) else None


def _as_int(value: CellValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_datetime(value: CellValue) -> datetime | None:
    return value if isinstance(value, datetime) else None
