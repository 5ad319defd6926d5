"""Reference data problems are never published silently (issue 8, cases 1 and 2), on
copies of the small fixture (tests/fixtures/small_landing: edition 2021, boekjaar 2020):

- a herindelingen.csv that contradicts the division refuses `cbs_reference`, and the
  Dagster failure description (what the CLI prints) names file, line and rule;
- a boekjaar without any CBS population blocks the edition, naming the year;
- one participant without population (GM0106) is published without per-inhabitant
  indicators and peer group, with a NO_POPULATION finding.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from pipelines.cli.status import edition_status
from pipelines.core.reference_data import RULE_OLD_ENDED
from pipelines.orchestration.assets.ingest import cbs_reference
from tests.conftest import FIXTURES
from tests.db import query
from tests.graph_runner import published_fixture, refresh, resources

pytestmark = pytest.mark.slow

POPULATION_FILE = Path("reference") / "population" / "cbs_03759ned_2020_2021.csv"


def landing_copy(base: Path, edit_population: Callable[[str], str] | None = None) -> Path:
    """A copy of the small fixture under `base`, its population file passed through
    `edit_population`."""
    landing = base / "landing"
    shutil.copytree(FIXTURES / "small_landing", landing)
    if edit_population is not None:
        path = landing / POPULATION_FILE
        path.write_text(edit_population(path.read_text(encoding="utf-8")), encoding="utf-8")
    return landing


def per_inhabitant_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The indicators computed per inhabitant, as the release defines them."""
    rows = con.execute(
        "select indicator_code from marts.indicators "
        "where numerator_expression || ' ' || denominator_expression like '%population%'"
    ).fetchall()
    return {str(code) for (code,) in rows}


# ----------------------------------------------------------------------- mergers


def test_a_merger_contradicting_the_division_fails_with_file_line_and_rule(
    tmp_path: Path,
) -> None:
    landing = landing_copy(tmp_path)
    mergers = landing / "reference" / "herindelingen.csv"
    # GM0108 ended 2019-01-01 (fine); GM0101 still exists after "merging" into GM0102
    mergers.write_text(
        "datum;oude_code;nieuwe_code;aandeel\n"
        "2019-01-01;GM0108;GM0102;1\n"
        "2020-01-01;GM0101;GM0102;1\n",
        encoding="utf-8",
    )
    result = materialize(
        [cbs_reference],
        resources=resources(landing, tmp_path / "warehouse"),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    user_failure = failure.step_failure_data.user_failure_data
    assert user_failure is not None  # a dagster.Failure, not a bare exception
    description = user_failure.description or ""
    assert description.startswith(f"{mergers}:3: oude_code GM0101 still exists on datum 2020-01-01")
    assert description.endswith(f"rule broken: {RULE_OLD_ENDED}")


# ----------------------------------------------------------------------- population


def test_a_boekjaar_without_population_blocks_the_edition_naming_the_year(
    tmp_path: Path,
) -> None:
    landing = landing_copy(
        tmp_path,
        lambda text: "".join(
            line for line in text.splitlines(keepends=True) if '"2020JJ00"' not in line
        ),
    )
    warehouse = tmp_path / "warehouse"
    outcome = refresh(landing, warehouse)
    assert not outcome.success and not outcome.published
    assert outcome.result is not None
    result = outcome.result
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    check = evaluations["population_available"]
    expected = (
        "no CBS population on 1 January 2020 (boekjaar of edition 2021) in "
        f"{landing / 'reference' / 'population'}; add the StatLine 03759ned export "
        "holding 2020"
    )
    assert not check.passed
    assert check.metadata["detail"].value == f"edition 2021: {expected}"
    assert f"check population_available failed: edition 2021: {expected}" in outcome.reasons
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["marts", "indicator_values"]) not in materialized  # blocked
    recorded = query(
        warehouse / "build" / "ictbench.duckdb",
        "select passed, detail from audit.edition_checks "
        "where edition = 2021 and check_name = 'population_available'",
    )
    assert recorded == [(False, expected)]  # publication refuses the build


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fixture published with GM0106's population on 1 January 2020 unknown
    (`.` in the CBS export)."""
    base = tmp_path_factory.mktemp("no_population")
    planted = '"GM0106  ";"2020JJ00";"."'
    landing = landing_copy(
        base, lambda text: text.replace('"GM0106  ";"2020JJ00";"25000"', planted)
    )
    assert planted in (landing / POPULATION_FILE).read_text(encoding="utf-8")
    return published_fixture(base / "run", landing, [2021])


@pytest.fixture(scope="module")
def one_without_population(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    yield con
    con.close()


def test_one_participant_without_population_gets_a_finding(
    one_without_population: duckdb.DuckDBPyConnection,
) -> None:
    rows = one_without_population.execute(
        "select edition, municipality_code, question_code, value, finding_code, severity, "
        "peer_group, message from marts.plausibility_findings "
        "where finding_code = 'NO_POPULATION'"
    ).fetchall()
    assert rows == [
        (
            2021,
            "GM0106",
            "inwoners",
            25_000.0,  # its own answer, never used
            "NO_POPULATION",
            "medium",
            None,
            "Geen CBS-inwonertal op 1 januari 2020 voor deze gemeente: indicatoren per "
            "inwoner en de vergelijkingsgroep ontbreken. De benchmark rekent alleen met het "
            "CBS-cijfer, niet met uw eigen opgave.",
        )
    ]


def test_without_population_no_per_inhabitant_indicators_but_the_others(
    one_without_population: duckdb.DuckDBPyConnection,
) -> None:
    con = one_without_population
    rows = con.execute(
        "select indicator_code, peer_group, population from marts.indicator_values "
        "where municipality_code = 'GM0106'"
    ).fetchall()
    codes = {code for code, _, _ in rows}
    assert codes, "its other indicators are published"
    assert not codes & per_inhabitant_codes(con)
    assert {"ict_cost_per_fte", "ict_cost_per_workplace"} <= codes
    assert {(group, population) for _, group, population in rows} == {(None, None)}
    # the others keep theirs; GM0106 counts in `all` only where no population is needed
    n = dict(
        con.execute(
            "select indicator_code, n_participants from marts.peer_benchmarks "
            "where edition = 2021 and peer_group = 'all'"
        ).fetchall()
    )
    assert n["ict_cost_per_inhabitant"] == 6
    assert n["ict_cost_per_fte"] == 7
    groups = dict(
        con.execute(
            "select peer_group, n_participants from marts.peer_benchmarks "
            "where edition = 2021 and indicator_code = 'ict_cost_per_fte'"
        ).fetchall()
    )
    assert groups == {"<20k": 5, "20k-50k": 1, "all": 7}  # GM0106 (25,000) not in 20k-50k


def test_the_population_check_passes_and_names_the_participant(warehouse: Path) -> None:
    detail = query(
        warehouse / "build" / "ictbench.duckdb",
        "select detail from audit.edition_checks "
        "where edition = 2021 and check_name = 'population_available' and passed",
    )
    assert detail == [
        (
            "CBS population on 1 January 2020 for 6 municipalities; none for participant(s) "
            "GM0106 (finding NO_POPULATION: no per-inhabitant indicators, no peer group)",
        )
    ]


def test_status_counts_participants_without_population(warehouse: Path) -> None:
    (row,) = edition_status(warehouse / "published" / "ictbench.duckdb")
    assert (row.edition, row.no_population) == (2021, 1)
