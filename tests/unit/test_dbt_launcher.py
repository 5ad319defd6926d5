"""`ictbench-dbt` (orchestration/dbt_launcher.py): dbt dies with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.orchestration.dbt_launcher import (
    LAUNCHER_NAME,
    ORPHANED_EXIT_CODE,
    PARENT_PID_VAR,
    parent_pid_env,
)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux")


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@linux_only
def test_the_child_is_killed_when_its_parent_is() -> None:
    # parent -> child; the child arms the death signal as the launcher does, then waits
    child_code = (
        "import time; from pipelines.orchestration.dbt_launcher import die_with_parent; "
        "die_with_parent(); print('armed', flush=True); time.sleep(120)"
    )
    parent_code = (
        "import subprocess, sys, time; "
        f"child = subprocess.Popen([sys.executable, '-c', {child_code!r}]); "
        "print(child.pid, flush=True); time.sleep(120)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "armed"
        assert alive(child_pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 2
        while alive(child_pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not alive(child_pid), "the child outlived its killed parent"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait(timeout=10)


def launcher() -> Path:
    path = Path(sys.executable).parent / LAUNCHER_NAME
    assert path.exists(), f"{path} missing: run `make setup`"
    return path


def test_dagster_runs_dbt_through_the_launcher() -> None:
    from pipelines.orchestration.assets.transform import dbt_executable

    assert Path(dbt_executable()) == launcher()


@linux_only
def test_a_launcher_whose_parent_already_died_does_not_start_dbt() -> None:
    # the pid named is not our parent: the parent exited before prctl could arm the signal
    env = os.environ | {PARENT_PID_VAR: str(os.getpid() + 1_000_000)}
    result = subprocess.run(
        [launcher(), "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == ORPHANED_EXIT_CODE
    assert "has exited; not starting dbt" in result.stderr
    assert result.stdout == ""


def test_the_launcher_execs_dbt_with_its_arguments() -> None:
    with parent_pid_env():
        assert os.environ[PARENT_PID_VAR] == str(os.getpid())
        result = subprocess.run([launcher(), "--help"], capture_output=True, text=True, timeout=60)
    assert PARENT_PID_VAR not in os.environ
    assert result.returncode == 0, result.stderr
    assert "Usage: dbt" in result.stdout  # dbt's own answer


def test_version_is_answered_from_the_installed_packages() -> None:
    """dagster-dbt runs `<launcher> --version` once per run and takes the first x.y.z as
    dbt-core's version: the launcher answers without starting dbt, with dbt's own version."""
    import re

    from dbt.version import __version__ as dbt_core_version

    launcher = Path(sys.executable).parent / LAUNCHER_NAME
    started = time.perf_counter()
    out = subprocess.run(
        [str(launcher), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert time.perf_counter() - started < 1.5  # no dbt import, no PyPI request
    first = re.search(r"(\d+\.\d+\.\d+)", out)
    assert first is not None and first.group(1) == dbt_core_version
    assert "duckdb:" in out
