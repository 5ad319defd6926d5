"""Turn one raw cell (CSV text or an XLSX cell) into a typed value per the column's kind.

The reader hands every cell over as a :class:`RawCell`; :func:`parse_cell` applies the
contract's rules and returns a :class:`CellValue` or raises :class:`ParseError`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Final

from openpyxl.styles.numbers import is_date_format

from pipelines.core.contracts import BOEKJAAR, ColumnSpec, EditionContract
from pipelines.core.dutch_values import (
    ParseError,
    clean_text,
    decimal_from_cell_number,
    is_no_answer,
    is_spreadsheet_error,
    normalize_cell_datetime,
    normalize_municipality_code,
    parse_dutch_number,
    parse_percent_text,
    parse_timestamp_text,
    percent_from_number,
    require_whole,
)

CellScalar = str | int | float | Decimal | bool | datetime | date | time | None

# Values that cannot be true for any column (spec: "Values that cannot be true"). No amount,
# count, FTE, percentage or score of a municipality comes near 10^15 in its canonical unit;
# beyond it a value is a typing error, and it could not be stored exactly (a double holds
# integers exactly up to 2^53, about 9 * 10^15; DuckDB BIGINT up to about 9.2 * 10^18).
MAX_ABS_VALUE: Final = Decimal(10) ** 15
# A boekjaar outside these years is no year the benchmark can be about (and a value like
# 99999999999 would overflow the INTEGER column downstream).
PLAUSIBLE_YEARS: Final = (1900, 2100)
_MAX_DIGITS: Final = 15
_SHOWN_CHARS: Final = 40


@dataclass(frozen=True)
class RawCell:
    """A cell as found in the file.

    ``value`` is text for CSV; for XLSX it is what openpyxl returns (number, text, datetime).
    ``number_format`` is the XLSX display format (``0%`` ...), ``None`` for CSV.
    ``merged_range`` is the XLSX merged range (``A3:A4``) the cell belongs to, if any;
    ``merged_anchor`` tells whether it is the range's top-left cell (the one holding the value).
    """

    value: CellScalar
    number_format: str | None = None
    is_error: bool = False
    is_uncached_formula: bool = False
    merged_range: str | None = None
    merged_anchor: bool = False

    @property
    def is_empty(self) -> bool:
        if self.is_error or self.is_uncached_formula:
            return False
        return self.value is None or (isinstance(self.value, str) and clean_text(self.value) == "")

    @property
    def is_percent_formatted(self) -> bool:
        return self.number_format is not None and _format_has_percent(self.number_format)

    def as_text(self) -> str:
        """The raw value as text, for ``raw_value`` columns."""
        value = self.value
        if self.is_uncached_formula:
            return "=<formula without cached value>"
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, float) and not math.isfinite(value):
            return repr(value)
        if isinstance(value, int | float | Decimal):
            if self.is_percent_formatted:  # shown as the respondent saw it: 0.93 -> "93%"
                return f"{_plain(decimal_from_cell_number(value) * 100)}%"
            return _plain(decimal_from_cell_number(value))
        return str(value)


def _plain(number: Decimal) -> str:
    """Decimal without exponent or trailing zeros: 2450.50 -> '2450.5', 93.00 -> '93'."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _format_has_time(number_format: str) -> bool:
    """An hour or second code (``h``, ``s``, ``[h]``, ``AM/PM``) outside quoted literals,
    escapes and bracketed locale/colour tags (``[$-413]``, ``[Red]``). ``m`` alone is month
    or minute, but a minute never appears without an hour or second code."""
    text = re.sub(r'"[^"]*"|\\.', "", number_format)
    text = re.sub(
        r"\[([^\]]*)\]", lambda m: m.group(1) if m.group(1).lower() in _ELAPSED else "", text
    )
    lowered = text.lower()
    return "h" in lowered or "s" in lowered or "am/pm" in lowered or "a/p" in lowered


_ELAPSED = frozenset({"h", "hh", "s", "ss"})


def _format_has_percent(number_format: str) -> bool:
    """A ``%`` outside quoted literals and not escaped with a backslash."""
    in_quotes = escaped = False
    for ch in number_format:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == "%" and not in_quotes:
            return True
    return False


CellValue = str | int | float | datetime | None


def parse_cell(cell: RawCell, column: ColumnSpec, contract: EditionContract) -> CellValue:
    """Value in the canonical unit, or ``None`` for no answer.

    code -> ``GM####``; text -> stripped text; integer/count -> int (counts as float in
    answers); amount/fte/percent/score -> float in the canonical unit; timestamp -> datetime.
    A number beyond ``MAX_ABS_VALUE`` (10^15) in the canonical unit, or not finite, cannot
    be true for any column and raises :class:`ParseError`; the column's own bounds are *not*
    checked here (see :func:`check_impossible`).
    """
    if cell.merged_range is not None:
        if cell.merged_anchor:
            raise ParseError(
                f"merged cells {cell.merged_range}: the value {cell.as_text()!r} spans several "
                "cells, so it is unclear which row or question it answers "
                "(unmerge and fill in every cell)"
            )
        anchor = cell.merged_range.split(":")[0]
        raise ParseError(
            f"part of merged cells {cell.merged_range} (the value is in {anchor}); "
            "unmerge and fill in every cell"
        )
    if cell.is_uncached_formula:
        raise ParseError("formula without a cached value (open and save the file in Excel)")
    if cell.is_error or is_spreadsheet_error(cell.value):
        raise ParseError(f"spreadsheet error value {cell.as_text().strip()!r}")
    value = cell.value
    if is_no_answer(value, contract.no_answer_tokens):
        return None
    kind = column.kind
    if kind == "code":
        return normalize_municipality_code(value)
    if kind == "text":
        return clean_text(value) if isinstance(value, str) else cell.as_text()
    if kind == "timestamp":
        return _timestamp(value, cell.number_format)
    if isinstance(value, datetime | date | time):
        raise ParseError(f"date where a number is expected: {cell.as_text()!r}")
    if isinstance(value, bool):
        raise ParseError(f"boolean where a number is expected: {cell.as_text()!r}")
    number = _number(cell, column, contract)
    # (a first cheap test, so that scaling never overflows the decimal context)
    too_large = not number.is_finite() or number.adjusted() > 2 * _MAX_DIGITS
    canonical = Decimal(0) if too_large else number * column.factor
    if too_large or abs(canonical) > MAX_ABS_VALUE:
        raise ParseError(
            f"impossible value for {column.kind}: {_shorten(cell.as_text())} (beyond 10^15"
            f"{' euros' if column.kind == 'amount' else ''} in absolute value; "
            "not a real answer)"
        )
    if column.is_whole_number:
        return require_whole(number, value)
    return float(canonical)


def _shorten(raw: str) -> str:
    """The raw value quoted for a reason, cut short (a 400-digit number stays in raw_value)."""
    text = raw.strip()
    if len(text) > _SHOWN_CHARS:
        return repr(text[: _SHOWN_CHARS - 10]) + f"... ({len(text)} characters)"
    return repr(text)


def _number(cell: RawCell, column: ColumnSpec, contract: EditionContract) -> Decimal:
    value = cell.value
    numbers = contract.numbers
    if isinstance(value, str):
        if column.kind == "percent":
            return parse_percent_text(value, decimal=numbers.decimal, thousands=numbers.thousands)
        return parse_dutch_number(
            value,
            decimal=numbers.decimal,
            thousands=numbers.thousands,
            allow_currency=column.kind == "amount",
        )
    if isinstance(value, int | float | Decimal):
        if column.kind == "percent":
            return percent_from_number(value, percent_formatted=cell.is_percent_formatted)
        if cell.is_percent_formatted:
            raise ParseError(
                f"percentage-formatted cell where a {column.kind} is expected: {cell.as_text()!r}"
            )
        return decimal_from_cell_number(value)
    raise ParseError(f"not a number: {value!r}")


def _timestamp(value: CellScalar, number_format: str | None) -> datetime:
    if isinstance(value, datetime):
        if (
            number_format is not None
            and is_date_format(number_format)
            and not _format_has_time(number_format)
            and value.time() == time(0, 0)
        ):
            # the respondent typed a date only; 00:00 would be an invented instant
            raise ParseError(
                f"date without a time: {value:%Y-%m-%d} (cell format {number_format!r}); "
                "expected a date and time"
            )
        return _plausible_instant(normalize_cell_datetime(value))
    if isinstance(value, date):
        raise ParseError(f"date without a time: {value.isoformat()!r}")
    if isinstance(value, str):
        return _plausible_instant(parse_timestamp_text(value))
    raise ParseError(f"a {type(value).__name__} where a date-time is expected: {value!r}")


def _plausible_instant(value: datetime) -> datetime:
    if not PLAUSIBLE_YEARS[0] <= value.year <= PLAUSIBLE_YEARS[1]:
        raise ParseError(
            f"not a plausible submission time: {value:%Y-%m-%d %H:%M} (expected a year "
            f"between {PLAUSIBLE_YEARS[0]} and {PLAUSIBLE_YEARS[1]})"
        )
    return value


def check_impossible(value: float | int, column: ColumnSpec, raw: str) -> str | None:
    """Reason when ``value`` is outside the column's impossible bounds, else ``None``.

    A ``boekjaar`` must be a plausible year (``PLAUSIBLE_YEARS``); whether it is the
    edition's boekjaar is the reader's check."""
    if column.question == BOEKJAAR and not PLAUSIBLE_YEARS[0] <= value <= PLAUSIBLE_YEARS[1]:
        return (
            f"boekjaar {_shorten(raw)} is not a plausible year "
            f"(expected a year between {PLAUSIBLE_YEARS[0]} and {PLAUSIBLE_YEARS[1]})"
        )
    if column.impossible.contains(float(value)):
        return None
    return (
        f"impossible value for {column.kind}: {raw.strip()!r} "
        f"(must be {column.impossible.describe()})"
    )
