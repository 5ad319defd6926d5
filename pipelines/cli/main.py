"""`ictbench refresh | validate | status | publish-postgres` (outputs.md): the bureau's
command line.

`refresh` launches the one refresh definition (`refresh_job`, see
pipelines/orchestration/refresh.py) in this process and prints its progress from the
run's events; every run is recorded in the Dagster instance under
`$ICTBENCH_WAREHOUSE/dagster`, so `make ui` shows them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipelines.settings import Settings, export_for_dbt, load_settings

if TYPE_CHECKING:
    from dagster import EventLogEntry


_LOG = Path(os.devnull)
# `$ICTBENCH_WAREHOUSE/logs/refresh-*.log`: the newest are kept, older ones deleted.
KEEP_LOGS = 50
# After a refusal that stopped the run before publication (a busy warehouse, an I/O error).
UNTOUCHED = "  (nothing new was published; the previous release, if any, is untouched)"


def _say(message: str) -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _editions_text(editions: Sequence[int]) -> str:
    return ", ".join(map(str, editions))


# What the CLI calls the steps of `refresh_job` (a step it does not know keeps its name).
STEP_LABELS = {
    "cbs_reference": "reference data",
    "survey_submissions": "ingest",
    "edition_models": "edition models (dbt)",
    "release_models": "release models (dbt)",
    "published_release": "audit and publish",
    "postgres_release": "PostgreSQL",
    "feedback_files": "feedback files",
    "benchmark_reports": "reports",
}
CHECK_STEP_PREFIX = "raw__survey_submissions_"


def step_label(step: str) -> str:
    if step.startswith(CHECK_STEP_PREFIX):
        return "check " + step.removeprefix(CHECK_STEP_PREFIX).replace("_", " ")
    return STEP_LABELS.get(step, step)


class Progress:
    """Prints a refresh's progress from its run's events, as they are stored."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.started: dict[str, float] = {}

    def _say(self, message: str) -> None:
        print(message, file=self.out, flush=True)

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        step = entry.step_key or ""
        label = step_label(step)
        if event is None:
            # The assets' own words (the plan, unread files, warnings), not dbt's chatter.
            level = (
                logging.getLevelName(entry.level) if isinstance(entry.level, str) else entry.level
            )
            ours = label != step and not step.endswith("_models")
            if ours and isinstance(level, int) and level >= logging.INFO and entry.user_message:
                self._say(f"    {entry.user_message}")
            return
        if event.is_step_start:
            self.started[step] = entry.timestamp
            self._say(f"  {label} …")
        elif event.is_step_success:
            elapsed = entry.timestamp - self.started.get(step, entry.timestamp)
            self._say(f"  {label}: ok in {elapsed:.1f} s")
        elif event.is_step_failure:
            self._say(f"  {label}: FAILED")


def refresh(editions: Sequence[int] | None, pdf: bool = True) -> int:
    from dagster import DagsterInstance

    from pipelines.cli.status import build_notice_lines
    from pipelines.core.contracts import available_editions, contract_path
    from pipelines.orchestration.refresh import prepare_dagster_home, run_refresh
    from pipelines.warehouse.landing import editions_in_landing

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
            f"of the landing zone (add {contract_path(no_contract[0]).parent}/"
            "edition_<YYYY>.yaml, or move its files out of the landing zone)"
        )
        return 2

    prepare_dagster_home(settings)
    global _LOG
    logs = settings.warehouse / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _LOG = logs / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
    for old_log in sorted(logs.glob("refresh-*.log"))[:-KEEP_LOGS]:
        old_log.unlink(missing_ok=True)
    _say(f"ictbench refresh: editions {_editions_text(wanted)}")
    _say(f"  landing   {settings.landing}\n  warehouse {settings.warehouse}\n  log       {_LOG}")
    started = time.perf_counter()
    # dbt's own log lines go to the refresh log, not the terminal; progress does.
    progress = Progress(sys.stdout)
    with _LOG.open("a") as log, contextlib.redirect_stdout(log):
        outcome = run_refresh(
            settings, DagsterInstance.get(), requested, pdf=pdf, on_event=progress
        )
    elapsed = time.perf_counter() - started
    if outcome.locked:
        _err(f"ictbench: {outcome.reasons[0] if outcome.reasons else 'the warehouse is busy'}")
        _err(UNTOUCHED)
        return 3
    if not outcome.published:
        if settings.published_db.exists():
            _err("ictbench: publication blocked; the previous release is untouched.")
        else:
            _err("ictbench: publication blocked; nothing has been published yet.")
        _err("\n".join(outcome.reasons or [f"run {outcome.run_id} failed"]))
        _err(f"  (Dagster run {outcome.run_id}; details: {_LOG})")
        for line in build_notice_lines(settings.build_db, _unfinished_editions(settings)):
            _err(line)
        return 1
    _say(f"published in {elapsed:.1f} s (Dagster run {outcome.run_id[:8]})")
    _print_summary(settings)
    if not outcome.success:
        _err("ictbench: the DuckDB release is published, but a step after publication failed:")
        _err("\n".join(outcome.reasons))
        return 1
    return 0


def _unfinished_editions(settings: Settings) -> list[int] | None:
    """The editions a blocked run ingested but did not model (what its notices are about)."""
    from pipelines.warehouse.build_state import open_build_read_only, unmodelled_editions

    try:
        con = open_build_read_only(settings.build_db)
    except Exception:  # e.g. a stopped dbt still holds it: the notices are a courtesy
        return None
    if con is None:
        return None
    try:
        return unmodelled_editions(con) or None
    except Exception:
        return None
    finally:
        con.close()


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


def publish_postgres() -> int:
    from pipelines.cli.postgres import publish_postgres as send

    return send(load_settings(), _say, _err)


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
        help="write the HTML reports but not their PDFs (a PDF costs ~0.3 s CPU per report)",
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
    commands.add_parser(
        "publish-postgres",
        help="send the published release to PostgreSQL again (ICTBENCH_POSTGRES_URL)",
    )
    return parser


def _run_command(args: argparse.Namespace) -> int:
    if args.command == "refresh":
        return refresh(args.edition, pdf=args.pdf)
    if args.command == "validate":
        return validate(args.file, args.edition)
    if args.command == "publish-postgres":
        return publish_postgres()
    return status()


def main(argv: Sequence[str] | None = None) -> int:
    """Every refusal names its cause on stderr; no stack trace reaches the terminal (the
    refresh log and the Dagster event log keep the details)."""
    import duckdb

    from pipelines.settings import SettingsError
    from pipelines.warehouse.build_db import BuildInUseError

    args = build_parser().parse_args(argv)
    try:
        return _run_command(args)
    except SettingsError as exc:
        _err(f"ictbench: {exc}")
        return 2
    except BuildInUseError as exc:
        _err(f"ictbench: {exc}")
        _err(UNTOUCHED)
        return 1
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        _err(f"ictbench: cannot write or read the warehouse{where}: {exc.strerror or exc}")
        _err(UNTOUCHED)
        return 1
    except duckdb.Error as exc:
        _err(f"ictbench: the warehouse database refused: {exc}")
        _err(UNTOUCHED)
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
