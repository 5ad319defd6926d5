"""Read one survey file (CSV or XLSX) into parsed submissions and rejections.

Strict: CSV is read as text with the contract's encoding and delimiter (no type inference);
XLSX with openpyxl (read-only, cached values). Columns are mapped by header code.
Every data row of the file ends up either in ``submissions`` (possibly ``row_rejected``)
or in ``empty_rows``: ``n_rows == len(submissions) + len(empty_rows)``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipelines.core.cell_values import CellValue, RawCell, check_impossible, parse_cell
from pipelines.core.contracts import (
    BOEKJAAR,
    INGEDIEND_OP,
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
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
    """Header cells and data rows (with their spreadsheet row numbers) of one file."""

    header: list[str]
    rows: list[tuple[int, list[RawCell]]]
    warnings: list[str]
    pre_data_rows: list[tuple[int, list[RawCell]]] = field(default_factory=list)
    unusable_reason: str | None = None
    check_row_width: bool = False


# --------------------------------------------------------------------------- entry point


def read_survey_file(
    path: Path, contract: EditionContract, valid_codes: Collection[str] | None
) -> FileReadResult:
    """Read ``path`` under ``contract``.

    ``valid_codes``: GM codes of the municipalities that existed on 1 January of the
    boekjaar (``None`` = do not check).
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _unusable_without_rows(name, "", f"{name}: cannot be read: {exc.strerror}")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        if contract.file.format == "csv":
            table = _read_csv_table(data, name, contract)
        else:
            table = _read_xlsx_table(data, name, contract)
    except _Unusable as exc:
        return _unusable_without_rows(name, sha256, exc.reason)
    return _interpret(table, name, sha256, contract, valid_codes)


def _unusable_without_rows(name: str, sha256: str, reason: str) -> FileReadResult:
    return FileReadResult(
        source_file=name,
        source_sha256=sha256,
        n_rows=0,
        rejections=[Rejection(name, None, None, None, reason)],
        unusable_reason=reason,
    )


# --------------------------------------------------------------------------- CSV


def _read_csv_table(data: bytes, name: str, contract: EditionContract) -> _RawTable:
    options = contract.file.csv
    assert options is not None
    warnings: list[str] = []
    unusable: str | None = None
    if data.startswith(UTF8_BOM):
        try:
            text = data[len(UTF8_BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unusable(
                f"{name}: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(byte 0x{data[len(UTF8_BOM) + exc.start]:02x} at offset "
                f"{len(UTF8_BOM) + exc.start})"
            ) from exc
        warnings.append(
            f"{name}: file starts with a UTF-8 byte-order mark; read as UTF-8 "
            f"instead of {options.encoding}"
        )
    else:
        try:
            text = data.decode(options.encoding)
        except UnicodeDecodeError as exc:
            unusable = (
                f"{name}: not readable as {options.encoding}: byte 0x{data[exc.start]:02x} "
                f"at offset {exc.start} cannot be decoded"
            )
            text = data.decode(options.encoding, errors="replace")
        if options.encoding.replace("-", "").lower() in {"cp1252", "windows1252"}:
            hint = _mojibake_hint(text)
            if hint:
                warnings.append(
                    f"{name}: text looks like UTF-8 read as {options.encoding} ({hint!r}); "
                    "check the file's encoding"
                )
    if "\x00" in text:
        raise _Unusable(f"{name}: contains NUL bytes; not a text CSV file")
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=options.delimiter,
        quotechar=options.quotechar,
        strict=True,
    )
    try:
        records = list(reader)
    except csv.Error as exc:
        raise _Unusable(f"{name}: malformed CSV near line {reader.line_num}: {exc}") from exc
    fmt = contract.file
    if len(records) < fmt.header_row:
        raise _Unusable(f"{name}: no header row (the file has {len(records)} rows)")
    header = [clean_text(h).lower() for h in records[fmt.header_row - 1]]
    pre = [
        (i, [RawCell(v) for v in records[i - 1]])
        for i in range(fmt.header_row + 1, min(fmt.first_data_row, len(records) + 1))
    ]
    rows = [
        (i, [RawCell(v) for v in records[i - 1]])
        for i in range(fmt.first_data_row, len(records) + 1)
    ]
    return _RawTable(header, rows, warnings, pre, unusable, check_row_width=True)


def _mojibake_hint(text: str) -> str | None:
    for index, ch in enumerate(text[:-1]):
        if ch in "ÃÂ" and text[index + 1] in _MOJIBAKE_FOLLOWERS:
            return text[index : index + 2]
    return None


# --------------------------------------------------------------------------- XLSX


def _read_xlsx_table(data: bytes, name: str, contract: EditionContract) -> _RawTable:
    options = contract.file.xlsx
    assert options is not None
    try:
        values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if options.sheet not in values_wb.sheetnames:
            raise _Unusable(
                f"{name}: sheet {options.sheet!r} not found "
                f"(sheets: {', '.join(map(repr, values_wb.sheetnames))})"
            )
        formula_cells = {
            (row_index, col_index)
            for row_index, row in enumerate(formulas_wb[options.sheet].iter_rows(), start=1)
            for col_index, cell in enumerate(row)
            if cell.data_type == "f"
        }
        sheet_rows: list[list[RawCell]] = []
        for row_index, row in enumerate(values_wb[options.sheet].iter_rows(), start=1):
            cells = []
            for col_index, cell in enumerate(row):
                value = cell.value
                cells.append(
                    RawCell(
                        value=value,
                        number_format=getattr(cell, "number_format", None),
                        is_error=cell.data_type == "e",
                        is_uncached_formula=value is None
                        and (row_index, col_index) in formula_cells,
                    )
                )
            sheet_rows.append(cells)
    finally:
        values_wb.close()
        formulas_wb.close()
    while sheet_rows and all(c.value is None and not c.is_uncached_formula for c in sheet_rows[-1]):
        sheet_rows.pop()  # trailing rows without any value are not data rows
    fmt = contract.file
    if len(sheet_rows) < fmt.header_row:
        raise _Unusable(f"{name}: sheet {options.sheet!r} has no header row")
    header = [clean_text(c.as_text()).lower() for c in sheet_rows[fmt.header_row - 1]]
    pre = [
        (i, sheet_rows[i - 1])
        for i in range(fmt.header_row + 1, min(fmt.first_data_row, len(sheet_rows) + 1))
    ]
    rows = [(i, sheet_rows[i - 1]) for i in range(fmt.first_data_row, len(sheet_rows) + 1)]
    return _RawTable(header, rows, [], pre)


# --------------------------------------------------------------------------- interpretation


@dataclass(frozen=True)
class _Mapping:
    columns: dict[int, ColumnSpec]  # file column index -> contract column
    unusable_reason: str | None
    warnings: list[str]


def _map_header(
    header: Sequence[str], table: _RawTable, name: str, contract: EditionContract
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
        if code not in unknown:  # which one would we read? (a duplicated unknown is ignored)
            letters = " and ".join(get_column_letter(i + 1) for i in indexes)
            problems.append(f"duplicate column header {code!r} (columns {letters})")
    for code in unknown:
        letters = ", ".join(get_column_letter(i + 1) for i in positions[code])
        plural = "s" if len(positions[code]) > 1 else ""
        warnings.append(f"{name}: unknown column {code!r} (column{plural} {letters}) ignored")
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
    for index in _headerless_columns_with_data(header, table):
        warnings.append(
            f"{name}: column {get_column_letter(index + 1)} has values but no header; ignored"
        )
    columns = {
        idx[0]: spec
        for code, idx in positions.items()
        if code not in duplicates and (spec := contract.column_by_header(code)) is not None
    }
    reason = f"{name}: " + "; ".join(problems) if problems else None
    return _Mapping(columns, reason, warnings)


def _headerless_columns_with_data(header: Sequence[str], table: _RawTable) -> list[int]:
    found: set[int] = set()
    for _, cells in table.rows:
        for index, cell in enumerate(cells):
            if (index >= len(header) or not header[index]) and not cell.is_empty:
                found.add(index)
    if table.check_row_width:  # CSV: extra fields are a row problem, not a column
        found = {i for i in found if i < len(header)}
    return sorted(found)


def _interpret(
    table: _RawTable,
    name: str,
    sha256: str,
    contract: EditionContract,
    valid_codes: Collection[str] | None,
) -> FileReadResult:
    mapping = _map_header(table.header, table, name, contract)
    result = FileReadResult(
        source_file=name,
        source_sha256=sha256,
        n_rows=len(table.rows),
        warnings=[*table.warnings, *mapping.warnings],
    )
    reasons = [r for r in (table.unusable_reason, mapping.unusable_reason) if r]
    if reasons:
        reason = "; ".join(reasons)
        result.unusable_reason = reason
        result.rejections.append(Rejection(name, None, None, None, reason))
        for row_number, cells in table.rows:
            submission = _best_effort_identity(row_number, cells, mapping, name, sha256, contract)
            result.submissions.append(submission)
            result.rejections.append(
                Rejection(name, row_number, None, None, f"file unusable: {reason}")
            )
        return result

    result.warnings.extend(_pre_data_row_warnings(table, mapping, name, contract))
    codes = set(valid_codes) if valid_codes is not None else None
    for row_number, cells in table.rows:
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
                identity[column.question] = parse_cell(cell, column, contract)
            except ParseError:
                identity[column.question] = None
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


def _pre_data_row_warnings(
    table: _RawTable, mapping: _Mapping, name: str, contract: EditionContract
) -> list[str]:
    """Warn when a skipped row (the XLSX question-text row) looks like a data row."""
    warnings = []
    code_columns = [i for i, c in mapping.columns.items() if c.question == MUNICIPALITY_CODE]
    for row_number, cells in table.pre_data_rows:
        for index in code_columns:
            if index < len(cells):
                try:
                    code = parse_cell(cells[index], mapping.columns[index], contract)
                except ParseError:
                    continue
                if code:
                    warnings.append(
                        f"{name}: row {row_number} is skipped as the question-text row, "
                        f"but holds municipality code {code}: is it a data row?"
                    )
    return warnings


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
