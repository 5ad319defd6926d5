"""Write-audit-publish mechanics on a tiny real DuckDB build (no Dagster, no dbt)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse.lock import RefreshLockedError, refresh_lock
from pipelines.warehouse.release import PublishError, current_release, publish, table_content_hash


def make_build(path: Path, rows: list[tuple[int, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.indicator_values (edition integer, code varchar)")
    con.executemany("insert into marts.indicator_values values (?, ?)", rows)
    con.execute("comment on column marts.indicator_values.code is 'GM code'")
    con.close()
    return path


def test_publish_swaps_the_release_atomically(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    build = make_build(tmp_path / "build.duckdb", [(2021, "GM0001"), (2022, "GM0002")])
    first = publish(build, warehouse)
    published = warehouse / "published"
    assert published.is_symlink()
    assert published.resolve() == first.path.resolve()
    assert current_release(warehouse)["release_id"] == first.release_id  # type: ignore[index]
    assert first.editions == [2021, 2022]
    assert (published / "parquet" / "indicator_values.parquet").exists()

    reader = duckdb.connect(str(published / "ictbench.duckdb"), read_only=True)
    make_build(build, [(2023, "GM0003")])
    second = publish(build, warehouse)
    # The held reader keeps its release; the path now opens the new one.
    assert reader.execute("select count(*) from marts.indicator_values").fetchone() == (2,)
    reader.close()
    fresh = duckdb.connect(str(published / "ictbench.duckdb"), read_only=True)
    assert fresh.execute("select code from marts.indicator_values").fetchall() == [("GM0003",)]
    comment = fresh.execute(
        "select comment from duckdb_columns() where table_name = 'indicator_values' "
        "and column_name = 'code'"
    ).fetchone()
    fresh.close()
    assert comment == ("GM code",)
    assert second.release_id != first.release_id


def test_old_releases_are_pruned_but_the_published_one_kept(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    build = make_build(tmp_path / "build.duckdb", [(2021, "GM0001")])
    releases = [publish(build, warehouse, keep=2) for _ in range(4)]
    kept = sorted(p.name for p in (warehouse / "releases").iterdir())
    assert kept == sorted(r.release_id for r in releases[-2:])
    assert not list(warehouse.glob(".published-*"))


def test_an_empty_build_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    good = publish(make_build(tmp_path / "good.duckdb", [(2021, "GM0001")]), warehouse)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError):
        publish(empty, warehouse)
    assert current_release(warehouse)["release_id"] == good.release_id  # type: ignore[index]
    assert not list((warehouse / "releases").glob(".*.partial"))


def test_content_hash_ignores_row_order_but_not_content(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("create table a as select * from (values (1, 'x'), (2, 'y')) t(i, s)")
    con.execute("create table b as select * from (values (2, 'y'), (1, 'x')) t(i, s)")
    con.execute("create table c as select * from (values (2, 'y'), (1, 'z')) t(i, s)")
    assert table_content_hash(con, "a") == table_content_hash(con, "b")
    assert table_content_hash(con, "a") != table_content_hash(con, "c")


def test_a_second_refresh_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / ".refresh.lock"
    # flock locks belong to the open file description: a second open conflicts even
    # within one process, exactly as a second `ictbench refresh` would.
    with (
        refresh_lock(lock),
        pytest.raises(RefreshLockedError, match=str(os.getpid())),
        refresh_lock(lock),
    ):
        pass
    with refresh_lock(lock):  # released afterwards
        pass
