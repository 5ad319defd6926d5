"""`ictbench refresh | validate | status` (outputs.md): the bureau's command line.

`refresh` runs the Dagster graph in-process and records every run in the Dagster
instance under `$ICTBENCH_WAREHOUSE/dagster`, so `dagster dev` shows them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import Settings, export_for_dbt, load_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance, ExecuteInProcessResult


_LOG = Path(os.devnull)


class RefreshBlocked(RuntimeError):
    """A blocking check or a failed step stopped publication."""


def _say(message: str) -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_dagster_home(settings: Settings) -> Path:
    """The Dagster instance lives under the warehouse; the CLI and `dagster dev` share it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _quiet_run_config() -> dict[str, object]:
    # Progress and failure reasons are printed by the CLI itself (without Dagster's stack
    # traces); Dagster's event log still records everything, the UI shows it.
    return {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _error_text(error: object) -> str:
    """The innermost message of a Dagster error chain: the user code's own reason, not
    Dagster's wrapper ("Error occurred while executing op …")."""
    messages: list[str] = []
    while error is not None:
        message = str(getattr(error, "message", "") or "").strip()
        if message and "Error occurred while executing" not in message:
            messages.append(message.removeprefix("dagster._core.definitions.events.Failure: "))
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    # The wrappers come first, the user code's exception last.
    return messages[-1] if messages else "unknown error (see the refresh log)"


def _failure_reasons(result: ExecuteInProcessResult) -> list[str]:
    reasons: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            detail = evaluation.metadata.get("detail")
            text = getattr(detail, "value", detail) if detail is not None else ""
            reasons.append(f"check {evaluation.check_name} failed: {text}")
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError" and reasons:
                continue  # a blocking check: its reason is already listed above
            message = _error_text(error) if error else "unknown error"
            reasons.append(f"step {event.step_key} failed: {message}")
    skipped = [e.step_key for e in result.all_events if e.is_step_skipped]
    if skipped:
        reasons.append(
            "not built because of the above: " + ", ".join(sorted(set(map(str, skipped))))
        )
    return reasons


def contiguous_ranges(keys: Sequence[str], wanted: Sequence[str]) -> list[tuple[str, str]]:
    """Group the wanted partition keys into runs of neighbours in the partition order."""
    chosen = set(wanted)
    ranges: list[tuple[str, str]] = []
    start: str | None = None
    previous: str | None = None
    for key in keys:
        if key in chosen:
            start = start or key
            previous = key
        elif start is not None and previous is not None:
            ranges.append((start, previous))
            start = previous = None
    if start is not None and previous is not None:
        ranges.append((start, previous))
    return ranges


def _run_job(
    instance: DagsterInstance,
    settings: Settings,
    job_name: str,
    label: str,
    partition_key: str | None = None,
    partition_range: tuple[str, str] | None = None,
    op_config: dict[str, object] | None = None,
) -> None:
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    from pipelines.orchestration.definitions import defs

    started = time.perf_counter()
    _say(f"  {label} …")
    job = defs.resolve_job_def(job_name)
    tags = {"ictbench/trigger": "cli"}
    if partition_range is not None:
        tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG] = partition_range
    # dbt's own log lines go to the refresh log, not the terminal.
    with _LOG.open("a") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition_key,
            raise_on_error=False,
            run_config={
                **_quiet_run_config(),
                "ops": op_config or {},
                # The settings this refresh resolved, not those of the import's moment.
                "resources": {
                    "warehouse": {
                        "config": {
                            "landing": str(settings.landing),
                            "warehouse": str(settings.warehouse),
                        }
                    }
                },
            },
            tags=tags,
        )
    reasons = _failure_reasons(result)
    elapsed = time.perf_counter() - started
    if not result.success or reasons:
        _say(f"  {label}: BLOCKED after {elapsed:.1f} s (run {result.run_id})")
        raise RefreshBlocked(f"{label}:\n    " + "\n    ".join(reasons or ["run failed"]))
    _say(f"  {label}: ok in {elapsed:.1f} s (run {result.run_id[:8]})")


def _editions_text(editions: Sequence[int]) -> str:
    return ", ".join(map(str, editions))


def refresh(editions: Sequence[int] | None, pdf: bool = True) -> int:
    from pipelines.cli.status import build_notice_lines
    from pipelines.core.contracts import available_editions
    from pipelines.warehouse.build_state import RefreshPlan, plan_refresh
    from pipelines.warehouse.landing import editions_in_landing
    from pipelines.warehouse.lock import RefreshLockedError, refresh_lock

    settings = load_settings()
    export_for_dbt(settings)
    if not settings.landing.is_dir():
        _err(f"ictbench: the landing zone {settings.landing} does not exist (ICTBENCH_LANDING)")
        return 2
    found = editions_in_landing(settings.survey_dir)
    requested = sorted(set(editions)) if editions else None
    wanted = requested or found
    if not wanted:
        _err(f"ictbench: no survey files found under {settings.survey_dir}/<edition>/")
        return 2
    missing_files = [e for e in wanted if e not in found]
    if missing_files:
        _err(
            f"ictbench: no survey files for edition(s) {_editions_text(missing_files)} "
            f"under {settings.survey_dir}"
        )
        return 2
    contracts = set(available_editions())
    no_contract = [e for e in found if e not in contracts]
    if no_contract:
        _err(
            f"ictbench: no data contract for edition(s) {_editions_text(no_contract)} "
            "of the landing zone (add data_contracts/edition_<YYYY>.yaml, or move its "
            "files out of the landing zone)"
        )
        return 2

    from dagster import DagsterInstance

    from pipelines.orchestration.jobs import (
        INGEST_JOB,
        MODELS_JOB,
        REFERENCE_JOB,
        RELEASE_JOB,
        REPORTS_JOB,
    )
    from pipelines.orchestration.partitions import edition_partitions

    prepare_dagster_home(settings)
    global _LOG
    logs = settings.warehouse / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _LOG = logs / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
    _say(f"ictbench refresh: editions {_editions_text(wanted)}")
    _say(f"  landing   {settings.landing}\n  warehouse {settings.warehouse}\n  log       {_LOG}")
    started = time.perf_counter()
    plan: RefreshPlan | None = None
    try:
        with refresh_lock(settings.lock_file):
            plan = plan_refresh(settings, requested)
            for edition in plan.up_to_date:
                _say(f"  edition {edition}: up to date (built from the current landing zone)")
            for edition in plan.rebuild:
                _say(f"  edition {edition}: rebuild ({plan.why[edition]})")
            for edition in plan.withdrawn:
                _say(
                    f"  edition {edition}: no longer in the landing zone; "
                    "it is dropped and no longer published"
                )
            if plan.refused:
                raise RefreshBlocked(
                    "\n".join(
                        f"edition {e} is not built from the current landing zone ({why}), "
                        "and --edition does not allow rebuilding it"
                        for e, why in plan.refused.items()
                    )
                    + "\nthe release must hold every edition of the landing zone: run "
                    "`ictbench refresh`, or add " + " ".join(f"--edition {e}" for e in plan.refused)
                )
            run_job = partial(_run_job, DagsterInstance.get(), settings)
            run_job(REFERENCE_JOB, "reference data")
            blocked: list[str] = []
            for edition in plan.rebuild:
                try:
                    run_job(INGEST_JOB, f"ingest and validate {edition}", str(edition))
                except RefreshBlocked as exc:
                    blocked.append(str(exc))
            if blocked:
                raise RefreshBlocked("\n".join(blocked))
            keys = edition_partitions.get_partition_keys()
            for first, last in contiguous_ranges(keys, [str(e) for e in plan.rebuild]):
                label = f"models {first}" if first == last else f"models {first}–{last}"
                run_job(MODELS_JOB, label, partition_range=(first, last))
            run_job(RELEASE_JOB, "audit and publish")
            # Feedback files and reports, one run per contiguous partition range.
            # The release is already published: a failure here unpublishes nothing; it is
            # reported on stderr and the exit status is 1.
            report_failures: list[str] = []
            for first, last in contiguous_ranges(keys, [str(e) for e in wanted]):
                label = f"reports {first}" if first == last else f"reports {first}–{last}"
                try:
                    run_job(
                        REPORTS_JOB,
                        label,
                        partition_range=(first, last),
                        op_config={"benchmark_reports": {"config": {"pdf": pdf}}},
                    )
                except RefreshBlocked as exc:
                    report_failures.append(str(exc))
    except RefreshLockedError as exc:
        _err(f"ictbench: {exc}")
        return 3
    except RefreshBlocked as exc:
        if settings.published_db.exists():
            _err("ictbench: publication blocked; the previous release is untouched.")
        else:
            _err("ictbench: publication blocked; nothing has been published yet.")
        _err(str(exc))
        if plan is not None:
            for line in build_notice_lines(settings.build_db, plan.rebuild):
                _err(line)
        return 1
    _say(f"published in {time.perf_counter() - started:.1f} s")
    _print_summary(settings)
    if report_failures:
        _err("ictbench: the release is published, but feedback files or reports failed:")
        _err("\n".join(report_failures))
        return 1
    return 0


def _print_summary(settings: Settings) -> None:
    from pipelines.cli.status import release_lines

    for line in release_lines(settings.published_db):
        _say(line)
    _say(f"\nrelease: {settings.published_db}")
    _say(f"parquet: {settings.published_dir / 'parquet'}")
    _say(
        "try:    duckdb -readonly "
        f'{settings.published_db} "select edition, peer_group, median '
        "from marts.peer_benchmarks where indicator_code = 'ict_cost_per_inhabitant' "
        'order by 1, 2"'
    )


def validate(path: Path, edition: int | None) -> int:
    from pipelines.cli.validate import validate_file

    settings = load_settings()
    report = validate_file(path, edition, settings)
    for line in report.lines:
        _say(line)
    return report.exit_code


def status() -> int:
    from pipelines.cli.status import print_status

    settings = load_settings()
    return print_status(settings, _say)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ictbench", description="The municipal ICT benchmark warehouse."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    refresh_cmd = commands.add_parser(
        "refresh", help="ingest, validate, build and publish (default: every edition found)"
    )
    refresh_cmd.add_argument(
        "--edition", type=int, action="append", metavar="YEAR", help="an edition (repeatable)"
    )
    refresh_cmd.add_argument(
        "--no-pdf",
        dest="pdf",
        action="store_false",
        help="write the HTML reports but not their PDFs (a PDF costs ~0.5 s per municipality)",
    )
    validate_cmd = commands.add_parser(
        "validate", help="check one survey file against its edition's contract (loads nothing)"
    )
    validate_cmd.add_argument("file", type=Path)
    validate_cmd.add_argument(
        "--edition",
        type=int,
        metavar="YEAR",
        help="the edition (default: the folder's, for a file in <landing>/survey/<YYYY>/)",
    )
    commands.add_parser("status", help="per edition: loaded, rejected, flagged, published")
    return parser


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "refresh":
        return refresh(args.edition, pdf=args.pdf)
    if args.command == "validate":
        return validate(args.file, args.edition)
    return status()


def main(argv: Sequence[str] | None = None) -> int:
    """Every refusal names its cause on stderr; no stack trace reaches the terminal (the
    refresh log and the Dagster event log keep the details)."""
    import duckdb

    from pipelines.orchestration.resources import BuildInUseError
    from pipelines.settings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return _run_command(args)
    except SettingsError as exc:
        _err(f"ictbench: {exc}")
        return 2
    except BuildInUseError as exc:
        _err(f"ictbench: {exc}")
        _err("  (nothing new was published; the previous release, if any, is untouched)")
        return 1
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _err(f"ictbench: cannot write or read the warehouse{where}: {exc.strerror or exc}")
        _err("  (nothing new was published; the previous release, if any, is untouched)")
        return 1
    except duckdb.Error as exc:
        _err(f"ictbench: the warehouse database refused: {exc}")
        _err("  (nothing new was published; the previous release, if any, is untouched)")
        return 1
    except Exception as exc:  # the last resort: a cause in words, the trace in the log
        import traceback

        with contextlib.suppress(OSError), _LOG.open("a") as log:
            traceback.print_exc(file=log)
        _err(f"ictbench: failed: {type(exc).__name__}: {exc}")
        if Path(os.devnull) != _LOG:
            _err(f"  details: {_LOG}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
