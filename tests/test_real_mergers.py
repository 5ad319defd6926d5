"""The real CBS division and mergers (../shared/reference) through the SAME loaders and the
SAME successor SQL as the pipeline: the `cbs_reference` asset on a temporary landing zone
whose reference folder is a copy made in tmp_path, then
`dbt build --select +municipalities +municipality_successors` on that warehouse.

Skipped where the shared reference folder is absent (ICTBENCH_SHARED_REFERENCE overrides
its location). Without survey data the newest division is the one after the latest
recorded change (1 January 2023 in herindelingen.csv: Voorne aan Zee).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from pipelines.orchestration.dbt_args import dbt_build_args
from tests.conftest import run_dbt, shared_reference_dir
from tests.db import query

pytestmark = pytest.mark.slow

REFERENCE_FILES = ("gemeentelijke-indeling.csv", "herindelingen.csv")


@pytest.fixture(scope="module")
def build_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = shared_reference_dir()
    if not all((shared / name).exists() for name in REFERENCE_FILES):
        pytest.skip(f"real reference data not found in {shared}")
    from pipelines.orchestration.assets.ingest import cbs_reference
    from tests.graph_runner import resources

    base = tmp_path_factory.mktemp("real_mergers")
    reference = base / "landing" / "reference"
    (reference / "population").mkdir(parents=True)
    (base / "landing" / "survey").mkdir()
    for name in REFERENCE_FILES:
        shutil.copy(shared / name, reference / name)
    for population in sorted((shared / "population").glob("*.csv")):
        shutil.copy(population, reference / "population" / population.name)
    warehouse = base / "warehouse"
    result = materialize(
        [cbs_reference],
        resources=resources(base / "landing", warehouse),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    run_dbt(
        warehouse,
        [
            *dbt_build_args(),  # the release models' build, as a refresh runs it
            "--select",
            "+municipalities",
            "+municipality_successors",
            "--indirect-selection",
            "cautious",
        ],
        base,
    )
    return warehouse / "build" / "ictbench.duckdb"


@pytest.mark.parametrize(
    ("year", "count"), [(2019, 355), (2020, 355), (2021, 352), (2022, 345), (2023, 342)]
)
def test_municipalities_per_1_january(build_db: Path, year: int, count: int) -> None:
    day = date(year, 1, 1)
    rows = query(
        build_db,
        "select count(distinct municipality_code) from marts.municipalities "
        "where valid_from <= ? and (valid_to is null or valid_to > ?)",
        [day, day],
    )
    assert rows[0][0] == count


def test_newest_division_is_voorne_aan_zee_day(build_db: Path) -> None:
    rows = query(
        build_db,
        "select distinct newest_division_date from marts.municipality_successors",
    )
    assert rows == [(date(2023, 1, 1),)]
    on_newest = query(
        build_db,
        "select count(distinct municipality_code) from marts.municipalities "
        "where on_newest_division",
    )
    assert on_newest[0][0] == 342


def successors(db: Path, code: str) -> dict[str, float]:
    rows = query(
        db,
        "select successor_code, share from marts.municipality_successors "
        "where municipality_code = ? and on_newest_division",
        [code],
    )
    return {str(s): float(share) for s, share in rows}  # type: ignore[arg-type]


def test_haaren_split_over_four_by_shares(build_db: Path) -> None:
    haaren = successors(build_db, "GM0788")
    assert set(haaren) == {"GM0757", "GM0824", "GM0855", "GM0865"}
    assert sum(haaren.values()) == pytest.approx(1.0)
    # herindelingen.csv: 0.1503, 0.4234, 0.0837, 0.3426 (sum 1.0000)
    assert haaren["GM0824"] == pytest.approx(0.4234, abs=1e-4)
    assert haaren["GM0757"] == pytest.approx(0.1503, abs=1e-4)


def test_weesp_joins_amsterdam_mid_year(build_db: Path) -> None:
    assert successors(build_db, "GM0457") == {"GM0363": 1.0}
    assert successors(build_db, "GM0363") == {"GM0363": 1.0}
    valid_on_1_jan_2022 = query(
        build_db,
        "select count(*) from marts.municipalities where municipality_code = 'GM0457' "
        "and valid_from <= date '2022-01-01' and valid_to = date '2022-03-24'",
    )
    assert valid_on_1_jan_2022[0][0] == 1
    last_change = query(
        build_db,
        "select last_change_date from marts.municipality_successors "
        "where municipality_code = 'GM0457'",
    )
    assert last_change == [(date(2022, 3, 24),)]


def test_voorne_aan_zee_three_way_merger(build_db: Path) -> None:
    for code in ("GM0501", "GM0530", "GM0614"):
        assert successors(build_db, code) == {"GM1992": 1.0}
    assert successors(build_db, "GM1992") == {"GM1992": 1.0}


def test_every_code_resolves_to_the_newest_division_with_shares_adding_to_1(
    build_db: Path,
) -> None:
    # codes that ended before the first merger row (2015-07-01) have no merger row
    broken = query(
        build_db,
        "select municipality_code from marts.municipality_successors s "
        "where not on_newest_division and exists (select 1 from marts.municipalities m "
        "where m.municipality_code = s.municipality_code and m.valid_to > date '2015-07-01')",
    )
    assert broken == []
    totals = query(
        build_db,
        "select municipality_code, sum(share) from marts.municipality_successors "
        "where on_newest_division group by 1 having abs(sum(share) - 1) > 1e-9",
    )
    assert totals == []
