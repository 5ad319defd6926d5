"""Edition fingerprints and the refresh plan (content-addressed editions), without dbt."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import Settings
from pipelines.warehouse import fingerprints
from pipelines.warehouse.build_state import (
    drop_editions,
    editions_in_build,
    plan_refresh,
    record_ingested,
    record_modelled,
    record_reference,
)
from pipelines.warehouse.raw_tables import ensure_schema
from tests.conftest import FIXTURES


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    shutil.copytree(FIXTURES / "merger_landing", tmp_path / "landing")
    return Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse")


def build(settings: Settings, editions: list[int], *, modelled: bool = True) -> None:
    """Record these editions as built from the landing zone as it is now."""
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_db))
    try:
        ensure_schema(con)
        current = fingerprints.landing_fingerprints(settings)
        record_reference(con, fingerprints.reference_fingerprint(settings.reference_dir))
        for edition in editions:
            record_ingested(con, edition, current[edition])
            con.execute(
                "insert into raw.survey_source_files values (?, 'x.csv', '', '1', 1, 'ok', null)",
                [edition],
            )
        if modelled:
            record_modelled(con, editions)
    finally:
        con.close()


def test_every_code_glob_matches_a_file() -> None:
    # the fingerprint must not silently stop covering code that was moved or renamed
    for root, pattern in fingerprints._CODE_GLOBS:
        assert any(p.is_file() for p in root.glob(pattern)), (root, pattern)


def test_fingerprint_parts_follow_what_changed(settings: Settings) -> None:
    before = fingerprints.edition_fingerprint(settings, 2020)
    assert fingerprints.edition_fingerprint(settings, 2020) == before
    export = settings.survey_dir / "2020" / "export_2020.csv"
    export.write_bytes(export.read_bytes() + b"\r\n")
    after = fingerprints.edition_fingerprint(settings, 2020)
    assert after.differences(before) == ["its survey files changed"]
    assert after.digest != before.digest
    # a file that is not read still changes what the edition reports
    (settings.survey_dir / "2020" / "oud.xls").write_bytes(b"x")
    assert fingerprints.edition_fingerprint(settings, 2020).files != after.files
    # renaming a file changes the fingerprint (file names are part of the tables)
    export.rename(export.with_name("export.csv"))
    assert fingerprints.edition_fingerprint(settings, 2020).files != after.files
    population = next((settings.reference_dir / "population").iterdir())
    population.write_bytes(population.read_bytes() + b"\n")
    assert fingerprints.edition_fingerprint(settings, 2020).differences(after)[-1] == (
        "the reference data changed"
    )


def test_plan_on_an_empty_build_rebuilds_everything(settings: Settings) -> None:
    plan = plan_refresh(settings, None)
    assert plan.rebuild == [2019, 2020, 2021]
    assert plan.why[2019] == "not built yet"
    # a one-edition refresh may not rebuild the others: they are refused
    plan = plan_refresh(settings, [2021])
    assert plan.rebuild == [2021]
    assert sorted(plan.refused) == [2019, 2020]


def test_plan_rebuilds_only_what_changed_and_drops_what_left(settings: Settings) -> None:
    build(settings, [2019, 2020, 2021])
    plan = plan_refresh(settings, None)
    assert (plan.rebuild, plan.up_to_date, plan.withdrawn) == ([], [2019, 2020, 2021], [])
    # asked for explicitly, an up-to-date edition is rebuilt anyway
    assert plan_refresh(settings, [2020]).rebuild == [2020]
    (settings.survey_dir / "2020" / "correctie.csv").write_bytes(b"x")
    shutil.rmtree(settings.survey_dir / "2019")
    plan = plan_refresh(settings, None)
    assert (plan.rebuild, plan.up_to_date, plan.withdrawn) == ([2020], [2021], [2019])
    assert plan.why[2020] == "its survey files changed"
    plan = plan_refresh(settings, [2021])
    assert plan.refused == {2020: "its survey files changed"}


def test_an_unfinished_build_is_stale(settings: Settings) -> None:
    build(settings, [2019, 2020, 2021], modelled=False)
    plan = plan_refresh(settings, [2021])
    assert plan.refused[2019].startswith("its last build did not finish")


def test_reference_change_makes_every_edition_stale(settings: Settings) -> None:
    build(settings, [2019, 2020, 2021])
    mergers = settings.reference_dir / "herindelingen.csv"
    mergers.write_text(mergers.read_text().replace("0.2500", "0.2600").replace("0.7500", "0.7400"))
    plan = plan_refresh(settings, None)
    assert plan.rebuild == [2019, 2020, 2021]
    assert set(plan.why.values()) == {"the reference data changed"}


def test_drop_editions_removes_every_row_of_an_edition(settings: Settings) -> None:
    build(settings, [2019, 2020, 2021])
    con = duckdb.connect(str(settings.build_db))
    try:
        con.execute("create schema marts")
        con.execute("create table marts.t as select * from range(2019, 2022) r(edition)")
        assert editions_in_build(con) == {2019, 2020, 2021}
        drop_editions(con, [2019, 2021])
        assert editions_in_build(con) == {2020}
        assert con.execute("select edition from audit.edition_builds").fetchall() == [(2020,)]
    finally:
        con.close()
