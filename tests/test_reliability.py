"""Crash safety, reproducibility and the locked-down analyst connection.

One warehouse goes through a life: a good refresh, three refreshes killed with SIGKILL
(during ingest, during dbt, during publication), then a good refresh again. The published
release must stay the previous one and open cleanly after every kill, and the last
refresh must publish exactly the same table contents as the first (same inputs).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipelines.analyst import connect_published
from tests.conftest import FIXTURES, REPO_ROOT

pytestmark = pytest.mark.slow


def start_refresh(landing: Path, warehouse: Path) -> subprocess.Popen[str]:
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL reaches dbt too
    )


def kill_when(process: subprocess.Popen[str], ready: Callable[[str], bool], timeout: float) -> str:
    """Follow the refresh's progress lines; SIGKILL its whole process group once `ready`."""
    assert process.stdout is not None
    lines: list[str] = []
    follower = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))
    follower.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen = "".join(lines)
            if ready(seen):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                return seen
            if process.poll() is not None:
                raise AssertionError(f"refresh ended before the kill point:\n{seen}")
            time.sleep(0.01)
        raise AssertionError(f"kill point not reached in {timeout} s:\n{''.join(lines)}")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        follower.join(timeout=30)


def run_refresh(landing: Path, warehouse: Path) -> None:
    process = start_refresh(landing, warehouse)
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output


def manifest(warehouse: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((warehouse / "published" / "release.json").read_text())
    return data


def assert_release_intact(warehouse: Path, release_id: object) -> None:
    assert manifest(warehouse)["release_id"] == release_id
    con = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.submissions").fetchone() == (10,)
    finally:
        con.close()


def test_killed_refreshes_leave_the_release_and_reruns_reproduce_it(tmp_path: Path) -> None:
    import shutil

    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "small_landing", landing)
    warehouse = tmp_path / "warehouse"
    run_refresh(landing, warehouse)
    first = manifest(warehouse)

    kill_points: dict[str, Callable[[str], bool]] = {
        "ingest": lambda out: "ingest and validate 2021 …" in out,
        # dbt needs well over a second to start: two seconds in, it is mid-run.
        "dbt": lambda out: "models 2021 …" in out and time.sleep(2) is None,
        # The half-written release directory exists only while it is being copied.
        "publish": lambda out: any((warehouse / "releases").glob(".*.partial")),
    }
    for stage, ready in kill_points.items():
        process = start_refresh(landing, warehouse)
        kill_when(process, ready, timeout=600)
        assert process.returncode == -signal.SIGKILL, stage
        assert_release_intact(warehouse, first["release_id"])

    run_refresh(landing, warehouse)  # the next refresh completes
    last = manifest(warehouse)
    assert last["release_id"] != first["release_id"]
    # Reproducible: same inputs, identical published contents, table by table.
    assert last["tables"] == first["tables"]
    assert not list((warehouse / "releases").glob(".*.partial"))

    # The analyst's connection reads the release and cannot reach outside it.
    con = connect_published(warehouse / "published" / "ictbench.duckdb")
    try:
        assert con.execute("select count(*) from marts.indicators").fetchone() == (15,)
        with pytest.raises(duckdb.Error):
            con.execute(f"select * from read_csv('{landing}/reference/gemeentelijke-indeling.csv')")
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.x (i integer)")
    finally:
        con.close()
