"""Shared fixtures for the whole-graph and CLI tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.pg_cluster import PgCluster

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
SAMPLE_LANDING = REPO_ROOT / "sample_data"


def shared_reference_dir() -> Path:
    return Path(
        os.environ.get("ICTBENCH_SHARED_REFERENCE", REPO_ROOT.parent / "shared" / "reference")
    )


# The CLI as `ictbench` runs it, in a process of its own.
ICTBENCH = [sys.executable, "-m", "pipelines.cli"]


def run_ictbench(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`ictbench <args>` in the repository with exactly `env`; its output captured."""
    return subprocess.run(
        [*ICTBENCH, *args],
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_dbt(warehouse: Path, args: Sequence[str], work: Path) -> Path:
    """The environment's dbt in dbt_project/ on the build DB of `warehouse`, with `args`
    (command, `--vars`, selection); its artefacts go under `work`, never into dbt_project/.
    Asserts that it succeeded; returns its target directory."""
    target = work / "dbt_target"
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--profiles-dir",
            ".",
            "--target-path",
            str(target),
            "--log-path",
            str(work / "dbt_logs"),
        ],
        cwd=REPO_ROOT / "dbt_project",
        env=os.environ | {"ICTBENCH_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-6000:]
    return target


@pytest.fixture
def small_landing(tmp_path: Path) -> Path:
    """A private copy of the hand-computed fixture landing zone (tests may add files)."""
    target = tmp_path / "landing"
    shutil.copytree(FIXTURES / "small_landing", target)
    return target


@pytest.fixture
def warehouse_dir(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


@pytest.fixture
def ictbench_env(
    monkeypatch: pytest.MonkeyPatch, small_landing: Path, warehouse_dir: Path
) -> Iterator[tuple[Path, Path]]:
    monkeypatch.setenv("ICTBENCH_LANDING", str(small_landing))
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(warehouse_dir))
    yield small_landing, warehouse_dir


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PgCluster]:
    """A throw-away PostgreSQL cluster (tests/pg_cluster.py): started in the worker that
    first runs a test needing it, stopped (`-m immediate`) and removed at session end.
    Without server binaries the tests skip, unless ICTBENCH_REQUIRE_POSTGRES is set
    (`make test` sets it: there a missing server is a failure)."""
    from tests.pg_cluster import start_cluster

    try:
        cluster = start_cluster()
    except FileNotFoundError as exc:
        if os.environ.get("ICTBENCH_REQUIRE_POSTGRES"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()
