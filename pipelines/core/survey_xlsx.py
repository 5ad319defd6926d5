"""Reading an XLSX survey file into a ``RawTable``.

The zip is checked on its directory (declared sizes, compression ratio, entry count) and
its XML parts for DTD/entity declarations before openpyxl touches it (openpyxl itself
parses through defusedxml). The sheet is read with openpyxl's streaming sheet parser
(cached values; cells placed by their reference, whatever the sheet's ``<dimension>``
says); merged ranges over data rows are marked so that their cells are rejected, hidden
rows and columns are collected so that they can be reported.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from typing import IO, Any, Final

import openpyxl
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from openpyxl import load_workbook
from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from pipelines.core.cell_values import RawCell
from pipelines.core.contracts import EditionContract
from pipelines.core.dutch_values import clean_text
from pipelines.core.survey_table import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_DATA_ROWS,
    MAX_XLSX_COMPRESSION_RATIO,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_UNCOMPRESSED_BYTES,
    XLSX_RATIO_MIN_BYTES,
    XML_PRESCAN_BYTES,
    RawTable,
    Unusable,
)

# openpyxl parses XML through defusedxml when it is installed (it is a dependency);
# entity declarations are refused by the pre-scan as well, whatever this says.
XML_PARSER_IS_DEFUSED: Final[bool] = bool(openpyxl.DEFUSEDXML)

_DTD_MARKERS: Final = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_xlsx_container(data: bytes, name: str) -> None:
    """Refuse what is not a zip, a possible zip bomb and XML with a DTD, before openpyxl
    inflates or parses anything."""
    if data.startswith(_OLE_MAGIC):
        raise Unusable(
            f"{name}: not a readable XLSX workbook (an old .xls file or a password-protected "
            "workbook; save it as an unprotected .xlsx)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, and struct/value errors of a mangled directory
        raise Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_XLSX_ENTRIES:
            raise Unusable(
                f"{name}: the XLSX zip holds {len(entries):,} parts (limit "
                f"{MAX_XLSX_ENTRIES:,}); refused"
            )
        total = sum(entry.file_size for entry in entries)
        if total > MAX_XLSX_UNCOMPRESSED_BYTES:
            raise Unusable(
                f"{name}: the XLSX parts declare {total:,} bytes uncompressed (limit "
                f"{MAX_XLSX_UNCOMPRESSED_BYTES:,}); refused as a possible zip bomb"
            )
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size >= XLSX_RATIO_MIN_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
                raise Unusable(
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
                raise Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
            if any(marker in head for marker in _DTD_MARKERS):
                raise Unusable(_dtd_reason(name, entry.filename))


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


def read_xlsx_table(data: bytes, name: str, contract: EditionContract) -> RawTable:
    options = contract.file.xlsx
    assert options is not None
    _check_xlsx_container(data, name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        if _is_defused_refusal(exc):
            raise Unusable(_dtd_reason(name, None)) from exc
        raise Unusable(f"{name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if options.sheet not in workbook.sheetnames:
            raise Unusable(
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
        except Unusable:
            raise
        except Exception as exc:  # corrupt sheet XML, bad style index, ...
            if _is_defused_refusal(exc):
                raise Unusable(_dtd_reason(name, None)) from exc
            raise Unusable(
                f"{name}: not a readable XLSX workbook (sheet {options.sheet!r}: {exc})"
            ) from exc
    finally:
        workbook.close()
    fmt = contract.file
    if len(sheet_rows) < fmt.header_row:
        raise Unusable(f"{name}: sheet {options.sheet!r} has no header row")
    header_text = [clean_text(c.as_text()) for c in sheet_rows[fmt.header_row - 1]]
    pre = [
        (i, sheet_rows[i - 1])
        for i in range(fmt.header_row + 1, min(fmt.first_data_row, len(sheet_rows) + 1))
    ]
    rows = [(i, sheet_rows[i - 1]) for i in range(fmt.first_data_row, len(sheet_rows) + 1)]
    return RawTable(
        header_text,
        rows,
        warnings,
        pre,
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
            raise Unusable(
                f"{name}: a value in cell {coordinate}, beyond {MAX_DATA_ROWS:,} data rows; "
                "not a survey export"
            )
        if column > MAX_COLUMNS:
            raise Unusable(
                f"{name}: a value in cell {coordinate}, beyond column "
                f"{get_column_letter(MAX_COLUMNS)}; not a survey export"
            )
        if len(cells) > MAX_CELLS:
            raise Unusable(f"{name}: more than {MAX_CELLS:,} cells; not a survey export")

    with worksheet._get_source() as source:
        values_parser = _sheet_parser(worksheet, source, data_only=True)
        for _, row_cells in values_parser.parse():
            for cell in row_cells:
                value, row, column = cell["value"], cell["row"], cell["column"]
                if value is None:
                    continue
                check_position(row, column)
                if (row, column) in cells:
                    raise Unusable(
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
            raise Unusable(f"{name}: more than {MAX_CELLS:,} merged cells; not a survey export")
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
