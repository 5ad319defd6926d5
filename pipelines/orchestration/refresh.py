"""Launch the one refresh definition (`refresh_job`) in this process, against the
warehouse's Dagster instance, and follow it through its events.

The CLI and the tests call `run_refresh`; the UI, the sensor and the schedule launch the
same job through Dagster. The stage order lives in the asset graph only: this module
knows no stage, it reads what the run's events say.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import Settings
from pipelines.warehouse.lock import RefreshLockedError

if TYPE_CHECKING:
    from dagster import DagsterInstance, EventLogEntry, ExecuteInProcessResult

# The Dagster instance of a warehouse (`$ICTBENCH_WAREHOUSE/dagster/dagster.yaml`), shared
# by the CLI and `make ui`. Runs launched from the UI, the sensor or the schedule wait in
# the queue for the one before them; a run started while another holds the warehouse
# (e.g. `ictbench refresh` while a UI run works) fails at once, naming the holder.
INSTANCE_CONFIG = """\
# Written by ictbench (pipelines/orchestration/refresh.py).
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
"""

PUBLISH_STEP = "published_release"


def prepare_dagster_home(settings: Settings) -> Path:
    """The Dagster instance lives under the warehouse; the CLI and `dagster dev` share it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    # A dagster.yaml of the bureau's own is kept; ours is brought up to date.
    current = config.read_text() if config.exists() else None
    if current is None or (
        current.startswith("# Written by ictbench") and current != INSTANCE_CONFIG
    ):
        config.write_text(INSTANCE_CONFIG)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class RefreshOutcome:
    """What a refresh run did, read from its events."""

    run_id: str
    success: bool
    published: bool
    # Why it failed: blocking checks and failed steps, in the user code's own words.
    reasons: list[str] = field(default_factory=list)
    # The step that failed first (None: none failed).
    failed_step: str | None = None
    # The warehouse was held by another run: nothing ran.
    locked: bool = False
    # The run itself, for a caller that wants more than the above (tests).
    result: ExecuteInProcessResult | None = field(default=None, repr=False)


def error_text(error: object) -> str:
    """The innermost message of a Dagster error chain: the user code's own reason, not
    Dagster's wrapper ("Error occurred while executing op …")."""
    messages: list[str] = []
    while error is not None:
        message = str(getattr(error, "message", "") or "").strip()
        if message and "Error occurred while executing" not in message:
            # "package.module.SomeError: reason" → "reason" (Failure: the description)
            head, _, rest = message.partition(": ")
            if rest and head.split(".")[-1] == getattr(error, "cls_name", None):
                message = rest
            messages.append(message)
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    # The wrappers come first, the user code's exception last.
    return messages[-1] if messages else "unknown error (see the refresh log)"


def _error_classes(error: object) -> set[str]:
    classes: set[str] = set()
    while error is not None:
        classes.add(str(getattr(error, "cls_name", "")))
        error = getattr(error, "cause", None) or getattr(error, "context", None)
    return classes


def outcome_of(result: ExecuteInProcessResult) -> RefreshOutcome:
    """Read a finished run: failed checks, failed steps (innermost reason), skipped steps."""
    reasons: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            detail = evaluation.metadata.get("detail")
            text = getattr(detail, "value", detail) if detail is not None else ""
            reasons.append(f"check {evaluation.check_name} failed: {text}")
    failed_step: str | None = None
    locked = False
    for event in result.all_events:
        error = None
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
        elif event.is_failure and event.event_specific_data is not None:  # e.g. resource init
            error = getattr(event.event_specific_data, "error", None)
        if error is None and not event.is_step_failure:
            continue
        if not event.is_step_failure and failed_step is not None:
            continue  # the run's failure repeats its step's
        locked = locked or RefreshLockedError.__name__ in _error_classes(error)
        if event.is_step_failure:
            failed_step = failed_step or str(event.step_key)
        if error is not None and error.cls_name == "DagsterAssetCheckFailedError" and reasons:
            continue  # a blocking check: its reason is already listed above
        message = error_text(error) if error else "unknown error"
        where = f"step {event.step_key} failed" if event.step_key else "run failed"
        if locked:
            reasons = [message]
            break
        reasons.append(f"{where}: {message}")
    skipped = sorted({str(e.step_key) for e in result.all_events if e.is_step_skipped})
    if skipped and not locked:
        reasons.append("not built because of the above: " + ", ".join(skipped))
    published = any(e.is_step_success and e.step_key == PUBLISH_STEP for e in result.all_events)
    return RefreshOutcome(
        run_id=result.run_id,
        success=result.success and not reasons,
        published=published,
        reasons=reasons,
        failed_step=failed_step,
        locked=locked,
        result=result,
    )


@contextmanager
def _following(
    instance: DagsterInstance, run_id: str, on_event: Callable[[EventLogEntry], None] | None
) -> Iterator[None]:
    """Call `on_event` with each event of the run as it is stored (a reader thread)."""
    if on_event is None:
        yield
        return
    stop = threading.Event()
    cursor: list[str | None] = [None]

    def drain() -> None:
        connection = instance.get_records_for_run(run_id, cursor=cursor[0])
        cursor[0] = connection.cursor
        for record in connection.records:
            on_event(record.event_log_entry)

    def follow() -> None:
        while not stop.wait(0.2):
            drain()

    thread = threading.Thread(target=follow, name="ictbench-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        drain()


def run_config(settings: Settings, pdf: bool = True, quiet: bool = True) -> dict[str, object]:
    """The run's configuration: this warehouse (not the one of the import's moment)."""
    config: dict[str, object] = {
        "ops": {"benchmark_reports": {"config": {"pdf": pdf}}},
        "resources": {
            "warehouse": {
                "config": {"landing": str(settings.landing), "warehouse": str(settings.warehouse)}
            }
        },
    }
    if quiet:
        # The CLI prints progress and reasons itself, from the events; the event log
        # keeps everything, the UI shows it.
        config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
    return config


def run_refresh(
    settings: Settings,
    instance: DagsterInstance,
    editions: Sequence[int] | None = None,
    *,
    pdf: bool = True,
    trigger: str = "cli",
    on_event: Callable[[EventLogEntry], None] | None = None,
) -> RefreshOutcome:
    """One run of `refresh_job` over every edition partition, or over the range spanning
    `editions` (then only those may be rebuilt)."""
    from pipelines.orchestration.definitions import defs
    from pipelines.orchestration.jobs import REFRESH_JOB, TRIGGER_TAG
    from pipelines.orchestration.partitions import range_tags

    run_id = str(uuid.uuid4())
    job = defs.resolve_job_def(REFRESH_JOB)
    with _following(instance, run_id, on_event):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            raise_on_error=False,
            run_config=run_config(settings, pdf=pdf),
            tags={**range_tags(editions), TRIGGER_TAG: trigger},
        )
    return outcome_of(result)
