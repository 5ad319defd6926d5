"""One cell under a column's kind: units, whole numbers, XLSX number formats."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipelines.core.cell_values import RawCell, check_impossible, parse_cell
from pipelines.core.contracts import EditionContract
from pipelines.core.dutch_values import ParseError


def column(contract: EditionContract, header: str):  # type: ignore[no-untyped-def]
    spec = contract.column_by_header(header)
    assert spec is not None
    return spec


@pytest.mark.parametrize(
    ("edition", "header", "cell", "expected"),
    [
        (2021, "kosten_saas", RawCell("2.450,5"), 2450.5),
        (2022, "kosten_saas", RawCell("2.450,5"), 2_450_500.0),  # k€ -> €
        (2022, "kosten_saas", RawCell(2450.5), 2_450_500.0),
        (2022, "kosten_saas", RawCell(0.001), 1.0),
        (2022, "begroting_lasten", RawCell("-1,5"), -1500.0),
        (2022, "fte_data", RawCell(2.5), 2.5),  # FTE never scaled
        (2022, "inwoners", RawCell(931298.0), 931298),
        (2022, "inwoners", RawCell("931.298"), 931298),
        (2022, "tevredenheid_ict", RawCell("7,5"), 7.5),
        (2022, "tevredenheid_ict", RawCell(11), 11.0),  # implausible, loaded
        (2022, "pct_plaatsonafhankelijk", RawCell(0.93, "0%"), 93.0),
        (2022, "pct_plaatsonafhankelijk", RawCell(0.93, "0.00%"), 93.0),
        (
            2022,
            "pct_plaatsonafhankelijk",
            RawCell(0.93, '0.00"%"'),
            93.0,
        ),  # literal %: fraction rule
        (2022, "pct_plaatsonafhankelijk", RawCell(85, "General"), 85.0),
        (2022, "pct_plaatsonafhankelijk", RawCell("85%"), 85.0),
        (2022, "gemeentecode", RawCell(363), "GM0363"),
        (2022, "gemeentecode", RawCell(" gm363 "), "GM0363"),
        (2022, "boekjaar", RawCell(2021), 2021),
        (2022, "boekjaar", RawCell("2021"), 2021),
        (2022, "gemeentenaam", RawCell("  Den Haag "), "Den Haag"),
        (2022, "ingediend_op", RawCell(datetime(2022, 3, 1, 9, 0)), datetime(2022, 3, 1, 9, 0)),
        (2022, "fte_data", RawCell(" nb "), None),
        (2022, "fte_data", RawCell(None), None),
    ],
)
def test_parse_cell(
    contracts: dict[int, EditionContract],
    edition: int,
    header: str,
    cell: RawCell,
    expected: object,
) -> None:
    contract = contracts[edition]
    value = parse_cell(cell, column(contract, header), contract)
    assert value == expected
    assert type(value) is type(expected)


# Values that cannot be true for any column (survey-format.md): rejected cells, never stored.
CANNOT_BE_TRUE = [
    ("kosten_saas", RawCell("9" * 400), "impossible value for amount: '999999999999999"),
    ("kosten_saas", RawCell(2e12), "(beyond 10^15 euros in absolute value"),  # k€
    ("kosten_saas", RawCell(-2e12), "(beyond 10^15 euros in absolute value"),
    ("werkplekken", RawCell(1e30), "impossible value for count: '1000000000000000"),
    ("werkplekken", RawCell("1" + ".000" * 10), "impossible value for count"),
    ("fte_data", RawCell("1" + "0" * 16 + ",5"), "impossible value for fte"),
    ("pct_plaatsonafhankelijk", RawCell("1" + "0" * 20 + "%"), "impossible value for percent"),
    ("kosten_saas", RawCell(float("inf")), "not a finite number: inf"),
    ("tevredenheid_ict", RawCell(float("nan")), "not a finite number: nan"),
    ("ingediend_op", RawCell("1850-03-01 09:00"), "not a plausible submission time"),
    ("ingediend_op", RawCell(datetime(2500, 1, 1, 9)), "not a plausible submission time"),
]


@pytest.mark.parametrize(
    ("header", "cell", "reason"),
    [
        ("inwoners", RawCell(12.5), "not a whole number"),
        ("aantal_applicaties", RawCell("12,5"), "not a whole number: '12,5'"),
        ("fte_data", RawCell("#DIV/0!", is_error=True), "spreadsheet error value '#DIV/0!'"),
        ("fte_data", RawCell(None, is_uncached_formula=True), "formula without a cached value"),
        ("fte_data", RawCell(True), "boolean where a number is expected"),
        ("fte_data", RawCell(datetime(2022, 1, 1)), "date where a number is expected"),
        ("fte_data", RawCell(0.5, "0%"), "percentage-formatted cell where a fte is expected"),
        ("fte_data", RawCell("€ 5"), "currency sign where a plain number is expected"),
        ("ingediend_op", RawCell(date(2022, 1, 1)), "date without a time"),
        ("ingediend_op", RawCell(44624.5), "where a date-time is expected"),
        *CANNOT_BE_TRUE,
    ],
)
def test_parse_cell_errors(
    contracts: dict[int, EditionContract], header: str, cell: RawCell, reason: str
) -> None:
    contract = contracts[2022]
    with pytest.raises(ParseError) as info:
        parse_cell(cell, column(contract, header), contract)
    assert reason in info.value.reason


def test_impossible_bounds(contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2021]
    assert check_impossible(-1, column(contract, "medewerkers"), "-1") == (
        "impossible value for count: '-1' (must be at least 0)"
    )
    assert check_impossible(0, column(contract, "medewerkers"), "0") is None
    assert check_impossible(-5.0, column(contract, "kosten_overig"), "-5") is None
    assert check_impossible(250.0, column(contract, "pct_plaatsonafhankelijk"), "250") is None


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (RawCell(2450.5), "2450.5"),
        (RawCell(363.0), "363"),
        (RawCell(0.93, "0%"), "93%"),
        (RawCell(1e-7), "0.0000001"),
        (RawCell(datetime(2022, 3, 1, 9, 0)), "2022-03-01 09:00:00"),
        (RawCell(None, is_uncached_formula=True), "=<formula without cached value>"),
        (RawCell(" n.v.t. "), " n.v.t. "),
        (RawCell(False), "FALSE"),
    ],
)
def test_raw_text(cell: RawCell, text: str) -> None:
    assert cell.as_text() == text


def test_ten_to_the_fifteenth_is_the_largest_value(contracts: dict[int, EditionContract]) -> None:
    contract = contracts[2022]
    amount, count = column(contract, "kosten_saas"), column(contract, "werkplekken")
    assert parse_cell(RawCell(1e12), amount, contract) == 1e15  # k€ -> 10^15 euros
    assert parse_cell(RawCell(-1e12), amount, contract) == -1e15
    assert parse_cell(RawCell(10**15), count, contract) == 10**15
    with pytest.raises(ParseError):
        parse_cell(RawCell(10**15 + 1), count, contract)


def test_boekjaar_must_be_a_plausible_year(contracts: dict[int, EditionContract]) -> None:
    boekjaar = column(contracts[2022], "boekjaar")
    assert check_impossible(99_999_999_999, boekjaar, "99999999999") == (
        "boekjaar '99999999999' is not a plausible year (expected a year between 1900 and 2100)"
    )
    assert check_impossible(20, boekjaar, " 20 ") is not None
    assert check_impossible(1899, boekjaar, "1899") is not None
    for year in (1900, 2021, 2022, 2100):  # a wrong but plausible year: the reader's check
        assert check_impossible(year, boekjaar, str(year)) is None
