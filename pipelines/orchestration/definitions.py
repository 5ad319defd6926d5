"""The one Dagster code location of ictbench (`dagster dev -w workspace.yaml`)."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from pipelines.orchestration.assets.docs import data_dictionary
from pipelines.orchestration.assets.ingest import cbs_reference, survey_submissions
from pipelines.orchestration.assets.publish import published_release
from pipelines.orchestration.assets.report import benchmark_reports, feedback_files
from pipelines.orchestration.assets.serve import postgres_release
from pipelines.orchestration.assets.transform import dbt_resource, edition_models, release_models
from pipelines.orchestration.assets.validate import survey_checks
from pipelines.orchestration.automation import landing_zone_sensor, weekly_refresh_schedule
from pipelines.orchestration.jobs import refresh_job
from pipelines.orchestration.resources import WarehouseResource

defs = Definitions(
    assets=[
        cbs_reference,
        survey_submissions,
        edition_models,
        release_models,
        data_dictionary,
        published_release,
        postgres_release,
        feedback_files,
        benchmark_reports,
    ],
    asset_checks=survey_checks,
    jobs=[refresh_job],
    sensors=[landing_zone_sensor],
    schedules=[weekly_refresh_schedule],
    resources={
        "warehouse": WarehouseResource.from_settings(),
        "dbt": dbt_resource(),
    },
    # One process: the run-wide warehouse lock (WarehouseResource) and the DuckDB build
    # file are held by one run at a time.
    executor=in_process_executor,
)
