"""Dutch notation rules of the survey format, case by case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from pipelines.core.dutch_values import (
    ParseError,
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

TOKENS = ("", "n.v.t.", "onbekend", "-", "nb")


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "\u00a0",
        "n.v.t.",
        "N.V.T.",
        " n.v.t. ",
        "onbekend",
        "Onbekend",
        "-",
        " - ",
        "nb",
        "NB",
        "Nb",
    ],
)
def test_no_answer_tokens(raw: str | None) -> None:
    assert is_no_answer(raw, TOKENS)


@pytest.mark.parametrize("raw", ["0", "0,0", "nvt", "n.v.t", "--", "geen", "onbekend!", 0, 0.0])
def test_not_no_answer(raw: object) -> None:
    assert not is_no_answer(raw, TOKENS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234,5", Decimal("1234.5")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("931.298", Decimal("931298")),
        ("1.234", Decimal("1234")),
        ("1.000.000", Decimal("1000000")),
        ("0", Decimal("0")),
        ("0,85", Decimal("0.85")),
        ("12", Decimal("12")),
        ("007", Decimal("7")),
        ("-12", Decimal("-12")),
        ("-1.234,5", Decimal("-1234.5")),
        ("+12,5", Decimal("12.5")),
        ("\u22125", Decimal("-5")),  # unicode minus sign
        ("  1.234,5  ", Decimal("1234.5")),
        ("\u00a012,5\u00a0", Decimal("12.5")),
        ("2.450,5", Decimal("2450.5")),
    ],
)
def test_dutch_numbers(raw: str, expected: Decimal) -> None:
    assert parse_dutch_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12.5", "decimal point where a decimal comma is expected: '12.5'"),
        ("3.14", "decimal point where a decimal comma is expected: '3.14'"),
        ("1234.5", "decimal point where a decimal comma is expected"),
        ("1234.567", "decimal point where a decimal comma is expected"),  # 4 digits first
        ("0.500", "decimal point where a decimal comma is expected"),  # 0 cannot lead a group
        ("1.23.4", "bad thousands grouping in '1.23.4'"),
        ("12.345.6", "bad thousands grouping"),
        ("1.2345", "decimal point where a decimal comma is expected"),
        ("1.234.56,7", "bad thousands grouping"),
        ("1,234.56", "mixed separators"),
        ("1,2,3", "more than one decimal comma"),
        ("12,", "malformed number"),
        (",5", "malformed number"),
        ("1e5", "not a number: '1e5'"),
        ("12 345", "not a number"),
        ("twaalf", "not a number"),
        ("-", "sign without a number"),
        ("€ 12", "currency sign where a plain number is expected"),
        ("#DEEL/0!", "spreadsheet error value '#DEEL/0!'"),
        ("#DIV/0!", "spreadsheet error value"),
        ("", "empty value"),
        ("(12)", "not a number"),
    ],
)
def test_dutch_number_errors(raw: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_dutch_number(raw)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("€ 1.234,50", Decimal("1234.50")),
        ("€1.234", Decimal("1234")),
        ("-€ 12", Decimal("-12")),
        ("12 €", Decimal("12")),
    ],
)
def test_currency_sign_only_where_allowed(raw: str, expected: Decimal) -> None:
    assert parse_dutch_number(raw, allow_currency=True) == expected


def test_other_notation_can_be_configured() -> None:
    assert parse_dutch_number("1,234.5", decimal=".", thousands=",") == Decimal("1234.5")
    with pytest.raises(ParseError, match="decimal comma where a decimal point is expected"):
        parse_dutch_number("12,5", decimal=".", thousands=None)


@pytest.mark.parametrize(
    ("value", "expected"), [(Decimal("12"), 12), (Decimal("12.0"), 12), (Decimal("-3"), -3)]
)
def test_whole_numbers(value: Decimal, expected: int) -> None:
    assert require_whole(value, str(value)) == expected


def test_whole_number_rejects_fraction() -> None:
    with pytest.raises(ParseError, match=r"not a whole number: '12,5'"):
        require_whole(parse_dutch_number("12,5"), "12,5")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85%", Decimal("85")),
        ("85 %", Decimal("85")),
        ("85,5%", Decimal("85.5")),
        ("0,85", Decimal("85")),
        ("0,5", Decimal("50")),
        ("1", Decimal("1")),  # 1 is 1 %, not 100 %
        ("0", Decimal("0")),
        ("1,0", Decimal("1")),
        ("100", Decimal("100")),
        ("120", Decimal("120")),  # implausible, loaded as given
        ("0,5%", Decimal("0.5")),  # with a sign it is a percentage
        ("95%", Decimal("95")),
        ("-5", Decimal("-5")),
    ],
)
def test_percent_text(raw: str, expected: Decimal) -> None:
    assert parse_percent_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("85%%", "more than one"), ("%85", "not at the end"), ("0.85", "decimal point")],
)
def test_percent_text_errors(raw: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_percent_text(raw)


@pytest.mark.parametrize(
    ("value", "formatted", "expected"),
    [
        (0.93, True, Decimal("93")),  # a percentage-formatted cell holds a fraction
        (1.0, True, Decimal("100")),
        (0.005, True, Decimal("0.5")),
        (0.93, False, Decimal("93")),  # unformatted: the fraction rule
        (93, False, Decimal("93")),
        (1, False, Decimal("1")),
        (0, False, Decimal("0")),
    ],
)
def test_percent_from_cell_number(value: float, formatted: bool, expected: Decimal) -> None:
    assert percent_from_number(value, percent_formatted=formatted) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" gm0363 ", "GM0363"),
        ("GM0363", "GM0363"),
        ("363", "GM0363"),
        ("0363", "GM0363"),
        ("GM363", "GM0363"),
        ("gm14", "GM0014"),
        ("1992", "GM1992"),
        (363, "GM0363"),
        (363.0, "GM0363"),
    ],
)
def test_municipality_codes(raw: object, expected: str) -> None:
    assert normalize_municipality_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["GM03630", "AB0363", "", "   ", None, "GM 0363", "GM", "03630", "G0363", 363.5, "GM-363"],
)
def test_invalid_municipality_codes(raw: object) -> None:
    with pytest.raises(ParseError):
        normalize_municipality_code(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-03-04 14:05", datetime(2021, 3, 4, 14, 5)),
        ("2021-03-04 14:05:00", datetime(2021, 3, 4, 14, 5)),
        ("2021-03-04 14:05:09", datetime(2021, 3, 4, 14, 5, 9)),
        ("2021-03-04T14:05", datetime(2021, 3, 4, 14, 5)),
        ("2021-03-04 9:05", datetime(2021, 3, 4, 9, 5)),
        ("04-03-2021 14:05", datetime(2021, 3, 4, 14, 5)),  # Dutch: day first
        ("4-3-2021 14:05", datetime(2021, 3, 4, 14, 5)),
        ("04-03-2021 14:05:09", datetime(2021, 3, 4, 14, 5, 9)),
        ("  2021-03-04 14:05  ", datetime(2021, 3, 4, 14, 5)),
    ],
)
def test_timestamps(raw: str, expected: datetime) -> None:
    assert parse_timestamp_text(raw) == expected


def test_equal_instants_compare_equal() -> None:
    a = parse_timestamp_text("2021-03-04 14:05")
    b = parse_timestamp_text("04-03-2021 14:05:00")
    c = normalize_cell_datetime(datetime(2021, 3, 4, 14, 4, 59, 999_500))
    assert a == b == c


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("03/04/2021", "ambiguous date format"),
        ("03/04/2021 14:05", "ambiguous date format"),
        ("2021/03/04 14:05", "ambiguous date format"),
        ("2021-03-04", "date without a time"),
        ("04-03-2021", "date without a time"),
        ("2021-02-30 10:00", "impossible date or time"),
        ("2021-03-04 25:00", "impossible date or time"),
        ("04-03-21 14:05", "not a timestamp"),
        ("2021-03-04 14:05+01:00", "not a timestamp"),
        ("gisteren", "not a timestamp"),
        ("", "missing"),
        ("#WAARDE!", "spreadsheet error"),
    ],
)
def test_timestamp_errors(raw: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_timestamp_text(raw)


@pytest.mark.parametrize(
    "raw",
    ["#DEEL/0!", "#DIV/0!", "#WAARDE!", "#VALUE!", "#N/B", "#N/A", "#REF!", "#VERW!", " #naam? "],
)
def test_spreadsheet_errors(raw: str) -> None:
    assert is_spreadsheet_error(raw)


def test_not_spreadsheet_errors() -> None:
    assert not is_spreadsheet_error("#1")
    assert not is_spreadsheet_error(0)
