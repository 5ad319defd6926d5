"""Sensors and schedules: new files in the landing zone start an edition run; a weekly
schedule audits and publishes what has been built (late submissions arrive for weeks)."""

from __future__ import annotations

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from pipelines.core.contracts import available_editions
from pipelines.orchestration.jobs import EDITION_JOB, RELEASE_JOB
from pipelines.settings import load_settings
from pipelines.warehouse.fingerprints import edition_fingerprint
from pipelines.warehouse.landing import editions_in_landing


def landing_fingerprint(edition: int) -> str:
    """What the edition's tables would be built from now (pipelines/warehouse/fingerprints.py):
    a new run key whenever its files, its contract, the reference data or the code change."""
    return edition_fingerprint(load_settings(), edition).digest[:16]


@sensor(
    job_name=EDITION_JOB,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.STOPPED,
    description="Starts an edition run when the files of an edition change in the landing zone.",
)
def landing_zone_sensor(context: SensorEvaluationContext):
    settings = load_settings()
    known = set(available_editions())
    requests = []
    for edition in editions_in_landing(settings.survey_dir):
        if edition not in known:
            context.log.warning(
                f"edition {edition} is in the landing zone but has no data contract "
                f"(data_contracts/edition_{edition}.yaml); not loaded"
            )
            continue
        fingerprint = landing_fingerprint(edition)
        requests.append(RunRequest(run_key=f"{edition}-{fingerprint}", partition_key=str(edition)))
    return requests or SkipReason(f"no survey files under {settings.survey_dir}")


weekly_release_schedule = ScheduleDefinition(
    name="weekly_release",
    job_name=RELEASE_JOB,
    cron_schedule="0 6 * * 1",
    execution_timezone="Europe/Amsterdam",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every Monday 06:00: build the release models, audit, publish if clean.",
)
