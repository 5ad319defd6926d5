"""The whole graph on the hand-computed fixture landing zone (tests/fixtures/small_landing).

Every expected figure below was computed by hand; see the fixture's README.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.warehouse.release import STORAGE_COMPATIBILITY
from pipelines.warehouse.table_definitions import TableDefinition, read_table_definitions
from tests.conftest import REPO_ROOT
from tests.db import query
from tests.shared_releases import small_release

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release of one refresh of the fixture (edition 2021), shared with the other
    modules that only read it (tests/shared_releases.py)."""
    return small_release(tmp_path_factory) / "published" / "ictbench.duckdb"


def value(db: Path, municipality: str, indicator: str) -> float | None:
    rows = query(
        db,
        "select value from marts.indicator_values where edition = 2021 "
        "and municipality_code = ? and indicator_code = ?",
        [municipality, indicator],
    )
    return None if not rows else float(rows[0][0])  # type: ignore[arg-type]


def test_every_input_row_is_accounted_for(published: Path) -> None:
    rows = dict(query(published, "select status, count(*) from marts.submissions group by 1"))
    assert rows == {"loaded": 7, "superseded": 1, "rejected": 1, "empty": 1}
    superseded = query(
        published,
        "select source_file, source_row, superseded_by from marts.submissions "
        "where status = 'superseded'",
    )
    assert superseded == [("export_2021.csv", 5, "correctie_2021.csv:2")]


def test_rejections_name_file_row_and_column(published: Path) -> None:
    rejected = query(
        published,
        "select source_file, source_row, column_name, raw_value from marts.rejected_rows "
        "order by source_row",
    )
    assert [(f, r, c) for f, r, c, _ in rejected] == [
        ("export_2021.csv", 4, "tevredenheid_ict"),
        ("export_2021.csv", 9, "gemeentecode"),
    ]
    assert rejected[0][3] == "7.5"


def test_ict_cost_per_inhabitant_uses_cbs_population_and_the_correction(
    published: Path,
) -> None:
    expected = {
        "GM0101": 80.0,  # 800,000 / 10,000 (self-reported 10.050 inhabitants is ignored)
        "GM0102": 90.0,
        "GM0103": 100.0,
        "GM0104": 110.0,  # the correction (kosten_overig 88.000) wins over 1.000.000
        "GM0105": 120.0,
        "GM0106": 100.0,
        "GM0107": 95.0,
    }
    for code, cost in expected.items():
        assert value(published, code, "ict_cost_per_inhabitant") == pytest.approx(cost)
    numerator, denominator = query(
        published,
        "select numerator, denominator from marts.indicator_values "
        "where municipality_code = 'GM0101' and indicator_code = 'ict_cost_per_inhabitant'",
    )[0]
    assert (numerator, denominator) == (800_000.0, 10_000.0)


def test_other_indicators_by_hand(published: Path) -> None:
    assert value(published, "GM0101", "security_fte_per_100k_inhabitants") == pytest.approx(2.0)
    assert value(published, "GM0101", "privacy_fte_per_100k_inhabitants") == pytest.approx(1.0)
    # Answered 0 data FTE: a value of 0, not a missing value.
    assert value(published, "GM0101", "data_fte_per_100k_inhabitants") == pytest.approx(0.0)
    # Own ICT FTE 1 + 1 + 1 + 0.5 + 0.2 + 0.1 + 0 + 0.2 = 4.0 of 70 FTE.
    assert value(published, "GM0101", "ict_fte_per_100_fte") == pytest.approx(400 / 70)
    assert value(published, "GM0102", "saas_pct_of_software_cost") == pytest.approx(40.0)
    assert value(published, "GM0102", "external_hire_pct_of_staff_cost") == pytest.approx(20.0)
    assert value(published, "GM0102", "outsourcing_pct_of_ict_cost") == pytest.approx(20.0)
    assert value(published, "GM0101", "ict_cost_pct_of_expenditure") == pytest.approx(
        800_000 / 28_000_000 * 100
    )
    assert value(published, "GM0101", "ict_cost_per_workplace") == pytest.approx(800_000 / 88)
    assert value(published, "GM0101", "applications_per_100_fte") == pytest.approx(150 / 70 * 100)
    assert value(published, "GM0107", "data_breaches_per_100k_inhabitants") == pytest.approx(30.0)
    # Percent answers: '85%' is 85, '0,9' is a fraction (90), 'n.v.t.' is no answer.
    assert value(published, "GM0102", "location_independent_pct") == pytest.approx(85.0)
    assert value(published, "GM0103", "location_independent_pct") == pytest.approx(90.0)
    assert value(published, "GM0106", "location_independent_pct") is None
    # '7,1' is 7.1; '7.5' was rejected, 'nb' is no answer: no row.
    assert value(published, "GM0101", "ict_satisfaction") == pytest.approx(7.1)
    assert value(published, "GM0103", "ict_satisfaction") is None
    assert value(published, "GM0107", "ict_satisfaction") is None


def test_peer_statistics_by_hand(published: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            published,
            "select peer_group, n_participants, p25, median, p75, mean, suppressed "
            "from marts.peer_benchmarks "
            "where edition = 2021 and indicator_code = 'ict_cost_per_inhabitant'",
        )
    }
    assert set(rows) == {"<20k", "20k-50k", "all"}  # only groups with participants
    assert rows["<20k"] == pytest.approx((5, 90.0, 100.0, 110.0, 100.0, False))
    assert rows["20k-50k"] == (2, None, None, None, None, True)
    n, p25, median, p75, mean, suppressed = rows["all"]
    assert (n, suppressed) == (7, False)
    assert (p25, median, p75, mean) == pytest.approx((92.5, 100.0, 105.0, 695 / 7))


def test_published_tables_and_columns(published: Path) -> None:
    tables = {
        r[0]
        for r in query(
            published,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    }
    assert {
        "indicator_values",
        "peer_benchmarks",
        "indicators",
        "survey_responses",
        "rejected_rows",
        "submissions",
    } <= tables
    parquet = published.parent / "parquet"
    assert {p.stem for p in parquet.glob("*.parquet")} == tables
    assert query(published, "select count(*) from marts.indicators")[0][0] == 15
    no_min_max = query(
        published,
        "select count(*) from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'peer_benchmarks' "
        "and column_name in ('min', 'max', 'minimum', 'maximum')",
    )
    assert no_min_max[0][0] == 0


def test_survey_responses_are_in_euros(published: Path) -> None:
    rows = query(
        published,
        "select value, source_file, source_row from marts.survey_responses "
        "where municipality_code = 'GM0104' and question_code = 'kosten_overig'",
    )
    assert rows == [(88_000.0, "correctie_2021.csv", 2)]


# --- The release describes itself: descriptions, keys, dates, read-only files --------


def marts_contracts() -> dict[str, dict[str, Any]]:
    """The dbt contracts of the published marts, from the manifest Dagster loads."""
    from tests.conftest import REPO_ROOT

    manifest = json.loads((REPO_ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def release_definitions(db: Path) -> dict[str, TableDefinition]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t.name: t for t in read_table_definitions(con, "ictbench", "marts")}
    finally:
        con.close()


def words(text: str | None) -> str:
    return " ".join((text or "").split())


def test_every_table_and_column_carries_its_dbt_description(published: Path) -> None:
    contracts = marts_contracts()
    tables = release_definitions(published)
    assert sorted(tables) == sorted(contracts)
    columns = [c for t in tables.values() for c in t.columns]
    assert len(columns) > 140
    assert [c.name for c in columns if not c.description] == []
    for name, table in tables.items():
        assert words(table.description) == words(contracts[name]["description"]), name
        for column in table.columns:
            expected = contracts[name]["columns"][column.name]["description"]
            assert words(column.description) == words(expected), (name, column.name)


def test_keys_and_not_nulls_are_those_of_the_contracts(published: Path, tmp_path: Path) -> None:
    tables = release_definitions(published)
    for name, contract in marts_contracts().items():
        table = tables[name]
        keys = [c["columns"] for c in contract["constraints"] if c["type"] == "primary_key"]
        keys += [
            [column]
            for column, spec in contract["columns"].items()
            if any(c["type"] == "primary_key" for c in spec["constraints"])
        ]
        assert ([list(table.primary_key)] if table.primary_key else []) == keys, name
        required = {
            column
            for column, spec in contract["columns"].items()
            if any(c["type"] == "not_null" for c in spec["constraints"])
        } | set(table.primary_key)
        assert {c.name for c in table.columns if not c.nullable} == required, name
    assert tables["peer_groups"].unique_keys == (("sort_order",),)
    assert tables["indicator_values"].primary_key == (
        "edition",
        "municipality_code",
        "indicator_code",
    )
    copy = tmp_path / "copy.duckdb"  # the release itself is read-only
    shutil.copyfile(published, copy)
    copy.chmod(0o644)
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.ConstraintException, match="primary key"):
            con.execute("insert into marts.indicators select * from marts.indicators limit 1")
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            con.execute("update marts.indicator_values set value = null")
    finally:
        con.close()


def test_edition_tables_have_a_peildatum_on_1_january_of_the_boekjaar(published: Path) -> None:
    tables = release_definitions(published)
    with_edition = sorted(n for n, t in tables.items() if "edition" in t.column_names)
    assert "indicator_values" in with_edition and "trend_monitor" in with_edition
    for name in with_edition:
        assert tables[name].column("peildatum").data_type == "DATE", name
        wrong = query(
            published,
            f"select count(*) from marts.{name} where peildatum <> make_date(edition - 1, 1, 1)",
        )
        assert wrong == [(0,)], name
    assert query(published, "select distinct peildatum from marts.indicator_values") == [
        (date(2020, 1, 1),)
    ]


def test_parquet_files_carry_descriptions_and_not_nulls(published: Path) -> None:
    for name, table in release_definitions(published).items():
        schema = pq.read_schema(published.parent / "parquet" / f"{name}.parquet")
        assert schema.metadata[b"description"].decode() == table.description, name
        assert schema.names == table.column_names
        for column in table.columns:
            field = schema.field(column.name)
            assert field.metadata[b"description"].decode() == column.description
            assert field.nullable == column.nullable, (name, column.name)


def test_published_files_are_read_only(published: Path) -> None:
    files = [p for p in published.parent.rglob("*") if p.is_file()]
    assert published in files and len(files) > 10
    assert {
        p.relative_to(published.parent).as_posix(): p.stat().st_mode & 0o777 for p in files
    } == {p.relative_to(published.parent).as_posix(): 0o444 for p in files}


def test_a_build_of_an_older_layout_is_recreated_as_a_clean_rebuild(
    published: Path, tmp_path: Path
) -> None:
    """A build made by an older ictbench (a mart without a newer column) is rebuilt into
    tables of the current contract, so its release equals a clean rebuild's."""
    from tests.graph_runner import refresh

    source = published.parent.parent  # the module's warehouse (published -> releases/...)
    warehouse = tmp_path / "warehouse"
    shutil.copytree(source / "build", warehouse / "build")
    con = duckdb.connect(str(warehouse / "build" / "ictbench.duckdb"))
    con.execute(
        "create table marts.older as select * exclude (peildatum) from marts.survey_responses"
    )
    con.execute("drop table marts.survey_responses")
    con.execute("alter table marts.older rename to survey_responses")
    con.execute("delete from audit.edition_builds")  # built by older code: stale
    con.close()
    assert refresh(source.parent / "landing", warehouse, [2021]).success
    clean = json.loads((published.parent / "release.json").read_text())["tables"]
    rebuilt = json.loads((warehouse / "published" / "release.json").read_text())["tables"]
    assert rebuilt == clean
    tables = release_definitions(warehouse / "published" / "ictbench.duckdb")
    assert tables["survey_responses"].column_names == list(
        marts_contracts()["survey_responses"]["columns"]
    )


def test_the_oldest_duckdb_named_in_the_readme_reads_the_release(published: Path) -> None:
    """`make setup` keeps that DuckDB apart (.venv/oldest-duckdb); it opens the release."""
    from tests.conftest import REPO_ROOT

    oldest = STORAGE_COMPATIBILITY.removeprefix("v")
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute("
        "'select count(*) from marts.indicator_values').fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(published)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / ".venv" / "oldest-duckdb")},
        capture_output=True,
        text=True,
        check=True,
    )
    rows = query(published, "select count(*) from marts.indicator_values")[0][0]
    assert result.stdout.split() == [oldest, str(rows)]
    assert (
        f"DuckDB {'.'.join(oldest.split('.')[:2])} or newer"
        in (REPO_ROOT / "README.md").read_text()
    )


def test_a_new_warehouse_starts_from_the_parse_of_make_setup(published: Path) -> None:
    """dbt runs inside the warehouse with the build database relative to it
    (orchestration/dbt_launcher.py: run_in_warehouse): its profile, part of its parse, is
    the same for every warehouse, so a new one does not parse the whole project again."""
    warehouse = published.parent.parent
    log = (warehouse / "dbt" / "edition_models" / "dbt.log").read_text()
    assert "Unable to do partial parsing because profile has changed" not in log
    assert (warehouse / "build" / "ictbench.duckdb").is_file()
    assert not (REPO_ROOT / "dbt_project" / "build").exists()  # not relative to the project
