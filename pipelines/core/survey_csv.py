"""Reading a CSV survey file into a ``RawTable``: encoding, dialect, bounded lines.

Strict: CSV is read as text with the contract's encoding and delimiter (no type inference);
a UTF-8 or UTF-16 byte-order mark, or text that is valid UTF-8, is read as such with a
warning; a header that splits into known codes on another separator makes the file
unusable with a hint. Lines, rows, fields and cells are bounded (``survey_table.py``).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Sequence
from typing import Final

from pipelines.core.cell_values import RawCell
from pipelines.core.contracts import EditionContract
from pipelines.core.dutch_values import clean_text
from pipelines.core.survey_table import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_LINE_CHARS,
    MAX_DATA_ROWS,
    RawTable,
    Unusable,
)

UTF8_BOM = b"\xef\xbb\xbf"
_MOJIBAKE_FOLLOWERS = frozenset(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore"))
_UTF16_BOMS: Final = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_OTHER_SEPARATORS: Final = (",", "\t", "|", ";")


def _decode_csv(data: bytes, name: str, encoding: str) -> tuple[str, list[str], str | None]:
    """Text, warnings and an unusable reason (undecodable bytes; text still returned)."""
    if data.startswith(UTF8_BOM):
        try:
            text = data[len(UTF8_BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unusable(
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
                raise Unusable(
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
        raise Unusable(
            f"{name}: line {line_number} is {length:,} characters long (limit "
            f"{MAX_CSV_LINE_CHARS:,}); not a survey export"
        )


def read_csv_table(data: bytes, name: str, contract: EditionContract) -> RawTable:
    options = contract.file.csv
    assert options is not None
    text, warnings, unusable = _decode_csv(data, name, options.encoding)
    if "\x00" in text:
        raise Unusable(
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
                raise Unusable(
                    f"{name}: more than {MAX_DATA_ROWS:,} data rows; not a survey export"
                )
            if len(record) > MAX_COLUMNS:
                raise Unusable(
                    f"{name}: row {len(records)} has {len(record):,} fields (limit "
                    f"{MAX_COLUMNS:,}); not a survey export"
                )
            if n_cells > MAX_CELLS:
                raise Unusable(f"{name}: more than {MAX_CELLS:,} cells; not a survey export")
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise Unusable(
                f"{name}: a field near line {reader.line_num} is longer than "
                f"{csv.field_size_limit():,} characters; not a survey export"
            ) from exc
        raise Unusable(f"{name}: malformed CSV near line {reader.line_num}: {exc}") from exc
    if len(records) < fmt.header_row:
        raise Unusable(f"{name}: no header row (the file has {len(records)} rows)")
    header_text = [clean_text(h) for h in records[fmt.header_row - 1]]
    separator_hint = _separator_hint(header_text, options.delimiter, contract)
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
    return RawTable(
        header_text,
        rows,
        warnings,
        pre,
        unusable,
        check_row_width=True,
        header_unreadable=separator_hint is not None,
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
