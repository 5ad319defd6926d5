"""The code location loads the way `dagster dev` (`make ui`) loads it, from a fresh clone
and without `.venv/bin` on PATH; the README's commands switch the automation on.

`dagster dev` starts a code server (gRPC) for `workspace.yaml` with `DAGSTER_IS_DEV_CLI`
set; under it the code location re-parses the dbt project with this environment's dbt
(`prepare_manifest_if_dev`), which is not on a fresh clone's PATH. `dagster definitions
validate --load-with-grpc` loads the workspace through such a code server and says
whether it loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipelines.orchestration.refresh import prepare_dagster_home
from tests.conftest import REPO_ROOT
from tests.graph_runner import settings_for

pytestmark = pytest.mark.slow

VENV_BIN = Path(sys.executable).parent
SYSTEM_PATH = "/usr/bin:/bin"
WORKSPACE = ("-w", "workspace.yaml")


def fresh_clone(target: Path) -> Path:
    """What a clone of this working tree holds: its tracked and new files, not the ignored
    ones (no .venv, no warehouse, no parsed dbt manifest)."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git working tree")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a file deleted in the working tree is not in the clone
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def dagster_env(home: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell where `.venv` is not activated."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "ICTBENCH_LANDING"}
        and not k.startswith("DAGSTER")
    }
    return env | {
        "PATH": SYSTEM_PATH,
        "DAGSTER_HOME": str(home),
        "ICTBENCH_WAREHOUSE": str(warehouse),
        **extra,
    }


def warehouse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A warehouse and its Dagster instance, as `make ui` or a first refresh prepares it."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # restored after the test
    warehouse = tmp_path / "warehouse"
    return warehouse, prepare_dagster_home(settings_for(tmp_path / "landing", warehouse))


def test_the_code_location_loads_like_dagster_dev_from_a_fresh_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = fresh_clone(tmp_path / "clone")
    manifest = clone / "dbt_project" / "target" / "manifest.json"
    assert (clone / "workspace.yaml").is_file() and not manifest.exists()
    warehouse, home = warehouse_home(tmp_path, monkeypatch)
    result = subprocess.run(
        [str(VENV_BIN / "dagster"), "definitions", "validate", *WORKSPACE, "--load-with-grpc"],
        cwd=clone,
        env=dagster_env(home, warehouse, DAGSTER_IS_DEV_CLI="1"),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Validation successful for code location ictbench" in output, output
    assert "Failed" not in output and "Error" not in output, output
    # The clone's own code was loaded, and its dbt project parsed by the venv's dbt.
    assert "Running dbt command: `" + str(VENV_BIN / "ictbench-dbt") + " parse" in output
    assert manifest.is_file()
    from dbt.version import __version__ as dbt_version

    assert json.loads(manifest.read_text())["metadata"]["dbt_version"] == dbt_version


def test_the_readme_commands_switch_the_automation_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dagster sensor start landing_zone_sensor -w workspace.yaml` and `dagster schedule
    start weekly_refresh -w workspace.yaml`, with DAGSTER_HOME=$ICTBENCH_WAREHOUSE/dagster."""
    warehouse, home = warehouse_home(tmp_path, monkeypatch)
    env = dagster_env(home, warehouse)
    commands = {
        "landing_zone_sensor": ["sensor", "start", "landing_zone_sensor"],
        "weekly_refresh": ["schedule", "start", "weekly_refresh"],
    }
    for name, command in commands.items():
        result = subprocess.run(
            [str(VENV_BIN / "dagster"), *command, *WORKSPACE],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert name in result.stdout
    with DagsterInstance.from_config(str(home)) as instance:
        running = {
            state.name: state.status.value
            for state in instance.all_instigator_state()
            if state.name in commands
        }
    assert running == {"landing_zone_sensor": "RUNNING", "weekly_refresh": "RUNNING"}
