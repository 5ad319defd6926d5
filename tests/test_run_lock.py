"""One run at a time per warehouse, whoever launches it.

The warehouse's Dagster instance queues the runs the UI, the sensor and the schedule
launch (one at a time); and every run of `refresh_job` holds the warehouse's lock from
start to end (`WarehouseResource`), so a run that starts anyway while another holds it
fails at once and cleanly, naming the holder, instead of meeting DuckDB's "Conflicting
lock" half-way: a UI run during a CLI refresh, and a CLI refresh during a Dagster run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    EventLogEntry,
    JobDefinition,
    JobExecutionResult,
    QueuedRunCoordinator,
    RunRecord,
    RunsFilter,
    execute_job,
    reconstructable,
)

from pipelines.orchestration.definitions import defs
from pipelines.orchestration.jobs import REFRESH_JOB
from pipelines.orchestration.partitions import range_tags
from pipelines.orchestration.refresh import (
    error_text,
    outcome_of,
    prepare_dagster_home,
    run_config,
)
from pipelines.settings import Settings
from pipelines.warehouse.release import current_release
from tests.conftest import (
    FIXTURES,
    ICTBENCH,
    REPO_ROOT,
)
from tests.db import query
from tests.graph_runner import settings_for

VENV_BIN = Path(sys.executable).parent
BUSY = "another refresh of this warehouse is running"


def refresh_job_def() -> JobDefinition:
    """`refresh_job` of the code location, for `reconstructable` (a run worker's view)."""
    return defs.resolve_job_def(REFRESH_JOB)


def launch_like_the_ui(instance: DagsterInstance, settings: Settings) -> JobExecutionResult:
    """A run of `refresh_job` over every edition partition on the warehouse's instance,
    executed as a run worker executes a run the UI launched (the UI's run config: this
    warehouse, no PDFs)."""
    return execute_job(
        reconstructable(refresh_job_def),
        instance=instance,
        tags={**range_tags(None), "ictbench/trigger": "ui"},
        run_config=run_config(settings, pdf=False),
    )


class Follow:
    """Reads a process's stdout and stderr as they come (the pipes never fill up)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.out: list[str] = []
        self.err: list[str] = []
        self.threads = [
            threading.Thread(target=self._read, args=(process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(process.stderr, self.err), daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    @staticmethod
    def _read(stream: object, into: list[str]) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            into.append(line)

    def wait_for(self, ready: Callable[[str], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready("".join(self.out)):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"not reached:\n{''.join(self.out)}\n{''.join(self.err)}")

    def finish(self, timeout: float) -> tuple[int, str, str]:
        code = self.process.wait(timeout=timeout)
        for thread in self.threads:
            thread.join(timeout=30)
        return code, "".join(self.out), "".join(self.err)


def wait_for_holder(lock_file: Path, prefix: str, timeout: float = 300) -> str:
    """Wait until the lock file names a holder starting with `prefix` (read, never locked:
    probing the lock could make the holder's own attempt fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock_file.exists() and (holder := lock_file.read_text()).startswith(prefix):
            return holder
        time.sleep(0.05)
    raise AssertionError(f"no holder {prefix!r} in {lock_file}")


def wait_until_finished(instance: DagsterInstance, run_id: str, timeout: float) -> RunRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = instance.get_run_record_by_id(run_id)
        if record is not None and record.dagster_run.is_finished:
            return record
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish in {timeout} s")


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in a session of its own, and everything it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


def failures(events: Sequence[EventLogEntry]) -> list[str]:
    """Why a run failed: its failure events' innermost errors (as the CLI words them)."""
    reasons = []
    for entry in events:
        event = entry.dagster_event
        if event is not None and (event.is_step_failure or event.is_failure):
            error = getattr(event.event_specific_data, "error", None)
            reasons.append(f"{event.step_key}: {error_text(error) if error else entry.message}")
    return reasons


def every_event_text(instance: DagsterInstance, run_id: str) -> str:
    """Everything the run's event log holds (messages, errors with their causes)."""
    return "\n".join(repr(entry) for entry in instance.all_logs(run_id))


def test_the_warehouse_instance_queues_runs_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance the CLI and `make ui` share queues UI, sensor and schedule runs and
    starts one at a time (an in-process CLI run counts as one in progress)."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))  # restored after the test
    home = prepare_dagster_home(settings_for(tmp_path / "landing", tmp_path / "warehouse"))
    assert os.environ["DAGSTER_HOME"] == str(home)
    with DagsterInstance.get() as instance:
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None and queue.max_concurrent_runs == 1


@pytest.mark.slow
def test_one_refresh_at_a_time_whoever_launches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "small_landing", landing)
    warehouse = tmp_path / "warehouse"
    settings = settings_for(landing, warehouse)
    env = os.environ | {"ICTBENCH_LANDING": str(landing), "ICTBENCH_WAREHOUSE": str(warehouse)}
    monkeypatch.setenv("DAGSTER_HOME", str(settings.dagster_home))
    prepare_dagster_home(settings)  # what `make ui` does first
    env["DAGSTER_HOME"] = str(settings.dagster_home)

    # A run launched from the UI goes to the instance's run queue (the UI submits it as
    # `dagster job launch` does): it waits there for the daemon.
    ui_tags = {**range_tags(None), "ictbench/trigger": "ui"}
    config = json.dumps(run_config(settings, pdf=False))
    launch = ["job", "launch", "-w", "workspace.yaml", "-j", REFRESH_JOB]
    launched = subprocess.run(
        [
            str(VENV_BIN / "dagster"),
            *launch,
            "--tags",
            json.dumps(ui_tags),
            "--config-json",
            config,
        ],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert launched.returncode == 0, launched.stdout + launched.stderr
    with DagsterInstance.get() as instance:
        (queued,) = instance.get_runs(filters=RunsFilter(tags={"ictbench/trigger": "ui"}))
        assert queued.status == DagsterRunStatus.QUEUED

    # `ictbench refresh` runs; the daemon (as `make ui` runs it) keeps the UI's run queued
    # meanwhile; and a run that starts anyway fails at once, naming the CLI's process and
    # run, without touching anything.
    cli = subprocess.Popen(
        [*ICTBENCH, "refresh", "--no-pdf"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    follow = Follow(cli)
    daemon: subprocess.Popen[bytes] | None = None
    try:
        follow.wait_for(lambda out: "ingest …" in out, timeout=600)
        with (tmp_path / "daemon.log").open("wb") as daemon_log:
            daemon = subprocess.Popen(
                [str(VENV_BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                env=env,
                cwd=REPO_ROOT,
                stdout=daemon_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its runs
            )
        with DagsterInstance.get() as instance:
            (cli_run,) = instance.get_runs(filters=RunsFilter(tags={"ictbench/trigger": "cli"}))
            assert cli_run.status == DagsterRunStatus.STARTED
            ui = launch_like_the_ui(instance, settings)
            assert not ui.success
            assert cli.poll() is None  # refused while the CLI's refresh still runs
            holder = f"{BUSY} (pid {cli.pid}, Dagster run {cli_run.run_id})"
            outcome = outcome_of(ui)  # type: ignore[arg-type]
            assert outcome.locked and not outcome.published
            assert outcome.reasons and outcome.reasons[0].startswith(holder), outcome.reasons
            assert not [e for e in ui.all_events if e.is_step_start]  # nothing ran
            events = every_event_text(instance, ui.run_id)
            assert holder in events
            assert "Conflicting lock" not in events
            assert instance.get_run_by_id(ui.run_id).status == DagsterRunStatus.FAILURE  # type: ignore[union-attr]
        code, out, err = follow.finish(timeout=900)
        # The CLI's refresh went on undisturbed and published.
        assert code == 0, out + err
        assert "Conflicting lock" not in out + err
        # Then the daemon starts the queued run: after the CLI's run ended, and it succeeds.
        with DagsterInstance.get() as instance:
            record = wait_until_finished(instance, queued.run_id, timeout=900)
            cli_record = instance.get_run_record_by_id(cli_run.run_id)
            queued_events = instance.all_logs(queued.run_id)
        assert record.dagster_run.status == DagsterRunStatus.SUCCESS, failures(queued_events)
        assert cli_record is not None and cli_record.end_time is not None
        assert record.start_time is not None and record.start_time >= cli_record.end_time
        assert BUSY not in repr(queued_events) and "Conflicting lock" not in repr(queued_events)
    finally:
        if cli.poll() is None:
            cli.kill()
        follow.finish(timeout=900)
        if daemon is not None:
            stop_process_group(daemon)
    assert query(settings.published_db, "select count(*) from marts.submissions") == [(10,)]
    first = current_release(warehouse)
    assert first is not None

    # The other way round: a Dagster run holds the warehouse (rebuilding everything, the
    # build being lost) and `ictbench refresh` is refused with exit code 3, naming it.
    shutil.rmtree(settings.build_dir)
    refused: list[subprocess.CompletedProcess[str]] = []
    holders: list[str] = []

    def cli_while_held() -> None:
        holders.append(wait_for_holder(settings.lock_file, f"{os.getpid()}, Dagster run "))
        refused.append(
            subprocess.run(
                [*ICTBENCH, "refresh", "--no-pdf"],
                env=env,
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        )

    second_cli = threading.Thread(target=cli_while_held)
    second_cli.start()
    try:
        with DagsterInstance.get() as instance:
            held = launch_like_the_ui(instance, settings)
    finally:
        second_cli.join(timeout=900)
    assert held.success, outcome_of(held).reasons  # type: ignore[arg-type]
    assert holders == [f"{os.getpid()}, Dagster run {held.run_id}"]
    (result,) = refused
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"{BUSY} (pid {os.getpid()}, Dagster run {held.run_id})" in result.stderr
    assert "previous release, if any, is untouched" in result.stderr
    assert "Conflicting lock" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    second = current_release(warehouse)
    assert second is not None and second["release_id"] != first["release_id"]
    assert second["tables"] == first["tables"]  # the same landing zone, the same release
