"""The `ictbench` command line end to end (real subprocesses, real warehouse)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ICTBENCH, REPO_ROOT, run_ictbench

pytestmark = pytest.mark.slow
HEADER_2021 = (
    (REPO_ROOT / "tests/fixtures/small_landing/survey/2021/correctie_2021.csv")
    .read_bytes()
    .split(b"\r\n")[0]
)


def run_cli(
    args: list[str], landing: Path, warehouse: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    return run_ictbench(args, env, timeout)


def wait_until_locked(lock_file: Path, timeout: float = 120) -> None:
    """Wait until a refresh holds the warehouse lock (flock, as the CLI takes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock_file.open("a") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        time.sleep(0.05)
    raise AssertionError("the refresh never took the lock")


def release_id(warehouse: Path) -> str:
    return str(json.loads((warehouse / "published" / "release.json").read_text())["release_id"])


def test_validate_prints_every_finding(tmp_path: Path, small_landing: Path) -> None:
    path = small_landing / "survey" / "2021" / "export_2021.csv"
    result = run_cli(["validate", str(path), "--edition", "2021"], small_landing, tmp_path / "w")
    assert result.returncode == 1
    assert "row 4, column tevredenheid_ict" in result.stdout
    assert "row 9, column gemeentecode" in result.stdout
    assert not (tmp_path / "w" / "build").exists()  # nothing loaded


def test_an_edition_without_a_contract_names_the_contracts_folder(
    tmp_path: Path, small_landing: Path
) -> None:
    """The refusal names the folder the contracts are read from (`ICTBENCH_CONTRACTS`)."""
    (small_landing / "survey" / "2030").mkdir()
    (small_landing / "survey" / "2030" / "export_2030.csv").write_bytes(b"x\r\n")
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    shutil.copy(REPO_ROOT / "data_contracts" / "edition_2021.yaml", contracts)
    env = os.environ | {
        "ICTBENCH_LANDING": str(small_landing),
        "ICTBENCH_WAREHOUSE": str(tmp_path / "w"),
        "ICTBENCH_CONTRACTS": str(contracts),
    }
    result = run_ictbench(["refresh"], env)
    assert result.returncode == 2
    assert "no data contract for edition(s) 2030" in result.stderr
    assert f"add {contracts}/edition_<YYYY>.yaml" in result.stderr
    assert not (tmp_path / "w" / "build").exists()


def test_release_lifecycle_readers_concurrency_and_a_blocked_refresh(
    tmp_path: Path, small_landing: Path
) -> None:
    """Publish; refresh while readers hold the file open (and a second refresh is refused);
    then a blocked refresh that leaves the release as it was."""
    warehouse = tmp_path / "warehouse"
    assert run_cli(["refresh"], small_landing, warehouse).returncode == 0
    db = warehouse / "published" / "ictbench.duckdb"
    reader = duckdb.connect(str(db), read_only=True)
    attached = duckdb.connect()
    attached.execute(f"attach '{db}' as release (read_only)")
    count_sql = "select count(*) from {}marts.submissions"
    (before,) = reader.execute(count_sql.format("")).fetchone() or (0,)
    # A late submission (for a municipality dissolved before 2020: rejected, but counted).
    late = b"GM0108;Hedorp;2020;2021-05-01 12:00" + b";1" * (HEADER_2021.count(b";") - 3)
    (small_landing / "survey" / "2021" / "nalevering_2021.csv").write_bytes(
        HEADER_2021 + b"\r\n" + late + b"\r\n"
    )
    errors: list[Exception] = []
    seen: set[int] = set()
    stop = threading.Event()

    def stream_queries() -> None:
        while not stop.is_set():
            try:
                seen.add(int((reader.execute(count_sql.format("")).fetchone() or (0,))[0]))
                seen.add(
                    int((attached.execute(count_sql.format("release.")).fetchone() or (0,))[0])
                )
                # A reader that opens the published path afresh each time.
                fresh = duckdb.connect(str(db), read_only=True)
                seen.add(int((fresh.execute(count_sql.format("")).fetchone() or (0,))[0]))
                fresh.close()
            except Exception as exc:  # any reader error fails the test
                errors.append(exc)
            time.sleep(0.05)

    env = os.environ | {
        "ICTBENCH_LANDING": str(small_landing),
        "ICTBENCH_WAREHOUSE": str(warehouse),
    }
    thread = threading.Thread(target=stream_queries)
    thread.start()
    try:
        refresh = subprocess.Popen(
            [*ICTBENCH, "refresh"],
            env=env,
            cwd=REPO_ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        wait_until_locked(warehouse / ".refresh.lock")
        # A second refresh while the first runs: refused clearly, nothing touched.
        second = run_cli(["refresh"], small_landing, warehouse, timeout=120)
        _, err = refresh.communicate(timeout=900)
    finally:
        stop.set()
        thread.join()
    assert second.returncode == 3
    assert "another refresh" in second.stderr
    assert refresh.returncode == 0, err
    assert errors == []
    assert seen <= {before, before + 1}  # the old release or the new one, never a mix
    # The held connections still read their release; a new one sees the new release.
    assert (reader.execute(count_sql.format("")).fetchone() or (0,))[0] == before
    assert (attached.execute(count_sql.format("release.")).fetchone() or (0,))[0] == before
    reader.close()
    attached.close()
    fresh = duckdb.connect(str(db), read_only=True)
    assert (fresh.execute(count_sql.format("")).fetchone() or (0,))[0] == before + 1
    fresh.close()

    # A late file without the required column `ingediend_op`: the edition is unusable.
    published = release_id(warehouse)
    header = HEADER_2021.replace(b";ingediend_op", b"")
    row = b"GM0106;Fedorp;2020" + b";1" * (header.count(b";") - 2)
    (small_landing / "survey" / "2021" / "nalevering_2021.csv").write_bytes(
        header + b"\r\n" + row + b"\r\n"
    )
    blocked = run_cli(["refresh"], small_landing, warehouse)
    assert blocked.returncode == 1
    assert "nalevering_2021.csv" in blocked.stderr
    assert "ingediend_op" in blocked.stderr
    assert "previous release is untouched" in blocked.stderr
    # the reason, once, without Dagster's stack traces
    assert "nalevering_2021.csv: missing required column ingediend_op" in blocked.stderr
    assert "nalevering_2021.csv: nalevering_2021.csv" not in blocked.stderr
    assert "Stack Trace" not in blocked.stderr and "Traceback" not in blocked.stderr
    assert release_id(warehouse) == published
    status = run_cli(["status"], small_landing, warehouse)
    assert "edition 2021: not published" not in status.stdout  # 2021 is published (old)
