"""The one Dagster code location of ictbench (`dagster dev -w workspace.yaml`)."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    Definitions,
    define_asset_job,
    in_process_executor,
)

from pipelines.orchestration.assets.ingest import cbs_reference, survey_submissions
from pipelines.orchestration.assets.publish import published_release
from pipelines.orchestration.assets.report import benchmark_reports, feedback_files
from pipelines.orchestration.assets.transform import dbt_resource, edition_models, release_models
from pipelines.orchestration.assets.validate import survey_checks
from pipelines.orchestration.automation import landing_zone_sensor, weekly_release_schedule
from pipelines.orchestration.jobs import (
    EDITION_JOB,
    INGEST_JOB,
    MODELS_JOB,
    REFERENCE_JOB,
    RELEASE_JOB,
    REPORTS_JOB,
)
from pipelines.orchestration.partitions import edition_partitions
from pipelines.orchestration.resources import WarehouseResource

reference_job = define_asset_job(
    REFERENCE_JOB,
    selection=AssetSelection.assets(cbs_reference),
    description="Load the CBS reference data (municipal division, population, mergers).",
)
ingest_job = define_asset_job(
    INGEST_JOB,
    selection=AssetSelection.assets(survey_submissions) | AssetSelection.checks(*survey_checks),
    partitions_def=edition_partitions,
    description="Ingest and validate one survey edition (blocking checks).",
)
models_job = define_asset_job(
    MODELS_JOB,
    selection=AssetSelection.assets(edition_models),
    partitions_def=edition_partitions,
    description="dbt models of validated editions; a partition range is one dbt run.",
)
edition_job = define_asset_job(
    EDITION_JOB,
    selection=AssetSelection.assets(survey_submissions, edition_models)
    | AssetSelection.checks(*survey_checks),
    partitions_def=edition_partitions,
    description="Ingest, validate and model one survey edition (partition = edition).",
)
release_job = define_asset_job(
    RELEASE_JOB,
    selection=AssetSelection.assets(release_models, published_release),
    description="Build the release-wide models, audit the build and publish atomically.",
)
# Feedback files and reports from the published release (a partition range is
# one run). A failure here never unpublishes anything.
reports_job = define_asset_job(
    REPORTS_JOB,
    selection=AssetSelection.assets(feedback_files, benchmark_reports),
    partitions_def=edition_partitions,
    description="Feedback files and benchmark reports of published editions.",
)

defs = Definitions(
    assets=[
        cbs_reference,
        survey_submissions,
        edition_models,
        release_models,
        published_release,
        feedback_files,
        benchmark_reports,
    ],
    asset_checks=survey_checks,
    jobs=[reference_job, ingest_job, models_job, edition_job, release_job, reports_job],
    sensors=[landing_zone_sensor],
    schedules=[weekly_release_schedule],
    resources={
        "warehouse": WarehouseResource.from_settings(),
        "dbt": dbt_resource(),
    },
    executor=in_process_executor,
)
