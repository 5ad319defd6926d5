"""Automation: a change in the landing zone starts a refresh; a weekly schedule refreshes
too (late submissions arrive for weeks). Both launch `refresh_job` over every edition:
the run rebuilds what changed, publishes, and renders the feedback files and reports.

Both are off by default: switch them on in the UI (`make ui`, Automation) or with
`dagster sensor start landing_zone_sensor -w workspace.yaml` /
`dagster schedule start weekly_refresh -w workspace.yaml` with
`DAGSTER_HOME=$ICTBENCH_WAREHOUSE/dagster` (README, Orchestration).
"""

from __future__ import annotations

import fcntl
import hashlib

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    schedule,
    sensor,
)

from pipelines.core.contracts import available_editions, contract_path
from pipelines.orchestration.jobs import REFRESH_JOB, TRIGGER_TAG
from pipelines.orchestration.partitions import range_tags
from pipelines.settings import Settings, load_settings
from pipelines.warehouse.build_db import BuildInUseError
from pipelines.warehouse.build_state import RefreshPlan, plan_refresh
from pipelines.warehouse.landing import editions_in_landing
from pipelines.warehouse.release import current_release


def refresh_running(settings: Settings) -> bool:
    """Whether a run holds the warehouse's lock (pipelines/warehouse/lock.py). Probed with
    a shared lock released at once: the sensor must not open the build database while a
    run works in it (DuckDB refuses a writer while another process has the file open, so
    the run's next step would fail)."""
    if not settings.lock_file.exists():
        return False
    with settings.lock_file.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


def refresh_run_key(plan: RefreshPlan, settings: Settings) -> str:
    """One run per state of the landing zone *and* of the release: the daemon starts no
    second run for a run key it has seen, so while a refresh is queued or running (or
    failed, until something changes) the same state starts nothing new; a state seen
    before (a file replaced, then put back) after another release does start a run."""
    release = current_release(settings.warehouse) or {}
    state = [f"{e}:{f.digest}" for e, f in sorted(plan.landing.items())]
    state.append(f"release:{release.get('release_id', '')}")
    return hashlib.sha256("\n".join(state).encode()).hexdigest()[:24]


@sensor(
    job_name=REFRESH_JOB,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Starts a refresh when an edition's files (or the reference data, a contract or "
        "the code) differ from what the build holds, or an edition left the landing zone."
    ),
)
def landing_zone_sensor(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    settings = load_settings()
    known = set(available_editions())
    for edition in editions_in_landing(settings.survey_dir):
        if edition not in known:
            context.log.warning(
                f"edition {edition} is in the landing zone but has no data contract "
                f"({contract_path(edition)}); not loaded"
            )
    if refresh_running(settings):
        return SkipReason("a refresh of this warehouse is running; looking again at the next tick")
    try:
        plan = plan_refresh(settings, None)
    except BuildInUseError:
        return SkipReason("the build database is in use; looking again at the next tick")
    if not plan.landing:
        return SkipReason(f"no publishable edition under {settings.survey_dir}")
    if not plan.rebuild and not plan.withdrawn:
        return SkipReason("the build holds the current landing zone")
    changed = [f"edition {e} ({plan.why[e]})" for e in plan.rebuild]
    changed += [f"edition {e} (left the landing zone)" for e in plan.withdrawn]
    context.log.info("refresh: " + "; ".join(changed))
    return RunRequest(
        run_key=refresh_run_key(plan, settings),
        tags={**range_tags(None), TRIGGER_TAG: "sensor"},
    )


@schedule(
    name="weekly_refresh",
    job_name=REFRESH_JOB,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Amsterdam",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every Monday 06:00: refresh over every edition (publishes if clean).",
)
def weekly_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    return RunRequest(tags={**range_tags(None), TRIGGER_TAG: "schedule"})
