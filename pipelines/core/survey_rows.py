"""Interpreting a ``RawTable`` against the edition's contract: header, rows and cells.

Columns are mapped by header code. Every data row of the file ends up either in
``submissions`` (possibly ``row_rejected``) or in ``empty_rows``:
``n_rows == len(submissions) + len(empty_rows)``. Nothing is dropped silently: each
non-empty cell under an unknown header or without a header is a rejected cell (a warning per
column; the rest of the row loads); a row before the contract's first data row (the XLSX
question-text row) that holds answers is read as the first data row; hidden rows and
columns are read like visible ones, with a warning. Also the reader's result types
(``Rejection``, ``ParsedSubmission``, ``FileReadResult``).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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
from pipelines.core.survey_table import RawTable


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
    unknown_at = {i: header_text[i] for code in unknown for i in positions[code]}
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
    table: RawTable, mapping: _Mapping, name: str, contract: EditionContract
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
    table: RawTable, rows: Sequence[tuple[int, Sequence[RawCell]]], name: str, header_row: int
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


def interpret(
    table: RawTable,
    name: str,
    sha256: str,
    contract: EditionContract,
    valid_codes: Collection[str] | None,
) -> FileReadResult:
    """The rows of ``table`` read against ``contract`` (``name``, ``sha256``: the file's)."""
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
