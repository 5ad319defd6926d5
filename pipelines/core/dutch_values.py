"""Parse survey values with the Dutch rules of the survey format, never guessing.

Every function returns a value or raises :class:`ParseError` whose ``reason`` is an English
sentence naming the problem and quoting the raw value. Numbers are returned as
:class:`~decimal.Decimal` so that scaling (k€ x 1000, fractions x 100) is exact.

Accepted notations (documented in ``data_contracts/README.md``):

* numbers: optional sign (``-``, ``+``, U+2212 minus), digits with a decimal comma and
  optionally thousands dots in groups of exactly three (``1.234.567,89``); a dot followed
  by three digits is a thousands separator (``931.298`` = 931298), any other dot is an
  error ("decimal point where a decimal comma is expected"); a ``€`` sign only where the
  caller allows it (amount columns); no exponents, no spaces inside the number;
* percentages: see :func:`parse_percent_text` / :func:`percent_from_number`;
* codes: see :func:`normalize_municipality_code`;
* timestamps: see :func:`parse_timestamp_text`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

SEPARATOR_NAMES: Final = {",": "comma", ".": "point"}

# Excel error values, English and Dutch spellings.
SPREADSHEET_ERRORS: Final[frozenset[str]] = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#LEEG!",
        "#DEEL/0!",
        "#WAARDE!",
        "#VERW!",
        "#NAAM?",
        "#GETAL!",
        "#N/B",
        "#OVERLOOP!",
        "#BEREKENEN!",
    }
)

_WHITESPACE: Final = " \t\r\n\u00a0\u202f\u2007"
_MINUS_SIGNS: Final = ("-", "\u2212")


class ParseError(ValueError):
    """A raw value cannot be read under the survey's rules."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_text(raw: str) -> str:
    """Strip ordinary and non-breaking spaces at both ends."""
    return raw.strip(_WHITESPACE)


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and clean_text(raw) == "")


def is_no_answer(raw: object, tokens: Collection[str]) -> bool:
    """True for an empty cell or a no-answer token (trimmed, case-insensitive)."""
    if is_blank(raw):
        return True
    if not isinstance(raw, str):
        return False
    folded = {t.strip().casefold() for t in tokens}
    return clean_text(raw).casefold() in folded


def is_spreadsheet_error(raw: object) -> bool:
    return isinstance(raw, str) and clean_text(raw).upper() in SPREADSHEET_ERRORS


def _sep_name(sep: str) -> str:
    return SEPARATOR_NAMES.get(sep, repr(sep))


def parse_dutch_number(
    raw: str,
    *,
    decimal: str = ",",
    thousands: str | None = ".",
    allow_currency: bool = False,
) -> Decimal:
    """Parse a number written in (by default) Dutch notation."""
    text = clean_text(raw)
    shown = repr(raw.strip())
    if not text:
        raise ParseError("empty value where a number is expected")
    if is_spreadsheet_error(text):
        raise ParseError(f"spreadsheet error value {shown}")
    if "€" in text:
        if not allow_currency:
            raise ParseError(f"currency sign where a plain number is expected: {shown}")
        text = clean_text(text.replace("€", "", 1))
        if "€" in text:
            raise ParseError(f"more than one currency sign: {shown}")
    negative = False
    if text[:1] in (*_MINUS_SIGNS, "+"):
        negative = text[0] in _MINUS_SIGNS
        text = clean_text(text[1:])  # "-€ 12": the sign may precede the (removed) €
    body = text
    if not body:
        raise ParseError(f"sign without a number: {shown}")
    if re.fullmatch(r"[0-9.,]+[eE][+-]?[0-9]+", body):
        raise ParseError(
            f"not a number: {shown} (exponent notation; digits may have been lost in the export)"
        )
    if not re.fullmatch(r"[0-9.,]+", body):
        raise ParseError(f"not a number: {shown}")
    if not any(ch.isdigit() for ch in body):
        raise ParseError(f"not a number: {shown}")

    group = thousands or ""
    wrong_decimal = group if group else ("." if decimal == "," else ",")
    if decimal in body and group and group in body and body.index(group) > body.index(decimal):
        raise ParseError(
            f"mixed separators: a {_sep_name(wrong_decimal)} after the decimal "
            f"{_sep_name(decimal)} in {shown} (expected e.g. 1{group}234{decimal}56)"
        )
    if body.count(decimal) > 1:
        raise ParseError(f"more than one decimal {_sep_name(decimal)}: {shown}")
    integer_part, _, fraction = body.partition(decimal)
    if decimal in body and (not integer_part or not fraction):
        raise ParseError(f"malformed number (nothing before or after the decimal sign): {shown}")
    if group and group in integer_part:
        group_pattern = r"[1-9][0-9]{0,2}(?:" + re.escape(group) + r"[0-9]{3})+"
        grouped = re.fullmatch(group_pattern, integer_part)
        if not grouped:
            pieces = integer_part.split(group)
            if len(pieces) == 2 and decimal not in body:
                raise ParseError(
                    f"decimal {_sep_name(group)} where a decimal {_sep_name(decimal)} "
                    f"is expected: {shown}"
                )
            raise ParseError(f"bad thousands grouping in {shown}")
        integer_part = integer_part.replace(group, "")
    elif not group and wrong_decimal in integer_part:
        raise ParseError(
            f"decimal {_sep_name(wrong_decimal)} where a decimal {_sep_name(decimal)} "
            f"is expected: {shown}"
        )
    if not integer_part.isdigit() or (fraction and not fraction.isdigit()):
        raise ParseError(f"not a number: {shown}")
    value = Decimal(f"{integer_part}.{fraction}" if fraction else integer_part)
    return -value if negative else value


def decimal_from_cell_number(value: int | float | Decimal) -> Decimal:
    """A spreadsheet's numeric cell as Decimal (shortest float repr, so 0.93 stays 0.93)."""
    if isinstance(value, bool):
        raise ParseError(f"boolean where a number is expected: {value!r}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    return Decimal(value)


def require_whole(value: Decimal, raw: object) -> int:
    """Return ``value`` as int, or fail when it has a fractional part."""
    if value != value.to_integral_value():
        raise ParseError(f"not a whole number: {_show(raw)}")
    return int(value)


def fraction_or_percentage(value: Decimal) -> Decimal:
    """The percentage rule for a number without a ``%`` sign.

    A value strictly between 0 and 1 is a fraction (x 100); any other value is already a
    percentage (``1`` is 1 %, ``0`` is 0 %).
    """
    if Decimal(0) < value < Decimal(1):
        return value * 100
    return value


def parse_percent_text(raw: str, *, decimal: str = ",", thousands: str | None = ".") -> Decimal:
    """Percentage 0-100 from text: ``85%`` / ``85 %`` / ``85,5%`` are percentages;
    without a sign the fraction rule applies (``0,85`` -> 85, ``1`` -> 1)."""
    text = clean_text(raw)
    if text.endswith("%"):
        number = clean_text(text[:-1])
        if "%" in number:
            raise ParseError(f"more than one percent sign: {_show(raw)}")
        return parse_dutch_number(number, decimal=decimal, thousands=thousands)
    if "%" in text:
        raise ParseError(f"percent sign not at the end: {_show(raw)}")
    return fraction_or_percentage(parse_dutch_number(text, decimal=decimal, thousands=thousands))


def percent_from_number(value: int | float | Decimal, *, percent_formatted: bool) -> Decimal:
    """Percentage 0-100 from a numeric cell.

    A cell formatted as a percentage holds a fraction (0.93 = 93 %); an unformatted number
    follows the fraction rule of :func:`fraction_or_percentage`.
    """
    number = decimal_from_cell_number(value)
    return number * 100 if percent_formatted else fraction_or_percentage(number)


_CODE_DIGITS: Final = re.compile(r"^(?:GM)?([0-9]{1,4})$")


def normalize_municipality_code(raw: object) -> str:
    """Normalise a CBS municipality code to ``GM####``.

    Trims and upper-cases; digits only are zero-padded and prefixed (``363``/``0363``,
    Excel drops leading zeros); ``GM`` + 1-4 digits is zero-padded (``GM363`` ->
    ``GM0363``). Anything else (``GM03630``, ``AB0363``, ``GM 0363``, empty) is an error.
    A numeric spreadsheet cell must hold a whole number.
    """
    if raw is None:
        raise ParseError("municipality code is missing")
    if isinstance(raw, bool):
        raise ParseError(f"not a municipality code: {raw!r}")
    if isinstance(raw, int | float | Decimal):
        number = decimal_from_cell_number(raw)
        if number != number.to_integral_value() or number < 0:
            raise ParseError(f"not a municipality code: {_show(raw)}")
        text = str(int(number))
    else:
        text = clean_text(str(raw)).upper()
    if not text:
        raise ParseError("municipality code is missing")
    match = _CODE_DIGITS.match(text)
    if not match:
        raise ParseError(f"not a municipality code (expected GM + 4 digits): {_show(raw)}")
    return "GM" + match.group(1).zfill(4)


_TIMESTAMP_FORMATS: Final = (
    # (regex, strptime format) -- year first or day first with dashes only.
    (re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}$"), ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")),
    (
        re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}$"),
        ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"),
    ),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}$"), ("%d-%m-%Y %H:%M",)),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}:\d{2}$"), ("%d-%m-%Y %H:%M:%S",)),
)


def parse_timestamp_text(raw: str) -> datetime:
    """Parse ``ingediend_op`` text (local time, no zone).

    Accepted: ``YYYY-MM-DD HH:MM[:SS]`` (also with ``T``) and the Dutch Excel display
    ``D-M-YYYY H:MM[:SS]`` (day first, dashes). Slashes (``03/04/2021``: day or month
    first?), a date without a time, two-digit years and time zones are errors.
    """
    text = clean_text(raw)
    if not text:
        raise ParseError("submission timestamp is missing")
    if is_spreadsheet_error(text):
        raise ParseError(f"spreadsheet error value {_show(raw)}")
    if "/" in text:
        raise ParseError(
            f"ambiguous date format (day and month order unknown): {_show(raw)}; "
            "expected YYYY-MM-DD HH:MM"
        )
    for pattern, formats in _TIMESTAMP_FORMATS:
        if pattern.match(text):
            for fmt in formats:
                try:
                    return datetime.strptime(text, fmt)
                except ValueError:
                    continue
            raise ParseError(f"impossible date or time: {_show(raw)}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{4}", text):
        raise ParseError(f"date without a time: {_show(raw)}; expected YYYY-MM-DD HH:MM")
    raise ParseError(f"not a timestamp (expected YYYY-MM-DD HH:MM): {_show(raw)}")


def normalize_cell_datetime(value: datetime) -> datetime:
    """A spreadsheet date-time cell, rounded to the second (Excel stores fractions of a
    day, so 14:05 may come back as 14:04:59.999) and without time zone."""
    value = value.replace(tzinfo=None)
    rounded = value.replace(microsecond=0)
    if value.microsecond >= 500_000:
        rounded += timedelta(seconds=1)
    return rounded


def _show(raw: object) -> str:
    return repr(raw.strip()) if isinstance(raw, str) else repr(raw)
