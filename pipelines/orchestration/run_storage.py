"""Housekeeping of the warehouse's Dagster instance, done by every run that takes the
warehouse (whoever launched it): run history with a retention, and no dead run left
STARTED to block the one-at-a-time run queue."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

# The instance keeps this many runs (with their event logs and captured output).
KEEP_RUNS = 100


def prune_runs(instance: DagsterInstance, keep: int = KEEP_RUNS) -> int:
    """Delete every run but the newest `keep`: its record, its event log (also the
    per-run SQLite file of a local instance) and its captured output."""
    old = instance.get_runs(cursor=None, limit=None)[keep:]
    for run in old:
        instance.delete_run(run.run_id)
        instance.compute_log_manager.delete_logs(prefix=[run.run_id])
        path_for_shard = getattr(instance.event_log_storage, "path_for_shard", None)
        if path_for_shard is not None:
            Path(path_for_shard(run.run_id)).unlink(missing_ok=True)
    return len(old)


def fail_abandoned_runs(instance: DagsterInstance, current_run_id: str) -> list[str]:
    """Runs still marked started while this run holds the warehouse's exclusive lock
    cannot be alive (a killed `ictbench refresh`, a lost run worker): mark them failed,
    so the queue (one run at a time) does not wait for them forever."""
    abandoned = [
        run
        for run in instance.get_runs(
            filters=RunsFilter(statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED])
        )
        if run.run_id != current_run_id
    ]
    for run in abandoned:
        instance.report_run_failed(
            run,
            message=f"abandoned: run {current_run_id} holds the warehouse, so this run died "
            "(killed or lost) without ending",
        )
    return [run.run_id for run in abandoned]
