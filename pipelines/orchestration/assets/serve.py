"""Serve stage: the published release, also in PostgreSQL for BI servers.

`ICTBENCH_POSTGRES_URL` is read from the environment (or `.env`) when the step runs, never
from run config, so its password shows in no run config, UI page, event or log line
(pipelines/warehouse/postgres.py redacts every message). Unset: the step says so and
succeeds. A failure leaves the DuckDB release published (it already is) and fails this
step only: the reports and feedback files depend on `published_release` alone.
"""

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from pipelines.orchestration.assets.publish import published_release
from pipelines.orchestration.resources import WarehouseResource
from pipelines.settings import POSTGRES_URL_VAR, SettingsError, load_settings
from pipelines.warehouse.postgres import (
    PostgresPublishError,
    publish_to_postgres,
    published_release_files,
)


@asset(
    group_name="publish",
    deps=[published_release],
    kinds={"postgres"},
    description=(
        "The published release served by PostgreSQL (when ICTBENCH_POSTGRES_URL is set): "
        "schema marts, swapped in atomically, readable by the reader role "
        "(ICTBENCH_POSTGRES_READER, default ictbench_reader)."
    ),
)
def postgres_release(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> MaterializeResult:
    try:
        served = load_settings()
    except SettingsError as exc:
        raise Failure(description=f"PostgreSQL was not updated: {exc}") from None
    if not served.postgres_url:
        context.log.info(
            f"not configured ({POSTGRES_URL_VAR} is not set): the release is served as "
            "DuckDB and Parquet only"
        )
        return MaterializeResult(metadata={"status": "not configured"})
    try:
        release = published_release_files(warehouse.settings.warehouse)
    except PostgresPublishError as exc:
        raise Failure(description=f"PostgreSQL was not updated: {exc}") from None
    try:
        publication = publish_to_postgres(
            served.postgres_url,
            release.database,
            release.release_id,
            served.postgres_reader_role,
        )
    except PostgresPublishError as exc:
        raise Failure(
            description=f"the DuckDB release {release.release_id} is published; "
            f"PostgreSQL was not updated: {exc}"
        ) from None
    for warning in publication.warnings:
        context.log.warning(warning)
    context.log.info(
        f"{publication.target} serves release {publication.release_id} in schema marts "
        f"({len(publication.tables)} tables, {publication.rows} rows, "
        f"{publication.seconds:.1f} s; reader role {publication.reader_role})"
    )
    return MaterializeResult(
        metadata={
            "status": "published",
            "release_id": publication.release_id,
            "target": publication.target,
            "reader_role": publication.reader_role,
            "rows": MetadataValue.json(publication.tables),
        }
    )
