"""Excel workbooks per edition (`pipelines/reporting/excel_export.py`): exact cells on a
release built by hand, the sheets equal to the marts of a real release, no text turned
into a formula, and the same release giving the same bytes."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.reporting.excel_export import write_edition_workbooks
from tests.shared_releases import small_release as shared_release

EURO = '"€ "#,##0.00'
PERCENT = '#,##0.0" %"'
SCORE = "0.0"
DECIMAL = "#,##0.00"
COUNT = "#,##0"
YEAR = "0"
CHANGE = '+#,##0.0" %";-#,##0.0" %";0.0" %"'
EUR_UNIT = "EUR per inhabitant"  # the tiny release has no unit_nl: the unit itself
BLANK = [None] * 4  # P25, median, P75, mean of a suppressed statistic

HYPERLINK = '=HYPERLINK("http://x","y")'
# Text a spreadsheet program could run as a formula, as municipality names of 2020.
HOSTILE_NAMES = {
    "GM0004": "+31 6 1234",
    "GM0005": "-1+1",
    "GM0006": "\tTab",
    "GM0007": "\rCR",
    "GM0008": "\nLF",
}

# The marts of outputs.md, with only the columns it promises (plus indicators.sort_order):
# the optional columns (population, peildatum, unit_nl, ...) are absent on purpose.
TINY_RELEASE = f"""
create schema marts;
create table marts.indicators (indicator_code varchar, sort_order integer, label_nl varchar,
    label_en varchar, unit varchar, definition varchar, first_edition integer);
insert into marts.indicators values
    ('ict_cost_per_inhabitant', 1, 'ICT-kosten per inwoner', 'ICT cost per inhabitant',
        'EUR per inhabitant', 'Totale ICT-kosten / inwoners', 2019),
    ('saas_pct_of_software_cost', 2, 'Aandeel SaaS', 'SaaS share', 'percent',
        '=1+1', 2021),
    ('ict_satisfaction', 3, 'Tevredenheid over ICT', 'Satisfaction', 'score 1-10',
        'Rapportcijfer', 2019),
    ('applications_per_100_fte', 4, 'Applicaties per 100 fte', 'Applications per 100 FTE',
        'applications per 100 FTE', 'Applicaties / fte × 100', 2019);
create table marts.peer_groups (peer_group varchar, label_nl varchar,
    min_inhabitants bigint, max_inhabitants bigint, sort_order integer);
insert into marts.peer_groups values
    ('<20k', 'minder dan 20.000 inwoners', 0, 20000, 1),
    ('20k-50k', '20.000 tot 50.000 inwoners', 20000, 50000, 2),
    ('all', 'alle deelnemers', null, null, 6);
create table marts.indicator_values (edition integer, boekjaar integer,
    municipality_code varchar, municipality_name varchar, peer_group varchar,
    indicator_code varchar, value double, numerator double, denominator double,
    comparable_with_previous boolean);
insert into marts.indicator_values values
    (2021, 2020, 'GM0002', '{HYPERLINK.replace("'", "''")}', '20k-50k',
        'ict_cost_per_inhabitant', 123.45, null, null, true),
    (2021, 2020, 'GM0002', '{HYPERLINK.replace("'", "''")}', '20k-50k',
        'saas_pct_of_software_cost', 40.0, null, null, false),
    (2021, 2020, 'GM0001', 'Aadorp', '<20k', 'ict_cost_per_inhabitant', 80.0, null, null,
        true),
    (2021, 2020, 'GM0001', 'Aadorp', '<20k', 'saas_pct_of_software_cost', 12.5, null, null,
        false),
    (2021, 2020, 'GM0001', 'Aadorp', '<20k', 'ict_satisfaction', 7.1, null, null, true),
    (2021, 2020, 'GM0001', 'Aadorp', '<20k', 'applications_per_100_fte', 150.0, null, null,
        true),
    (2021, 2020, 'GM0003', '@SUM(1)', null, 'ict_cost_per_inhabitant', 95.0, null, null,
        true),
    (2020, 2019, 'GM0001', 'Aadorp', '<20k', 'ict_cost_per_inhabitant', 70.0, null, null,
        true),
    (2020, 2019, 'GM0009', 'Bad' || chr(1) || 'name', '<20k', 'ict_cost_per_inhabitant',
        71.0, null, null, true);
create table marts.peer_benchmarks (edition integer, peer_group varchar,
    indicator_code varchar, n_participants integer, p25 double, median double, p75 double,
    mean double, suppressed boolean);
insert into marts.peer_benchmarks values
    (2021, 'all', 'saas_pct_of_software_cost', 5, 20.0, 25.0, 30.0, 26.0, false),
    (2021, 'all', 'ict_cost_per_inhabitant', 5, 90.0, 100.0, 110.0, 101.5, false),
    (2021, '20k-50k', 'saas_pct_of_software_cost', 2, null, null, null, null, true),
    (2021, '<20k', 'ict_cost_per_inhabitant', 1, null, null, null, null, true),
    (2020, 'all', 'ict_cost_per_inhabitant', 2, null, null, null, null, true);
create table marts.trend_monitor (trend_code integer, trend_name varchar,
    indicator_code varchar, edition integer, median double, change_vs_previous_pct double);
insert into marts.trend_monitor values
    (2, 'Regie', 'saas_pct_of_software_cost', 2021, 25.0, null),
    (1, '-Kosten', 'ict_cost_per_inhabitant', 2021, 80.0, 14.285714285714286),
    (1, '-Kosten', 'ict_cost_per_inhabitant', 2020, 70.0, null);
"""


def stored(value: float) -> float:
    """A number as an xlsx written by openpyxl holds it: 16 significant digits (Excel
    itself computes and shows 15)."""
    return float(f"{value:.16g}")


def _rows(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _formats(sheet: Worksheet, row: int) -> list[str]:
    return [cell.number_format for cell in sheet[row]]


@pytest.fixture
def tiny_release(tmp_path: Path) -> Path:
    db = tmp_path / "release.duckdb"
    con = duckdb.connect(str(db))
    con.execute(TINY_RELEASE)
    for code, name in HOSTILE_NAMES.items():
        con.execute(
            "insert into marts.indicator_values values "
            "(2020, 2019, ?, ?, '<20k', 'ict_cost_per_inhabitant', 1.0, null, null, true)",
            [code, name],
        )
    con.close()
    return db


def _write(db: Path, out_dir: Path) -> list[Path]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return write_edition_workbooks(con, out_dir)
    finally:
        con.close()


def test_workbook_cells_headers_and_formats(tiny_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "excel"
    out.mkdir()
    (out / "ictbench_1999.xlsx").write_bytes(b"stale")  # an edition no longer published
    paths = _write(tiny_release, out)
    assert paths == [out / "ictbench_2020.xlsx", out / "ictbench_2021.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == ["ictbench_2020.xlsx", "ictbench_2021.xlsx"]

    book = load_workbook(out / "ictbench_2021.xlsx")
    assert book.sheetnames == [
        "Toelichting",
        "Indicatoren per gemeente",
        "Benchmarks",
        "Indicatordefinities",
        "Trendmonitor",
    ]

    about = book["Toelichting"]
    assert [about.cell(row=r, column=1).value for r in range(3, 8)] == [
        "Editie",
        "Boekjaar",
        "Peildatum",
        "Deelnemende gemeenten",
        "Bron",
    ]
    assert [about.cell(row=r, column=2).value for r in range(3, 7)] == [
        2021,
        2020,
        datetime(2020, 1, 1),  # derived from boekjaar: this release has no peildatum
        3,
    ]
    assert about["B5"].number_format == "dd-mm-yyyy"
    assert about["B5"].data_type == "d"  # a date (a date serial with a date format)
    assert any(
        "minder dan 5 deelnemers" in str(cell.value) and "leeg" in str(cell.value)
        for cell in about["B"]
    )

    wide = book["Indicatoren per gemeente"]
    assert _rows(wide) == [
        [
            "Gemeentecode",
            "Gemeente",
            "Vergelijkingsgroep",
            "ICT-kosten per inwoner",  # marts.indicators order (sort_order), not by code
            "Aandeel SaaS",
            "Tevredenheid over ICT",
            "Applicaties per 100 fte",
        ],
        ["GM0001", "Aadorp", "minder dan 20.000 inwoners", 80, 12.5, 7.1, 150],
        ["GM0002", HYPERLINK, "20.000 tot 50.000 inwoners", 123.45, 40, None, None],
        ["GM0003", "@SUM(1)", None, 95, None, None, None],
    ]
    assert _formats(wide, 2)[3:] == [EURO, PERCENT, SCORE, DECIMAL]
    assert wide["D3"].data_type == "n"  # numbers are numbers, never text
    assert wide.freeze_panes == "C2"
    assert wide.auto_filter.ref == "A1:G4"

    bench = book["Benchmarks"]
    assert _rows(bench) == [
        [
            "Vergelijkingsgroep",
            "Indicator",
            "Eenheid",
            "Aantal deelnemers",
            "P25",
            "Mediaan",
            "P75",
            "Gemiddelde",
            "Onderdrukt",
        ],
        # peer groups by sort_order ('<20k' before '20k-50k', 'all' last), then indicators
        ["minder dan 20.000 inwoners", "ICT-kosten per inwoner", EUR_UNIT, 1, *BLANK, "Ja"],
        ["20.000 tot 50.000 inwoners", "Aandeel SaaS", "percent", 2, *BLANK, "Ja"],
        ["alle deelnemers", "ICT-kosten per inwoner", EUR_UNIT, 5, 90, 100, 110, 101.5, "Nee"],
        ["alle deelnemers", "Aandeel SaaS", "percent", 5, 20, 25, 30, 26, "Nee"],
    ]
    assert _formats(bench, 4)[3:8] == [COUNT, EURO, EURO, EURO, EURO]
    assert _formats(bench, 5)[4:8] == [PERCENT] * 4
    assert bench.freeze_panes == "A2"
    assert bench.auto_filter.ref == "A1:I5"

    definitions = book["Indicatordefinities"]
    assert _rows(definitions) == [
        ["Indicatorcode", "Indicator", "Eenheid", "Definitie", "Eerste editie"],
        [
            "ict_cost_per_inhabitant",
            "ICT-kosten per inwoner",
            "EUR per inhabitant",
            "Totale ICT-kosten / inwoners",
            2019,
        ],
        ["saas_pct_of_software_cost", "Aandeel SaaS", "percent", "=1+1", 2021],
        ["ict_satisfaction", "Tevredenheid over ICT", "score 1-10", "Rapportcijfer", 2019],
        [
            "applications_per_100_fte",
            "Applicaties per 100 fte",
            "applications per 100 FTE",
            "Applicaties / fte × 100",
            2019,
        ],
    ]
    assert definitions["E2"].number_format == YEAR  # 2019, not 2.019
    assert definitions.auto_filter.ref == "A1:E5"
    assert definitions.freeze_panes == "A2"

    trends = book["Trendmonitor"]
    assert _rows(trends) == [
        [
            "Trend",
            "Trendnaam",
            "Indicator",
            "Editie",
            "Mediaan",
            "Verandering t.o.v. vorige editie",
        ],
        [1, "-Kosten", "ICT-kosten per inwoner", 2020, 70, None],
        [1, "-Kosten", "ICT-kosten per inwoner", 2021, 80, 14.28571428571429],  # 16 digits
        [2, "Regie", "Aandeel SaaS", 2021, 25, None],
    ]
    assert _formats(trends, 3) == [COUNT, "General", "General", YEAR, EURO, CHANGE]
    assert trends["E4"].number_format == PERCENT
    assert trends.auto_filter.ref == "A1:F4"
    assert all(sheet.column_dimensions["A"].width >= 7 for sheet in book)


def test_earlier_edition_has_only_its_own_rows(tiny_release: Path, tmp_path: Path) -> None:
    _write(tiny_release, tmp_path)
    book = load_workbook(tmp_path / "ictbench_2020.xlsx")
    wide = _rows(book["Indicatoren per gemeente"])
    assert [row[0] for row in wide[1:]] == ["GM0001", *HOSTILE_NAMES, "GM0009"]
    assert wide[1][3] == 70
    # Not representable in XML: replaced by U+FFFD rather than failing the export.
    assert wide[-1][1] == "Bad\ufffdname"
    assert _rows(book["Benchmarks"])[1:] == [
        ["alle deelnemers", "ICT-kosten per inwoner", EUR_UNIT, 2, *BLANK, "Ja"]
    ]
    # The trend monitor up to and including this edition only.
    assert _rows(book["Trendmonitor"])[1:] == [
        [1, "-Kosten", "ICT-kosten per inwoner", 2020, 70, None]
    ]
    assert book["Toelichting"]["B5"].value == datetime(2019, 1, 1)


def test_text_never_becomes_a_formula(tiny_release: Path, tmp_path: Path) -> None:
    paths = _write(tiny_release, tmp_path)
    # A bare CR is stored as a line break (LF), as XML would read it back anyway.
    hostile = {HYPERLINK, "@SUM(1)", "=1+1", "-Kosten", "\nCR"} | (
        set(HOSTILE_NAMES.values()) - {"\rCR"}
    )
    seen: set[str] = set()
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/"):
                    xml = archive.read(name).decode()
                    assert not re.search(r"<(\w+:)?f[ >/]", xml), f"a formula in {name}"
        for sheet in load_workbook(path):
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value in hostile:
                        seen.add(str(cell.value))
                        assert cell.data_type == "s", (path.name, sheet.title, cell.coordinate)
                        assert cell.quotePrefix  # Excel keeps it text when edited
                    elif isinstance(cell.value, str):
                        assert not cell.quotePrefix
    assert seen == hostile  # every one reached a workbook, unchanged


def test_same_release_same_bytes(tiny_release: Path, tmp_path: Path) -> None:
    first = _write(tiny_release, tmp_path / "first")
    second = _write(tiny_release, tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    # Nothing carries the time of writing: the zip entries and the document properties
    # carry the edition's peildatum.
    with zipfile.ZipFile(first[1]) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2020, 1, 1, 0, 0, 0)}
    properties = load_workbook(first[1]).properties
    assert properties.created == properties.modified == datetime(2020, 1, 1)
    assert properties.title == "ICT-benchmark gemeenten, editie 2021"


@pytest.fixture(scope="module")
def small_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_release(tmp_path_factory) / "published" / "ictbench.duckdb"


@pytest.mark.slow
def test_sheets_equal_the_marts_of_a_real_release(small_release: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(small_release), read_only=True)
    try:
        # The refresh published them with the release; written again, the same bytes.
        paths = sorted((small_release.parent / "excel").glob("*.xlsx"))
        editions = [
            int(r[0])
            for r in con.execute(
                "select distinct edition from marts.indicator_values order by 1"
            ).fetchall()
        ]
        assert [p.name for p in paths] == [f"ictbench_{e}.xlsx" for e in editions]
        rewritten = write_edition_workbooks(con, tmp_path / "excel")
        assert [p.read_bytes() for p in rewritten] == [p.read_bytes() for p in paths]
        for edition, path in zip(editions, paths, strict=True):
            book = load_workbook(path)
            _assert_wide_sheet(con, edition, book["Indicatoren per gemeente"])
            _assert_benchmarks(con, edition, book["Benchmarks"])
            (n_indicators,) = con.execute("select count(*) from marts.indicators").fetchone()
            assert book["Indicatordefinities"].max_row == n_indicators + 1
            _assert_trends(con, edition, book["Trendmonitor"])
    finally:
        con.close()
    # Hand-computed (tests/fixtures/small_landing/README.md): GM0101 spends € 80 per
    # inhabitant; all participants: P25 92,5, median 100, P75 105; 20k-50k is suppressed.
    book = load_workbook(paths[0])
    wide = book["Indicatoren per gemeente"]
    assert wide["A2"].value == "GM0101"
    assert wide["E1"].value == "ICT-kosten per inwoner"
    assert wide["E2"].value == 80
    assert wide["E2"].number_format == EURO
    rows = {(r[0], r[1]): r for r in _rows(book["Benchmarks"])[1:]}
    assert rows[("alle deelnemers", "ICT-kosten per inwoner")][3:] == [
        7,
        92.5,
        100,
        105,
        stored(695 / 7),
        "Nee",
    ]
    suppressed = rows[("20.000 tot 50.000 inwoners", "ICT-kosten per inwoner")]
    assert suppressed[3:] == [2, None, None, None, None, "Ja"]


def _assert_wide_sheet(con: duckdb.DuckDBPyConnection, edition: int, sheet: Worksheet) -> None:
    rows = _rows(sheet)
    header = rows[0]
    labels = [
        r[0]
        for r in con.execute("select label_nl from marts.indicators order by sort_order").fetchall()
    ]
    assert header[:4] == ["Gemeentecode", "Gemeente", "Vergelijkingsgroep", "Inwoners op peildatum"]
    assert header[4:] == labels
    expected = {
        (code, label): stored(value)
        for code, label, value in con.execute(
            "select v.municipality_code, i.label_nl, v.value from marts.indicator_values as v "
            "join marts.indicators as i using (indicator_code) where v.edition = ?",
            [edition],
        ).fetchall()
    }
    found = {
        (row[0], label): value
        for row in rows[1:]
        for label, value in zip(header[4:], row[4:], strict=True)
        if value is not None
    }
    assert found == expected  # every value, as stored, and nothing else
    municipalities = con.execute(
        "select municipality_code, any_value(municipality_name), any_value(g.label_nl), "
        "any_value(population) from marts.indicator_values as v "
        "left join marts.peer_groups as g using (peer_group) where edition = ? "
        "group by 1 order by 1",
        [edition],
    ).fetchall()
    assert [tuple(row[:4]) for row in rows[1:]] == municipalities
    assert sheet.auto_filter.ref == f"A1:{_column(len(header))}{len(rows)}"
    assert sheet.freeze_panes == "C2"


def _assert_benchmarks(con: duckdb.DuckDBPyConnection, edition: int, sheet: Worksheet) -> None:
    expected = con.execute(
        """
        select g.label_nl, i.label_nl, i.unit_nl, b.n_participants, b.p25, b.median, b.p75,
            b.mean, case when b.suppressed then 'Ja' else 'Nee' end
        from marts.peer_benchmarks as b
        join marts.peer_groups as g using (peer_group)
        join marts.indicators as i using (indicator_code)
        where b.edition = ?
        order by g.sort_order, i.sort_order
        """,
        [edition],
    ).fetchall()
    assert [tuple(row) for row in _rows(sheet)[1:]] == [
        tuple(stored(v) if isinstance(v, float) else v for v in row) for row in expected
    ]


def _assert_trends(con: duckdb.DuckDBPyConnection, edition: int, sheet: Worksheet) -> None:
    expected = con.execute(
        """
        select t.trend_code, t.trend_name_nl, coalesce(i.label_nl, t.indicator_code),
            t.edition, t.peildatum, t.n_participants, t.median, t.change_vs_previous_pct,
            case when t.suppressed then 'Ja' else 'Nee' end,
            case when t.comparable_with_previous then 'Ja' else 'Nee' end,
            t.trend_break_reason
        from marts.trend_monitor as t
        left join marts.indicators as i using (indicator_code)
        where t.edition <= ?
        order by t.trend_code, t.indicator_order, t.edition
        """,
        [edition],
    ).fetchall()
    rows = _rows(sheet)
    assert rows[0][4] == "Peildatum"  # the release has one: shown as a date
    assert [tuple(row) for row in rows[1:]] == [
        tuple(
            stored(v)
            if isinstance(v, float)
            else datetime(v.year, v.month, v.day)
            if isinstance(v, date)
            else v
            for v in row
        )
        for row in expected
    ]
    assert sheet["E2"].number_format == "dd-mm-yyyy"


def _column(n: int) -> str:
    return str(get_column_letter(n))
