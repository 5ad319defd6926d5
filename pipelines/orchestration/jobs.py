"""The one refresh job: every asset and check of ictbench, in one run over a range of
edition partitions. The CLI, the UI, the sensor, the schedule and the tests launch it."""

from dagster import AssetSelection, define_asset_job

from pipelines.orchestration.partitions import edition_partitions

REFRESH_JOB = "refresh_job"
# Who launched a refresh run (`cli`, `sensor`, `schedule`, …).
TRIGGER_TAG = "ictbench/trigger"

refresh_job = define_asset_job(
    REFRESH_JOB,
    selection=AssetSelection.all(),
    partitions_def=edition_partitions,
    description=(
        "Refresh the warehouse from the landing zone: CBS reference data → ingest and "
        "blocking checks of every stale edition → dbt models → audit → atomic publication "
        "→ feedback files and reports. Launch it over every edition partition (a full "
        "refresh rebuilds what changed) or over some (only those may be rebuilt)."
    ),
)
