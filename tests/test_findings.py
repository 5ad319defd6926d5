"""Plausibility findings and feedback files on a fixture built to trigger every rule
(tests/fixtures/findings_landing; every expected figure computed by hand in its README).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml
from openpyxl import load_workbook

from pipelines.core.contracts import load_all_contracts
from pipelines.core.dutch_format import nl_number
from pipelines.reporting.feedback import NUMBER_FORMATS, Finding, write_municipality_file
from pipelines.reporting.formatting import spreadsheet_safe
from pipelines.settings import DBT_PROJECT_DIR

_RELEASES: dict[str, Path] = {}


def findings_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse of a full refresh (with reports) over the findings fixture,
    built once per test session and shared with tests/test_reports.py."""
    if "warehouse" not in _RELEASES:
        from tests.conftest import FIXTURES
        from tests.graph_runner import published_fixture

        base = tmp_path_factory.mktemp("findings")
        # one run of refresh_job: the release, its feedback files and its reports (PDF too)
        warehouse = published_fixture(base, FIXTURES / "findings_landing", pdf=True)
        _RELEASES["warehouse"] = warehouse
    return _RELEASES["warehouse"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return findings_release(tmp_path_factory)


@pytest.fixture(scope="module")
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    yield connection
    connection.close()


def findings(con: duckdb.DuckDBPyConnection, edition: int) -> list[tuple[object, ...]]:
    return con.execute(
        "select municipality_code, finding_code, coalesce(question_code, indicator_code), "
        "value, reference_value from marts.plausibility_findings where edition = ? "
        "order by 1, 2, 3",
        [edition],
    ).fetchall()


# Hand-computed (see the fixture's README).
EXPECTED_2021 = [
    # kosten_hardware entered in k€: 99 against peers' median 10 €/inh x 11,000 = 110,000
    ("GM0202", "KEUR_EUR_MIXUP", "kosten_hardware", 99.0, 110_000.0),
    # own ICT FTE 1+1+1+1+1+0.5+0.5+0 = 6 > fte_organisatie 5
    ("GM0203", "OWN_FTE_EXCEEDS_ORGANISATION", "fte_organisatie", 5.0, 6.0),
    # 13,500 self-reported vs CBS 13,000: +3.8 %
    ("GM0204", "INHABITANTS_DEVIATE_FROM_CBS", "inwoners", 13_500.0, 13_000.0),
    ("GM0205", "NEGATIVE_AMOUNT", "kosten_overig", -5_000.0, 0.0),
    ("GM0205", "PERCENT_OVER_100", "pct_plaatsonafhankelijk", 120.0, 100.0),
    ("GM0205", "SCORE_OUT_OF_RANGE", "tevredenheid_ict", 11.0, 10.0),
    # kosten_telecom blank, 75,000 in 2020
    ("GM0206", "MISSING_ANSWERED_LAST_EDITION", "kosten_telecom", None, 75_000.0),
    # 81,520,000 / 16,000 = 5,095 > Q3 + 3 IQR = 115 + 3 x 17.8035714 = 168.4107143
    ("GM0207", "COST_PER_INHABITANT_OUTLIER", "ict_cost_per_inhabitant", 5_095.0, 168.4107143),
    # kosten_telecom in euros x 1000: 80,000,000 against peers' median 5.125 €/inh x 16,000
    ("GM0207", "KEUR_EUR_MIXUP", "kosten_telecom", 80_000_000.0, 82_000.0),
]


@pytest.mark.slow
def test_every_rule_fires_where_planted_and_nowhere_else(con: duckdb.DuckDBPyConnection) -> None:
    rows = findings(con, 2021)
    assert [r[:3] for r in rows] == [e[:3] for e in EXPECTED_2021]
    for row, expected in zip(rows, EXPECTED_2021, strict=True):
        assert row[3] == pytest.approx(expected[3]), row
        assert row[4] == pytest.approx(expected[4]), row


@pytest.mark.slow
def test_clean_edition_and_clean_municipalities_have_no_findings(
    con: duckdb.DuckDBPyConnection,
) -> None:
    assert findings(con, 2020) == []
    flagged = {r[0] for r in findings(con, 2021)}
    # GM0201 reports 10,100 inhabitants (+1 %: within 2 %); GM0209 is alone in its group
    assert not flagged & {"GM0201", "GM0208", "GM0209"}


@pytest.mark.slow
def test_messages_are_dutch_with_the_numbers(con: duckdb.DuckDBPyConnection) -> None:
    messages = dict(
        con.execute(
            "select municipality_code || ':' || coalesce(question_code, indicator_code), message "
            "from marts.plausibility_findings where edition = 2021"
        ).fetchall()
    )
    assert messages["GM0207:kosten_telecom"] == (
        "Uw antwoord bij ‘Kosten telecom’ (€ 80.000.000) is ongeveer 1000× zo hoog als bij "
        "vergelijkbare gemeenten (naar uw inwonertal verwacht: rond € 82.000): hebt u euro's "
        "ingevuld waar duizenden euro's (k€) gevraagd werden?"
    )
    assert "1000× zo laag" in messages["GM0202:kosten_hardware"]
    assert "k€) ingevuld waar euro's gevraagd werden" in messages["GM0202:kosten_hardware"]
    assert messages["GM0204:inwoners"] == (
        "U vulde 13.500 inwoners in; het CBS telt op 1 januari 2020 13.000 inwoners "
        "(3,8 % meer). Klopt uw aantal? De benchmark rekent met het CBS-cijfer."
    )
    # bounds from the contract (percent 0-100, score 1-10, amount at least 0)
    assert messages["GM0205:pct_plaatsonafhankelijk"] == (
        "Uw antwoord bij ‘Percentage medewerkers dat plaatsonafhankelijk kan werken’ "
        "(120,0 %) is hoger dan 100 %: een percentage ligt tussen 0 en 100. "
        "Wilt u het antwoord nakijken?"
    )
    assert messages["GM0205:tevredenheid_ict"].endswith(
        "(11,0) is hoger dan 10: een rapportcijfer ligt tussen 1 en 10. "
        "Wilt u het antwoord nakijken?"
    )
    assert messages["GM0205:kosten_overig"].endswith(
        "(€ -5.000) is negatief: een negatief bedrag is niet aannemelijk. "
        "Wilt u het antwoord nakijken?"
    )
    assert "€ 5.095,00" in messages["GM0207:ict_cost_per_inhabitant"]
    assert "(€ 75.000)" in messages["GM0206:kosten_telecom"]
    assert "samen 6,0 fte" in messages["GM0203:fte_organisatie"]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234567.891, 2, "1.234.567,89"),
        (80_000_000.0, 0, "80.000.000"),
        (-5000.0, 0, "-5.000"),
        (3.846153846, 1, "3,8"),
        (0.5, 0, "0"),  # halves to even, as the messages always did
        (2.5, 0, "2"),
        (0.125, 2, "0,12"),
        (1.005, 2, "1,00"),  # the binary value is just below the half
        (999.995, 2, "1.000,00"),  # ... and this one just above it
        (-0.04, 1, "-0,0"),
    ],
)
def test_dutch_numbers(value: float, decimals: int, text: str) -> None:
    assert nl_number(value, decimals) == text


@pytest.mark.slow
def test_messages_format_numbers_with_the_reports_function(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """dbt renders the messages' numbers with the DuckDB function nl_number, which is the
    Python function the reports use (registered by pipelines/warehouse/dbt_functions.py)."""
    value, reference, message = con.execute(
        "select value, reference_value, message from marts.plausibility_findings "
        "where finding_code = 'COST_PER_INHABITANT_OUTLIER'"
    ).fetchone() or (None, None, None)
    assert isinstance(value, float) and isinstance(reference, float)
    assert f"(€ {nl_number(value, 2)})" in str(message)
    assert f"is € {nl_number(reference, 2)}" in str(message)
    value, message = con.execute(
        "select value, message from marts.plausibility_findings "
        "where finding_code = 'KEUR_EUR_MIXUP' and municipality_code = 'GM0207'"
    ).fetchone() or (None, None)
    assert f"(€ {nl_number(float(value or 0))})" in str(message)


@pytest.mark.slow
def test_findings_never_block_publication(warehouse: Path, con: duckdb.DuckDBPyConnection) -> None:
    # the published release is the one that holds the findings, and every blocking check
    # of both editions passed in it
    assert (warehouse / "published" / "ictbench.duckdb").exists()
    assert con.execute(
        "select count(*) from marts.plausibility_findings where edition = 2021"
    ).fetchone() == (len(EXPECTED_2021),)
    build = duckdb.connect(str(warehouse / "build" / "ictbench.duckdb"), read_only=True)
    try:
        checks = build.execute(
            "select edition, bool_and(passed) from audit.edition_checks group by 1 order by 1"
        ).fetchall()
    finally:
        build.close()
    assert checks == [(2020, True), (2021, True)]


def test_every_plausible_bound_of_the_contracts_has_a_finding_code() -> None:
    """The bounds themselves come from the contracts (raw.survey_edition_questions); dbt
    only names the finding per kind and direction. A bound without a code would be
    skipped silently by the findings model."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    codes = project["vars"]["plausibility"]["bound_findings"]
    for edition, contract in load_all_contracts().items():
        for column in contract.columns:
            where = (edition, column.question, column.kind)
            if column.plausible.min is not None:
                assert codes.get(column.kind, {}).get("below"), where
            if column.plausible.max is not None:
                assert codes.get(column.kind, {}).get("above"), where


@pytest.mark.slow
def test_feedback_files_per_municipality_with_findings(warehouse: Path) -> None:
    folder = warehouse / "feedback" / "2021"
    assert sorted(p.name for p in folder.glob("*.xlsx")) == [
        "GM0202.xlsx",
        "GM0203.xlsx",
        "GM0204.xlsx",
        "GM0205.xlsx",
        "GM0206.xlsx",
        "GM0207.xlsx",
        "overzicht.xlsx",
    ]
    assert [p.name for p in (warehouse / "feedback" / "2020").glob("*.xlsx")] == ["overzicht.xlsx"]
    book = load_workbook(folder / "GM0205.xlsx")
    sheet = book["bevindingen"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("vraag", "gegeven waarde", "reden", "toelichting/antwoord")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width >= 60
    by_question = {r[0].split(":")[0]: r for r in rows[1:]}
    assert by_question["pct_plaatsonafhankelijk"][0] == (
        "pct_plaatsonafhankelijk: Percentage medewerkers dat plaatsonafhankelijk kan werken"
    )
    assert by_question["pct_plaatsonafhankelijk"][1] == 120
    assert by_question["kosten_overig"][1] == -5000  # a number, not formula-prone text
    # number formats by the question's unit as published in marts.survey_responses
    formats = {
        str(row[0].value).split(":")[0]: row[1].number_format for row in sheet.iter_rows(min_row=2)
    }
    assert formats["kosten_overig"] == NUMBER_FORMATS["EUR"] == '"€ "#,##0'
    assert formats["pct_plaatsonafhankelijk"] == NUMBER_FORMATS["percent"] == '0.0" %"'
    assert formats["tevredenheid_ict"] == NUMBER_FORMATS["score"] == "0.0"
    assert all(r[3] is None for r in rows[1:])  # left for the respondent
    overview = load_workbook(folder / "overzicht.xlsx").active
    assert overview is not None
    assert overview.max_row == 1 + len(EXPECTED_2021)


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_spreadsheet_safe_neutralises_formula_triggers(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("Kosten telecom") == "Kosten telecom"


def test_feedback_file_never_holds_a_formula(tmp_path: Path) -> None:
    hostile = Finding(
        edition=2021,
        municipality_code="GM0201",
        municipality_name="=cmd|' /C calc'!A0",
        question_code="kosten_telecom",
        question_text="@Kosten",
        indicator_code=None,
        value=-5.0,
        finding_code="NEGATIVE_AMOUNT",
        severity="high",
        message='=HYPERLINK("http://evil.example","klik")',
    )
    path = tmp_path / "GM0201.xlsx"
    write_municipality_file(path, 2021, [hostile], {"kosten_telecom": "EUR"})
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    rows = list(book["bevindingen"].iter_rows(values_only=True))
    assert rows[1][2] == "'" + hostile.message
    assert rows[1][0] == "kosten_telecom: @Kosten"  # the code comes first: harmless
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
