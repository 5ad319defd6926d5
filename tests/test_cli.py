"""The `ictbench` command line end to end (real subprocesses, real warehouse)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, SAMPLE_LANDING

pytestmark = pytest.mark.slow
ICTBENCH = [sys.executable, "-m", "pipelines.cli"]
HEADER_2021 = (
    (REPO_ROOT / "tests/fixtures/small_landing/survey/2021/correctie_2021.csv")
    .read_bytes()
    .split(b"\r\n")[0]
)


def run_cli(
    args: list[str], landing: Path, warehouse: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    return subprocess.run(
        [*ICTBENCH, *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def release_id(warehouse: Path) -> str:
    return str(json.loads((warehouse / "published" / "release.json").read_text())["release_id"])


def test_refresh_publishes_every_sample_edition(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    result = run_cli(["refresh"], SAMPLE_LANDING, warehouse)
    assert result.returncode == 0, result.stderr
    db = warehouse / "published" / "ictbench.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    try:
        editions = [
            r[0]
            for r in con.execute(
                "select distinct edition from marts.indicator_values order by 1"
            ).fetchall()
        ]
        indicators = con.execute(
            "select count(distinct indicator_code) from marts.indicator_values"
        ).fetchone()
        loaded = con.execute(
            "select edition, count(*) from marts.submissions where status = 'loaded' "
            "group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    assert editions == [2019, 2020, 2021, 2022, 2023, 2024]
    assert indicators == (15,)
    assert all(40 <= n <= 120 for _, n in loaded)
    # The summary names where the release is and gives an example query.
    assert str(db) in result.stdout
    assert "select" in result.stdout
    # The runs are recorded in the Dagster instance under the warehouse.
    assert (warehouse / "dagster" / "dagster.yaml").exists()
    status = run_cli(["status"], SAMPLE_LANDING, warehouse)
    assert status.returncode == 0
    assert "2024" in status.stdout and release_id(warehouse) in status.stdout


def test_validate_prints_every_finding(tmp_path: Path, small_landing: Path) -> None:
    path = small_landing / "survey" / "2021" / "export_2021.csv"
    result = run_cli(["validate", str(path), "--edition", "2021"], small_landing, tmp_path / "w")
    assert result.returncode == 1
    assert "row 4, column tevredenheid_ict" in result.stdout
    assert "row 9, column gemeentecode" in result.stdout
    assert not (tmp_path / "w" / "build").exists()  # nothing loaded


def test_blocked_refresh_leaves_previous_release(tmp_path: Path, small_landing: Path) -> None:
    warehouse = tmp_path / "warehouse"
    assert run_cli(["refresh"], small_landing, warehouse).returncode == 0
    before = release_id(warehouse)
    # A late file without the required column `ingediend_op`: the edition is unusable.
    header = HEADER_2021.replace(b";ingediend_op", b"")
    row = b"GM0106;Fedorp;2020" + b";1" * (header.count(b";") - 2)
    (small_landing / "survey" / "2021" / "nalevering_2021.csv").write_bytes(
        header + b"\r\n" + row + b"\r\n"
    )
    result = run_cli(["refresh"], small_landing, warehouse)
    assert result.returncode != 0
    assert "nalevering_2021.csv" in result.stderr
    assert "ingediend_op" in result.stderr
    assert release_id(warehouse) == before


def test_reader_holding_the_file_open_survives_a_refresh(
    tmp_path: Path, small_landing: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    assert run_cli(["refresh"], small_landing, warehouse).returncode == 0
    db = warehouse / "published" / "ictbench.duckdb"
    reader = duckdb.connect(str(db), read_only=True)
    count_sql = "select count(*) from marts.submissions"
    (before,) = reader.execute(count_sql).fetchone() or (0,)
    # A late submission: the next release has one submission more.
    header = HEADER_2021
    late = b"GM0108;Hedorp;2020;2021-05-01 12:00" + b";1" * (header.count(b";") - 3)
    (small_landing / "survey" / "2021" / "nalevering_2021.csv").write_bytes(
        header + b"\r\n" + late + b"\r\n"
    )
    errors: list[Exception] = []
    seen: set[int] = set()
    stop = threading.Event()

    def stream_queries() -> None:
        while not stop.is_set():
            try:
                seen.add(int((reader.execute(count_sql).fetchone() or (0,))[0]))
                # A second reader that opens the published path afresh each time.
                fresh = duckdb.connect(str(db), read_only=True)
                seen.add(int((fresh.execute(count_sql).fetchone() or (0,))[0]))
                fresh.close()
            except Exception as exc:
                errors.append(exc)
            time.sleep(0.05)

    thread = threading.Thread(target=stream_queries)
    thread.start()
    try:
        result = run_cli(["refresh"], small_landing, warehouse)
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 0, result.stderr
    assert errors == []
    assert seen <= {before, before + 1}  # the old release or the new one, never a mix
    # The held connection still reads its release; a new one sees the new release.
    assert (reader.execute(count_sql).fetchone() or (0,))[0] == before
    reader.close()
    fresh = duckdb.connect(str(db), read_only=True)
    assert (fresh.execute(count_sql).fetchone() or (0,))[0] == before + 1
    fresh.close()
